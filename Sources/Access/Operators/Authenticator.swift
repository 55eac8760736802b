import Foundation

/// What one log-in attempt (or an approver's PIN entry) came to, and what to append to the audit trail.
public struct AuthenticationResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case accepted(OperatorAccount)
        case refused(AccessError)
    }

    /// Why an attempt failed, as stored in the `login.failed` audit event.
    public enum FailureReason: String, Sendable, Equatable {
        case unknownLogin = "unknown_login"
        case wrongPIN = "wrong_pin"
        case locked
    }

    public let outcome: Outcome
    /// The account's lock-history steps to append (empty for an unknown id).
    public let lockoutEvents: [LockoutEvent]
    /// Set when the attempt failed.
    public let failureReason: FailureReason?
    /// A stronger hash of the right PIN, when the stored one has fewer iterations than new hashes get.
    public let upgradedHash: PINHash?

    public var account: OperatorAccount? {
        if case .accepted(let account) = outcome { return account }
        return nil
    }

    public var error: AccessError? {
        if case .refused(let error) = outcome { return error }
        return nil
    }
}

/// Checks an operator's PIN against the lock rules: pure apart from PBKDF2, with `now` passed in.
public struct Authenticator: Sendable {
    public let policy: LockoutPolicy
    /// The iteration count for new and upgraded hashes.
    public let hashIterations: Int

    public init(policy: LockoutPolicy, hashIterations: Int = PINHash.defaultIterations) {
        self.policy = policy
        self.hashIterations = hashIterations
    }

    /// A hash no PIN matches, so an unknown id costs the same time as a wrong PIN.
    /// Fixed salt and key: the value does not matter, only the work.
    private static let decoy = PINHash(
        iterations: PINHash.defaultIterations, salt: [UInt8](repeating: 0, count: PINHash.saltLength),
        key: [UInt8](repeating: 0, count: PINHash.keyLength))

    /// Checks `pin` for `account` (nil: no operator has the typed id) at `now`.
    public func authenticate(_ account: OperatorAccount?, pin: String, at now: Date) -> AuthenticationResult {
        guard var account else {
            _ = Self.decoy.verify(pin)
            return AuthenticationResult(
                outcome: .refused(.wrongCredentials(remainingAttempts: nil)), lockoutEvents: [], failureReason: .unknownLogin, upgradedHash: nil)
        }
        switch account.lockout.status(at: now) {
        case .lockedByHand:
            return AuthenticationResult(
                outcome: .refused(.locked(login: account.login, minutesLeft: nil)), lockoutEvents: [], failureReason: .locked, upgradedHash: nil)
        case .lockedUntil:
            let minutes = account.lockout.minutesLeft(at: now)
            return AuthenticationResult(
                outcome: .refused(.locked(login: account.login, minutesLeft: minutes)), lockoutEvents: [], failureReason: .locked, upgradedHash: nil)
        case .open:
            break
        }
        guard account.pinHash.verify(pin) else {
            let events = policy.eventsAfterFailure(account.lockout, at: now)
            var after = account.lockout
            for event in events { after.apply(event) }
            let error: AccessError =
                after.isLocked(at: now)
                ? .lockedNow(login: account.login, minutes: policy.lockoutMinutes)
                : .wrongCredentials(remainingAttempts: policy.remainingAttempts(after, at: now))
            return AuthenticationResult(outcome: .refused(error), lockoutEvents: events, failureReason: .wrongPIN, upgradedHash: nil)
        }
        var upgraded: PINHash?
        if account.pinHash.needsRehash(iterations: hashIterations), let pin = try? PIN(pin) {
            upgraded = PINHash(hashing: pin, iterations: hashIterations)
            account.pinHash = upgraded!
        }
        // Only a success after failures needs recording for the lock; the log-in itself is audited anyway.
        let events: [LockoutEvent] = [.succeeded(at: now)]
        account.lockout.apply(.succeeded(at: now))
        return AuthenticationResult(outcome: .accepted(account), lockoutEvents: events, failureReason: nil, upgradedHash: upgraded)
    }
}
