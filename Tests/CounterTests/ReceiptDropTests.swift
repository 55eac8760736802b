import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// The commit point with receipts (ZVT 13.08 §2.2.8) end to end: the register
/// acknowledged the approving Status-Information, then the connection drops while the terminal
/// prints its receipts through the register (zvt-sim fault `drop-during-receipts`, amount ,63),
/// before the Completion. The terminal keeps the payment only if it got every receipt
/// acknowledgement, so the register must not book it on the 04 0F alone: the payment stays pending
/// and is settled by the terminal's last word (Repeat Receipt).
final class ReceiptDropTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var f: CounterFixture!
    private var terminal: LookupOutageTerminal!

    private func start(autoReversal: Bool) throws {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 11
        configuration.autoReversal = autoReversal
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        f = try CounterFixture()
        let zvt = try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))
        terminal = LookupOutageTerminal(zvt)
        try f.useTerminal(terminal)
    }

    override func tearDown() {
        simulator?.stop()
        f = nil
    }

    private func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }

    /// Card traces booked in the ledger.
    private func bookedTraces() throws -> [String] {
        var traces: [String] = []
        try f.service.ledger.forEachEvent { _, event in
            if case .sale(let sale) = event { traces += sale.payments.compactMap(\.card?.traceNumber) }
        }
        return traces
    }

    private func resolutions() throws -> [CardResolution] {
        var result: [CardResolution] = []
        try f.service.ledger.forEachEvent { _, event in if case .cardResolved(let r) = event { result.append(r) } }
        return result
    }

    /// Pays 20,63 € (fault ,63) while the terminal cannot be asked: the payment must stay pending.
    private func payWithReceiptDrop() throws -> (pendingId: String, trace: Int) {
        XCTAssertThrowsError(try f.sell(.card, lines: [line(cents: 2063)])) { error in
            guard case CounterError.cardOutcomeUnknown(_, let reason) = error else { return XCTFail("expected unknown, got \(error)") }
            XCTAssertTrue(reason.contains("vor dem Abschluss verloren"), reason)
        }
        XCTAssertEqual(try bookedTraces(), [], "nothing is booked on the acknowledged 04 0F alone")
        let pending = try f.service.ledger.unresolvedCardPayments()
        XCTAssertEqual(pending.map(\.amount), [Money(cents: 2063)])
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.amountCents, 2063)
        return (try XCTUnwrap(pending.first?.id), try XCTUnwrap(entry.trace))
    }

    func testReceiptDropThatTheTerminalReversedIsNotBooked() throws {
        try start(autoReversal: true)
        let (pendingId, trace) = try payWithReceiptDrop()
        XCTAssertEqual(simulator.journal.entries.filter { $0.trace == trace }.map(\.status), [.autoReversed])

        // The counter service is still usable: a cash sale goes through meanwhile.
        XCTAssertEqual(try f.sell(.cash(tendered: Money(euros: 50))).sale.payments.first?.method, .cash)

        // The terminal can be asked again: its last word (6C "Autostorno") closes the attempt unpaid.
        terminal.lookupAvailable = true
        let outcomes = try f.service.resolvePendingCardPayments()
        XCTAssertEqual(outcomes.map(\.pending.id), [pendingId])
        guard case .notPaid = outcomes.first?.result else { return XCTFail("\(outcomes)") }
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(try resolutions().map(\.outcome), [.notPaid])
        XCTAssertEqual(try bookedTraces(), [], "no sale for a payment the terminal reversed")
        XCTAssertEqual(simulator.journal.batchTotals.totalCents, 0, "nothing stands at the terminal either")

        // Asked at once (the terminal answers), the same fault ends "not paid" without a pending record.
        XCTAssertThrowsError(try f.sell(.card, lines: [line(cents: 3063)])) { error in
            guard case CounterError.terminal(.outcomeUnknown(let why)) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.hasSuffix("laut Terminal nicht bezahlt"), why)
        }
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(try bookedTraces(), [])

        // The next card payment is booked normally.
        let sale = try f.sell(.card, lines: [line(cents: 4034)]).sale
        XCTAssertEqual(try bookedTraces(), [try XCTUnwrap(sale.payments.first?.card?.traceNumber)])
        try f.assertClean()
    }

    func testReceiptDropThatTheTerminalKeptIsBookedOnce() throws {
        try start(autoReversal: false)
        let (pendingId, trace) = try payWithReceiptDrop()
        XCTAssertEqual(simulator.journal.entries.filter { $0.trace == trace }.map(\.status), [.booked], "auto-reversal off: kept")

        terminal.lookupAvailable = true
        let outcomes = try f.service.resolvePendingCardPayments()
        XCTAssertEqual(outcomes.map(\.pending.id), [pendingId])
        guard case .booked = outcomes.first?.result else { return XCTFail("\(outcomes)") }
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(try resolutions().map(\.outcome), [.approved])
        XCTAssertEqual(try bookedTraces(), [String(format: "%06d", trace)], "the terminal's booking is booked once")
        XCTAssertEqual(try f.service.resolvePendingCardPayments().count, 0, "nothing left to resolve")
        XCTAssertEqual(try bookedTraces(), [String(format: "%06d", trace)])
        try f.assertClean()
    }
}

/// The simulator over the real driver, but the terminal cannot be asked for its last transaction
/// until ``lookupAvailable`` (as when it is busy or the network is still down right after a drop).
final class LookupOutageTerminal: CardTerminal {
    let inner: CardTerminal
    var lookupAvailable = false
    init(_ inner: CardTerminal) { self.inner = inner }
    var terminalName: String { inner.terminalName }
    func authorize(amount: Money) throws(CardTerminalError) -> CardResult { try inner.authorize(amount: amount) }
    func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        try inner.reverse(receiptNumber: receiptNumber, amount: amount)
    }
    func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? {
        guard lookupAvailable else { throw .unreachable("Terminal gerade nicht erreichbar") }
        return try inner.lastTransaction()
    }
}
