/// The drawer counted by denomination (Zählprotokoll), summing as the clerk types.
///
/// A value: `setting(_:count:)` returns a new count. Counts are pieces, never negative.
public struct CashCount: Equatable, Sendable, Codable {
    /// Pieces per denomination; denominations not counted are absent (= 0).
    public private(set) var pieces: [Denomination: Int]

    public init(pieces: [Denomination: Int] = [:]) throws(CashCountError) {
        self.pieces = [:]
        for (denomination, count) in pieces { try set(denomination, count: count) }
    }

    /// An empty count (nothing counted yet).
    public static let empty = CashCount(validated: [:])

    private init(validated: [Denomination: Int]) { pieces = validated }

    /// Sets the pieces of one denomination (0 removes it).
    public mutating func set(_ denomination: Denomination, count: Int) throws(CashCountError) {
        guard count >= 0 else { throw .negative(denomination, count) }
        // 10 million pieces of 500 € would already exceed any drawer; this keeps sums far from overflow.
        guard count <= 9_999_999 else { throw .tooMany(denomination, count) }
        pieces[denomination] = count == 0 ? nil : count
    }

    public func setting(_ denomination: Denomination, count: Int) throws(CashCountError) -> CashCount {
        var copy = self
        try copy.set(denomination, count: count)
        return copy
    }

    public func count(of denomination: Denomination) -> Int { pieces[denomination] ?? 0 }

    /// `total` as notes and coins, largest first: how a drawer is bundled, and the stand-in
    /// count when only the sum was entered (the report then says so instead of listing pieces).
    public static func standIn(total: Money) -> CashCount {
        var rest = max(0, total.cents)
        var pieces: [Denomination: Int] = [:]
        for denomination in Denomination.countingOrder where rest >= denomination.rawValue {
            let count = min(Int(rest / denomination.rawValue), 9_999_999)
            pieces[denomination] = count
            rest -= Int64(count) * denomination.rawValue
        }
        return CashCount(validated: pieces)
    }

    /// One line per denomination in counting order (500 € … 1 ct), including zero lines.
    public var lines: [CashCountLine] {
        Denomination.countingOrder.map {
            CashCountLine(denomination: $0, pieces: count(of: $0), sum: Money(cents: $0.rawValue * Int64(count(of: $0))))
        }
    }

    /// The counted cash (Kassenistbestand).
    public var total: Money { Money(cents: lines.reduce(0) { $0 + $1.sum.cents }) }
    /// The sum of notes only and of coins only, as counting sheets show them.
    public var notesTotal: Money { Money(cents: lines.filter { $0.denomination.isNote }.reduce(0) { $0 + $1.sum.cents }) }
    public var coinsTotal: Money { Money(cents: lines.filter { !$0.denomination.isNote }.reduce(0) { $0 + $1.sum.cents }) }
}

/// One row of a cash count: `20 €  × 7 = 140,00 €`.
public struct CashCountLine: Equatable, Sendable {
    public let denomination: Denomination
    public let pieces: Int
    public let sum: Money
}

/// Why a typed count was not accepted. The description is one German sentence.
public enum CashCountError: Error, Equatable, CustomStringConvertible {
    case negative(Denomination, Int)
    case tooMany(Denomination, Int)

    public var description: String {
        switch self {
        case .negative(let d, let n): return "Zählung \(d.label): »\(n)« ist negativ; bitte die Stückzahl (0 oder mehr) eingeben."
        case .tooMany(let d, let n): return "Zählung \(d.label): »\(n)« Stück sind unplausibel viele; höchstens 9.999.999."
        }
    }
}
