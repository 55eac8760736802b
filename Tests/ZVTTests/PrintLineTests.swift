import TestSupport
import XCTest

@testable import ZVT

/// Print Line `06 D1` in both layouts, Print Text-Block `06 D3` with tag 14, the attribute table,
/// card numbers in print lines and the BMP 60 layouts (ZVT 13.08 §3.5, §3.6, §3.1.3).
final class PrintLineTests: XCTestCase {
    // MARK: 06 D1 (§3.5)

    func testPre2013PrintLineCarriesItsReceiptTypeAfterTheText() throws {
        // 06 D1 0C | 40 "Kunde" | 06 04 1F 07 01 02
        let bytes = hex("06 D1 0C 40 4B 75 6E 64 65 06 04 1F 07 01 02")
        let line = try PrintLine(apdu: APDU.decodeSingle(bytes))
        XCTAssertEqual(line.attribute, 0x40)
        XCTAssertEqual(line.textBytes, Array("Kunde".utf8))
        XCTAssertEqual(line.receiptType, 0x02)
        XCTAssertEqual(line.line(), PrintedLine(attribute: 0x40, text: "Kunde"))
        XCTAssertTrue(line.line().isCentred)
        XCTAssertEqual(line.apdu.bytes, bytes, "encodes back to the same bytes")
        XCTAssertEqual(PrintLine(attribute: 0x40, text: "Kunde", tlv: [TLVObject(0x1F07, [0x02])]).apdu.bytes, bytes)
        guard case .printLine(let message) = try Message.decode(APDU.decodeSingle(bytes)) else { return XCTFail("not 06 D1") }
        XCTAssertEqual(message, line)
    }

    func testPre2013PrintLineWithCharacterSetTag() throws {
        // "Händler" in ISO 8859-1 (E4 = ä), then TLV 1F07 01, 14 01 (§9.4.2.1: 01 = ISO 8859-1).
        let bytes = hex("06 D1 11 00 48 E4 6E 64 6C 65 72 06 07 1F 07 01 01 14 01 01")
        let line = try PrintLine(apdu: APDU.decodeSingle(bytes))
        XCTAssertEqual(line.receiptType, 0x01)
        XCTAssertEqual(line.characterSet, .latin1)
        XCTAssertEqual(line.line(.cp437).text, "Händler", "tag 14 wins over the configured set")
    }

    func testPrintLineOf1308KeepsNoControlBytesInItsText() throws {
        // A 06 that starts no well-formed container, and other control bytes: dropped from the text.
        let line = try PrintLine(apdu: APDU.decodeSingle(hex("06 D1 07 00 41 06 42 0D 0A 43")))
        XCTAssertTrue(line.fields.fields.isEmpty)
        XCTAssertNil(line.receiptType)
        XCTAssertEqual(line.line().text, "ABC")
        let trailing = try PrintLine(apdu: APDU.decodeSingle(hex("06 D1 03 00 41 06")))
        XCTAssertEqual(trailing.line().text, "A")
        // A container whose TLV does not fill it exactly is text too.
        let short = try PrintLine(apdu: APDU.decodeSingle(hex("06 D1 07 00 41 06 03 1F 07 01")))
        XCTAssertTrue(short.fields.fields.isEmpty)
        XCTAssertEqual(short.line().text, "A")
    }

    func testLineFeedsWithTheTLVOfPre2013() throws {
        let line = try PrintLine(apdu: APDU.decodeSingle(hex("06 D1 08 FF 02 06 04 1F 07 01 03")))
        XCTAssertEqual(line.lineFeedCount, 2)
        XCTAssertEqual(line.receiptType, 0x03)
        XCTAssertFalse(line.line().closesReceipt)
        XCTAssertEqual(try PrintLine(apdu: APDU.decodeSingle(hex("06 D1 01 FF"))).lineFeedCount, 1, "no text: one line feed (§3.5)")
    }

    func testAttributeTable() {
        func layout(_ attribute: UInt8) -> [Int] {
            let line = PrintedLine(attribute: attribute, text: "")
            return [line.isCentred ? 1 : 0, line.isDoubleWidth ? 1 : 0, line.isDoubleHeight ? 1 : 0, line.indent]
        }
        XCTAssertEqual(layout(0x00), [0, 0, 0, 0])
        XCTAssertEqual(layout(0x05), [0, 0, 0, 5])
        XCTAssertEqual(layout(0x40), [1, 0, 0, 0])
        XCTAssertEqual(layout(0x20), [0, 1, 0, 0])
        XCTAssertEqual(layout(0x10), [0, 0, 1, 0])
        XCTAssertEqual(layout(0x7F), [1, 1, 1, 15])
        XCTAssertEqual(layout(0x81), [0, 0, 0, 0], "the last line has no layout")
        XCTAssertEqual(layout(0xFF), [0, 0, 0, 0])
        XCTAssertTrue(PrintedLine(attribute: 0x81, text: "").closesReceipt)
    }

    func testSessionSeparatesPre2013ReceiptsByTheirType() throws {
        var session = CommandSession(command: try Authorization(amountCents: 1234).apdu)
        _ = session.start(now: 0)
        _ = session.receive(APDU(0x80, 0x00), now: 1)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 2)
        func line(_ attribute: UInt8, _ text: String, type: UInt8) -> APDU {
            PrintLine(attribute: attribute, text: text, tlv: [TLVObject(0x1F07, [type])]).apdu
        }
        var printed: [PrintedReceipt] = []
        for apdu in [
            line(0x40, "Händlerbeleg", type: 0x01), line(0x00, "Karte 5598830000008074", type: 0x01),
            APDU(0x06, 0xD1, data: hex("FF 02 06 04 1F 07 01 01")), line(0x81, "", type: 0x01),
            line(0x40, "Kundenbeleg", type: 0x02), line(0x10, "Betrag 12,34 EUR", type: 0x02), line(0x81, "", type: 0x02),
        ] {
            let actions = session.receive(apdu, now: 3)
            XCTAssertEqual(actions.first, .send(APDU(0x80, 0x00)), "every line is acknowledged")
            for case .printReceipt(let receipt) in actions { printed.append(receipt) }
        }
        XCTAssertEqual(printed.map(\.receiptType), [0x01, 0x02])
        XCTAssertEqual(
            printed[0].lines,
            [
                PrintedLine(attribute: 0x40, text: "Händlerbeleg"), PrintedLine(attribute: 0, text: "Karte 559883******8074"),
                PrintedLine(attribute: 0, text: ""), PrintedLine(attribute: 0, text: ""), PrintedLine(attribute: 0x81, text: ""),
            ])
        XCTAssertEqual(printed[1].text, "Kundenbeleg\nBetrag 12,34 EUR\n", "no control bytes of the TLV in the text")
    }

    // MARK: 06 D3 (§3.6)

    func testTextBlockHonoursItsCharacterSetTag() throws {
        // 1F07 02, 14 FE (UTF-8), 25 { 09 40, 07 "Hä" (48 C3 A4), 09 81 }
        let bytes = hex("06 D3 16 06 14 1F 07 01 02 14 01 FE 25 0B 09 01 40 07 03 48 C3 A4 09 01 81")
        let block = try PrintTextBlock(apdu: APDU.decodeSingle(bytes))
        XCTAssertEqual(block.characterSet, .utf8)
        XCTAssertEqual(block.lines(.cp437), [PrintedLine(attribute: 0x40, text: "Hä")])
        XCTAssertTrue(block.closesReceipt)
        let built = PrintTextBlock(receiptType: 0x02, lines: [PrintedLine(attribute: 0x40, text: "Hä")], closes: true, characterSetTag: 0xFE)
        XCTAssertEqual(built.apdu.bytes, bytes)
        // Without tag 14 the same bytes read in the configured set.
        let untagged = PrintTextBlock(receiptType: 0x02, lines: [PrintedLine(attribute: 0, text: "Hä")], closes: true, charset: .latin1)
        XCTAssertNil(untagged.characterSet)
        XCTAssertEqual(untagged.lines(.latin1).map(\.text), ["Hä"])
        XCTAssertNotEqual(untagged.lines(.cp437).map(\.text), ["Hä"])
    }

    // MARK: Card numbers in print lines

    func testLongDigitRunsAreMaskedLikeCardNumbers() {
        XCTAssertEqual(CardNumberMask.maskedText("6725590000000001234"), "672559*********1234")
        XCTAssertEqual(CardNumberMask.maskedText("PAN 6725 5900 0000 0001 234 x"), "PAN 6725 59** **** ***1 234 x")
        XCTAssertEqual(CardNumberMask.maskedText("Nr. 123456789012"), "Nr. 123456**9012", "twelve digits are a card number")
        XCTAssertEqual(CardNumberMask.maskedText("Nr. 12345678901"), "Nr. 12345678901", "eleven are not")
        XCTAssertEqual(CardNumberMask.maskedText("Terminal-ID 29001006"), "Terminal-ID 29001006")
        XCTAssertEqual(CardNumberMask.maskedText("TA-Nr. 000977  Beleg 0232"), "TA-Nr. 000977  Beleg 0232")
        XCTAssertEqual(CardNumberMask.maskedText("Datum 05.04.23 22:55:58"), "Datum 05.04.23 22:55:58")
        XCTAssertEqual(CardNumberMask.maskedText("672559*********1234"), "672559*********1234")
        XCTAssertEqual(CardNumberMask.maskedText("1234 5678"), "1234 5678")
        XCTAssertEqual(CardNumberMask.maskedText("App-ID: A0000000041010"), "App-ID: A0000000041010", "digits of a hex word")
        XCTAssertEqual(CardNumberMask.maskedText("Karte:5598830000008074."), "Karte:559883******8074.")
    }

    func testPrintLinesNeverCarryAFullCardNumber() throws {
        let full = "5598830000008074"
        let line = try PrintLine(apdu: PrintLine(attribute: 0, text: "Karte " + full).apdu)
        XCTAssertEqual(line.line().text, "Karte 559883******8074")
        let block = PrintTextBlock(receiptType: 0x01, lines: [PrintedLine(attribute: 0, text: full)], closes: true)
        XCTAssertEqual(try PrintTextBlock(apdu: block.apdu).lines().map(\.text), ["559883******8074"])
    }

    func testFeigCustomerReceiptKeepsItsTextAndMasksNothingElse() throws {
        guard case .printTextBlock(let block) = try Traces.message("feig-cvend/1680728215.585561000_pt_ecr.blob") else {
            return XCTFail("not 06 D3")
        }
        let lines = block.lines()
        XCTAssertEqual(lines.count, 33)
        XCTAssertTrue(lines.contains { $0.text.contains("Customer Receipt") })
        // Receipt, trace and terminal numbers are not card numbers: every line as the terminal sent it.
        let sent = try XCTUnwrap(TLV.first(0x25, in: block.fields.tlv)).children.filter { $0.tag == 0x07 }.map { ZVTCharacterSet.cp437.decode($0.value) }
        XCTAssertEqual(lines.map(\.text), sent)
    }

    // MARK: BMP 60 (§3.1.3)

    func testIndividualTotalsInEveryLayout() throws {
        func group(_ count: UInt8, _ cents: Int64) -> [UInt8] { [count] + BCD.encode(cents, byteCount: 6)! }
        let range = hex("02 33 02 34")
        let empty = group(0, 0)
        // §3.1.3: seven groups, 53 bytes.
        let standard = try XCTUnwrap(
            EndOfDayTotals.Individual(bmp60: range + group(1, 500) + empty + group(2, 958) + Array(repeating: empty, count: 4).flatMap { $0 }))
        XCTAssertEqual(standard.groups.count, 7)
        XCTAssertEqual(standard.groups[2], .init(name: "Eurocard/Mastercard", count: 2, amountCents: 958))
        XCTAssertEqual(standard.count, 3)
        // Empty groups at the end left off: 4 + 7 × 3 bytes.
        let short = try XCTUnwrap(EndOfDayTotals.Individual(bmp60: range + group(1, 500) + empty + group(2, 958)))
        XCTAssertEqual(short.groups.map(\.name), ["girocard", "JCB", "Eurocard/Mastercard"])
        XCTAssertEqual(short.count, 3)
        XCTAssertEqual(short.firstReceipt, 233)
        XCTAssertEqual(short.lastReceipt, 234)
        // More groups than seven: 4 + 7 × 8 bytes.
        let long = try XCTUnwrap(EndOfDayTotals.Individual(bmp60: range + Array(repeating: empty, count: 7).flatMap { $0 } + group(4, 1200)))
        XCTAssertEqual(long.groups.count, 8)
        XCTAssertEqual(long.groups[7], .init(name: "Weitere Kartengruppe 1", count: 4, amountCents: 1200))
        XCTAssertEqual(long.count, 4)
        // Not 4 + 7 × n, or not BCD: not read.
        XCTAssertNil(EndOfDayTotals.Individual(bmp60: range))
        XCTAssertNil(EndOfDayTotals.Individual(bmp60: range + group(1, 500) + [0x00]))
        XCTAssertNil(EndOfDayTotals.Individual(bmp60: Array((range + group(1, 500) + Array(repeating: empty, count: 6).flatMap { $0 }).dropLast())))
        XCTAssertNil(EndOfDayTotals.Individual(bmp60: hex("FF FF 02 34") + group(1, 500)))
    }
}
