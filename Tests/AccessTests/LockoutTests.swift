import Access
import Foundation
import KasseCore
import XCTest

final class LockoutTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = LockoutPolicy(maximumAttempts: 5, lockoutMinutes: 15)

    func minutes(_ m: Double) -> Date { t0.addingTimeInterval(m * 60) }

    /// Applies failures the way the authenticator does and returns the state.
    func fail(_ state: inout LockoutState, at date: Date) -> [LockoutEvent] {
        let events = policy.eventsAfterFailure(state, at: date)
        for event in events { state.apply(event) }
        return events
    }

    func testFiveFailuresLockForTheConfiguredTime() {
        var state = LockoutState()
        for attempt in 1...4 {
            XCTAssertEqual(fail(&state, at: minutes(Double(attempt))), [.failedAttempt(at: minutes(Double(attempt)))])
            XCTAssertEqual(state.status(at: minutes(Double(attempt))), .open)
            XCTAssertEqual(policy.remainingAttempts(state, at: minutes(Double(attempt))), 5 - attempt)
        }
        let events = fail(&state, at: minutes(5))
        XCTAssertEqual(events, [.failedAttempt(at: minutes(5)), .locked(at: minutes(5), until: minutes(20))])
        XCTAssertEqual(state.status(at: minutes(5)), .lockedUntil(minutes(20)))
        XCTAssertEqual(state.status(at: minutes(19.99)), .lockedUntil(minutes(20)))
        XCTAssertEqual(state.minutesLeft(at: minutes(5)), 15)
        XCTAssertEqual(state.minutesLeft(at: minutes(19.5)), 1)
        // The lock runs out by itself, and the count starts again.
        XCTAssertEqual(state.status(at: minutes(20)), .open)
        XCTAssertEqual(state.consecutiveFailures(at: minutes(20)), 0)
        XCTAssertEqual(fail(&state, at: minutes(21)), [.failedAttempt(at: minutes(21))])
        XCTAssertEqual(state.consecutiveFailures(at: minutes(21)), 1)
    }

    func testConfigurationDrivesThePolicy() {
        var configuration = Configuration()
        configuration.maximumPINAttempts = 3
        configuration.lockoutMinutes = 60
        let policy = LockoutPolicy(configuration: configuration)
        XCTAssertEqual(policy, LockoutPolicy(maximumAttempts: 3, lockoutMinutes: 60))
        var state = LockoutState()
        for minute in 0..<2 { for e in policy.eventsAfterFailure(state, at: minutes(Double(minute))) { state.apply(e) } }
        let third = policy.eventsAfterFailure(state, at: minutes(2))
        XCTAssertEqual(third.last, .locked(at: minutes(2), until: minutes(62)))
    }

    func testSuccessResetsTheCount() {
        var state = LockoutState()
        for minute in 1...4 { _ = fail(&state, at: minutes(Double(minute))) }
        state.apply(.succeeded(at: minutes(4.5)))
        XCTAssertEqual(state.consecutiveFailures(at: minutes(5)), 0)
        for minute in 5...8 { _ = fail(&state, at: minutes(Double(minute))) }
        XCTAssertEqual(state.status(at: minutes(8)), .open, "four failures after a success do not lock")
    }

    func testSupervisorUnlockEndsTheLockEarly() {
        var state = LockoutState()
        for minute in 1...5 { _ = fail(&state, at: minutes(Double(minute))) }
        XCTAssertTrue(state.isLocked(at: minutes(6)))
        state.apply(.unlocked(at: minutes(6)))
        XCTAssertEqual(state.status(at: minutes(6)), .open)
        XCTAssertEqual(state.consecutiveFailures(at: minutes(6)), 0)
        XCTAssertEqual(policy.remainingAttempts(state, at: minutes(6)), 5)
    }

    func testLockByHandLastsUntilUnlocked() {
        var state = LockoutState()
        state.apply(.locked(at: t0, until: nil))
        XCTAssertEqual(state.status(at: minutes(60 * 24 * 365)), .lockedByHand)
        XCTAssertNil(state.minutesLeft(at: minutes(1)))
        state.apply(.unlocked(at: minutes(2)))
        XCTAssertEqual(state.status(at: minutes(2)), .open)
    }

    func testReplayingTheHistoryGivesTheSameState() {
        var live = LockoutState()
        var history: [LockoutEvent] = []
        for minute in [1.0, 2, 3, 4, 5, 30, 31] { history += fail(&live, at: minutes(minute)) }
        XCTAssertEqual(LockoutState(replaying: history), live)
        // A later, shorter policy does not shorten a lock already recorded: the end is in the history.
        let replayed = LockoutState(replaying: history.prefix(6))
        XCTAssertEqual(replayed.status(at: minutes(10)), .lockedUntil(minutes(20)))
        XCTAssertEqual(LockoutState(replaying: history).consecutiveFailures(at: minutes(31)), 2, "the expired lock reset the count")
    }
}
