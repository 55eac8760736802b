/// A small text bar chart of sales per hour, for the Z report and the day-close screen.
///
///     08 ██████████          120,00 €
///     09 ████                 46,00 €
public struct HourlyChart: Equatable, Sendable {
    /// Sales per hour of the day (0…23); hours without sales may be absent.
    public let salesPerHour: [Int: Money]

    public init(salesPerHour: [Int: Money]) {
        precondition(salesPerHour.keys.allSatisfy { (0...23).contains($0) }, "hours are 0…23")
        self.salesPerHour = salesPerHour
    }

    /// The rows from the first to the last hour with sales (empty hours in between kept, so gaps show).
    /// - Parameters:
    ///   - barWidth: the length of the longest bar.
    ///   - bar: the character bars are drawn with (`#` where the printer lacks `█`).
    ///   - width: the total line width; the amount is right-aligned to it.
    public func lines(barWidth: Int = 20, bar: Character = "█", width: Int = TextLayout.receiptWidth) -> [String] {
        let hours = salesPerHour.filter { !$0.value.isZero }.keys
        guard let first = hours.min(), let last = hours.max() else { return ["(keine Umsätze)"] }
        let maximum = salesPerHour.values.map(\.cents).max() ?? 0
        return (first...last).map { hour in
            let amount = salesPerHour[hour] ?? .zero
            // A negative hour (stornos exceeding sales) gets no bar; its amount shows the sign.
            let length = HourlyChart.barLength(amount.cents, of: maximum, width: barWidth)
            let label = (hour < 10 ? "0" : "") + String(hour)
            let left = label + " " + String(repeating: bar, count: length)
            return TextLayout.columns(left, amount.formatted, width: width)
        }
    }

    /// `value / maximum × width`, rounded half up; at least 1 for any non-zero value.
    static func barLength(_ value: Int64, of maximum: Int64, width: Int) -> Int {
        guard value > 0, maximum > 0 else { return 0 }
        let scaled = Int((value * Int64(width) * 2 + maximum) / (maximum * 2))
        return max(1, min(width, scaled))
    }
}
