import Access
import Foundation
import XCTest

/// Operators with real PBKDF2 hashes at the minimum iteration count (the fastest the rules allow).
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let iterations = PINHash.minimumIterations

    static func account(_ id: String, _ login: String, roles: Set<Role>, pin: String) -> OperatorAccount {
        OperatorAccount(
            id: id, login: login, name: login.uppercased(), roles: roles, pinHash: PINHash(hashing: try! PIN(pin), iterations: iterations), createdAt: t0)
    }

    static let clerk = account("op-clerk", "anna", roles: [.sachbearbeitung], pin: "1111")
    static let supervisor = account("op-super", "bernd", roles: [.kassenaufsicht], pin: "2222")
    static let supervisor2 = account("op-super2", "carla", roles: [.sachbearbeitung, .kassenaufsicht], pin: "3333")
    static let treasury = account("op-tres", "dora", roles: [.stadtkasse], pin: "4444")
}

final class AuthenticatorTests: XCTestCase {
    let authenticator = Authenticator(policy: LockoutPolicy(maximumAttempts: 5, lockoutMinutes: 15), hashIterations: Fixture.iterations)

    func testRightPINLogsIn() {
        let result = authenticator.authenticate(Fixture.clerk, pin: "1111", at: Fixture.t0)
        XCTAssertEqual(result.account?.id, "op-clerk")
        XCTAssertNil(result.failureReason)
        XCTAssertNil(result.upgradedHash)
        XCTAssertEqual(result.lockoutEvents, [.succeeded(at: Fixture.t0)])
    }

    func testUnknownLoginSaysNothingAboutAttempts() {
        let result = authenticator.authenticate(nil, pin: "1111", at: Fixture.t0)
        XCTAssertEqual(result.error, .wrongCredentials(remainingAttempts: nil))
        XCTAssertEqual(result.error?.description, "Kennung oder PIN falsch.")
        XCTAssertEqual(result.failureReason, .unknownLogin)
        XCTAssertEqual(result.lockoutEvents, [])
    }

    func testFiveWrongPINsLockThenTheRightPINIsRefusedUntilUnlocked() {
        var account = Fixture.clerk
        for attempt in 1...5 {
            let at = Fixture.t0.addingTimeInterval(Double(attempt))
            let result = authenticator.authenticate(account, pin: "9999", at: at)
            XCTAssertEqual(result.failureReason, .wrongPIN)
            for event in result.lockoutEvents { account.lockout.apply(event) }
            if attempt < 5 {
                XCTAssertEqual(result.error, .wrongCredentials(remainingAttempts: 5 - attempt))
            } else {
                XCTAssertEqual(result.error, .lockedNow(login: "anna", minutes: 15))
                XCTAssertEqual(result.error?.description, "Zu viele falsche PINs: »anna« ist für 15 Minuten gesperrt; eine Kassenaufsicht kann entsperren.")
            }
        }
        let refused = authenticator.authenticate(account, pin: "1111", at: Fixture.t0.addingTimeInterval(60))
        XCTAssertEqual(refused.error, .locked(login: "anna", minutesLeft: 15))
        XCTAssertEqual(refused.failureReason, .locked)
        XCTAssertEqual(refused.lockoutEvents, [], "an attempt while locked does not extend the lock")
        // After the lock period the right PIN works again.
        let later = authenticator.authenticate(account, pin: "1111", at: Fixture.t0.addingTimeInterval(15 * 60 + 5))
        XCTAssertNotNil(later.account)
        // Or a supervisor unlocks early.
        account.lockout.apply(.unlocked(at: Fixture.t0.addingTimeInterval(120)))
        XCTAssertNotNil(authenticator.authenticate(account, pin: "1111", at: Fixture.t0.addingTimeInterval(121)).account)
    }

    func testAMalformedPINCountsAsWrong() {
        let result = authenticator.authenticate(Fixture.clerk, pin: "11", at: Fixture.t0)
        XCTAssertEqual(result.failureReason, .wrongPIN)
        XCTAssertEqual(result.lockoutEvents, [.failedAttempt(at: Fixture.t0)])
    }

    func testAnOldHashIsUpgradedAtLogIn() {
        let stronger = Authenticator(policy: LockoutPolicy(), hashIterations: Fixture.iterations + 1)
        let result = stronger.authenticate(Fixture.clerk, pin: "1111", at: Fixture.t0)
        XCTAssertEqual(result.upgradedHash?.iterations, Fixture.iterations + 1)
        XCTAssertEqual(result.account?.pinHash, result.upgradedHash)
        XCTAssertTrue(result.upgradedHash!.verify("1111"))
    }
}
