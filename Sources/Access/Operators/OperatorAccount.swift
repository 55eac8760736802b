import Foundation

/// An operator (Bediener) as the access rules see it: identity, roles, PIN hash and lock history.
///
/// Built by ``OperatorDirectory`` from the audit trail; changes are new audit events, never updates.
public struct OperatorAccount: Sendable, Equatable {
    public static let loginLength = 2...12
    public static let maximumNameLength = 60

    /// The stable internal id (referenced by shifts and bookings).
    public let id: String
    /// The short log-in id (Kennung), lower case.
    public let login: String
    public var name: String
    public var roles: Set<Role>
    public var pinHash: PINHash
    public var lockout: LockoutState
    public let createdAt: Date

    public init(id: String, login: String, name: String, roles: Set<Role>, pinHash: PINHash, createdAt: Date, lockout: LockoutState = LockoutState()) {
        self.id = id
        self.login = login
        self.name = name
        self.roles = roles
        self.pinHash = pinHash
        self.createdAt = createdAt
        self.lockout = lockout
    }

    /// Whether this operator's roles allow `operation`.
    public func may(_ operation: Permission) -> Bool { AccessPolicy.allows(roles, operation) }

    /// Throws ``AccessError/denied(operation:login:held:needed:)`` unless the roles allow `operation`.
    public func check(_ operation: Permission) throws(AccessError) {
        try AccessPolicy.check(operation, login: login, roles: roles)
    }

    /// `»jd« (Jana Dietz)`.
    public var displayName: String { "»\(login)« (\(name))" }

    /// A login id as typed, checked and lower-cased: 2 to 12 characters a–z, 0–9, `.`, `-`, `_`,
    /// starting with a letter (so a PIN typed into the id field is never mistaken for an id).
    public static func normalizedLogin(_ text: String) throws(AccessError) -> String {
        let login = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard isWellFormedLogin(login) else { throw .invalidLogin(text) }
        return login
    }

    static func isWellFormedLogin(_ login: String) -> Bool {
        let scalars = Array(login.unicodeScalars)
        guard loginLength.contains(scalars.count), let first = scalars.first, ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_" }
    }

    /// A name as typed, trimmed; 1 to 60 characters without control characters.
    public static func normalizedName(_ text: String) throws(AccessError) -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= maximumNameLength,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalidName }
        return name
    }
}
