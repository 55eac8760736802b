import Foundation

/// All operators, rebuilt by folding the audit trail in sequence order. Nothing is updated in place:
/// a new role set, PIN or lock is a new event; the newest wins.
public struct OperatorDirectory: Sendable, Equatable {
    public private(set) var accounts: [String: OperatorAccount] = [:]
    private var idByLogin: [String: String] = [:]

    public init() {}

    /// The directory after `events`, in order. Throws ``OperatorHistoryError`` for an event that
    /// does not fit (an unknown operator, a missing field), naming the event.
    public init<S: Sequence>(replaying events: S) throws(OperatorHistoryError) where S.Element == AuditEvent {
        for event in events { try apply(event) }
    }

    public var isEmpty: Bool { accounts.isEmpty }

    /// Operators sorted by login id.
    public var all: [OperatorAccount] { accounts.values.sorted { $0.login < $1.login } }

    public func account(id: String) -> OperatorAccount? { accounts[id] }

    public func account(login: String) -> OperatorAccount? {
        let key = login.trimmingCharacters(in: .whitespaces).lowercased()
        return idByLogin[key].flatMap { accounts[$0] }
    }

    /// Operators holding Administration who are not locked by hand.
    public func activeAdministrators() -> [OperatorAccount] {
        all.filter { $0.roles.contains(.administration) && $0.lockout.status(at: .distantPast) != .lockedByHand }
    }

    /// Folds one audit event in. Events that are not about operators are ignored.
    public mutating func apply(_ event: AuditEvent) throws(OperatorHistoryError) {
        func field(_ name: String) throws(OperatorHistoryError) -> String {
            guard let value = event.fields[name] else { throw .missingField(type: event.type, field: name) }
            return value
        }
        func subject() throws(OperatorHistoryError) -> String {
            guard let id = event.subjectID, accounts[id] != nil else { throw .unknownOperator(type: event.type, id: event.subjectID ?? "") }
            return id
        }
        switch event.type {
        case .operatorAdded:
            let id = try field(AuditField.subject)
            let login = try field(AuditField.login)
            guard accounts[id] == nil, idByLogin[login] == nil else { throw .duplicateOperator(login: login) }
            let roles: Set<Role>
            let hash: PINHash
            do {
                roles = try Role.parseList(try field(AuditField.roles))
                hash = try PINHash(encoded: try field(AuditField.pinHash))
            } catch let error as AccessError {
                throw .unreadable(type: event.type, reason: error.description)
            } catch let error as OperatorHistoryError {
                throw error
            } catch {
                throw .unreadable(type: event.type, reason: "\(error)")
            }
            accounts[id] = OperatorAccount(id: id, login: login, name: try field(AuditField.name), roles: roles, pinHash: hash, createdAt: event.at)
            idByLogin[login] = id
        case .operatorRolesChanged:
            let id = try subject()
            do { accounts[id]!.roles = try Role.parseList(try field(AuditField.roles)) } catch let error as AccessError {
                throw .unreadable(type: event.type, reason: error.description)
            } catch let error as OperatorHistoryError { throw error } catch { throw .unreadable(type: event.type, reason: "\(error)") }
        case .operatorPINChanged:
            let id = try subject()
            do { accounts[id]!.pinHash = try PINHash(encoded: try field(AuditField.pinHash)) } catch let error as AccessError {
                throw .unreadable(type: event.type, reason: error.description)
            } catch let error as OperatorHistoryError { throw error } catch { throw .unreadable(type: event.type, reason: "\(error)") }
        case .operatorLocked:
            let id = try subject()
            var until: Date?
            if let text = event.fields[AuditField.until] {
                guard let date = AuditTime.parse(text) else { throw .unreadable(type: event.type, reason: "»until« ist kein Zeitpunkt") }
                until = date
            }
            accounts[id]!.lockout.apply(.locked(at: event.at, until: until))
        case .operatorUnlocked:
            accounts[try subject()]!.lockout.apply(.unlocked(at: event.at))
        case .loginFailed:
            // Only a wrong PIN of a known operator counts towards the lock.
            guard event.fields[AuditField.reason] == AuthenticationResult.FailureReason.wrongPIN.rawValue else { return }
            accounts[try subject()]!.lockout.apply(.failedAttempt(at: event.at))
        case .loginSucceeded:
            accounts[try subject()]!.lockout.apply(.succeeded(at: event.at))
        case .approvalGranted:
            if let approver = event.fields[AuditField.approver], accounts[approver] != nil {
                accounts[approver]!.lockout.apply(.succeeded(at: event.at))
            }
        default:
            return
        }
    }
}

/// An operator event in the audit trail that does not fit the history before it.
public enum OperatorHistoryError: Error, Equatable, CustomStringConvertible {
    case missingField(type: AuditEventType, field: String)
    case unknownOperator(type: AuditEventType, id: String)
    case duplicateOperator(login: String)
    case unreadable(type: AuditEventType, reason: String)

    public var description: String {
        switch self {
        case .missingField(let type, let field):
            return "Prüfprotokoll: einem Eintrag »\(type.rawValue)« fehlt das Feld »\(field)«."
        case .unknownOperator(let type, let id):
            return "Prüfprotokoll: ein Eintrag »\(type.rawValue)« nennt den unbekannten Bediener »\(id)«."
        case .duplicateOperator(let login):
            return "Prüfprotokoll: der Bediener »\(login)« wird zweimal angelegt."
        case .unreadable(let type, let reason):
            return "Prüfprotokoll: ein Eintrag »\(type.rawValue)« ist unlesbar: \(reason)"
        }
    }
}
