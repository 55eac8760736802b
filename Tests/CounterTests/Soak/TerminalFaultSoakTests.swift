import Access
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

/// Terminal-fault soak: every fault mode of the simulator × N card payments through the
/// counter service and the real driver over TCP. For each payment the outcome must be defined
/// (booked, refused with a German message, or pending and then resolved with the terminal) within
/// the protocol's timeouts, and at the end the ledger verifies and agrees with the terminal's
/// journal: every approval the terminal committed is booked (or reversed), every booked card
/// payment is committed at the terminal, nothing is booked twice.
///
/// N = `WEBKASSE_SOAK_PAYMENTS` (default 4 in the test suite; `scripts/soak faults` uses 50).
final class TerminalFaultSoakTests: XCTestCase {
    static let t3Ms: Int64 = 300, t4Ms: Int64 = 900

    func testEveryFaultModeLeavesLedgerAndTerminalInAgreement() throws {
        let perFault = Int(ProcessInfo.processInfo.environment["WEBKASSE_SOAK_PAYMENTS"] ?? "") ?? 4
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: Int(Self.t3Ms), t4Ms: Int(Self.t4Ms))
        configuration.seed = 7
        let simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        defer { simulator.stop() }

        let directory = try TemporaryDirectory(prefix: "fault-soak")
        defer { directory.remove() }
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        let terminal = try ZVTCardTerminal(
            address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: Self.t3Ms, t4Ms: Self.t4Ms, completionGraceMs: 2 * Self.t3Ms))
        let service = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Soak", terminal: terminal, receiptDirectory: directory.path + "/K1/receipts")
        let access = AccessControl(store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        let clerk = try access.setUp(login: "soak", name: "Soak", pin: "1357", pinRepeated: "1357")
        try service.openShift(operatorId: clerk.id, float: Money(euros: 100))
        // A terminal in service has a last transaction: without one, a lost answer stays pending
        // until settled by hand (an answer without 04 0F proves nothing, CardSettlement.swift).
        _ = try service.bookSale(
            SaleRequest(saleId: "soak-0", operatorId: clerk.id, lines: [Self.line(cents: 1_034)], payment: .card, startedAt: Instant.now))

        // The longest a payment may take: T3 for the acknowledgement, T4 (extended once by 04 FF
        // at most to 1.5 × T4 by the slow-extended fault), plus recovery (reconnect, repeat receipt).
        let limitSeconds = Double(2 * Self.t3Ms + 2 * Self.t4Ms + 4 * Self.t3Ms + 2 * Self.t4Ms) / 1000 + 1.0
        var counts: [String: [String: Int]] = [:]
        var slowest = 0.0
        var index = 0
        for fault in Fault.allCases {
            // The missing Completion only happens after an error: pair that fault with a decline.
            let scenario = Scenario(fault == .noCompletionAfterError ? .decline05 : .approve, faults: [fault])
            simulator.control.setSticky(scenario)
            for _ in 0..<perFault {
                index += 1
                let cents = Int64(1_034 + index * 100)  // ends in ,34: approved by amount rule too
                let request = SaleRequest(
                    saleId: "soak-\(index)", operatorId: clerk.id, lines: [Self.line(cents: cents)], payment: .card, startedAt: Instant.now)
                let started = Date()
                var result: String
                do {
                    _ = try service.bookSale(request)
                    result = "gebucht"
                } catch let error as CounterError {
                    XCTAssertFalse(error.description.isEmpty)
                    result = "abgelehnt"
                }
                // Whatever is still pending is resolved with the terminal now (as the counter does before the next sale).
                simulator.control.setSticky(nil)
                for outcome in try service.resolvePendingCardPayments() {
                    switch outcome.result {
                    case .booked, .alreadyBooked: result = "nachgebucht"
                    case .notPaid: result = "nicht bezahlt"
                    case .stillPending(let reason): XCTFail("\(fault.rawValue): still pending after recovery: \(reason)")
                    }
                }
                simulator.control.setSticky(scenario)
                let seconds = Date().timeIntervalSince(started)
                slowest = max(slowest, seconds)
                XCTAssertLessThan(seconds, limitSeconds, "\(fault.rawValue): payment \(index) took \(seconds) s")
                counts[fault.rawValue, default: [:]][result, default: 0] += 1
            }
        }
        simulator.control.setSticky(nil)

        // Ledger and terminal agree.
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, "\(report.problems.prefix(3))")
        XCTAssertEqual(try ledger.unresolvedCardPayments(), [])
        var booked: [String: Int] = [:]
        try ledger.forEachEvent { _, event in
            if case .sale(let sale) = event {
                for card in sale.payments.compactMap(\.card) { booked["\(card.receiptNumber)/\(card.traceNumber)", default: 0] += 1 }
            }
        }
        XCTAssertTrue(booked.values.allSatisfy { $0 == 1 }, "card payment booked twice: \(booked.filter { $0.value > 1 })")
        let journal = simulator.journal.entries
        let reversed = Set(journal.filter { $0.kind == .reversal && $0.isBooked }.compactMap(\.reversesReceipt))
        let committed = journal.filter { $0.kind == .payment && $0.isBooked }
        func key(_ e: ZVTSimulator.JournalEntry) -> String {
            "\(e.receipt.map { String(format: "%04d", $0) } ?? "?")/\(e.trace.map { String(format: "%06d", $0) } ?? "?")"
        }
        for approval in committed where booked[key(approval)] == nil && !reversed.contains(approval.receipt ?? -1) {
            XCTFail("approval \(key(approval)) over \(approval.amountCents) ct neither booked nor reversed")
        }
        let committedKeys = Set(committed.map(key))
        for k in booked.keys { XCTAssertTrue(committedKeys.contains(k), "booked card payment \(k) not committed at the terminal") }

        let summary = counts.sorted { $0.key < $1.key }.map {
            "\($0.key): " + $0.value.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        print(
            "Fehler-Soak: \(index) Zahlungen, \(Fault.allCases.count) Fehlerarten × \(perFault); gebucht \(booked.count), Terminal-Journal \(committed.count) Genehmigungen, \(reversed.count) Stornos; längste Zahlung \(String(format: "%.2f", slowest)) s (Grenze \(String(format: "%.1f", limitSeconds)) s)"
        )
        for line in summary { print("  \(line)") }
    }

    static func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents),
            amount: Money(cents: cents), sachkonto: "431100", produkt: nil, kostenstelle: nil,
            taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }
}
