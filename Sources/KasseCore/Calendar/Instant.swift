import Foundation

/// An instant in UTC, in milliseconds since 1970-01-01T00:00:00Z. The ledger stores instants only;
/// the business date is derived with the office's time zone (see ``BusinessCalendar``).
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }
    public static func < (a: Instant, b: Instant) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }
    public var description: String { BusinessCalendar.iso8601UTC(self) }
}

extension Instant {
    /// Now, from the system clock. The counter service takes its clock injected instead.
    public static var now: Instant {
        Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    public init(_ date: Date) {
        self.init(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }
}
