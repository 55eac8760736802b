import Foundation

/// Operator administration as pure decisions: each function checks the rules against the current
/// ``OperatorDirectory`` and returns the audit events to append (in one transaction), or throws
/// an ``AccessError``. The UI's setup screen and `webkasse operator …` both go through here.
extension OperatorDirectory {
    /// The roles the first operator gets at first start.
    public static let firstOperatorRoles: Set<Role> = [.administration, .kassenaufsicht]

    /// First start on an empty ledger: the first administrator and supervisor (PIN entered twice).
    public func setupEvents(
        id: String, login: String, name: String, pin: String, pinRepeated: String, at now: Date, iterations: Int = PINHash.defaultIterations
    ) throws(AccessError) -> [AuditEvent] {
        guard isEmpty else { throw .setupAlreadyDone }
        let added = try newOperatorEvent(
            actor: nil, id: id, login: login, name: name, roles: Self.firstOperatorRoles, pin: pin, pinRepeated: pinRepeated, at: now, iterations: iterations)
        return [added, AuditEvent(.setupCompleted, actor: id, fields: [AuditField.login: added.fields[AuditField.login]!], at: now)]
    }

    /// `admin` adds an operator.
    public func addEvents(
        by admin: OperatorAccount, id: String, login: String, name: String, roles: Set<Role>, pin: String, pinRepeated: String, at now: Date,
        iterations: Int = PINHash.defaultIterations
    ) throws(AccessError) -> [AuditEvent] {
        try admin.check(.manageOperators)
        return [
            try newOperatorEvent(
                actor: admin.id, id: id, login: login, name: name, roles: roles, pin: pin, pinRepeated: pinRepeated, at: now, iterations: iterations)
        ]
    }

    private func newOperatorEvent(
        actor: String?, id: String, login: String, name: String, roles: Set<Role>, pin: String, pinRepeated: String, at now: Date, iterations: Int
    ) throws(AccessError) -> AuditEvent {
        let login = try OperatorAccount.normalizedLogin(login)
        let name = try OperatorAccount.normalizedName(name)
        guard account(login: login) == nil, accounts[id] == nil else { throw .loginTaken(login) }
        guard !roles.isEmpty else { throw .noRoles }
        let pin = try PIN(pin, repeated: pinRepeated)
        let hash = PINHash(hashing: pin, iterations: iterations)
        return AuditEvent(
            .operatorAdded, actor: actor,
            fields: [
                AuditField.subject: id, AuditField.login: login, AuditField.name: name,
                AuditField.roles: Role.storedList(roles), AuditField.pinHash: hash.encoded,
            ], at: now)
    }

    /// `admin` gives `login` exactly `roles`. The last active administrator keeps Administration.
    public func setRolesEvents(by admin: OperatorAccount, login: String, roles: Set<Role>, at now: Date) throws(AccessError) -> [AuditEvent] {
        try admin.check(.manageOperators)
        let target = try existing(login)
        guard !roles.isEmpty else { throw .noRoles }
        if target.roles.contains(.administration), !roles.contains(.administration), activeAdministrators().map(\.id) == [target.id] {
            throw .lastAdministrator(login: target.login)
        }
        return [
            AuditEvent(
                .operatorRolesChanged, actor: admin.id,
                fields: [
                    AuditField.subject: target.id, AuditField.login: target.login, AuditField.roles: Role.storedList(roles),
                ], at: now)
        ]
    }

    /// Sets a new PIN for `login`: by the operator themself or by an administrator (PIN entered twice).
    public func setPINEvents(
        by actor: OperatorAccount, login: String, pin: String, pinRepeated: String, at now: Date, iterations: Int = PINHash.defaultIterations
    ) throws(AccessError) -> [AuditEvent] {
        let target = try existing(login)
        if target.id != actor.id { try actor.check(.manageOperators) }
        let hash = PINHash(hashing: try PIN(pin, repeated: pinRepeated), iterations: iterations)
        return [
            AuditEvent(
                .operatorPINChanged, actor: actor.id,
                fields: [
                    AuditField.subject: target.id, AuditField.login: target.login, AuditField.pinHash: hash.encoded,
                ], at: now)
        ]
    }

    /// Locks `login` by hand until someone unlocks (e.g. a person who left). Never the last active administrator.
    public func lockEvents(by actor: OperatorAccount, login: String, reason: String, at now: Date) throws(AccessError) -> [AuditEvent] {
        try actor.check(.unlockOperator)
        let target = try existing(login)
        if target.roles.contains(.administration), activeAdministrators().map(\.id) == [target.id] {
            throw .lastAdministrator(login: target.login)
        }
        return [
            AuditEvent(
                .operatorLocked, actor: actor.id,
                fields: [
                    AuditField.subject: target.id, AuditField.login: target.login, AuditField.reason: reason.isEmpty ? "manual" : reason,
                ], at: now)
        ]
    }

    /// A supervisor or administrator unlocks `login` (automatic or manual lock); failures start again.
    public func unlockEvents(by actor: OperatorAccount, login: String, at now: Date) throws(AccessError) -> [AuditEvent] {
        try actor.check(.unlockOperator)
        let target = try existing(login)
        return [AuditEvent(.operatorUnlocked, actor: actor.id, fields: [AuditField.subject: target.id, AuditField.login: target.login], at: now)]
    }

    /// The audit events for one authentication attempt at the log-in screen (or an approver's PIN entry,
    /// with `purpose` naming what was approved). `typedLogin` is recorded only if it is a well-formed id,
    /// so a PIN typed into the id field never reaches the ledger.
    public static func events(for result: AuthenticationResult, typedLogin: String, account: OperatorAccount?, purpose: String? = nil, at now: Date)
        -> [AuditEvent]
    {
        var events: [AuditEvent] = []
        var common: [String: String] = [:]
        if let purpose { common[AuditField.operation] = purpose }
        switch result.outcome {
        case .accepted(let accepted):
            if let hash = result.upgradedHash {
                events.append(
                    AuditEvent(
                        .operatorPINChanged, actor: accepted.id,
                        fields: [
                            AuditField.subject: accepted.id, AuditField.login: accepted.login, AuditField.pinHash: hash.encoded,
                            AuditField.reason: "rehash",
                        ], at: now))
            }
            if purpose == nil {
                events.append(AuditEvent(.loginSucceeded, actor: accepted.id, fields: [AuditField.login: accepted.login], at: now))
            }
        case .refused:
            var fields = common
            fields[AuditField.reason] = result.failureReason?.rawValue ?? "refused"
            if let account {
                fields[AuditField.subject] = account.id
                fields[AuditField.login] = account.login
            } else {
                let normalized = typedLogin.trimmingCharacters(in: .whitespaces).lowercased()
                fields[AuditField.login] = OperatorAccount.isWellFormedLogin(normalized) ? normalized : "(ungültige Kennung)"
            }
            events.append(AuditEvent(.loginFailed, actor: nil, fields: fields, at: now))
            for case .locked(_, let until) in result.lockoutEvents {
                var lockFields = [AuditField.subject: account!.id, AuditField.login: account!.login, AuditField.reason: "too_many_failures"]
                if let until { lockFields[AuditField.until] = AuditTime.string(until) }
                events.append(AuditEvent(.operatorLocked, actor: nil, fields: lockFields, at: now))
            }
        }
        return events
    }

    private func existing(_ login: String) throws(AccessError) -> OperatorAccount {
        guard let target = account(login: login) else { throw .unknownOperator(login) }
        return target
    }
}
