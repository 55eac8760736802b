import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Exports

/// The byte-appending writers give exactly the bytes of the `String` writers they replaced
/// (ReferenceWriters.swift), for thousands of lines drawn from texts that hit every escaping
/// rule: quotes, separators, line breaks, control characters, combining marks, non-Latin-1,
/// emoji, long texts to clip, odd account numbers.
final class WriterEquivalenceTests: XCTestCase {
    static let texts = [
        "", "Personalausweis", "Führungszeugnis (Anteil Bundeskasse 3/5)", "Beglaubigung \"Zeugnis\"; 2 Seiten", "a;b", "\"",
        "Zeile\nneu", "CR\rLF\r\n", "Tab\there", "ctl\u{1}x\u{7F}", "Reisepass – 48 Seiten", "€ 5 „Zitat“ — Ende…", "e\u{301}cole",
        ";\u{301}", "Ohm \u{2126} Å\u{30A}", "\u{2000}quad", "한국", "Smile 😀 ok", "NEL\u{85}x", "LS\u{2028}PS\u{2029}",
        String(repeating: "Öffnungszeiten außerhalb ", count: 4), String(repeating: "x", count: 59), String(repeating: "ä", count: 61),
        String(repeating: "ab\"", count: 25), "5.2026.000123", "K1-000001", "K1/2026-€%$&*+-/ß", "\\backslash\\", "x\u{200D}y",
        "Soft\u{AD}hyphen", "müller",
    ]
    static let accounts = ["431100", "376100", "1234", "0", "1234567", "12 34", "4311;00", "Konto\t1", "12345678", "abc", ""]

    static func lines(count: Int, seed: UInt64) -> [BookingLine] {
        var state = seed
        func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        func text() -> String { texts[next() % texts.count] }
        func account() -> String { next() % 4 == 0 ? accounts[next() % accounts.count] : "431100" }
        let kinds = BookingLine.Kind.allCases
        let methods: [PaymentMethod] = [.cash, .card, .cheque]
        let cents: [Int64] = [0, 1, -1, 99, 100, -100, 4_600, -55, 1_234_567, -9_999_999_999, 123_456_789_012]
        let taxes: [LineTax?] = [
            nil, LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900), nil,
            LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700), LineTax(treatment: .steuerfrei(legalBasis: "§ 4 Nr. 8; \"a\"")),
        ]
        return (0..<count).map { i in
            BookingLine(
                sequence: Int64(i + 1), kind: kinds[next() % kinds.count],
                businessDate: BookingDate(year: 2026, month: 1 + next() % 12, day: 1 + next() % 28)!, register: next() % 5 == 0 ? text() : "K1",
                zNumber: next() % 4 == 0 ? nil : next() % 500, receiptNumber: next() % 3 == 0 ? text() : "K1-\(next() % 1_000_000)",
                saleID: next() % 3 == 0 ? text() : "sale-\(i)", lineNumber: next() % 4, shareNumber: next() % 3,
                itemCode: next() % 3 == 0 ? text() : "FZ", text: text(), account: account(), product: next() % 4 == 0 ? text() : "1220101",
                costCenter: next() % 4 == 0 ? text() : "33100", cashReference: next() % 3 == 0 ? text() : "",
                amount: Money(cents: cents[next() % cents.count] + Int64(next() % 1000)), paymentMethod: methods[next() % 3],
                paymentAccount: account(), stornoReference: next() % 3 == 0 ? text() : "", operatorName: text(),
                passThrough: next() % 2 == 0, tax: taxes[i % taxes.count], taxPart: i % 3 == 0 ? .vat : .net)
        }
    }

    /// Writes each line with both writers; both must refuse the same lines and write the same bytes.
    @discardableResult
    func assertEquivalent(
        _ new: inout some BookingWriter, _ old: inout some BookingWriter, _ lines: [BookingLine],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Int {
        var a: [UInt8] = []
        var b: [UInt8] = []
        try new.begin(into: &a)
        try old.begin(into: &b)
        XCTAssertEqual(a, b, "begin", file: file, line: line)
        var refused = 0
        for booking in lines {
            var x: [UInt8] = []
            var y: [UInt8] = []
            var newError: Error?
            var oldError: Error?
            do { try new.write(booking, into: &x) } catch { newError = error }
            do { try old.write(booking, into: &y) } catch { oldError = error }
            if let oldError {
                refused += 1
                XCTAssertEqual(newError.map { "\($0)" }, "\(oldError)", "line \(booking.sequence)", file: file, line: line)
                continue
            }
            XCTAssertNil(newError, "line \(booking.sequence)", file: file, line: line)
            if x != y {
                XCTFail("line \(booking.sequence): \(String(decoding: x, as: UTF8.self)) ≠ \(String(decoding: y, as: UTF8.self))", file: file, line: line)
                return refused
            }
        }
        a = []
        b = []
        try new.finish(into: &a)
        try old.finish(into: &b)
        XCTAssertEqual(a, b, "finish", file: file, line: line)
        return refused
    }

    func testEveryFormatWritesTheBytesOfTheStringWriters() throws {
        let lines = Self.lines(count: 4_000, seed: 7)
        for provisional in [false, true] {
            var context = FixtureDay.context
            context.from = BookingDate(year: 2026, month: 1, day: 1)!
            context.to = BookingDate(year: 2026, month: 12, day: 31)!
            context.includesProvisional = provisional
            var datev = DATEVWriter(context: context)
            var oldDATEV = ReferenceDATEVWriter(context: context)
            let refused = try assertEquivalent(&datev, &oldDATEV, lines)
            XCTAssertGreaterThan(refused, 0, "odd account numbers are refused")
            XCTAssertLessThan(refused, lines.count, "lines are written")
            var csv = MunicipalCSVWriter(context: context)
            var oldCSV = ReferenceMunicipalCSVWriter(context: context)
            try assertEquivalent(&csv, &oldCSV, lines)
            var journal = JournalWriter(context: context)
            var oldJournal = ReferenceJournalWriter(context: context)
            try assertEquivalent(&journal, &oldJournal, lines)
            var jsonl = JSONLinesWriter(context: context)
            var oldJSONL = ReferenceJSONLinesWriter(context: context)
            try assertEquivalent(&jsonl, &oldJSONL, lines)
        }
    }

    func testDATEVOptionsAndDatesOutsideTheRange() throws {
        var context = FixtureDay.context  // one day: most lines lie outside and are refused alike
        context.settings.datevLock = 1
        context.settings.datevAccountLength = 8
        var datev = DATEVWriter(context: context)
        var old = ReferenceDATEVWriter(context: context)
        var lines = Self.lines(count: 600, seed: 11)
        lines += lines.map {
            BookingLine(
                sequence: $0.sequence, kind: $0.kind, businessDate: FixtureDay.date, register: $0.register, zNumber: $0.zNumber,
                receiptNumber: $0.receiptNumber, saleID: $0.saleID, lineNumber: $0.lineNumber, shareNumber: $0.shareNumber,
                itemCode: $0.itemCode, text: $0.text, account: $0.account, product: $0.product, costCenter: $0.costCenter,
                cashReference: $0.cashReference, amount: $0.amount, paymentMethod: $0.paymentMethod,
                paymentAccount: $0.paymentAccount, stornoReference: $0.stornoReference, operatorName: $0.operatorName,
                passThrough: $0.passThrough)
        }
        let refused = try assertEquivalent(&datev, &old, lines)
        XCTAssertLessThan(refused, lines.count - 50, "lines on the export's day are written")
    }

    func testBelegfeldEscapesWhatDATEVLacks() {
        for text in Self.texts + ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ä1ö2ü3ß4-5/6+7*8%9$0&1a2b3", "5.2026.000123", "K_1-000001"] {
            XCTAssertEqual(DATEVWriter.belegfeld(text), ReferenceDATEVWriter.belegfeld(text), text)
        }
    }
}
