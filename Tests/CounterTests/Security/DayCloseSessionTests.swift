import Access
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The day close with a count by denomination through a logged-in session: role, four eyes with a
/// second Kassenaufsicht for a difference above the threshold, the approver on the close.
final class DayCloseSessionTests: XCTestCase {
    var tmp: TemporaryDirectory!
    var service: CounterService!
    var access: AccessControl!
    let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
    let terminal = FakeCardTerminal()
    var configuration = Configuration()

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "webkasse-dayclose-session")
        configuration.registerID = "K1"
        service = try CounterService.open(data: tmp.path, configuration: configuration, clock: clock, terminal: terminal)
        let clock = self.clock
        access = AccessControl(store: service.ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.now().date })
        let admin = try access.setUp(login: "leitung", name: "Lea Leitung", pin: "7391", pinRepeated: "7391")
        try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        try access.addOperator(by: admin, login: "bernd", name: "Bernd Aufsicht", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
    }

    override func tearDown() { tmp.remove() }

    func testTheCountingClerkCannotApproveAndASecondSupervisorIsRecorded() throws {
        let bernd = try CounterSession.logIn(service: service, access: access, login: "bernd", pin: "2222")
        try bernd.openShift(float: Money(euros: 100))
        let anna = try CounterSession.logIn(service: service, access: access, login: "anna", pin: "1111")
        XCTAssertThrowsError(try DayCloseSession(session: anna, settings: DayCloseSettings(configuration: configuration)).prepare(blindCount: true))

        let dayClose = DayCloseSession(session: bernd, settings: DayCloseSettings(configuration: configuration))
        var preparation = try dayClose.prepare(blindCount: true)
        XCTAssertNil(try preparation.draft.expectedForDisplay())
        let counted = try CashCount(pieces: [.note50: 1, .note20: 2, .coin2Euro: 1])  // 92,00 € of 100,00 €
        preparation.draft.submitCount(counted)
        preparation.draft.reason = "Unklar"
        XCTAssertTrue(try dayClose.needsApproval(counted: counted.total))
        let request = DayCloseRequest(preparation: preparation, floatKept: Money(euros: 50))
        XCTAssertThrowsError(try dayClose.close(request, approval: nil)) {
            XCTAssertEqual(
                "\($0)", "Ein Tagesabschluss mit -8,00 € Differenz braucht die Freigabe einer zweiten Person mit der Rolle Kassenaufsicht (Vier-Augen-Prinzip)."
            )
        }
        XCTAssertThrowsError(try bernd.approval(for: .dayCloseDifference(Money(euros: -8)), approverLogin: "bernd", pin: "2222"))
        XCTAssertThrowsError(try bernd.approval(for: .dayCloseDifference(Money(euros: -8)), approverLogin: "anna", pin: "1111"))
        let approval = try bernd.approval(for: .dayCloseDifference(Money(euros: -8)), approverLogin: "leitung", pin: "7391")
        let outcome = try dayClose.close(request, approval: approval)
        XCTAssertEqual(outcome.record.approvedBy, try access.account(login: "leitung")?.id)
        XCTAssertEqual(outcome.record.difference, Money(euros: -8))
        XCTAssertEqual(outcome.detail.pieces, [5000: 1, 2000: 2, 200: 1])
        XCTAssertEqual(outcome.detail.handover, Money(euros: 42))
        XCTAssertTrue(outcome.reportText.contains("Lea Leitung"), outcome.reportText)
        XCTAssertTrue(try service.ledger.verify().isClean)
        XCTAssertTrue(try dayClose.interimReportText().hasPrefix("ZWISCHENBERICHT (X)"))
    }
}

/// The day close of a clerk's shift approved on the spot: the supervisor types Kennung and PIN in
/// the dialog, the clerk stays logged in; the approval authorises the close and covers its difference.
final class DayCloseOnTheSpotTests: XCTestCase {
    var tmp: TemporaryDirectory!
    var service: CounterService!
    var access: AccessControl!
    let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
    var configuration = Configuration()

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "webkasse-dayclose-spot")
        configuration.registerID = "K1"
        service = try CounterService.open(data: tmp.path, configuration: configuration, clock: clock, terminal: FakeCardTerminal())
        let clock = self.clock
        access = AccessControl(store: service.ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.now().date })
        let admin = try access.setUp(login: "leitung", name: "Lea Leitung", pin: "7391", pinRepeated: "7391")
        try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        try access.addOperator(by: admin, login: "carl", name: "Carl Amt", roles: [.sachbearbeitung], pin: "3333", pinRepeated: "3333")
        try access.addOperator(by: admin, login: "bernd", name: "Bernd Aufsicht", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
    }

    override func tearDown() { tmp.remove() }

    func testAClerksCloseNeedsTheSupervisorsApprovalWhichIsRecordedOnTheClose() throws {
        let anna = try CounterSession.logIn(service: service, access: access, login: "anna", pin: "1111")
        try anna.openShift(float: Money(euros: 100))
        let dayClose = DayCloseSession(session: anna, settings: DayCloseSettings(configuration: configuration))
        XCTAssertTrue(dayClose.closesOnApproval)
        // Another clerk cannot close Anna's shift.
        let carl = try CounterSession.logIn(service: service, access: access, login: "carl", pin: "3333")
        XCTAssertThrowsError(try DayCloseSession(session: carl, settings: DayCloseSettings(configuration: configuration)).prepare(blindCount: true)) {
            XCTAssertEqual($0 as? SessionError, .notShiftHolder(holder: "anna"))
        }

        var preparation = try dayClose.prepare(blindCount: true)
        preparation.draft.submitCount(.standIn(total: Money(euros: 100)))
        // No difference, yet a clerk's close needs the approval.
        XCTAssertTrue(try dayClose.needsApproval(counted: Money(euros: 100)))
        let request = DayCloseRequest(preparation: preparation, floatKept: Money(euros: 100))
        XCTAssertThrowsError(try dayClose.close(request, approval: nil)) {
            XCTAssertEqual("\($0)", "\(AccessError.approvalRequired(.dayClose(.zero)))")
        }
        // Another clerk cannot approve it; nor can Anna herself.
        XCTAssertThrowsError(try dayClose.approval(counted: Money(euros: 100), approverLogin: "carl", pin: "3333")) {
            XCTAssertEqual($0 as? AccessError, .approverLacksRole(login: "carl", held: [.sachbearbeitung]))
        }
        XCTAssertThrowsError(try dayClose.approval(counted: Money(euros: 100), approverLogin: "anna", pin: "1111"))
        // An approval of a difference is not the approval of the close.
        let differenceOnly = try anna.approval(for: .dayCloseDifference(.zero), approverLogin: "bernd", pin: "2222")
        XCTAssertThrowsError(try dayClose.close(request, approval: differenceOnly))

        let approval = try dayClose.approval(counted: Money(euros: 100), approverLogin: "bernd", pin: "2222")
        XCTAssertEqual(approval.action, .dayClose(.zero))
        let outcome = try dayClose.close(request, approval: approval)
        let berndId = try XCTUnwrap(try access.account(login: "bernd")?.id)
        XCTAssertEqual(outcome.record.operatorId, anna.currentOperator.id, "the clerk who counted closes")
        XCTAssertEqual(outcome.record.approvedBy, berndId, "the supervisor is the close's approver")
        XCTAssertTrue(outcome.reportText.contains("Bernd Aufsicht"), outcome.reportText)
        // Audited: the approval for exactly this close, and the shift closed by Anna authorised by Bernd.
        let granted = try access.store.auditEvents([.approvalGranted]).map(\.event).filter { $0.fields[AuditField.action] == "day_close" }
        XCTAssertEqual(granted.map { $0.fields[AuditField.approver] }, [berndId])
        let closed = try XCTUnwrap(try access.store.auditEvents([.shiftClosed]).last?.event)
        XCTAssertEqual(closed.actorID, anna.currentOperator.id)
        XCTAssertEqual(closed.fields["authorised_by"], berndId)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testTheSupervisorsApprovalOfAClerksCloseCoversItsDifference() throws {
        let anna = try CounterSession.logIn(service: service, access: access, login: "anna", pin: "1111")
        try anna.openShift(float: Money(euros: 100))
        let dayClose = DayCloseSession(session: anna, settings: DayCloseSettings(configuration: configuration))
        var preparation = try dayClose.prepare(blindCount: false)
        preparation.draft.submitCount(.standIn(total: Money(euros: 90)))
        preparation.draft.reason = "Wechselgeld falsch herausgegeben"
        let approval = try dayClose.approval(counted: Money(euros: 90), approverLogin: "bernd", pin: "2222")
        XCTAssertEqual(approval.action, .dayClose(Money(euros: -10)))
        let outcome = try dayClose.close(DayCloseRequest(preparation: preparation, floatKept: .zero), approval: approval)
        XCTAssertEqual(outcome.record.difference, Money(euros: -10))
        XCTAssertEqual(outcome.record.approvedBy, try access.account(login: "bernd")?.id)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }
}
