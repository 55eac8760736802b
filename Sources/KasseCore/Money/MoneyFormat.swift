/// The one place that turns ``Money`` into text.
public enum MoneyFormat {
    /// `1.234,56 €` — dot as thousands separator, comma as decimal separator,
    /// a non-breaking-free plain space before `€`, a leading `-` for negatives.
    public static func german(_ money: Money, withSymbol: Bool = true) -> String {
        let negative = money.cents < 0
        // Int64.min has no positive counterpart: work in UInt64.
        let magnitude = negative ? UInt64(bitPattern: 0 &- money.cents) : UInt64(money.cents)
        let euros = magnitude / 100
        let cents = magnitude % 100
        var digits = String(euros)
        var grouped = ""
        while digits.count > 3 {
            grouped = "." + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        let centText = cents < 10 ? "0\(cents)" : "\(cents)"
        return (negative ? "-" : "") + grouped + "," + centText + (withSymbol ? " €" : "")
    }

    /// Plain machine format with a decimal point and two decimals: `1234.56`, `-0.50`.
    public static func plain(_ money: Money, decimalSeparator: Character = ".") -> String {
        let negative = money.cents < 0
        let magnitude = negative ? UInt64(bitPattern: 0 &- money.cents) : UInt64(money.cents)
        let cents = magnitude % 100
        return (negative ? "-" : "") + String(magnitude / 100) + String(decimalSeparator) + (cents < 10 ? "0\(cents)" : "\(cents)")
    }
}
