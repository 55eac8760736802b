/// A role (Rolle) an operator holds. An operator can hold several; rights add up.
///
/// The raw values are stored in the ledger and must never change.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// Clerk: sells, reprints, interim report, own shift.
    case sachbearbeitung
    /// Supervisor: everything a clerk does, plus approving stornos and cash movements, closing a day,
    /// unlocking operators.
    case kassenaufsicht
    /// Treasury: exports and reports across registers and days.
    case stadtkasse
    /// Administration: operators, catalogue path and configuration.
    case administration

    /// The German name the UI and the messages show.
    public var germanName: String {
        switch self {
        case .sachbearbeitung: return "Sachbearbeitung"
        case .kassenaufsicht: return "Kassenaufsicht"
        case .stadtkasse: return "Stadtkasse"
        case .administration: return "Administration"
        }
    }

    public var description: String { germanName }

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a role name as a user types it: the German name or the stored value, any case,
    /// plus the short forms `sb`, `ka`, `sk`, `admin`.
    public init?(parsing text: String) {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch key {
        case "sachbearbeitung", "sb", "clerk": self = .sachbearbeitung
        case "kassenaufsicht", "ka", "supervisor": self = .kassenaufsicht
        case "stadtkasse", "sk", "treasury": self = .stadtkasse
        case "administration", "admin": self = .administration
        default: return nil
        }
    }

    /// Parses a comma-separated list such as `Sachbearbeitung,Kassenaufsicht`.
    /// Throws ``AccessError/unknownRole(_:)`` naming the word, or ``AccessError/noRoles`` for an empty list.
    public static func parseList(_ text: String) throws(AccessError) -> Set<Role> {
        var roles = Set<Role>()
        for word in text.split(separator: ",") {
            let trimmed = word.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let role = Role(parsing: trimmed) else { throw .unknownRole(trimmed) }
            roles.insert(role)
        }
        guard !roles.isEmpty else { throw .noRoles }
        return roles
    }

    /// `Sachbearbeitung, Kassenaufsicht` in the fixed order of ``allCases``.
    public static func germanList(_ roles: Set<Role>) -> String {
        roles.isEmpty ? "keine Rolle" : roles.sorted().map(\.germanName).joined(separator: ", ")
    }

    /// `sachbearbeitung,kassenaufsicht`: the stored form, in the fixed order of ``allCases``.
    public static func storedList(_ roles: Set<Role>) -> String {
        roles.sorted().map(\.rawValue).joined(separator: ",")
    }
}
