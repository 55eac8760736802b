import XCTest

@testable import ESCPOS

/// Golden bytes of each ESC/POS element (FISCAL-DEVICES-CENTRAL-NOTES §2) and of a whole receipt.
final class EncoderGoldenTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined(separator: " ") }

    /// An empty document is init (`ESC @`) and the code page (`ESC t 19` for CP858), nothing else.
    func testInitAndCodePageComeFirst() {
        XCTAssertEqual(hex(ESCPOSEncoder().encode(PrintDocument())), "1B 40 1B 74 13")
        XCTAssertEqual(hex(ESCPOSEncoder(codePage: .cp1252).encode(PrintDocument())), "1B 40 1B 74 10")
        XCTAssertEqual(hex(ESCPOSEncoder(codePage: .iso885915).encode(PrintDocument())), "1B 40 1B 74 28")
    }

    /// €, Ä, ß and äöü in CP858 are D5, 8E, E1 and 84 94 81; the € in CP1252 and ISO-8859-15 is 80 and A4.
    func testEuroAndUmlautsPerCodePage() {
        XCTAssertEqual(hex(CodePage.cp858.encode("€Äß")), "D5 8E E1")
        XCTAssertEqual(hex(CodePage.cp858.encode("äöü")), "84 94 81")
        XCTAssertEqual(hex(CodePage.cp1252.encode("€Äß")), "80 C4 DF")
        XCTAssertEqual(hex(CodePage.iso885915.encode("€Äß")), "A4 C4 DF")
        // A decomposed Ä (A + combining diaeresis) is the same character.
        XCTAssertEqual(hex(CodePage.cp858.encode("A\u{308}")), "8E")
    }

    /// A character the page lacks is replaced visibly ("?") or by a stand-in of the same width, never dropped.
    func testUnknownCharactersAreReplacedVisibly() {
        XCTAssertEqual(CodePage.cp858.encode("a✓b"), [0x61, 0x3F, 0x62])
        XCTAssertEqual(CodePage.cp858.encode("1–2 „x“"), Array("1-2 \"x\"".utf8))
        XCTAssertEqual(CodePage.cp858.encode("👩‍💻").count, 1)
        XCTAssertEqual(CodePage.cp858.encode("Ω"), [0x3F])  // no Omega in CP858
        XCTAssertEqual(CodePage.cp1252.encode("–"), [0x96])  // CP1252 has its own en dash
    }

    /// Every printable character of each page round-trips through its byte.
    func testCodePagesRoundTrip() {
        for page in CodePage.allCases {
            for byte in UInt8(0x20)...UInt8(0xFF) {
                guard let character = page.character(for: byte) else { continue }
                XCTAssertEqual(page.encode(String(character)), [byte], "\(page) \(character)")
            }
        }
    }

    func testBoldSizeAndAlignment() {
        var document = PrintDocument()
        document.line("A", .bold)
        document.line("B", TextStyle(doubleHeight: true))
        document.line("C", TextStyle(doubleWidth: true))
        document.line("D", TextStyle(bold: true, doubleHeight: true, doubleWidth: true, alignment: .right))
        document.line("E", .centered)
        XCTAssertEqual(
            hex(Array(ESCPOSEncoder().encode(document).dropFirst(5))),
            [
                "1B 45 01 41 0A",  // ESC E 1, "A"
                "1B 21 10 42 0A",  // ESC ! 0x10 (clears bold), "B"
                "1B 21 20 43 0A",  // ESC ! 0x20, "C"
                "1B 21 30 1B 45 01 1B 61 02 44 0A",  // ESC ! before ESC E, then ESC a 2
                "1B 21 00 1B 61 01 45 0A",  // back to normal (ESC ! 0 also ends bold), centred
            ].joined(separator: " "))
    }

    func testFeedAndCut() {
        XCTAssertEqual(hex(ESCPOSEncoder.feed(3)), "1B 64 03")
        XCTAssertEqual(hex(ESCPOSEncoder.cut(.full)), "1B 64 06 1D 56 00")
        XCTAssertEqual(hex(ESCPOSEncoder.cut(.partial)), "1B 64 06 1D 56 01")
    }

    /// The drawer kick always carries t1 and t2: 50 ms on, 500 ms off is `19 FA`.
    func testDrawerKickCarriesBothPulseTimes() {
        XCTAssertEqual(hex(ESCPOSEncoder.drawerKick(DrawerPulse(pin: .pin2, onMs: 50, offMs: 500))), "1B 70 00 19 FA")
        XCTAssertEqual(hex(ESCPOSEncoder.drawerKick(DrawerPulse(pin: .pin5, onMs: 100, offMs: 100))), "1B 70 01 32 32")
        // Out of range: clamped to 1…255 units, never zero, never wrapped.
        XCTAssertEqual(hex(ESCPOSEncoder.drawerKick(DrawerPulse(pin: .pin2, onMs: 0, offMs: 2_000))), "1B 70 00 01 FF")
    }

    /// `GS ( k` for model 2: size, level, store (pL pH = data + 3), print.
    func testQRCodeCommands() {
        let code = QRCode(data: [0x41], moduleSize: 6, errorCorrection: .quartile)
        XCTAssertEqual(
            hex(ESCPOSEncoder.qrCode(code)),
            "1D 28 6B 04 00 31 41 32 00 " + "1D 28 6B 03 00 31 43 06 " + "1D 28 6B 03 00 31 45 32 " + "1D 28 6B 04 00 31 50 30 41 "
                + "1D 28 6B 03 00 31 51 30")
    }

    /// The store function's length bytes for 1, 252 and 300 bytes of data: 300 → `2F 01`.
    func testQRLengthBytes() {
        for (count, expected) in [(1, "04 00"), (252, "FF 00"), (300, "2F 01")] {
            let bytes = ESCPOSEncoder.qrCode(QRCode(data: Array(repeating: 0x5A, count: count)))
            let store = bytes.indices.first { bytes[$0] == 0x1D && bytes[$0 + 6] == 0x50 }!
            XCTAssertEqual(hex(Array(bytes[(store + 3)...(store + 4)])), expected, "\(count) bytes")
        }
        XCTAssertEqual(QRCode("x", moduleSize: 40).moduleSize, 16)
    }

    /// A whole receipt, byte for byte (Tests/ESCPOSTests/Golden/receipt.hex).
    func testWholeReceiptGolden() throws {
        var document = PrintDocument()
        document.line("Bürgeramt Musterstadt", TextStyle(bold: true, alignment: .center))
        document.line("Kasse K1", .centered)
        document.line("1 x Führungszeugnis")
        document.line("SUMME              13,00 €", .emphasised)
        document.line("Bar gegeben        20,00 €")
        document.line("Rückgeld            7,00 €", .emphasised)
        document.append(.qrCode(QRCode("V0;K1;1")))
        document.append(.cut(.partial))
        document.append(.drawerKick(DrawerPulse(pin: .pin2)))
        let golden = """
            1B 40 1B 74 13
            1B 45 01 1B 61 01 42 81 72 67 65 72 61 6D 74 20 4D 75 73 74 65 72 73 74 61 64 74 0A
            1B 21 00 4B 61 73 73 65 20 4B 31 0A
            1B 61 00 31 20 78 20 46 81 68 72 75 6E 67 73 7A 65 75 67 6E 69 73 0A
            1B 21 10 1B 45 01 53 55 4D 4D 45 20 20 20 20 20 20 20 20 20 20 20 20 20 20 31 33 2C 30 30 20 D5 0A
            1B 21 00 42 61 72 20 67 65 67 65 62 65 6E 20 20 20 20 20 20 20 20 32 30 2C 30 30 20 D5 0A
            1B 21 10 1B 45 01 52 81 63 6B 67 65 6C 64 20 20 20 20 20 20 20 20 20 20 20 20 37 2C 30 30 20 D5 0A
            1B 61 01 1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 04 1D 28 6B 03 00 31 45 31 1D 28 6B 0A 00 31 50 30 56 30 3B 4B 31 3B 31 1D 28 6B 03 00 31 51 30
            1B 64 06 1D 56 01
            1B 70 00 19 FA
            """
        XCTAssertEqual(hex(ESCPOSEncoder().encode(document)), golden.split(separator: "\n").joined(separator: " "))
    }
}
