/// An amount of euros in integer cents. Never a floating-point number.
///
/// Arithmetic is checked: an overflow throws ``MoneyError/overflow`` instead of wrapping.
/// Formatting (``formatted``) and parsing (``Money/parse(_:allowNegative:)``) are kept apart
/// from the value, as hledger keeps `aquantity` apart from `astyle`.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The amount in cents (1 € = 100).
    public let cents: Int64

    public init(cents: Int64) { self.cents = cents }
    /// `Money(euros: 12, cents: 34)` is 12,34 €. Use negative `euros` for negative amounts.
    public init(euros: Int64, cents: Int64 = 0) { self.cents = euros * 100 + (euros < 0 ? -cents : cents) }

    public static let zero = Money(cents: 0)
    /// The largest amount a clerk may type or a single booking may carry: 999.999,99 €.
    public static let maximumEntry = Money(cents: 99_999_999)

    public var isZero: Bool { cents == 0 }
    public var isNegative: Bool { cents < 0 }
    public var negated: Money { Money(cents: -cents) }
    public var magnitude: Money { Money(cents: cents < 0 ? -cents : cents) }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

    /// `lhs + rhs`, throwing on overflow.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        let (sum, overflow) = cents.addingReportingOverflow(other.cents)
        if overflow { throw .overflow }
        return Money(cents: sum)
    }

    /// `lhs - rhs`, throwing on overflow.
    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        let (difference, overflow) = cents.subtractingReportingOverflow(other.cents)
        if overflow { throw .overflow }
        return Money(cents: difference)
    }

    /// `self × factor`, throwing on overflow (quantities, counts of coins).
    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = cents.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow }
        return Money(cents: product)
    }

    /// The sum of `amounts`, throwing on overflow.
    public static func sum<S: Sequence>(_ amounts: S) throws(MoneyError) -> Money where S.Element == Money {
        var total = Money.zero
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    /// German formatting: `1.234,56 €`, `-0,50 €`.
    public var formatted: String { MoneyFormat.german(self) }
    /// German formatting without the currency sign: `1.234,56`.
    public var formattedNumber: String { MoneyFormat.german(self, withSymbol: false) }

    public var description: String { formatted }

    /// Parses what a clerk types. See ``MoneyParser``.
    public static func parse(_ text: String, allowNegative: Bool = false) throws(MoneyParseError) -> Money {
        try MoneyParser.parse(text, allowNegative: allowNegative)
    }
}

/// An arithmetic error on ``Money``.
public enum MoneyError: Error, Equatable, CustomStringConvertible {
    case overflow
    public var description: String { "Betrag außerhalb des darstellbaren Bereichs (Überlauf)." }
}
