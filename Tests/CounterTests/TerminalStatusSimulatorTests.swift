import Access
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// The status poll, the check before a payment and the terminal menu's functions through the real
/// driver over TCP against the ZVT simulator.
final class TerminalStatusSimulatorTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var f: CounterFixture!
    private var terminal: ZVTCardTerminal!

    override func setUpWithError() throws {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 7
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        f = try CounterFixture()
        terminal = try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))
        try f.useTerminal(terminal)
    }

    override func tearDown() {
        simulator.stop()
        f = nil
    }

    private func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }

    private func functions() -> TerminalFunctions {
        let access = AccessControl(store: f.service.ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        return TerminalFunctions(service: f.service, access: access, operatorId: f.supervisor.id)
    }

    /// Waits, polling, until `condition` holds (at most 5 s).
    private func waitUntil(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(5)
        while !condition(), Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        XCTAssertTrue(condition(), what)
    }

    func testTheIdlePollNeverRunsBesideAPaymentAndAsksAgainAfterIt() throws {
        let monitor = try XCTUnwrap(f.service.terminalMonitor)
        XCTAssertTrue(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .ready(at: f.clock.now()))

        // ,23 = clerk-abort: the terminal waits for a card until the register aborts.
        let payment = Thread { [terminal] in _ = try? terminal!.authorize(amount: Money(cents: 123)) }
        payment.start()
        waitUntil("the payment runs") { terminal.driver.isBusy }
        XCTAssertNil(try terminal.statusEnquiry(.idlePoll), "no 05 01 beside a running 06 01")
        f.clock.advance(seconds: 61)
        XCTAssertFalse(monitor.pollIfDue(), "put off, nothing sent")
        XCTAssertEqual(monitor.nextPollDue?.millisecondsSinceEpoch, f.clock.now().millisecondsSinceEpoch + 5_000)
        terminal.abortRunningCommand()
        waitUntil("the payment ends") { !terminal.driver.isBusy && payment.isFinished }
        f.clock.advance(seconds: 5)
        XCTAssertTrue(monitor.pollIfDue())
        XCTAssertEqual(monitor.availability, .ready(at: f.clock.now()))
        XCTAssertTrue(simulator.journal.entries.filter(\.isBooked).isEmpty)
    }

    func testEndOfDayRequiredStopsThePaymentBeforeTheTerminalIsAskedAndTheMenuEndOfDayClearsIt() throws {
        simulator.control.endOfDayRequired = true
        let entries = try f.service.ledger.entryCount()
        XCTAssertThrowsError(try f.sell(.card, lines: [line(cents: 1234)])) { error in
            XCTAssertTrue("\(error)".hasPrefix("Das Kartenterminal ist nicht bereit: Kassenschnitt erforderlich."), "\(error)")
        }
        XCTAssertEqual(try f.service.ledger.entryCount(), entries, "no intent written")
        XCTAssertTrue(simulator.journal.entries.isEmpty, "the terminal saw no payment")

        let status = try functions().run(.status)
        XCTAssertFalse(status.succeeded)
        XCTAssertEqual(status.headline, "Terminal nicht bereit: Kassenschnitt erforderlich")
        XCTAssertEqual(status.lines.first, "Terminalstatus F0: Kassenschnitt erforderlich")

        let eod = try functions().run(.endOfDay)
        XCTAssertTrue(eod.succeeded, eod.headline)
        XCTAssertFalse(simulator.control.endOfDayRequired)
        XCTAssertEqual(try functions().run(.status).headline, "Terminal bereit")
        let sale = try f.sell(.card, lines: [line(cents: 1234)]).sale
        XCTAssertEqual(sale.total, Money(cents: 1234))
        try f.assertClean()
    }

    func testDiagnosisRepeatReceiptLastTransactionAndRegistration() throws {
        let sale = try f.sell(.card, lines: [line(cents: 1234)]).sale
        let card = try XCTUnwrap(sale.payments.first?.card)
        let functions = functions()
        let diagnosis = try functions.run(.diagnosis)
        XCTAssertTrue(diagnosis.succeeded, diagnosis.headline)
        XCTAssertEqual(diagnosis.headline, "Diagnose erfolgreich")

        let repeated = try functions.run(.repeatReceipt)
        XCTAssertTrue(repeated.succeeded, repeated.headline)
        XCTAssertTrue(repeated.lines.contains { $0.contains("12,34") }, "\(repeated.lines)")

        let last = try functions.run(.lastTransaction)
        XCTAssertEqual(last.headline, "Letzte Transaktion: Zahlung 12,34 €, genehmigt")
        XCTAssertTrue(last.lines.contains("Beleg-Nr. \(card.receiptNumber), Trace-Nr. \(card.traceNumber)"), "\(last.lines)")
        XCTAssertTrue(last.lines.contains { $0.hasPrefix("Karte: ") && $0.contains("*") }, "\(last.lines)")
        XCTAssertFalse(last.lines.contains { RecordChecks.looksLikeFullPAN($0) })

        let registration = try functions.run(.register)
        XCTAssertTrue(registration.succeeded, registration.headline)
        XCTAssertEqual(try f.service.ledger.auditEvents(kinds: [AuditEventType.terminalCommand.rawValue]).count, 4)
        try f.assertClean()
    }

    func testAnUnreachableTerminalIsToldBeforeThePaymentWithNothingPending() throws {
        simulator.stop()
        let entries = try f.service.ledger.entryCount()
        XCTAssertThrowsError(try f.sell(.card, lines: [line(cents: 1234)])) { error in
            XCTAssertTrue("\(error)".hasPrefix("Das Kartenterminal ist nicht erreichbar"), "\(error)")
        }
        XCTAssertEqual(try f.service.ledger.entryCount(), entries)
        guard case .unreachable? = f.service.terminalMonitor?.availability else { return XCTFail("status line not told") }
    }
}
