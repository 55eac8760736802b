import Foundation
import KasseCore
import Ledger
import XCTest

@testable import Exports

final class DATEVWriterTests: XCTestCase {
    private func one(
        account: String = "431100", paymentAccount: String = "181000", costCenter: String = "", product: String = "",
        receipt: String = "K1-000001", reference: String = "", text: String = "Meldebescheinigung"
    ) -> BookingLine {
        BookingLine(
            sequence: 1, kind: .sale, businessDate: FixtureDay.date, register: "K1", zNumber: 1, receiptNumber: receipt,
            saleID: "S-1", text: text, account: account, product: product, costCenter: costCenter, cashReference: reference,
            amount: Money(euros: 9), paymentMethod: .cash, paymentAccount: paymentAccount, operatorName: "a")
    }

    func testNonNumericAccountIsRejectedNamingReceiptAndField() {
        XCTAssertThrowsError(try render(.datev, [one(account: "43-11")])) { error in
            XCTAssertEqual(
                error as? ExportError,
                .invalidBooking(
                    format: "DATEV", receipt: "K1-000001", field: "Gegenkonto",
                    value: "43-11", expected: "eine Kontonummer aus höchstens 7 Ziffern"))
            XCTAssertTrue("\(error)".hasPrefix("DATEV-Export, Beleg K1-000001, Feld Gegenkonto: »43-11« ist ungültig"))
        }
        XCTAssertThrowsError(try render(.datev, [one(paymentAccount: "")]))
        XCTAssertThrowsError(try render(.datev, [one(account: "12345678")]), "longer than Sachkontenlänge + 1")
        XCTAssertThrowsError(try render(.datev, [one(costCenter: "123456789")]), "KOST1 has at most 8 characters")
    }

    func testShortAccountsArePaddedToTheAccountLength() throws {
        var context = FixtureDay.context
        context.settings.datevAccountLength = 8
        let text = String(decoding: try render(.datev, [one(account: "4311")], context: context), as: UTF8.self)
        XCTAssertTrue(text.contains(";00181000;00004311;"), text)
    }

    func testBookingOutsideTheHeaderRangeIsRejected() {
        var context = FixtureDay.context
        context.from = BookingDate(year: 2026, month: 11, day: 27)!
        context.to = context.from
        XCTAssertThrowsError(try render(.datev, [one()], context: context)) { error in
            XCTAssertTrue("\(error)".contains("Belegdatum"))
        }
    }

    func testABatchCoversOneFiscalYear() throws {
        var context = FixtureDay.context
        context.from = BookingDate(year: 2025, month: 12, day: 31)!
        XCTAssertThrowsError(try render(.datev, [one()], context: context)) { error in
            XCTAssertEqual(error as? ExportError, .rangeSpansFiscalYears(from: "31.12.2025", to: "26.11.2026"))
        }
        // With a fiscal year from July, 31.12.2025 … 26.11.2026 still spans two; 01.07.2026 … does not.
        context.settings.fiscalYearStartMonth = 7
        context.from = BookingDate(year: 2026, month: 7, day: 1)!
        let header = String(decoding: try render(.datev, [one()], context: context), as: UTF8.self).prefix(120)
        XCTAssertTrue(header.contains(";20260701;6;20260701;20261126;"), String(header))
    }

    func testBelegfeldKeepsAllowedCharactersAndTheLast12() {
        XCTAssertEqual(DATEVWriter.belegfeld("K1-000001"), "K1-000001")
        XCTAssertEqual(DATEVWriter.belegfeld("5.2026.000123"), "52026000123")
        XCTAssertEqual(DATEVWriter.belegfeld("KASSE1-2026-000123"), "-2026-000123")
        XCTAssertEqual(DATEVWriter.belegfeld("Bön 7"), "Bn7")
    }

    func testWindows1252() {
        XCTAssertEqual(Windows1252.encode("Ä€–„“…ß"), [0xC4, 0x80, 0x96, 0x84, 0x93, 0x85, 0xDF])
        XCTAssertEqual(Windows1252.encode("a\tb\nč"), [0x61, 0x20, 0x62, 0x20, 0x3F], "controls become spaces, the unmappable ?")
    }

    func testTextIsClippedTo60AndQuotesDoubled() throws {
        let long = String(repeating: "ä", count: 70)
        let text = try XCTUnwrap(String(data: Data(try render(.datev, [one(text: long)])), encoding: .windowsCP1252))
        XCTAssertTrue(text.contains(";\"" + String(repeating: "ä", count: 60) + "\";"))
        let quoted = try XCTUnwrap(String(data: Data(try render(.datev, [one(text: "Kopie \"A\"")])), encoding: .windowsCP1252))
        XCTAssertTrue(quoted.contains(";\"Kopie \"\"A\"\"\";"))
    }

    func testEmptyExportHasHeaderAndColumnsOnly() throws {
        let text = String(decoding: try render(.datev, []), as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "\r\n").count, 3)
    }
}
