import Access
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

/// Terminal-habit soak: each vendor habit zvt-sim can play (docs/zvt-sim.md, "Vendor profiles"
/// and the control settings) × N card payments through the counter service and the real driver,
/// the amounts cycling through approvals, declines, lost answers and PIN retries. For each
/// payment the outcome is defined: booked, refused with a German message, or pending — and a
/// payment the terminal cannot settle is settled by hand from the terminal's journal, as a
/// supervisor would. After each habit the ledger verifies and agrees with the terminal's journal
/// (every committed approval booked once, nothing else booked), the terminal's End-of-Day equals
/// the ledger's card total, and no full card number is stored anywhere.
///
/// N = `WEBKASSE_SOAK_PAYMENTS` (default 4 in the test suite; `scripts/soak faults` uses 50).
final class TerminalHabitSoakTests: XCTestCase {
    /// A terminal's way of working, as simulator and counter set it up.
    struct Habit: Sendable {
        let name: String
        var line = SimulatorLine.tcp
        /// The simulator's timers and the counter's T4 (a slow PIN retry needs a T4 longer than the retry).
        var simulatorT4Ms = 900
        var counterT4Ms: Int64 = 900
        var pinRetryMs = 0
        var control: @Sendable (SimulatorControl) -> Void = { _ in }
        var settings: @Sendable (inout TerminalSettings) -> Void = { _ in }
        /// The amounts' cents the payments cycle through (``TerminalHabitSoakTests/cents``).
        var cents = TerminalHabitSoakTests.cents
        /// What else to check on the booked card payments.
        var check: @Sendable (CardDetails) -> String? = { _ in nil }
    }

    static let habits: [Habit] = [
        Habit(name: "feig: volle Kartennummer", control: { $0.profile = .feig }),
        Habit(
            name: "valina: Latin-1", control: { $0.profile = .valina }, settings: { $0.charset = .latin1 },
            check: { card in card.receiptLines.joined().contains("ⁿ") || card.receiptLines.joined().contains("─") ? "Umlaute falsch gelesen" : nil }),
        Habit(name: "pax: Belegwiederholung ohne 04 0F", control: { $0.profile = .pax }),
        Habit(name: "ccv: Ablehnung 84 1E", control: { $0.profile = .ccv }),
        Habit(name: "schließt nach jeder Sequenz", control: { $0.closesAfterSequence = true }),
        Habit(name: "langsame PIN-Wiederholung", simulatorT4Ms: 8_000, counterT4Ms: 8_000, pinRetryMs: 5_500),
        Habit(name: "Kassenschnitt je Kartengruppe", control: { $0.endOfDayReport = .perGroup }),
        Habit(name: "Kassenschnitt ohne 04 0F", control: { $0.endOfDayReport = .inCompletion }),
        Habit(name: "Belegzeilen vor 2013", control: { $0.printLines = .pre2013 }),
        Habit(name: "Anmeldung mit TLV abgelehnt", control: { $0.refusesTLVRegistration = .on }),
        // A serial line cannot be dropped like a connection (the register waits out T4 instead):
        // its own faults instead, NAK, lost ACK, bad CRC, lost frame.
        Habit(name: "seriell über Pseudo-Terminal", line: .pseudoTerminal, cents: serialCents),
        Habit(name: "seriell über LAN-Wandler", line: .framedTCP, cents: serialCents),
    ]

    /// approve, decline, lost answer after the approval, lost before it, PIN retry with a first
    /// error, dropped during the receipts, the result twice, busy.
    static let cents: [Int64] = [34, 13, 62, 61, 27, 63, 76, 25]
    static let serialCents: [Int64] = [81, 13, 82, 83, 27, 84, 76, 34]

    func testEveryTerminalHabitBooksWhatTheTerminalCommittedOnce() throws {
        let perHabit = Int(ProcessInfo.processInfo.environment["WEBKASSE_SOAK_PAYMENTS"] ?? "") ?? 4
        var summary: [String] = []
        for habit in Self.habits {
            summary.append(try soak(habit, payments: perHabit))
        }
        print("Gewohnheiten-Soak: \(Self.habits.count) Terminal-Gewohnheiten × \(perHabit) Kartenzahlungen")
        for line in summary { print("  \(line)") }
    }

    private func soak(_ habit: Habit, payments: Int) throws -> String {
        var configuration = SimulatorConfiguration()
        configuration.line = habit.line
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 300, t4Ms: habit.simulatorT4Ms)
        configuration.timing.pinRetryMs = habit.pinRetryMs
        configuration.seed = 17
        let simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        defer { simulator.stop() }
        habit.control(simulator.control)

        let directory = try TemporaryDirectory(prefix: "habit-soak")
        defer { directory.remove() }
        var settings = TerminalSettings()
        habit.settings(&settings)
        var driver = try ZVTDriver.Configuration(settings: settings)
        driver.session.t3Ms = 300
        driver.session.t4Ms = habit.counterT4Ms
        driver.session.completionGraceMs = 600
        let address = try XCTUnwrap(simulator.registerAddress)
        let terminal = try ZVTCardTerminal(address: address, configuration: driver)
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        // The counter's clock: the pauses before the terminal is asked again pass at once.
        let clock = SimulatedClock(Instant.now)
        let service = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Soak", clock: clock, terminal: terminal,
            receiptDirectory: directory.path + "/K1/receipts")
        let access = AccessControl(store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        let supervisor = try access.setUp(login: "aufsicht", name: "Aufsicht", pin: "2468", pinRepeated: "2468")
        let clerk = try access.addOperator(by: supervisor, login: "soak", name: "Soak", roles: [.sachbearbeitung], pin: "1357", pinRepeated: "1357")
        try service.openShift(operatorId: clerk.id, float: Money(euros: 100))

        var counts: [String: Int] = [:]
        var slowest = 0.0
        func sell(_ cents: Int64, _ id: String) {
            let started = Date()
            defer { slowest = max(slowest, Date().timeIntervalSince(started)) }
            let request = SaleRequest(
                saleId: id, operatorId: clerk.id, lines: [TerminalFaultSoakTests.line(cents: cents)], payment: .card, startedAt: clock.now())
            do {
                _ = try service.bookSale(request)
                counts["gebucht", default: 0] += 1
            } catch let error as CounterError {
                XCTAssertFalse(error.description.isEmpty)
                switch error {
                case .cardOutcomeUnknown: counts["offen", default: 0] += 1
                default: counts["abgelehnt", default: 0] += 1
                }
            } catch {
                XCTFail("\(habit.name): \(error)")
            }
            // What the terminal can settle is settled now (as before the next sale); what it
            // cannot is settled by hand from its journal, as the supervisor reads it there.
            do {
                for outcome in try service.resolvePendingCardPayments() {
                    if case .stillPending = outcome.result {
                        let entry = simulator.journal.entries.last { $0.kind == .payment && $0.amountCents == outcome.pending.amount.cents }
                        let decision: CardSettlementByHand =
                            entry?.status == .booked ? .paid(terminalReceiptNumber: String(entry?.receipt ?? 0)) : .notPaid
                        _ = try service.settleCardPaymentByHand(
                            pendingId: outcome.pending.id, decision, note: "Terminal-Journal gelesen", operatorId: clerk.id, approvedBy: supervisor.id)
                        counts["von Hand", default: 0] += 1
                    } else {
                        counts["nachgeklärt", default: 0] += 1
                    }
                }
            } catch {
                XCTFail("\(habit.name): \(error)")
            }
        }
        sell(1_000, "warm-up")
        for index in 0..<payments {
            let cents = Int64(1_000 + (index + 1) * 100) + habit.cents[index % habit.cents.count]
            sell(cents, "soak-\(index)")
        }

        // Ledger and terminal agree.
        XCTAssertTrue(try ledger.verify().isClean, habit.name)
        XCTAssertEqual(try ledger.unresolvedCardPayments(), [], habit.name)
        var booked: [String: Int] = [:]
        var bookedCents: Int64 = 0
        try ledger.forEachEvent { _, event in
            guard case .sale(let sale) = event else { return }
            for payment in sale.payments where payment.method == .card {
                let card = try XCTUnwrap(payment.card)
                booked[String(Int(card.receiptNumber) ?? -1), default: 0] += 1
                bookedCents += payment.amount.cents
                if let problem = habit.check(card) { XCTFail("\(habit.name): \(problem)") }
            }
        }
        XCTAssertTrue(booked.values.allSatisfy { $0 == 1 }, "\(habit.name): booked twice: \(booked.filter { $0.value > 1 })")
        let committed = simulator.journal.entries.filter { $0.kind == .payment && $0.isBooked }
        XCTAssertEqual(Set(booked.keys), Set(committed.map { String($0.receipt ?? -2) }), "\(habit.name): ledger ≠ terminal journal")
        XCTAssertEqual(bookedCents, committed.map(\.amountCents).reduce(0, +), habit.name)

        // The terminal's End-of-Day counts what the ledger booked.
        let endOfDay = try terminal.endOfDay()
        XCTAssertEqual(endOfDay.total.cents, bookedCents, "\(habit.name): End-of-Day")

        // No full card number anywhere under the data directory.
        let numbers = Set(simulator.journal.entries.compactMap { $0.card?.testCardNumber })
        for file in SecretScanner.files(under: directory.path) {
            let bytes = Array((try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data())
            for number in numbers where SecretScanner.contains(bytes, number) { XCTFail("\(habit.name): \(file) holds a card number") }
        }
        for value in SecretScanner.sqliteTextValues(DataDirectory.ledgerPath(data: directory.path, register: "K1")) {
            XCTAssertEqual(SecretScanner.panLikeRuns(in: Array(value.utf8)), [], "\(habit.name): ledger value \(value.prefix(40))")
        }
        return "\(habit.name): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + "; Terminal \(committed.count) Genehmigungen = Kassenbuch \(booked.count), Kassenschnitt \(endOfDay.total.formatted)"
            + String(format: ", längste Zahlung %.2f s", slowest)
    }
}
