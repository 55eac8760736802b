import Foundation
import KasseCore
import XCTest

final class MoneyTests: XCTestCase {
    func testGermanFormatting() {
        XCTAssertEqual(Money(cents: 0).formatted, "0,00 €")
        XCTAssertEqual(Money(cents: 5).formatted, "0,05 €")
        XCTAssertEqual(Money(cents: 123_456).formatted, "1.234,56 €")
        XCTAssertEqual(Money(cents: 99_999_999).formatted, "999.999,99 €")
        XCTAssertEqual(Money(cents: -50).formatted, "-0,50 €")
        XCTAssertEqual(Money(cents: 100_000_000_00).formatted, "100.000.000,00 €")
        XCTAssertEqual(Money(cents: Int64.min).formatted, "-92.233.720.368.547.758,08 €")
        XCTAssertEqual(Money(cents: 4600).formattedNumber, "46,00")
        XCTAssertEqual(MoneyFormat.plain(Money(cents: -123_405)), "-1234.05")
        XCTAssertEqual(Money(euros: 12, cents: 34), Money(cents: 1234))
    }

    /// Every width of euros, both signs and the ends of the range, against the format written out
    /// digit group by digit group.
    func testGermanFormattingGroupsEveryWidth() {
        func reference(_ cents: Int64) -> String {
            let magnitude = cents < 0 ? UInt64(bitPattern: 0 &- cents) : UInt64(cents)
            var euros = String(magnitude / 100)
            var groups: [String] = []
            while euros.count > 3 {
                groups.insert(String(euros.suffix(3)), at: 0)
                euros.removeLast(3)
            }
            groups.insert(euros, at: 0)
            let cent = magnitude % 100
            return (cents < 0 ? "-" : "") + groups.joined(separator: ".") + "," + (cent < 10 ? "0" : "") + String(cent)
        }
        var values: [Int64] = [0, 1, -1, 9, 10, 99, 100, -100, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power, power - 1, -power, -(power - 1), power + 7 * (power / 10)]
        }
        for cents in values {
            XCTAssertEqual(Money(cents: cents).formatted, reference(cents) + " €", "\(cents)")
            XCTAssertEqual(Money(cents: cents).formattedNumber, reference(cents), "\(cents)")
        }
    }

    func testParsingWhatAClerkTypes() throws {
        let cases: [(String, Int64)] = [
            ("12,34", 1234), ("12.34", 1234), ("12", 1200), ("1.234,56", 123_456), ("1234,56", 123_456),
            ("12,3", 1230), ("12.5", 1250), (",50", 50), ("0", 0), (" 46,00 € ", 4600), ("46 EUR", 4600),
            ("1.234", 123_400), ("999.999,99", 99_999_999), ("12,", 1200), ("1.000.000", -1),
        ]
        for (text, cents) in cases where cents >= 0 {
            XCTAssertEqual(try Money.parse(text).cents, cents, text)
        }
        XCTAssertEqual(try Money.parse("-5,00", allowNegative: true).cents, -500)
    }

    func testParsingRejectsWithAReason() {
        let cases: [(String, MoneyParseError)] = [
            ("", .empty), ("   ", .empty),
            ("abc", .notANumber("abc")), ("12a", .notANumber("12a")), ("1e5", .notANumber("1e5")),
            ("12,345", .tooManyDecimals("12,345")), ("1,2,3", .malformed("1,2,3")),
            ("12.34.5", .malformed("12.34.5")), ("1.23,45", .malformed("1.23,45")),
            ("-5", .negativeNotAllowed("-5")), ("1.000.000", .tooLarge("1.000.000")),
            ("1000000,00", .tooLarge("1000000,00")), ("99999999999999999999", .tooLarge("99999999999999999999")),
            ("-", .notANumber("-")), (",", .notANumber(",")),
            // Found by the catalogue fuzzer: separators in the wrong place.
            ("0,.0", .malformed("0,.0")), ("1.,5", .malformed("1.,5")), (".,", .malformed(".,")),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Money.parse(text), text) { error in
                XCTAssertEqual(error as? MoneyParseError, expected, text)
            }
        }
        XCTAssertEqual(MoneyParseError.tooManyDecimals("12,345").description, "»12,345« hat mehr als zwei Nachkommastellen.")
    }

    func testCheckedArithmetic() throws {
        XCTAssertEqual(try Money(cents: 4600).adding(Money(cents: 1300)), Money(cents: 5900))
        XCTAssertEqual(try Money(cents: 10000).subtracting(Money(cents: 5900)), Money(cents: 4100))
        XCTAssertEqual(try Money(cents: 1300).multiplied(by: 3), Money(cents: 3900))
        XCTAssertEqual(try Money.sum([Money(cents: 1), Money(cents: 2)]), Money(cents: 3))
        XCTAssertThrowsError(try Money(cents: .max).adding(Money(cents: 1))) { XCTAssertEqual($0 as? MoneyError, .overflow) }
        XCTAssertThrowsError(try Money(cents: .min).subtracting(Money(cents: 1)))
        XCTAssertThrowsError(try Money(cents: .max / 2 + 1).multiplied(by: 2))
    }

    func testCodableAsCents() throws {
        let data = try JSONEncoder().encode(Money(cents: 1234))
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "{\"cents\":1234}")
    }
}
