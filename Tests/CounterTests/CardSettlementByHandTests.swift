import Access
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// A card payment whose answer was lost, against zvt-sim through the real driver: the recovery
/// asks the terminal again after growing pauses; a terminal whose Repeat Receipt carries no
/// `04 0F` (the `pax` profile, PAX A80) settles nothing, so the payment stays pending until a
/// supervisor settles it by hand with a note — and the ledger then agrees with the terminal's journal.
final class CardSettlementByHandTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var tmp: TemporaryDirectory!
    private var service: CounterService!
    private var access: AccessControl!
    private var terminal: ZVTCardTerminal!
    private let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
    private let texts = StatusTexts()

    override func setUpWithError() throws {
        var simulation = SimulatorConfiguration()
        simulation.listen = SocketAddress(host: "127.0.0.1", port: 0)
        simulation.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        simulation.seed = 11
        simulator = try TerminalSimulator(configuration: simulation)
        try simulator.start()
        tmp = try TemporaryDirectory(prefix: "settle-by-hand")
        var configuration = Configuration()
        configuration.registerID = "K1"
        let ledger = try CounterService.openLedger(data: tmp.path, configuration: configuration)
        let clock = self.clock
        access = AccessControl(store: ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.now().date })
        terminal = try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))
        let texts = self.texts
        terminal.listenForStatus { text in texts.append(text) }
        service = try CounterService.open(ledger: ledger, data: tmp.path, configuration: configuration, clock: clock, terminal: terminal, accessGuard: access)
        let admin = try access.setUp(login: "leitung", name: "Lea Leitung", pin: "7391", pinRepeated: "7391")
        try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        try access.addOperator(by: admin, login: "bernd", name: "Bernd Aufsicht", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
        try anna().openShift(float: Money(euros: 100))
    }

    override func tearDown() {
        simulator.stop()
        tmp.remove()
    }

    private func anna() throws -> CounterSession { try CounterSession.logIn(service: service, access: access, login: "anna", pin: "1111") }

    private func sell(_ s: CounterSession, cents: Int64, id: String) throws -> SaleOutcome {
        let line = SaleLine(
            itemCode: "PA", name: "Personalausweis", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
        return try s.bookSale(SaleRequest(saleId: id, operatorId: s.currentOperator.id, lines: [line], payment: .card, startedAt: clock.now()))
    }

    private var bookedAtTerminal: [ZVTSimulator.JournalEntry] { simulator.journal.entries.filter { $0.kind == .payment && $0.isBooked } }

    private func bookedCardReceipts() throws -> [String] {
        var receipts: [String] = []
        try service.ledger.forEachEvent { _, event in
            if case .sale(let sale) = event { receipts += sale.payments.compactMap(\.card?.receiptNumber) }
        }
        return receipts
    }

    private func resolutions() throws -> [CardResolution] {
        var out: [CardResolution] = []
        try service.ledger.forEachEvent { _, event in if case .cardResolved(let r) = event { out.append(r) } }
        return out
    }

    func testAnApprovalTheTerminalCannotRepeatStaysPendingUntilASupervisorSettlesItByHand() throws {
        simulator.control.profile = .pax
        let anna = try anna()
        // ,62: the terminal closes right after the register acknowledged its 04 0F and keeps the payment.
        let started = clock.now()
        XCTAssertThrowsError(try sell(anna, cents: 3_762, id: "s1")) { error in
            guard case CounterError.cardOutcomeUnknown(_, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("nennt seine letzte Transaktion nicht"), reason)
        }
        XCTAssertEqual(bookedAtTerminal.count, 1, "the terminal kept the payment")
        // Asked four times: at once, then after 0.5, 1 and 2 s on the counter's clock, the clerk told each time.
        XCTAssertEqual(clock.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch, 3_500)
        XCTAssertEqual(
            texts.all.filter { $0.hasPrefix("Ergebnis unklar") },
            (2...4).map { "Ergebnis unklar – das Terminal wird erneut gefragt (Versuch \($0) von 4) …" })
        let pending = try XCTUnwrap(try service.unresolvedCardPayments().first)
        XCTAssertEqual(try bookedCardReceipts(), [], "nothing is guessed")

        // Asking again changes nothing: the terminal still does not say.
        XCTAssertEqual(try anna.resolvePendingCardPayments().count, 1)
        XCTAssertEqual(try service.unresolvedCardPayments().map(\.id), [pending.id])
        // Nor does the next sale go ahead while it is open.
        XCTAssertThrowsError(try sell(anna, cents: 1_000, id: "s2")) { error in
            guard case CounterError.unresolvedCardPayment(count: 1) = error else { return XCTFail("\(error)") }
        }

        // By hand: only with a second person's approval, never the clerk's own, and with a note.
        let receipt = String(format: "%04d", try XCTUnwrap(bookedAtTerminal.first?.receipt))
        XCTAssertThrowsError(try anna.settleCardPaymentByHand(pendingId: pending.id, .paid(terminalReceiptNumber: receipt), note: "x", approval: nil)) {
            XCTAssertEqual($0 as? AccessError, .approvalRequired(.cardSettlementByHand))
        }
        XCTAssertThrowsError(try anna.approval(for: .cardSettlementByHand, approverLogin: "anna", pin: "1111"))
        let approval = try anna.approval(for: .cardSettlementByHand, approverLogin: "bernd", pin: "2222")
        XCTAssertThrowsError(try anna.settleCardPaymentByHand(pendingId: pending.id, .paid(terminalReceiptNumber: receipt), note: "  ", approval: approval))
        XCTAssertThrowsError(try anna.settleCardPaymentByHand(pendingId: pending.id, .paid(terminalReceiptNumber: "12a"), note: "Journal", approval: approval))
        XCTAssertEqual(try service.unresolvedCardPayments().count, 1, "a refused settlement writes nothing")

        let settled = try anna.settleCardPaymentByHand(
            pendingId: pending.id, .paid(terminalReceiptNumber: receipt), note: "Händlerbeleg am Terminal gedruckt: Zahlung erfolgt", approval: approval)
        XCTAssertEqual(settled.receiptNumber, 1)
        XCTAssertEqual(try service.unresolvedCardPayments(), [])
        XCTAssertEqual(try bookedCardReceipts(), [receipt], "booked once, under the terminal's receipt number")
        let resolution = try XCTUnwrap(try resolutions().last)
        XCTAssertEqual(resolution.outcome, .approved)
        XCTAssertEqual(
            resolution.detail, "bezahlt, Terminal-Beleg \(receipt), von Hand geklärt durch bernd: Händlerbeleg am Terminal gedruckt: Zahlung erfolgt")
        XCTAssertNotNil(try service.receiptText(number: 1, copy: false))

        // The approval backs this settlement only; the counter sells again.
        XCTAssertThrowsError(try anna.settleCardPaymentByHand(pendingId: pending.id, .notPaid, note: "nochmal", approval: approval)) { error in
            guard case CounterError.noSuchPendingCardPayment = error else { return XCTFail("\(error)") }
        }
        simulator.control.profile = .standard
        _ = try sell(anna, cents: 1_000, id: "s3")
        XCTAssertEqual(try bookedCardReceipts(), bookedAtTerminal.compactMap(\.receipt).map { String(format: "%04d", $0) })
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testAPaymentTheTerminalReversedIsSettledByHandAsNotPaid() throws {
        simulator.control.profile = .pax
        let anna = try anna()
        // ,61: the connection drops before the 04 0F; the terminal reverses the payment itself.
        XCTAssertThrowsError(try sell(anna, cents: 2_061, id: "s1"))
        let pending = try XCTUnwrap(try service.unresolvedCardPayments().first)
        XCTAssertEqual(bookedAtTerminal.count, 0)
        let approval = try anna.approval(for: .cardSettlementByHand, approverLogin: "bernd", pin: "2222")
        let settled = try anna.settleCardPaymentByHand(pendingId: pending.id, .notPaid, note: "Terminal-Journal: Autostorno", approval: approval)
        XCTAssertNil(settled.receiptNumber)
        XCTAssertEqual(settled.description, "Kartenzahlung über 20,61 €: von Hand als nicht bezahlt geklärt – nichts gebucht.")
        XCTAssertEqual(try service.unresolvedCardPayments(), [])
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0)
        XCTAssertEqual(try resolutions().map(\.outcome), [.notPaid])
        XCTAssertEqual(try resolutions().first?.detail, "nicht bezahlt, von Hand geklärt durch bernd: Terminal-Journal: Autostorno")

        // The same approval cannot back a second settlement.
        XCTAssertThrowsError(try sell(anna, cents: 2_061, id: "s2"))
        let second = try XCTUnwrap(try service.unresolvedCardPayments().first)
        XCTAssertThrowsError(try anna.settleCardPaymentByHand(pendingId: second.id, .notPaid, note: "Autostorno", approval: approval)) {
            XCTAssertEqual("\($0)", "\(AccessError.approvalAlreadyUsed(.cardSettlementByHand))")
        }
        XCTAssertEqual(try service.unresolvedCardPayments().map(\.id), [second.id])
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    /// The terminal's receipt number and trace of an attempt whose sequence broke off after its
    /// result decide the recovery: the terminal's last transaction is that one.
    func testTheRecoveryMatchesTheReceiptNumberAndTraceTheTerminalSentForTheAttempt() throws {
        let anna = try anna()
        let sale = try sell(anna, cents: 3_762, id: "s1").sale
        let entry = try XCTUnwrap(bookedAtTerminal.last)
        XCTAssertEqual(terminal.attemptSeen, CardAttemptSeen(receiptNumber: try XCTUnwrap(entry.receipt), trace: try XCTUnwrap(entry.trace)))
        XCTAssertEqual(sale.payments.first?.card?.traceNumber, entry.trace.map { String(format: "%06d", $0) })
        XCTAssertTrue(texts.all.allSatisfy { !$0.hasPrefix("Ergebnis unklar") }, "settled at the first question")
        XCTAssertEqual(try bookedCardReceipts(), bookedAtTerminal.compactMap(\.receipt).map { String(format: "%04d", $0) })
    }
}

/// The terminal's status texts as the clerk's screen would get them (from the driver's thread).
// @unchecked Sendable: `texts` is only touched under `lock`.
private final class StatusTexts: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    func append(_ text: String) { lock.withLock { texts.append(text) } }
    var all: [String] { lock.withLock { texts } }
}
