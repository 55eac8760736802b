import Access
import Foundation
import KasseCore
import XCTest

final class FourEyesTests: XCTestCase {
    let rules = FourEyesRules(dayCloseDifferenceThreshold: Money(cents: 500))
    let authenticator = Authenticator(policy: LockoutPolicy(), hashIterations: Fixture.iterations)

    func testWhatNeedsApproval() {
        XCTAssertTrue(rules.needsApproval(.storno))
        XCTAssertTrue(rules.needsApproval(.cashWithdrawal(Money(cents: 1))))
        XCTAssertTrue(rules.needsApproval(.cashWithdrawal(Money(euros: 500))))
        XCTAssertFalse(rules.needsApproval(.cashWithdrawal(.zero)))
        XCTAssertFalse(rules.needsApproval(.dayCloseDifference(.zero)))
        XCTAssertFalse(rules.needsApproval(.dayCloseDifference(Money(cents: 500))), "at the threshold: no")
        XCTAssertFalse(rules.needsApproval(.dayCloseDifference(Money(cents: -500))))
        XCTAssertTrue(rules.needsApproval(.dayCloseDifference(Money(cents: 501))), "above: yes")
        XCTAssertTrue(rules.needsApproval(.dayCloseDifference(Money(cents: -501))), "a shortfall above: yes")
        var configuration = Configuration()
        configuration.dayCloseDifferenceApproval = Money(euros: 20)
        XCTAssertFalse(FourEyesRules(configuration: configuration).needsApproval(.dayCloseDifference(Money(euros: 19))))
    }

    func approve(_ action: ApprovableAction, requester: OperatorAccount, approver: OperatorAccount, pin: String) throws -> Approval {
        let authentication = authenticator.authenticate(approver, pin: pin, at: Fixture.t0)
        return try rules.approve(action, requestedBy: requester, approver: approver, authentication: authentication, at: Fixture.t0)
    }

    func testASecondSupervisorApproves() throws {
        for action in [ApprovableAction.storno, .cashWithdrawal(Money(euros: 50)), .dayCloseDifference(Money(cents: -750))] {
            let approval = try approve(action, requester: Fixture.clerk, approver: Fixture.supervisor, pin: "2222")
            XCTAssertEqual(approval.approverID, "op-super")
            XCTAssertEqual(approval.requesterID, "op-clerk")
            XCTAssertEqual(approval.action, action)
            XCTAssertNoThrow(try rules.require(action, requestedBy: "op-clerk", approval: approval))
        }
        // A supervisor asking needs another supervisor.
        let approval = try approve(.dayCloseDifference(Money(euros: 10)), requester: Fixture.supervisor, approver: Fixture.supervisor2, pin: "3333")
        XCTAssertEqual(approval.approverLogin, "carla")
    }

    func testTheRequesterCannotApproveThemself() {
        XCTAssertThrowsError(try approve(.storno, requester: Fixture.supervisor, approver: Fixture.supervisor, pin: "2222")) { error in
            XCTAssertEqual(error as? AccessError, .approverIsRequester(login: "bernd"))
            XCTAssertEqual("\(error)", "»bernd« kann die eigene Buchung nicht freigeben; es muss eine zweite Person mit der Rolle Kassenaufsicht sein.")
        }
    }

    func testApproversWithoutKassenaufsichtAreRefused() {
        for (approver, pin) in [
            (Fixture.treasury, "4444"), (Fixture.account("x1", "emil", roles: [.sachbearbeitung], pin: "5555"), "5555"),
            (Fixture.account("x2", "fritz", roles: [.administration], pin: "6666"), "6666"),
        ] {
            XCTAssertThrowsError(try approve(.storno, requester: Fixture.clerk, approver: approver, pin: pin)) { error in
                XCTAssertEqual(error as? AccessError, .approverLacksRole(login: approver.login, held: approver.roles))
                XCTAssertTrue("\(error)".contains("nötig ist die Rolle Kassenaufsicht"))
            }
        }
    }

    func testAWrongApproverPINIsRefusedAndCounts() {
        let authentication = authenticator.authenticate(Fixture.supervisor, pin: "9999", at: Fixture.t0)
        XCTAssertEqual(authentication.lockoutEvents, [.failedAttempt(at: Fixture.t0)])
        XCTAssertThrowsError(
            try rules.approve(.storno, requestedBy: Fixture.clerk, approver: Fixture.supervisor, authentication: authentication, at: Fixture.t0)
        ) {
            XCTAssertEqual($0 as? AccessError, .wrongCredentials(remainingAttempts: 4))
        }
    }

    func testRequireRefusesMissingMismatchedOrSelfApprovals() throws {
        XCTAssertThrowsError(try rules.require(.storno, requestedBy: "op-clerk", approval: nil)) { error in
            XCTAssertEqual(error as? AccessError, .approvalRequired(.storno))
            XCTAssertEqual("\(error)", "Ein Storno braucht die Freigabe einer zweiten Person mit der Rolle Kassenaufsicht (Vier-Augen-Prinzip).")
        }
        XCTAssertNoThrow(try rules.require(.dayCloseDifference(Money(cents: 100)), requestedBy: "op-clerk", approval: nil))
        let approval = try approve(.cashWithdrawal(Money(euros: 50)), requester: Fixture.clerk, approver: Fixture.supervisor, pin: "2222")
        XCTAssertThrowsError(try rules.require(.cashWithdrawal(Money(euros: 500)), requestedBy: "op-clerk", approval: approval), "another amount")
        XCTAssertThrowsError(try rules.require(.storno, requestedBy: "op-clerk", approval: approval), "another action")
        XCTAssertThrowsError(try rules.require(.cashWithdrawal(Money(euros: 50)), requestedBy: "op-super2", approval: approval), "another requester")
        XCTAssertThrowsError(try rules.require(.cashWithdrawal(Money(euros: 50)), requestedBy: "op-super", approval: approval), "approver asking")
    }
}
