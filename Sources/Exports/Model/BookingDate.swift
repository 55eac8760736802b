import KasseCore

/// A booking's business day: KasseCore's ``BusinessDate``.
public typealias BookingDate = BusinessDate

extension BusinessDate {
    /// `20261126` (DATEV header dates).
    public var compact: String { pad(year, 4) + pad(month, 2) + pad(day, 2) }
    /// DATEV Belegdatum `TTMM`: `2611`.
    public var dayMonth: String { pad(day, 2) + pad(month, 2) }
}

@inline(__always) func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
