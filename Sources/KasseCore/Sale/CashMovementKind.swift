/// How cash goes into or out of the drawer outside a sale. The raw values are the ledger's.
public enum CashMovementKind: String, Sendable, Codable, CaseIterable {
    /// Money put into the drawer.
    case einlage
    /// Money taken out of the drawer (e.g. for a purchase).
    case entnahme
    /// Money handed to the Stadtkasse (Abschöpfung).
    case abschoepfung
    public var label: String {
        switch self {
        case .einlage: return "Einlage"
        case .entnahme: return "Entnahme"
        case .abschoepfung: return "Abschöpfung an die Stadtkasse"
        }
    }
    /// Whether the money goes into the drawer (Einlage) or out of it.
    public var isIntoDrawer: Bool { self == .einlage }
    /// `amount` (a magnitude) with the drawer's sign: positive into it, negative out of it.
    public func signed(_ amount: Money) -> Money { isIntoDrawer ? amount : amount.negated }
}
