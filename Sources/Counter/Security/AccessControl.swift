import Access
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// Operators, log-in, approvals and the audit trail on top of a ``CredentialStore`` (the ledger):
/// the one place the counter screen, `webkasse operator …` and the tests go through.
///
/// Every decision reads the operators from the store, decides with the pure rules of `Access`
/// and appends the resulting audit events in the same write transaction, so two processes (screen
/// and shell) cannot both count the same wrong PIN as the fourth. Nothing is updated in place.
public final class AccessControl {
    public let store: CredentialStore
    public let authenticator: Authenticator
    public let fourEyes: FourEyesRules
    public let log: FileLog?
    private let now: () -> Date

    /// - Parameters:
    ///   - hashIterations: PBKDF2 iterations for new PINs (at least ``PINHash/minimumIterations``).
    ///   - now: the clock (injected: tests never sleep).
    public init(
        store: CredentialStore, configuration: Configuration, hashIterations: Int = PINHash.defaultIterations, log: FileLog? = nil,
        now: @escaping () -> Date = { Date() }
    ) {
        precondition(hashIterations >= PINHash.minimumIterations)
        self.store = store
        self.authenticator = Authenticator(policy: LockoutPolicy(configuration: configuration), hashIterations: hashIterations)
        self.fourEyes = FourEyesRules(configuration: configuration)
        self.log = log
        self.now = now
    }

    /// The audit kinds that shape operators (identity, roles, PIN, lock state).
    static let operatorKinds: [AuditEventType] = [
        .operatorAdded, .operatorRolesChanged, .operatorPINChanged, .operatorLocked, .operatorUnlocked,
        .loginFailed, .loginSucceeded, .approvalGranted,
    ]

    // MARK: Reading

    /// All operators as the audit trail says now.
    public func directory() throws -> OperatorDirectory {
        try store.readTransaction {
            let marker = try store.lastAuditSeq()
            if let cached, cached.seq == marker { return cached.directory }
            var directory = OperatorDirectory()
            for recorded in try store.auditEvents(Self.operatorKinds) {
                try directory.apply(recorded.event)
            }
            cached = (marker, directory)
            return directory
        }
    }

    /// The directory as of the newest audit event (every operator change is one), re-read when that changes.
    private var cached: (seq: Int64, directory: OperatorDirectory)?

    /// Whether no operator with a PIN exists yet: the first-start setup must run before anything
    /// else. (Operators a ledger may hold from before PINs existed cannot log in.)
    public func needsSetup() throws -> Bool { try directory().isEmpty }

    public func account(login: String) throws -> OperatorAccount? { try directory().account(login: login) }
    public func account(id: String) throws -> OperatorAccount? { try directory().account(id: id) }

    // MARK: First start

    /// First start on an empty ledger: creates the first operator with Administration and
    /// Kassenaufsicht (the PIN entered twice). The counter screen and `webkasse operator setup`
    /// both call this.
    @discardableResult
    public func setUp(login: String, name: String, pin: String, pinRepeated: String) throws -> OperatorAccount {
        try write { directory, at in
            try directory.setupEvents(
                id: Self.newId(), login: login, name: name, pin: pin, pinRepeated: pinRepeated, at: at, iterations: authenticator.hashIterations)
        }
        let account = try directory().account(login: login)!
        log?.info("Ersteinrichtung: erster Bediener \(account.login) angelegt")
        return account
    }

    // MARK: Log-in, approvals, rights

    /// Checks id and PIN at the log-in screen. Throws ``AccessError`` (wrong, locked, locked now);
    /// every attempt is audited, and the fifth wrong PIN locks.
    @discardableResult
    public func logIn(login: String, pin: String) throws -> OperatorAccount {
        let result: AuthenticationResult = try store.transaction {
            let at = now()
            let directory = try directory()
            let account = directory.account(login: login)
            let result = authenticator.authenticate(account, pin: pin, at: at)
            try book(OperatorDirectory.events(for: result, typedLogin: login, account: account, at: at))
            return result
        }
        switch result.outcome {
        case .accepted(let account):
            log?.info("Anmeldung \(account.login)")
            return account
        case .refused(let error):
            log?.warning("Anmeldung abgelehnt (\(result.failureReason?.rawValue ?? "?"))")
            throw error
        }
    }

    /// Checks a second person's id and PIN for `purpose` (e.g. receiving an Abschöpfung for the
    /// Stadtkasse) without logging them in; every attempt is audited with the purpose, and the
    /// fifth wrong PIN locks, as at the log-in.
    public func confirmIdentity(login: String, pin: String, purpose: String) throws -> OperatorAccount {
        let result: AuthenticationResult = try store.transaction {
            let at = now()
            let account = try directory().account(login: login)
            let result = authenticator.authenticate(account, pin: pin, at: at)
            var events = OperatorDirectory.events(for: result, typedLogin: login, account: account, purpose: purpose, at: at)
            if case .accepted(let confirmed) = result.outcome {
                events.append(
                    AuditEvent(.identityConfirmed, actor: confirmed.id, fields: [AuditField.login: confirmed.login, AuditField.operation: purpose], at: at))
            }
            try book(events)
            return result
        }
        switch result.outcome {
        case .accepted(let account): return account
        case .refused(let error): throw error
        }
    }

    /// Records a log-out or a screen lock (idle or by the operator).
    public func recordLogout(_ account: OperatorAccount, screenLocked: Bool = false) throws {
        try record(screenLocked ? .screenLocked : .logout, actor: account.id, fields: [AuditField.login: account.login])
    }

    /// A second person approves `action` for `requester` with their own id and PIN at the same
    /// counter. Refused (and audited) if it is the requester, lacks Kassenaufsicht, or the PIN is wrong.
    public func approve(_ action: ApprovableAction, requestedBy requester: OperatorAccount, approverLogin: String, pin: String, reference: String? = nil) throws
        -> Approval
    {
        // The refusal's audit events are booked (committed) before the error is thrown.
        let outcome: Result<Approval, AccessError> = try store.transaction {
            let at = now()
            let directory = try directory()
            let approver = directory.account(login: approverLogin)
            if let approver {
                do throws(AccessError) { try fourEyes.checkApprover(approver, for: action, requestedBy: requester) } catch {
                    try book([
                        AuditEvent(
                            .accessDenied, actor: approver.id,
                            fields: [
                                AuditField.operation: action.approvingPermission.rawValue, AuditField.login: approver.login,
                                AuditField.reason: error.description,
                            ], at: at)
                    ])
                    return .failure(error)
                }
            }
            let authentication = authenticator.authenticate(approver, pin: pin, at: at)
            var events = OperatorDirectory.events(for: authentication, typedLogin: approverLogin, account: approver, purpose: "approve:" + action.kind, at: at)
            let approval: Approval
            do throws(AccessError) {
                approval = try fourEyes.approve(action, requestedBy: requester, approver: approver, authentication: authentication, at: at)
            } catch {
                try book(events)
                return .failure(error)
            }
            var fields = [AuditField.action: action.kind, AuditField.approver: approval.approverID, AuditField.login: approval.approverLogin]
            switch action {
            case .storno, .cardSettlementByHand: break
            case .cashWithdrawal(let amount), .dayCloseDifference(let amount), .dayClose(let amount): fields[AuditField.amount] = String(amount.cents)
            }
            if let reference { fields[AuditField.reference] = reference }
            events.append(AuditEvent(.approvalGranted, actor: requester.id, fields: fields, at: at))
            try book(events)
            return .success(approval)
        }
        switch outcome {
        case .success(let approval):
            log?.info("Freigabe \(action.kind) durch \(approval.approverLogin)")
            return approval
        case .failure(let error):
            log?.warning("Freigabe \(action.kind) abgelehnt")
            throw error
        }
    }

    /// Throws ``AccessError/denied(operation:login:held:needed:)`` (and audits the refusal) unless
    /// `account`'s roles allow `permission`.
    /// The roles are read from the ledger, so a role taken away after log-in counts at once.
    @discardableResult
    public func authorize(_ permission: Permission, _ account: OperatorAccount) throws -> OperatorAccount {
        guard let current = try directory().account(id: account.id) else { throw AccessError.unknownOperator(account.login) }
        do {
            try current.check(permission)
            return current
        } catch {
            try record(.accessDenied, actor: account.id, fields: [AuditField.operation: permission.rawValue, AuditField.login: account.login])
            throw error
        }
    }

    // MARK: Administration

    @discardableResult
    public func addOperator(by admin: OperatorAccount, login: String, name: String, roles: Set<Role>, pin: String, pinRepeated: String) throws
        -> OperatorAccount
    {
        try write { directory, at in
            try directory.addEvents(
                by: try fresh(admin, in: directory), id: Self.newId(), login: login, name: name, roles: roles, pin: pin, pinRepeated: pinRepeated, at: at,
                iterations: authenticator.hashIterations)
        }
        return try directory().account(login: login)!
    }

    public func setRoles(by admin: OperatorAccount, login: String, roles: Set<Role>) throws {
        try write { directory, at in try directory.setRolesEvents(by: try fresh(admin, in: directory), login: login, roles: roles, at: at) }
    }

    public func setPIN(by actor: OperatorAccount, login: String, pin: String, pinRepeated: String) throws {
        try write { directory, at in
            try directory.setPINEvents(
                by: try fresh(actor, in: directory), login: login, pin: pin, pinRepeated: pinRepeated, at: at, iterations: authenticator.hashIterations)
        }
    }

    public func lock(by actor: OperatorAccount, login: String, reason: String) throws {
        try write { directory, at in try directory.lockEvents(by: try fresh(actor, in: directory), login: login, reason: reason, at: at) }
    }

    public func unlock(by actor: OperatorAccount, login: String) throws {
        try write { directory, at in try directory.unlockEvents(by: try fresh(actor, in: directory), login: login, at: at) }
    }

    // MARK: Audit

    /// Books one audit event (configuration or catalogue change, export, verification, …).
    public func record(_ type: AuditEventType, actor: String?, fields: [String: String] = [:]) throws {
        try store.transaction { try book([AuditEvent(type, actor: actor, fields: fields, at: now())]) }
    }

    // MARK: Internals

    /// The actor as the ledger says now (roles may have changed since they logged in).
    private func fresh(_ actor: OperatorAccount, in directory: OperatorDirectory) throws -> OperatorAccount {
        guard let current = directory.account(id: actor.id) else { throw AccessError.unknownOperator(actor.login) }
        return current
    }

    /// Decides and books in one transaction. A refusal for lack of a role is itself audited.
    private func write(_ decide: (OperatorDirectory, Date) throws -> [AuditEvent]) throws {
        do {
            try store.transaction {
                let at = now()
                try book(try decide(try directory(), at))
            }
        } catch AccessError.denied(let permission, let login, let held, let needed) {
            if let actor = try directory().account(login: login) {
                try record(.accessDenied, actor: actor.id, fields: [AuditField.operation: permission.rawValue, AuditField.login: login])
            }
            throw AccessError.denied(operation: permission, login: login, held: held, needed: needed)
        }
    }

    /// Appends `events` inside the caller's transaction.
    private func book(_ events: [AuditEvent]) throws {
        for event in events { try store.appendAudit(event) }
    }

    static func newId() -> String { UUID().uuidString.lowercased() }

    /// The injected clock's time.
    func currentDate() -> Date { now() }
}
