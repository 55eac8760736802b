import Foundation
import XCTest

@testable import KasseCore

final class BusinessCalendarTests: XCTestCase {
    /// Local dates and times come from civil arithmetic on the zone's offset; they must agree
    /// with Foundation's calendar everywhere, including the nights the clocks change.
    func testBusinessCalendarAgreesWithFoundationsCalendar() throws {
        for identifier in ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"] {
            let zone = try XCTUnwrap(TimeZone(identifier: identifier))
            let business = BusinessCalendar(timeZone: zone)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            // 1999-12-31 to 2031, every 7,919 s (a prime: all times of day), plus the DST switches.
            var instants: [Int64] = stride(from: Int64(946_598_400), to: 1_956_528_000, by: 7_919).map { $0 * 1000 + 123 }
            instants += [1_774_746_000_000, 1_774_745_999_999, 1_792_890_000_000, 1_792_889_999_000, 1_792_893_600_000, 0, -1, -86_400_001]
            for ms in instants {
                let instant = Instant(millisecondsSinceEpoch: ms)
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant.date)
                let expected = LocalDateTime(year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, second: c.second!)
                guard business.local(instant) == expected else {
                    return XCTFail("\(identifier) \(ms): \(business.local(instant)) ≠ \(expected)")
                }
            }
        }
        let berlin = BusinessCalendar.berlin
        let lastSundayOfOctober = Instant(millisecondsSinceEpoch: 1_792_890_000_000)  // 2026-10-25 01:00 UTC
        XCTAssertEqual(berlin.time(of: lastSundayOfOctober), "02:00:00")
        XCTAssertEqual(berlin.date(of: lastSundayOfOctober), "2026-10-25")
        XCTAssertEqual(berlin.germanDate(of: lastSundayOfOctober), "25.10.2026")
    }
}
