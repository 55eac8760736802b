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

    /// The office's zone unless configured otherwise. tzdata always knows Europe/Berlin; the
    /// fixed CET offset is only a last resort on a system without it.
    public static let defaultTimeZone = TimeZone(identifier: defaultTimeZoneIdentifier) ?? TimeZone(secondsFromGMT: 3600) ?? .current

    public static let berlin = BusinessCalendar(timeZone: defaultTimeZone)

    /// Local date and time of `instant`: the zone's offset at that instant, then plain civil
    /// arithmetic (no `DateComponents`: every receipt and booking asks for these).
    func local(_ instant: Instant) -> LocalDateTime {
        let ms = instant.millisecondsSinceEpoch
        let utcSeconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
        return LocalDateTime(secondsSinceEpoch: utcSeconds + offset)
    }

    /// The local calendar date, `YYYY-MM-DD`.
    public func date(of instant: Instant) -> String {
        let t = local(instant)
        return pad(t.year, 4) + "-" + pad(t.month, 2) + "-" + pad(t.day, 2)
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
        let t = local(instant)
        return pad(t.day, 2) + "." + pad(t.month, 2) + "." + pad(t.year, 4)
    }

    /// The local hour (0–23), e.g. for the Z report's chart by hour.
    public func hour(of instant: Instant) -> Int { local(instant).hour }

    /// `HH:MM:SS` in local time.
    public func time(of instant: Instant) -> String {
        let t = local(instant)
        return pad(t.hour, 2) + ":" + pad(t.minute, 2) + ":" + pad(t.second, 2)
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

/// A local wall-clock time from seconds since 1970-01-01 00:00 local.
struct LocalDateTime: Equatable {
    let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(secondsSinceEpoch local: Int64) {
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        let date = BusinessDate(dayNumber: Int(days))
        year = date.year
        month = date.month
        day = date.day
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }
}

/// `value` in decimal with leading zeros to `width` digits.
private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
