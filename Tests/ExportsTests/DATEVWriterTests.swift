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
                    value: "43-11", expected: "eine Kontonummer aus Ziffern"))
            XCTAssertTrue("\(error)".hasPrefix("DATEV-Export, Beleg K1-000001, Feld Gegenkonto: »43-11« ist ungültig"))
        }
        XCTAssertThrowsError(try render(.datev, [one(paymentAccount: "")]))
        XCTAssertThrowsError(try render(.datev, [one(account: "1234567")]), "longer than the Sachkontenlänge")
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

    func testBelegfeldKeepsTheWholeTextAndEscapesWhatDATEVLacks() {
        XCTAssertEqual(DATEVWriter.belegfeld("K1-000001"), "K1-000001")
        XCTAssertEqual(DATEVWriter.belegfeld("KASSE1-2026-000123"), "KASSE1-2026-000123", "not cut to 12 characters")
        XCTAssertEqual(DATEVWriter.belegfeld("5.2026.000123"), "5%2E2026%2E000123")
        XCTAssertEqual(DATEVWriter.belegfeld("Bön 7"), "B%C3%B6n%207")
        XCTAssertEqual(DATEVWriter.belegfeld("50%"), "50%25", "the escape character itself is escaped")
        // Registers K_1 and K1 no longer give the same receipt key.
        XCTAssertNotEqual(DATEVWriter.belegfeld("K_1-000001"), DATEVWriter.belegfeld("K1-000001"))
        XCTAssertEqual(DATEVWriter.belegfeld("K_1-000001"), "K%5F1-000001")
    }

    func testAKassenzeichenOf36CharactersFitsWholeAndALongerOneIsRefused() throws {
        let whole = "KZ-2026-" + String(repeating: "1", count: 28)
        let text = String(decoding: try render(.datev, [one(reference: whole)]), as: UTF8.self)
        XCTAssertTrue(text.contains(";\"\(whole)\";"), text)
        XCTAssertThrowsError(try render(.datev, [one(reference: whole + "2")])) { error in
            XCTAssertEqual(
                "\(error)",
                "DATEV-Export, Beleg K1-000001, Feld Belegfeld 1: »\(whole)2« ist ungültig; erwartet wird höchstens 36 Zeichen (A–Z a–z 0–9 $ & * + - /; jedes andere zählt als %XX dreifach)."
            )
        }
    }

    func testAnAccountLongerThanTheDeclaredLengthIsRefusedNamingIt() {
        var context = FixtureDay.context
        context.settings.datevAccountLength = 5
        XCTAssertThrowsError(try render(.datev, [one()], context: context)) { error in
            XCTAssertEqual(
                "\(error)",
                "DATEV-Export, Beleg K1-000001, Feld Konto: »181000« ist ungültig; erwartet wird eine Kontonummer aus höchstens 5 Ziffern (Sachkontenlänge, --datev-kontenlaenge 5)."
            )
        }
    }

    func testShortenedBookingTextEndsWithoutASpace() throws {
        let text = String(repeating: "x", count: 59) + "  Rest des Textes"
        let written = String(decoding: try render(.datev, [one(text: text)]), as: UTF8.self)
        XCTAssertTrue(written.contains(";\"" + String(repeating: "x", count: 59) + "\";"), written)
    }

    func testBatchNameIsNeverCutInsideADateAndFestschreibungIsStated() throws {
        XCTAssertEqual(DATEVWriter.batchName("Kasse K1 26.11.2026"), "Kasse K1 26.11.2026")
        XCTAssertEqual(DATEVWriter.batchName("Kasse K10 01.12.2026-31.12.2026"), "K10 01.12.2026-31.12.2026")
        XCTAssertEqual(DATEVWriter.batchName("VORLÄUFIG Kasse K10 01.12.2026-31.12.2026"), "VORL. K10 01.12.-31.12.2026")
        XCTAssertEqual(DATEVWriter.batchName("VORLÄUFIG Kasse BUERGERAMT-NORD 01.12.2026-31.12.2026"), "VORL. BUERGE 01.12.-31.12.2026")
        for name in ["Kasse K10 01.12.2026-31.12.2026", "VORLÄUFIG 12 Kassen 30.12.2025-02.01.2026"] {
            let shortened = DATEVWriter.batchName(name)
            XCTAssertLessThanOrEqual(shortened.count, 30, shortened)
            XCTAssertNotNil(shortened.range(of: "[0-9]{4}$", options: .regularExpression), "ends with a whole year: \(shortened)")
        }
        let header = String(decoding: try render(.datev, [one()]), as: UTF8.self).components(separatedBy: "\r\n")[0]
        let fields = header.components(separatedBy: ";")
        XCTAssertEqual(fields.count, 31)
        XCTAssertEqual(fields[20], "0", "header field 21 (Festschreibung) says what every line says")
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
