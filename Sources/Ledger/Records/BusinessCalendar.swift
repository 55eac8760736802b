import Foundation

/// Derives the local business date and local times from UTC instants in the office's time zone
/// (Europe/Berlin unless configured otherwise).
public struct BusinessCalendar: Sendable {
    public static let defaultTimeZoneIdentifier = "Europe/Berlin"
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `nil` if `identifier` is not a known time zone.
    public init?(timeZoneIdentifier identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: zone)
    }

    public static let berlin = BusinessCalendar(timeZone: TimeZone(identifier: defaultTimeZoneIdentifier)!)

    private func components(_ instant: Instant) -> DateComponents {
        calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant.date)
    }

    /// The local calendar date, `YYYY-MM-DD`.
    public func date(of instant: Instant) -> String {
        let c = components(instant)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// The date after `date` (`YYYY-MM-DD`).
    public func day(after date: String) -> String {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3,
            let day = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)),
            let next = calendar.date(byAdding: .day, value: 1, to: day)
        else { return date }
        return self.date(of: Instant(next))
    }

    /// `TT.MM.JJJJ` in local time.
    public func germanDate(of instant: Instant) -> String {
        let c = components(instant)
        return String(format: "%02d.%02d.%04d", c.day!, c.month!, c.year!)
    }

    /// `HH:MM:SS` in local time.
    public func time(of instant: Instant) -> String {
        let c = components(instant)
        return String(format: "%02d:%02d:%02d", c.hour!, c.minute!, c.second!)
    }

    /// A business date `YYYY-MM-DD` as `TT.MM.JJJJ`.
    public static func germanDate(_ businessDate: String) -> String {
        let parts = businessDate.split(separator: "-")
        guard parts.count == 3 else { return businessDate }
        return "\(parts[2]).\(parts[1]).\(parts[0])"
    }

    /// `2026-11-27T00:40:52.123Z`.
    public static func iso8601UTC(_ instant: Instant) -> String {
        let ms = instant.millisecondsSinceEpoch
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = ms - seconds * 1000
        var t = time_t(seconds)
        var tmValue = tm()
        gmtime_r(&t, &tmValue)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tmValue.tm_year) + 1900, Int(tmValue.tm_mon) + 1,
            Int(tmValue.tm_mday), Int(tmValue.tm_hour), Int(tmValue.tm_min), Int(tmValue.tm_sec), Int(millis))
    }
}
