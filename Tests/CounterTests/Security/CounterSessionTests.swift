import Access
import CSQLite
import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Counter
@testable import Ledger

/// The counter service used through a logged-in session: roles, shift ownership, handover, four-eyes.
final class CounterSessionTests: XCTestCase {
    var tmp: TemporaryDirectory!
    var service: CounterService!
    var access: AccessControl!
    let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
    let terminal = FakeCardTerminal()

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "webkasse-session")
        var configuration = Configuration()
        configuration.registerID = "K1"
        let ledger = try CounterService.openLedger(data: tmp.path, configuration: configuration)
        let clock = self.clock
        access = AccessControl(store: ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.now().date })
        service = try CounterService.open(ledger: ledger, data: tmp.path, configuration: configuration, clock: clock, terminal: terminal, accessGuard: access)
        let admin = try access.setUp(login: "leitung", name: "Lea Leitung", pin: "7391", pinRepeated: "7391")
        try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        try access.addOperator(by: admin, login: "bernd", name: "Bernd Aufsicht", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
        try access.addOperator(by: admin, login: "carl", name: "Carl Amt", roles: [.sachbearbeitung], pin: "3333", pinRepeated: "3333")
        try access.addOperator(by: admin, login: "dora", name: "Dora Kasse", roles: [.stadtkasse], pin: "4444", pinRepeated: "4444")
    }

    override func tearDown() { tmp.remove() }

    func session(_ login: String, _ pin: String) throws -> CounterSession {
        try CounterSession.logIn(service: service, access: access, login: login, pin: pin)
    }

    let line = SaleLine(
        itemCode: "PA", name: "Personalausweis", variant: nil, quantity: 1, unitPrice: Money(cents: 3700), amount: Money(cents: 3700),
        sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
        shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: 3700), passThrough: false, label: "")])

    func sale(_ s: CounterSession, _ id: String, _ payment: PaymentRequest = .cash(tendered: Money(euros: 50))) throws -> SaleOutcome {
        let start = clock.now()
        clock.advance(seconds: 60)
        return try s.bookSale(SaleRequest(saleId: id, operatorId: s.currentOperator.id, lines: [line], payment: payment, reference: nil, startedAt: start))
    }

    let settings = DayCloseSettings(configuration: Configuration())

    /// Closes the day through the session's day close with `counted` bundled by denomination.
    func closeDay(_ s: CounterSession, counted: Money, reason: String = "", approval: Approval? = nil) throws -> DayCloseRecord {
        try DayCloseSession(session: s, settings: settings).close(
            DayCloseRequest(count: .standIn(total: counted), reason: reason, floatKept: .zero), approval: approval
        ).record
    }

    func testEveryCounterOperationChecksTheRole() throws {
        let dora = try session("dora", "4444")
        for (what, call) in [
            ("Schicht eröffnen", { _ = try dora.openShift(float: Money(euros: 100)) }),
            ("Zwischenbericht (X-Bericht)", { _ = try dora.interimReport() }),
            ("Beleg nachdrucken", { _ = try dora.reprint(receiptNumber: 1) }),
            ("Tagesabschluss", { _ = try self.closeDay(dora, counted: .zero) }),
            ("Einlage buchen", { _ = try dora.recordCashMovement(id: "m", kind: .einlage, amount: Money(euros: 5), reason: "x", approval: nil) }),
            ("Entnahme buchen", { _ = try dora.recordCashMovement(id: "m", kind: .entnahme, amount: Money(euros: 5), reason: "x", approval: nil) }),
            ("Storno anfordern", { _ = try dora.cancelSale(receiptNumber: 1, stornoId: "s", reason: "x", approval: nil) }),
            ("Verkaufen", { _ = try self.sale(dora, "x") }),
        ] as [(String, () throws -> Void)] {
            XCTAssertThrowsError(try call(), what) { error in
                XCTAssertTrue("\(error)".hasPrefix("»\(what)« braucht"), "\(error)")
                XCTAssertTrue("\(error)".hasSuffix("»dora« hat Stadtkasse."), "\(error)")
            }
        }
        XCTAssertEqual(try AuditTrail.entries(service.ledger, filter: AuditFilter(type: "access.denied")).count, 8)
        XCTAssertEqual(try service.ledger.nextReceiptNumber(), 1, "nothing was booked")
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        XCTAssertThrowsError(try closeDay(anna, counted: Money(euros: 100))) {
            // The clerk's close is approved on the spot (DayCloseOnTheSpotTests).
            XCTAssertEqual(
                "\($0)",
                "Ein Tagesabschluss ohne eigene Rolle Kassenaufsicht braucht die Freigabe einer zweiten Person mit der Rolle Kassenaufsicht (Vier-Augen-Prinzip)."
            )
        }
    }

    func testStornoAndWithdrawalNeedASecondSupervisorRecordedOnTheBooking() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        let sold = try sale(anna, "s1").sale
        XCTAssertThrowsError(try anna.cancelSale(receiptNumber: sold.receiptNumber, stornoId: "st1", reason: "Irrtum", approval: nil)) {
            XCTAssertEqual($0 as? AccessError, .approvalRequired(.storno))
        }
        XCTAssertThrowsError(try anna.approval(for: .storno, approverLogin: "carl", pin: "3333")) {
            XCTAssertEqual($0 as? AccessError, .approverLacksRole(login: "carl", held: [.sachbearbeitung]))
        }
        let approval = try anna.approval(for: .storno, approverLogin: "bernd", pin: "2222")
        let storno = try anna.cancelSale(receiptNumber: sold.receiptNumber, stornoId: "st1", reason: "Irrtum", approval: approval)
        XCTAssertEqual(storno.storno.approvedBy, approval.approverID)
        XCTAssertEqual(try service.ledger.storno(id: "st1")?.approvedBy, try access.account(login: "bernd")?.id)

        // An approval for 50 € does not cover 80 €; the approver of the right amount is on the movement.
        let fifty = try anna.approval(for: .cashWithdrawal(Money(euros: 50)), approverLogin: "bernd", pin: "2222")
        XCTAssertThrowsError(try anna.recordCashMovement(id: "m1", kind: .abschoepfung, amount: Money(euros: 80), reason: "Stadtkasse", approval: fifty))
        let movement = try anna.recordCashMovement(id: "m1", kind: .abschoepfung, amount: Money(euros: 50), reason: "Stadtkasse", approval: fifty).movement
        XCTAssertEqual(movement.approvedBy, fifty.approverID)
        // An Einlage needs nobody.
        XCTAssertNil(try anna.recordCashMovement(id: "m2", kind: .einlage, amount: Money(euros: 20), reason: "Wechselgeld", approval: nil).movement.approvedBy)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testHandoverIsAnExplicitCountedStepAndTheShiftThenBelongsToTheReceiver() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        _ = try sale(anna, "s1")
        // Carl logs in at the same counter: the shift is Anna's, he cannot sell on it.
        let carl = try session("carl", "3333")
        XCTAssertThrowsError(try sale(carl, "s2")) {
            XCTAssertEqual("\($0)", "Die offene Schicht gehört »anna«; zuerst die Kasse mit Zählung übergeben (Übergabe).")
        }
        XCTAssertThrowsError(try anna.handOver(to: "anna", pin: "1111", countedCash: Money(euros: 137))) {
            XCTAssertEqual($0 as? SessionError, .handoverToSelf)
        }
        XCTAssertThrowsError(try anna.handOver(to: "carl", pin: "0000", countedCash: Money(euros: 137)))
        let handover = try anna.handOver(to: "carl", pin: "3333", countedCash: Money(cents: 13650))
        XCTAssertEqual(handover.expectedCash, Money(euros: 137))
        XCTAssertEqual(try handover.difference, Money(cents: -50))
        XCTAssertEqual(try anna.shiftHolder(), carl.currentOperator.id)
        XCTAssertThrowsError(try sale(anna, "s3"), "Anna no longer holds the shift")
        let continued = try anna.continuing(as: handover)
        XCTAssertEqual(continued.currentOperator.login, "carl")
        XCTAssertEqual(try sale(continued, "s4").sale.operatorId, carl.currentOperator.id)
        let entry = try XCTUnwrap(try AuditTrail.entries(service.ledger, filter: AuditFilter(type: "shift.handover")).first)
        XCTAssertEqual(entry.fields[AuditField.counted], "13650")
        XCTAssertEqual(entry.fields[AuditField.expected], "13700")
        XCTAssertEqual(entry.fields["difference_cents"], "-50")
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testADayCloseDifferenceAboveTheThresholdNeedsApprovalForExactlyThatDifference() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        _ = try sale(anna, "s1")
        let bernd = try session("bernd", "2222")
        // 4,00 € short: below the 5,00 € threshold, no approval.
        let dayClose = DayCloseSession(session: bernd, settings: settings)
        XCTAssertEqual(try dayClose.service.difference(counted: Money(euros: 133)), Money(euros: -4))
        XCTAssertFalse(try dayClose.needsApproval(counted: Money(euros: 133)))
        // 7,50 € short: approval by another supervisor (leitung), for exactly −7,50 €.
        let counted = Money(cents: 12950)
        let difference = try dayClose.service.difference(counted: counted)
        XCTAssertTrue(try dayClose.needsApproval(counted: counted))
        XCTAssertThrowsError(try closeDay(bernd, counted: counted, reason: "Unklar")) {
            XCTAssertEqual(
                "\($0)", "Ein Tagesabschluss mit -7,50 € Differenz braucht die Freigabe einer zweiten Person mit der Rolle Kassenaufsicht (Vier-Augen-Prinzip)."
            )
        }
        let wrong = try bernd.approval(for: .dayCloseDifference(Money(cents: -700)), approverLogin: "leitung", pin: "7391")
        XCTAssertThrowsError(try closeDay(bernd, counted: counted, reason: "Unklar", approval: wrong))
        let approval = try bernd.approval(for: .dayCloseDifference(difference), approverLogin: "leitung", pin: "7391")
        let close = try closeDay(bernd, counted: counted, reason: "Unklar", approval: approval)
        XCTAssertEqual(close.approvedBy, try access.account(login: "leitung")?.id)
        XCTAssertEqual(close.difference, Money(cents: -750))
        XCTAssertEqual(try service.ledger.db.scalarInt("SELECT count(*) FROM approval_uses"), 1, "the approval now backs this close and nothing else")
        let types = Set(try AuditTrail.entries(service.ledger).map(\.type))
        for type in ["shift.opened", "approval.granted", "day.closed", "shift.closed", "login.succeeded"] { XCTAssertTrue(types.contains(type), type) }
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testTheServiceItselfRefusesWhatTheRolesAndApprovalsDoNotAllow() throws {
        let anna = try access.account(login: "anna")!
        let bernd = try access.account(login: "bernd")!
        let carl = try access.account(login: "carl")!
        XCTAssertThrowsError(try service.openShift(operatorId: try access.account(login: "dora")!.id, float: .zero)) {
            XCTAssertEqual("\($0)", "»Schicht eröffnen« braucht eine der Rollen Sachbearbeitung, Kassenaufsicht; »dora« hat Stadtkasse.")
        }
        try service.openShift(operatorId: anna.id, float: Money(euros: 100))
        let start = clock.now()
        let sold = try service.bookSale(
            SaleRequest(saleId: "d1", operatorId: anna.id, lines: [line], payment: .cash(tendered: Money(euros: 40)), reference: nil, startedAt: start)
        ).sale
        // A storno naming an approver who never entered a PIN, or the clerk herself, or another clerk: refused.
        for approver in [nil, anna.id, carl.id, bernd.id] as [String?] {
            XCTAssertThrowsError(
                try service.cancelSale(receiptNumber: sold.receiptNumber, stornoId: "x", operatorId: anna.id, reason: "Irrtum", approvedBy: approver),
                "\(approver ?? "nil")")
        }
        _ = try access.approve(.storno, requestedBy: anna, approverLogin: "bernd", pin: "2222")
        XCTAssertEqual(
            try service.cancelSale(receiptNumber: sold.receiptNumber, stornoId: "x", operatorId: anna.id, reason: "Irrtum", approvedBy: bernd.id).storno
                .approvedBy, bernd.id)
        // An approval goes stale after 15 minutes.
        _ = try access.approve(.cashWithdrawal(Money(euros: 10)), requestedBy: anna, approverLogin: "bernd", pin: "2222")
        clock.advance(seconds: 16 * 60)
        XCTAssertThrowsError(
            try service.recordCashMovement(id: "m", kind: .entnahme, amount: Money(euros: 10), reason: "Porto", operatorId: anna.id, approvedBy: bernd.id))
        let dayClose = DayCloseService(counter: service, settings: settings)
        func close(_ id: String, _ counted: Money) throws -> DayCloseOutcome {
            try dayClose.close(DayCloseRequest(count: .standIn(total: counted), reason: "Münze fehlt", floatKept: .zero), operatorId: id, approvedBy: nil)
        }
        XCTAssertThrowsError(try close(anna.id, Money(euros: 100))) {
            XCTAssertEqual("\($0)", "»Tagesabschluss« braucht die Rolle Kassenaufsicht; »anna« hat Sachbearbeitung.")
        }
        // Closing on a supervisor's approval, the service asks for exactly that approval.
        XCTAssertThrowsError(
            try dayClose.close(
                DayCloseRequest(count: .standIn(total: Money(euros: 100)), reason: "", floatKept: .zero), operatorId: anna.id, approvedBy: bernd.id,
                onApproval: true)
        ) { XCTAssertEqual("\($0)", "\(AccessError.approvalRequired(.dayClose(.zero)))") }
        XCTAssertNoThrow(try close(bernd.id, Money(cents: 9950)), "0,50 € short: no approval needed")
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testTheCountedDayCloseGoesThroughTheGuardToo() throws {
        let bernd = try session("bernd", "2222")
        try bernd.openShift(float: Money(euros: 100))
        let dayClose = DayCloseSession(session: bernd, settings: settings)
        var preparation = try dayClose.prepare(blindCount: false)
        let counted = try CashCount(pieces: [.note50: 1, .note20: 2, .coin2Euro: 1])  // 92,00 € of 100,00 €
        preparation.draft.submitCount(counted)
        preparation.draft.reason = "Unklar"
        let leitung = try access.account(login: "leitung")!
        // Naming a supervisor who never entered a PIN does not get past the service.
        let request = DayCloseRequest(preparation: preparation, floatKept: Money(euros: 50))
        XCTAssertThrowsError(
            try DayCloseService(counter: service, settings: settings).close(request, operatorId: bernd.currentOperator.id, approvedBy: leitung.id)
        ) { XCTAssertTrue("\($0)".contains("Vier-Augen-Prinzip"), "\($0)") }
        let approval = try bernd.approval(for: .dayCloseDifference(Money(euros: -8)), approverLogin: "leitung", pin: "7391")
        XCTAssertEqual(try dayClose.close(request, approval: approval).record.approvedBy, leitung.id)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    // MARK: One approval, one booking

    func testAnApprovalBacksExactlyOneStornoAndASecondUseBooksNothing() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        let first = try sale(anna, "s1").sale
        let second = try sale(anna, "s2").sale
        let approval = try anna.approval(for: .storno, approverLogin: "bernd", pin: "2222")
        _ = try anna.cancelSale(receiptNumber: first.receiptNumber, stornoId: "st1", reason: "Irrtum", approval: approval)
        let head = try service.ledger.chainHead()
        XCTAssertThrowsError(try anna.cancelSale(receiptNumber: second.receiptNumber, stornoId: "st2", reason: "Irrtum", approval: approval)) {
            XCTAssertEqual(
                "\($0)",
                "Diese Freigabe wurde schon für eine Buchung verwendet und gilt nur einmal: Ein Storno braucht eine neue Freigabe einer zweiten Person mit der Rolle Kassenaufsicht."
            )
        }
        XCTAssertEqual(try service.ledger.chainHead().seq, head.seq, "nothing was booked")
        XCTAssertNil(try service.ledger.storno(id: "st2"))
        // Straight at the service, naming the approver, it is refused the same way.
        XCTAssertThrowsError(
            try service.cancelSale(
                receiptNumber: second.receiptNumber, stornoId: "st2", operatorId: anna.currentOperator.id, reason: "Irrtum", approvedBy: approval.approverID)
        ) { XCTAssertEqual("\($0)", AccessError.approvalAlreadyUsed(.storno).description) }
        // A new approval backs the second storno.
        let again = try anna.approval(for: .storno, approverLogin: "bernd", pin: "2222")
        XCTAssertEqual(
            try anna.cancelSale(receiptNumber: second.receiptNumber, stornoId: "st2", reason: "Irrtum", approval: again).storno.approvedBy, again.approverID)
        XCTAssertEqual(try service.ledger.db.scalarInt("SELECT count(*) FROM approval_uses"), 2)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testAnApprovalBacksExactlyOneWithdrawal() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        let approval = try anna.approval(for: .cashWithdrawal(Money(euros: 20)), approverLogin: "bernd", pin: "2222")
        _ = try anna.recordCashMovement(id: "m1", kind: .entnahme, amount: Money(euros: 20), reason: "Porto", approval: approval)
        let receipt = try service.ledger.nextReceiptNumber()
        XCTAssertThrowsError(try anna.recordCashMovement(id: "m2", kind: .entnahme, amount: Money(euros: 20), reason: "Porto", approval: approval)) {
            XCTAssertEqual("\($0)", AccessError.approvalAlreadyUsed(.cashWithdrawal(Money(euros: 20))).description)
        }
        XCTAssertNil(try service.ledger.cashMovement(id: "m2"))
        XCTAssertEqual(try service.ledger.nextReceiptNumber(), receipt, "no receipt number was used")
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    /// Another writer (the shell beside the screen) uses the approval after the service checked it
    /// but before it booked: the use is recorded in the booking's own transaction, so the second
    /// booking fails there and nothing of it is written.
    func testAUseBetweenTheCheckAndTheBookingIsCaughtInsideTheTransaction() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        let approval = try anna.approval(for: .cashWithdrawal(Money(euros: 20)), approverLogin: "bernd", pin: "2222")
        var configuration = Configuration()
        configuration.registerID = "K1"
        let clock = self.clock
        let shellLedger = try CounterService.openLedger(data: tmp.path, configuration: configuration)
        let shell = try CounterService.open(
            ledger: shellLedger, data: tmp.path, configuration: configuration, clock: clock,
            accessGuard: AccessControl(store: shellLedger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.now().date }))
        let racing = RacingGuard(access)
        racing.race = {
            _ = try shell.recordCashMovement(
                id: "m-shell", kind: .entnahme, amount: Money(euros: 20), reason: "Porto", operatorId: approval.requesterID, approvedBy: approval.approverID)
        }
        let screen = try CounterService.open(
            ledger: service.ledger, data: tmp.path, configuration: configuration, clock: clock, terminal: terminal, accessGuard: racing)
        let annaOnScreen = CounterSession(service: screen, access: access, operator: anna.currentOperator)
        let head = try service.ledger.chainHead()
        XCTAssertThrowsError(
            try annaOnScreen.recordCashMovement(id: "m-screen", kind: .entnahme, amount: Money(euros: 20), reason: "Porto", approval: approval)
        ) {
            XCTAssertEqual("\($0)", AccessError.approvalAlreadyUsed(.cashWithdrawal(Money(euros: 20))).description)
        }
        XCTAssertNotNil(try service.ledger.cashMovement(id: "m-shell"))
        XCTAssertNil(try service.ledger.cashMovement(id: "m-screen"), "the screen's booking was rolled back")
        XCTAssertEqual(try service.ledger.chainHead().seq, head.seq + 1, "only the shell's movement was booked")
        XCTAssertEqual(try service.ledger.db.scalarInt("SELECT count(*) FROM approval_uses"), 1)
        // The table itself holds an approval to one booking, whoever writes to it.
        let use = try XCTUnwrap(try service.ledger.db.scalarInt("SELECT approval_seq FROM approval_uses"))
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(service.ledger.path, &db), SQLITE_OK)
        defer { sqlite3_close(db) }
        XCTAssertEqual(sqlite3_exec(db, "INSERT INTO approval_uses VALUES (\(head.seq), \(use))", nil, nil, nil), SQLITE_CONSTRAINT)
        XCTAssertNotEqual(sqlite3_exec(db, "DELETE FROM approval_uses", nil, nil, nil), SQLITE_OK, "append-only")
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    /// Once the terminal has reversed a storno's card part the money has moved: that storno is
    /// booked even if its approval was used meanwhile (the check before the terminal refuses a used one).
    func testAStornoReversedOnTheTerminalIsBookedEvenIfItsApprovalWasUsedMeanwhile() throws {
        let anna = try session("anna", "1111")
        try anna.openShift(float: Money(euros: 100))
        let card = try sale(anna, "s1", .card).sale
        let cash = try sale(anna, "s2").sale
        let approval = try anna.approval(for: .storno, approverLogin: "bernd", pin: "2222")
        let racing = RacingGuard(access)
        racing.race = { [service] in
            _ = try service!.cancelSale(
                receiptNumber: cash.receiptNumber, stornoId: "st-shell", operatorId: approval.requesterID, reason: "Irrtum", approvedBy: approval.approverID)
        }
        var configuration = Configuration()
        configuration.registerID = "K1"
        let screen = try CounterService.open(
            ledger: service.ledger, data: tmp.path, configuration: configuration, clock: clock, terminal: terminal, accessGuard: racing)
        let storno = try CounterSession(service: screen, access: access, operator: anna.currentOperator).cancelSale(
            receiptNumber: card.receiptNumber, stornoId: "st-screen", reason: "Irrtum", approval: approval)
        XCTAssertFalse(storno.alreadyBooked)
        XCTAssertNotNil(try service.ledger.storno(id: "st-shell"))
        XCTAssertEqual(try service.ledger.db.scalarInt("SELECT count(*) FROM approval_uses"), 1, "the approval backs the first booking only")
        XCTAssertTrue(try service.ledger.verify().isClean)
    }
}

/// The access control of the screen, with another writer's booking run right after its check.
private final class RacingGuard: CounterAccessGuard {
    let inner: AccessControl
    var race: (() throws -> Void)?
    init(_ inner: AccessControl) { self.inner = inner }

    func check(_ permission: Permission, operatorId: String, approval: ApprovableAction?, approvedBy: String?) throws {
        try inner.check(permission, operatorId: operatorId, approval: approval, approvedBy: approvedBy)
        let race = self.race
        self.race = nil
        try race?()
    }

    func recordApprovalUse(_ action: ApprovableAction, operatorId: String, approvedBy: String, bookingSeq: Int64, mustBook: Bool) throws {
        try inner.recordApprovalUse(action, operatorId: operatorId, approvedBy: approvedBy, bookingSeq: bookingSeq, mustBook: mustBook)
    }
}
