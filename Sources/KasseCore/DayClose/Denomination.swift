/// A euro note or coin the clerk counts at the day close: 500 € down to 1 ct.
///
/// The raw value is the face value in cents, so a count times the raw value is the sum.
public enum Denomination: Int64, CaseIterable, Sendable, Comparable, Codable {
    case note500 = 50_000
    case note200 = 20_000
    case note100 = 10_000
    case note50 = 5_000
    case note20 = 2_000
    case note10 = 1_000
    case note5 = 500
    case coin2Euro = 200
    case coin1Euro = 100
    case coin50Cent = 50
    case coin20Cent = 20
    case coin10Cent = 10
    case coin5Cent = 5
    case coin2Cent = 2
    case coin1Cent = 1

    /// Largest first, as a counting screen and the Z report list them.
    public static let countingOrder: [Denomination] = allCases.sorted { $0.rawValue > $1.rawValue }

    public var value: Money { Money(cents: rawValue) }
    public var isNote: Bool { rawValue >= 500 }

    /// `500 €`, `2 €`, `50 ct`.
    public var label: String {
        rawValue >= 100 ? "\(rawValue / 100) €" : "\(rawValue) ct"
    }

    public static func < (a: Denomination, b: Denomination) -> Bool { a.rawValue < b.rawValue }
}
