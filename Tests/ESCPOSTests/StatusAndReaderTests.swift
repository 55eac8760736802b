import XCTest

@testable import ESCPOS

/// The real-time status replies (`DLE EOT 1/2/4`) and the reader the printer stand-in is built on.
final class StatusAndReaderTests: XCTestCase {
    func testPaperSensorReplies() throws {
        XCTAssertEqual(try PrinterStatus.decode(printer: 0x12, offlineCause: 0x12, paper: 0x12), .ready)
        XCTAssertEqual(try PrinterStatus.decode(printer: 0x12, offlineCause: 0x12, paper: 0x1E), PrinterStatus(paperNearEnd: true))
        let out = try PrinterStatus.decode(printer: 0x1A, offlineCause: 0x32, paper: 0x72)
        XCTAssertTrue(out.paperOut)
        XCTAssertTrue(out.offline)
        XCTAssertFalse(out.canPrint)
        XCTAssertEqual(out.problem, "Papier leer")
        XCTAssertTrue(try PrinterStatus.decode(printer: 0x1A, offlineCause: 0x16, paper: 0x12).coverOpen)
    }

    /// A byte without the fixed bits `0xx1xx10` is not a status reply.
    func testInvalidReplyIsRejected() {
        XCTAssertThrowsError(try PrinterStatus.decode(printer: 0x00, offlineCause: 0x12, paper: 0x12)) {
            XCTAssertEqual($0 as? PrinterStatus.InvalidReply, PrinterStatus.InvalidReply(byte: 0))
        }
        XCTAssertThrowsError(try PrinterStatus.decode(printer: 0x12, offlineCause: 0x12, paper: 0x41))
        XCTAssertFalse(PrinterStatus.isReply(0x92))
    }

    /// What the stand-in answers decodes back to the state it was given.
    func testRepliesRoundTrip() throws {
        let states = [
            PrinterStatus.ready, PrinterStatus(paperNearEnd: true), PrinterStatus(paperOut: true), PrinterStatus(coverOpen: true),
            PrinterStatus(offline: true), PrinterStatus(error: true),
        ]
        for state in states {
            let decoded = try PrinterStatus.decode(printer: state.reply(to: 1)!, offlineCause: state.reply(to: 2)!, paper: state.reply(to: 4)!)
            XCTAssertEqual(decoded.problem, state.problem)
            XCTAssertEqual(decoded.canPrint, state.canPrint)
        }
    }

    private func sampleDocument() -> PrintDocument {
        var document = PrintDocument()
        document.line("Bürgeramt", TextStyle(bold: true, alignment: .center))
        document.line("SUMME 59,00 €", .emphasised)
        document.line("Straße Ä")
        document.append(.qrCode(QRCode("Prüfwert")))
        document.append(.cut(.full))
        document.append(.drawerKick(DrawerPulse(pin: .pin5, onMs: 60, offMs: 240)))
        return document
    }

    private let expected: [ESCPOSReader.Event] = [
        .initialize, .codePage(19), .line("Bürgeramt", TextStyle(bold: true, alignment: .center)), .line("SUMME 59,00 €", .emphasised),
        .line("Straße Ä", .normal), .qrCode(data: Array("Prüfwert".utf8), moduleSize: 4, errorCorrection: 0x31), .feed(6), .cut(.full),
        .drawerKick(pin: 1, t1: 30, t2: 120),
    ]

    /// The encoder's bytes read back whole, byte by byte and in pieces give the same events.
    func testReaderWholeAndByteByByte() {
        let bytes = ESCPOSEncoder().encode(sampleDocument())
        var whole = ESCPOSReader()
        XCTAssertEqual(whole.read(bytes), expected)
        var single = ESCPOSReader()
        XCTAssertEqual(bytes.flatMap { single.read([$0]) }, expected)
        var pieces = ESCPOSReader()
        var events: [ESCPOSReader.Event] = []
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + 7)
            events += pieces.read(Array(bytes[index..<end]))
            index = end
        }
        XCTAssertEqual(events, expected)
    }

    /// A KassenSichV QR string of real length (343 bytes): stored with pL pH = 346 = `5A 01`, and
    /// read back whole and byte by byte as the very string, with its module size and level M.
    func testTSEQRCodeReadBack() {
        let text =
            "V0;BA-MUSTERSTADT-K1;Kassenbeleg-V1;Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar;4711;9999;2026-11-27T09:00:00.000Z;"
            + "2026-11-27T09:01:35.000Z;ecdsa-plain-SHA256;unixTime;CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg==;"
            + "BAVguxZxzCeC3TiT7kmk/1q1EGvGIXzXMo3oQ575VK8KZcAbdtEsh+I9mPNOqQRfuhVwyyaB3DeS7Uij/lm0D2o="
        XCTAssertEqual(text.utf8.count, 343)
        let bytes = ESCPOSEncoder.qrCode(QRCode(text, moduleSize: 4, errorCorrection: .medium))
        XCTAssertEqual(
            Array(bytes[0..<25]),
            [
                0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,  // model 2
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x04,  // module size 4
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31,  // level M
            ])
        XCTAssertEqual(Array(bytes[25..<33]), [0x1D, 0x28, 0x6B, 0x5A, 0x01, 0x31, 0x50, 0x30])  // store 343 bytes
        XCTAssertEqual(Array(bytes[33..<(33 + 343)]), Array(text.utf8))
        XCTAssertEqual(Array(bytes.suffix(8)), [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30])  // print
        let expected: [ESCPOSReader.Event] = [.qrCode(data: Array(text.utf8), moduleSize: 4, errorCorrection: 0x31)]
        var whole = ESCPOSReader()
        XCTAssertEqual(whole.read(bytes), expected)
        var single = ESCPOSReader()
        XCTAssertEqual(bytes.flatMap { single.read([$0]) }, expected)
    }

    /// Text before `ESC t` is read as the printer would print it in CP437: the € does not come out.
    func testTextBeforeCodePageIsNotReadAsEuro() {
        var reader = ESCPOSReader()
        let events = reader.read([0x1B, 0x40] + CodePage.cp858.encode("5 €") + [0x0A])
        XCTAssertEqual(events, [.initialize, .line("5 \u{FFFD}", .normal)])
        XCTAssertEqual(reader.read([0x10, 0x04, 0x04]), [.statusQuery(4)])
    }

    func testPoleDisplayFramesReadBack() {
        let encoder = PoleDisplayEncoder()
        var reader = PoleDisplayReader()
        reader.read(encoder.initialize)
        reader.read(encoder.frame(.item("Personalausweis ab 24 Jahre", price: "46,00 €", total: "59,00 €")))
        XCTAssertEqual(reader.top, "Personalausw 46,00 €")  // the name shortened, the price whole
        XCTAssertEqual(reader.bottom, "Summe        59,00 €")
        for byte in encoder.frame(.change(tendered: "100,00 €", change: "41,00 €")) { reader.read([byte]) }
        XCTAssertEqual(reader.top, "Gegeben     100,00 €")
        XCTAssertEqual(reader.bottom, "Rückgeld     41,00 €")
        XCTAssertEqual(
            Array(encoder.frame(.idle(greeting: "Willkommen", office: "Bürgeramt")).prefix(4)), [0x1F, 0x24, 0x01, 0x01])
    }
}
