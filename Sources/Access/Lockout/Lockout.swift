import Foundation
import KasseCore

/// How many wrong PINs lock an operator, and for how long (from ``Configuration``).
public struct LockoutPolicy: Sendable, Equatable {
    /// Wrong PINs in a row that lock the operator.
    public let maximumAttempts: Int
    /// How long an automatic lock lasts.
    public let lockoutMinutes: Int

    public init(maximumAttempts: Int = 5, lockoutMinutes: Int = 15) {
        precondition(maximumAttempts >= 1 && lockoutMinutes >= 1)
        self.maximumAttempts = maximumAttempts
        self.lockoutMinutes = lockoutMinutes
    }

    public init(configuration: Configuration) {
        self.init(maximumAttempts: configuration.maximumPINAttempts, lockoutMinutes: configuration.lockoutMinutes)
    }

    /// What a wrong PIN at `now` adds to the operator's history: the failure, and a lock if it was
    /// the last allowed attempt. (The lock carries its end, so replaying the history later does not
    /// depend on the policy in force then.)
    public func eventsAfterFailure(_ state: LockoutState, at now: Date) -> [LockoutEvent] {
        let failures = state.consecutiveFailures(at: now) + 1
        guard failures >= maximumAttempts else { return [.failedAttempt(at: now)] }
        return [.failedAttempt(at: now), .locked(at: now, until: now.addingTimeInterval(TimeInterval(lockoutMinutes * 60)))]
    }

    /// Attempts left before the lock, after the failures `state` has at `now`.
    public func remainingAttempts(_ state: LockoutState, at now: Date) -> Int {
        max(0, maximumAttempts - state.consecutiveFailures(at: now))
    }
}

/// One step in an operator's lock history. Each is appended to the audit trail; nothing is updated in place.
public enum LockoutEvent: Sendable, Equatable {
    /// A wrong PIN.
    case failedAttempt(at: Date)
    /// A successful log-in (or approval with the right PIN): the failure count starts again.
    case succeeded(at: Date)
    /// Locked until `until`, or by hand (`until == nil`) until someone unlocks.
    case locked(at: Date, until: Date?)
    /// Unlocked by a supervisor or administrator (also ends an automatic lock early).
    case unlocked(at: Date)
}

/// Whether an operator may log in: a pure fold over ``LockoutEvent``s, asked with an explicit `now`.
public struct LockoutState: Sendable, Equatable {
    /// What ``LockoutState/status(at:)`` says.
    public enum Status: Sendable, Equatable {
        case open
        case lockedUntil(Date)
        case lockedByHand
    }

    private var failures = 0
    private var lockedUntil: Date?
    private var lockedByHand = false

    public init() {}

    /// The state after `events`, in order.
    public init<S: Sequence>(replaying events: S) where S.Element == LockoutEvent {
        for event in events { apply(event) }
    }

    /// Folds one event into the state.
    public mutating func apply(_ event: LockoutEvent) {
        switch event {
        case .failedAttempt(let at):
            expireLock(at: at)
            failures += 1
        case .succeeded:
            failures = 0
        case .locked(_, let until):
            if let until { lockedUntil = max(lockedUntil ?? until, until) } else { lockedByHand = true }
        case .unlocked:
            failures = 0
            lockedUntil = nil
            lockedByHand = false
        }
    }

    /// An automatic lock that has run out resets the failure count.
    private mutating func expireLock(at now: Date) {
        if let until = lockedUntil, now >= until {
            lockedUntil = nil
            failures = 0
        }
    }

    public func status(at now: Date) -> Status {
        if lockedByHand { return .lockedByHand }
        if let until = lockedUntil, now < until { return .lockedUntil(until) }
        return .open
    }

    public func isLocked(at now: Date) -> Bool { status(at: now) != .open }

    /// Wrong PINs in a row that still count at `now` (an expired lock resets them).
    public func consecutiveFailures(at now: Date) -> Int {
        if let until = lockedUntil, now >= until { return 0 }
        return failures
    }

    /// Whole minutes left of an automatic lock at `now` (rounded up), nil if locked by hand or open.
    public func minutesLeft(at now: Date) -> Int? {
        guard case .lockedUntil(let until) = status(at: now) else { return nil }
        return Int((until.timeIntervalSince(now) / 60).rounded(.up))
    }
}
