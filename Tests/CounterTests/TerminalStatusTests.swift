import Access
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// A terminal whose Status Enquiry answers are scripted; payments go to a ``FakeCardTerminal``.
/// `calls` keeps the order of what the counter asked.
final class ScriptedStatusTerminal: TerminalStatusQuery {
    static let ready = TerminalStatusReport(code: 0x00, text: "Terminal bereit")
    static let endOfDayRequired = TerminalStatusReport(code: 0xF0, text: "Kassenschnitt erforderlich", remedy: "Kassenschnitt (webkasse zvt eod)")

    let inner = FakeCardTerminal()
    /// The next answers, used once each; then "ready".
    var answers: [Result<TerminalStatusReport?, CardTerminalError>] = []
    private(set) var calls: [String] = []

    var terminalName: String { inner.terminalName }

    func statusEnquiry(_ mode: StatusEnquiryMode) throws(CardTerminalError) -> TerminalStatusReport? {
        calls.append("05 01 \(mode)")
        return try (answers.isEmpty ? .success(Self.ready) : answers.removeFirst()).get()
    }
    func authorize(amount: Money) throws(CardTerminalError) -> CardResult {
        calls.append("06 01")
        return try inner.authorize(amount: amount)
    }
    func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        calls.append("06 30")
        return try inner.reverse(receiptNumber: receiptNumber, amount: amount)
    }
    func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? {
        calls.append("06 20")
        return try inner.lastTransaction()
    }
}

final class StatusPollScheduleTests: XCTestCase {
    func testDueAtOnceThenEveryIntervalSoonerAfterFailuresAndLaterWhileBusy() {
        var schedule = StatusPollSchedule(intervalMs: 60_000, nowMs: 1_000)
        XCTAssertTrue(schedule.isDue(nowMs: 1_000), "the first poll at once")
        schedule.answered(nowMs: 1_000)
        XCTAssertFalse(schedule.isDue(nowMs: 60_999))
        XCTAssertTrue(schedule.isDue(nowMs: 61_000))
        // No answer: 10 s, 20 s, 40 s, then never later than the interval.
        var now: Int64 = 61_000
        for expected in [10_000, 20_000, 40_000, 60_000, 60_000] as [Int64] {
            schedule.failed(nowMs: now)
            XCTAssertEqual(schedule.dueMs, now + expected)
            now += expected
        }
        XCTAssertEqual(schedule.failuresInARow, 5)
        schedule.answered(nowMs: now)
        XCTAssertEqual(schedule.failuresInARow, 0)
        XCTAssertEqual(schedule.dueMs, now + 60_000)
        schedule.skippedBusy(nowMs: now)
        XCTAssertEqual(schedule.dueMs, now + 5_000, "a command ran: a little later, not beside it")
    }

    func testIntervalZeroIsOffAndAShortIntervalCapsTheRetries() {
        var off = StatusPollSchedule(intervalMs: 0, nowMs: 0)
        XCTAssertNil(off.dueMs)
        off.failed(nowMs: 0)
        off.answered(nowMs: 0)
        XCTAssertFalse(off.isDue(nowMs: Int64.max))
        var short = StatusPollSchedule(intervalMs: 3_000, nowMs: 0)
        short.failed(nowMs: 0)
        XCTAssertEqual(short.dueMs, 3_000)
        short.skippedBusy(nowMs: 0)
        XCTAssertEqual(short.dueMs, 3_000)
    }
}

final class TerminalStatusMonitorTests: XCTestCase {
    let start = Instant(millisecondsSinceEpoch: 1_795_770_000_000)  // 2026-11-27 10:00 Berlin

    func testIdlePollRecordsReadyThenUnreachableSinceTheFirstFailureThenReadyAgain() {
        let clock = SimulatedClock(start)
        let terminal = ScriptedStatusTerminal()
        let monitor = TerminalStatusMonitor(terminal: terminal, clock: clock, intervalSeconds: 60)
        XCTAssertEqual(monitor.availability, .unknown)
        XCTAssertTrue(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .ready(at: start))
        clock.advance(seconds: 30)
        XCTAssertFalse(monitor.pollIfDue(), "not due before the interval")
        XCTAssertEqual(terminal.calls, ["05 01 idlePoll"])

        terminal.answers = [.failure(.unreachable("Verbindung abgelehnt")), .failure(.unreachable("Zeitüberschreitung"))]
        clock.advance(seconds: 30)
        XCTAssertTrue(monitor.pollIfDue())
        let firstFailure = clock.now()
        XCTAssertEqual(monitor.availability, .unreachable(since: firstFailure, why: "Verbindung abgelehnt"))
        clock.advance(seconds: 9)
        XCTAssertFalse(monitor.pollIfDue(), "the first retry after 10 s")
        clock.advance(seconds: 1)
        XCTAssertTrue(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .unreachable(since: firstFailure, why: "Zeitüberschreitung"), "since the first failure in a row")
        clock.advance(seconds: 20)
        XCTAssertTrue(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .ready(at: clock.now()))
        XCTAssertEqual(terminal.calls.count, 4)
    }

    func testAPollWhileACommandRunsIsPutOffAndSendsNothing() {
        let clock = SimulatedClock(start)
        let terminal = ScriptedStatusTerminal()
        terminal.answers = [.success(nil)]  // the terminal answers `nil`: a command runs
        let monitor = TerminalStatusMonitor(terminal: terminal, clock: clock, intervalSeconds: 60)
        XCTAssertFalse(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .unknown)
        XCTAssertEqual(monitor.nextPollDue, Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 5_000))
        clock.advance(seconds: 5)
        XCTAssertTrue(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .ready(at: clock.now()))
    }

    func testEndOfDayRequiredIsNotReadyAndIntervalZeroPollsNothing() throws {
        let clock = SimulatedClock(start)
        let terminal = ScriptedStatusTerminal()
        let monitor = TerminalStatusMonitor(terminal: terminal, clock: clock, intervalSeconds: 0)
        clock.advance(seconds: 3600)
        XCTAssertFalse(monitor.pollIfDue())
        XCTAssertTrue(terminal.calls.isEmpty, "interval 0: no idle poll")
        terminal.answers = [.success(ScriptedStatusTerminal.endOfDayRequired)]
        XCTAssertThrowsError(try monitor.checkBeforePayment()) { error in
            XCTAssertEqual(
                "\(error)",
                "Das Kartenterminal ist nicht bereit: Kassenschnitt erforderlich. Die Kassenaufsicht führt ihn im Menü aus (F9, T Terminal, 3 Kassenschnitt). Es wurde nichts gebucht."
            )
        }
        XCTAssertEqual(terminal.calls, ["05 01 beforePayment"], "the check before a payment runs even with the poll off")
        XCTAssertEqual(monitor.availability, .notReady(ScriptedStatusTerminal.endOfDayRequired, at: clock.now()))
    }

    /// A refusal of the enquiry itself (84 xx) is no reason to refuse the payment: the terminal answered.
    func testARefusedEnquiryLetsThePaymentTry() throws {
        let terminal = ScriptedStatusTerminal()
        terminal.answers = [.failure(.failed("Das Terminal hat den Befehl abgelehnt: Funktion nicht möglich (83)"))]
        let monitor = TerminalStatusMonitor(terminal: terminal, clock: SimulatedClock(start), intervalSeconds: 60)
        XCTAssertNoThrow(try monitor.checkBeforePayment())
    }
}

/// The check before a payment in the counter service: the intent is written only when the
/// payment is really attempted (docs/ledger.md, "Card payments").
final class PaymentStatusCheckTests: XCTestCase {
    func testUnreachableTerminalIsToldAtOnceAndNothingIsWrittenOrPending() throws {
        let f = try CounterFixture()
        let terminal = ScriptedStatusTerminal()
        try f.useTerminal(terminal)
        let entries = try f.service.ledger.entryCount()
        terminal.answers = [.failure(.unreachable("Verbindung abgelehnt"))]
        XCTAssertThrowsError(try f.sell(.card)) { error in
            XCTAssertEqual("\(error)", "Das Kartenterminal ist nicht erreichbar (Verbindung abgelehnt). Es wurde nichts gebucht.")
        }
        XCTAssertEqual(terminal.calls, ["05 01 beforePayment"], "no payment, no last-transaction query")
        XCTAssertEqual(try f.service.ledger.entryCount(), entries, "no intent, no resolution, no sale")
        XCTAssertTrue(try f.service.ledger.unresolvedCardPayments().isEmpty)
        guard case .unreachable(let since, _)? = f.service.terminalMonitor?.availability else {
            return XCTFail("the status line learns it at once: \(String(describing: f.service.terminalMonitor?.availability))")
        }
        XCTAssertEqual(since, f.clock.now())

        // The terminal is back: the next attempt checks, writes the intent, pays and books.
        let sale = try f.sell(.card).sale
        XCTAssertEqual(terminal.calls.suffix(3), ["05 01 beforePayment", "06 20", "06 01"])
        XCTAssertEqual(sale.total, Money(cents: 3700))
        XCTAssertEqual(f.service.terminalMonitor?.availability, .ready(at: f.clock.now()))
        try f.assertClean()
    }

    func testEndOfDayRequiredRefusesThePaymentBeforeTheIntent() throws {
        let f = try CounterFixture()
        let terminal = ScriptedStatusTerminal()
        try f.useTerminal(terminal)
        let entries = try f.service.ledger.entryCount()
        terminal.answers = [.success(ScriptedStatusTerminal.endOfDayRequired)]
        XCTAssertThrowsError(try f.sell(.card)) { error in
            guard case CounterError.terminalNotReady(let report) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(report.code, 0xF0)
        }
        XCTAssertEqual(try f.service.ledger.entryCount(), entries)
        XCTAssertFalse(terminal.calls.contains("06 01"))
        // Cash needs no terminal: no check.
        _ = try f.sell(.cash(tendered: Money(euros: 50)))
        XCTAssertEqual(terminal.calls, ["05 01 beforePayment"])
    }
}

/// The terminal menu's functions: role, audit, and the End-of-Day counted in by the day close.
final class TerminalFunctionsTests: XCTestCase {
    func access(_ f: CounterFixture) -> AccessControl {
        AccessControl(
            store: f.service.ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations, now: { [clock = f.clock] in clock.now().date })
    }

    func testOnlyASupervisorMayAndTheRefusalIsAudited() throws {
        let f = try CounterFixture()
        let access = access(f)
        let clerk = try CounterSession.logIn(service: f.service, access: access, login: "anna", pin: "1357")
        XCTAssertThrowsError(try clerk.terminalFunctions()) { error in
            XCTAssertEqual("\(error)", "»Terminal-Menü« braucht die Rolle Kassenaufsicht; »anna« hat Sachbearbeitung.")
        }
        XCTAssertEqual(try access.store.auditEvents([.accessDenied]).last?.event.fields[AuditField.operation], Permission.operateTerminal.rawValue)
        let supervisor = try CounterSession.logIn(service: f.service, access: access, login: "bert", pin: "2468")
        XCTAssertNoThrow(try supervisor.terminalFunctions())
    }

    func testLastTransactionShowsAmountNumbersAndTheMaskedCardAndEveryRunIsAudited() throws {
        let f = try CounterFixture()
        let functions = TerminalFunctions(service: f.service, access: access(f), operatorId: f.supervisor.id)
        _ = try f.sell(.card)
        let last = try functions.run(.lastTransaction)
        XCTAssertEqual(last.headline, "Letzte Transaktion: Zahlung 37,00 €, genehmigt")
        XCTAssertEqual(
            last.lines,
            [
                "Zahlung über 37,00 €: genehmigt", "Beleg-Nr. 0001, Trace-Nr. 000001", "Karte: girocard 672559XXXXXXXXX1234", "Terminal-ID: 29001234",
                "Autorisierung: 000007",
            ])
        f.terminal.reachable = false
        XCTAssertThrowsError(try functions.run(.endOfDay)) { error in
            XCTAssertEqual("\(error)", "Das Kartenterminal ist nicht erreichbar (Verbindung abgelehnt). Es wurde nichts gebucht.")
        }
        let audited = try access(f).store.auditEvents([.terminalCommand]).map(\.event)
        XCTAssertEqual(audited.map { $0.fields[AuditField.action] }, ["last_transaction", "end_of_day"])
        XCTAssertEqual(audited.map { $0.fields[AuditField.result] }, ["ok", "error"])
        XCTAssertEqual(audited.first?.fields["receipt"], "0001")
        XCTAssertTrue(audited.allSatisfy { $0.actorID == f.supervisor.id })
        XCTAssertFalse(audited.contains { $0.detailJSON.contains("672559") }, "no card number in the audit trail")
        try f.assertClean()
    }

    func testAnEndOfDayFromTheMenuIsCountedInByTheDayClose() throws {
        let f = try CounterFixture()
        let functions = TerminalFunctions(service: f.service, access: access(f), operatorId: f.supervisor.id)
        _ = try f.sell(.card)
        let eod = try functions.run(.endOfDay)
        XCTAssertEqual(eod.headline, "Kassenschnitt durchgeführt: 37,00 € (1 Zahlung)")
        _ = try f.sell(.card)
        let close = try f.dayClose.close(
            DayCloseRequest(count: .standIn(total: try f.dayClose.openPeriod().expected.total()), reason: "", floatKept: .zero), operatorId: f.clerk.id,
            approvedBy: nil)
        XCTAssertEqual(close.detail.terminalTotal, Money(cents: 7400), "the menu's 37,00 € plus the close's own 37,00 €")
        XCTAssertEqual(close.detail.terminalCount, 2)
        XCTAssertEqual(close.detail.terminalStatus, .ok)
        XCTAssertTrue(close.detail.terminalNote.contains("mit 1 Kassenschnitt aus dem Terminal-Menü"), close.detail.terminalNote)
        try f.assertClean()
    }
}
