import XCTest

@testable import ZVT

/// Every message type encodes to the spec's bytes, decodes back equal, and re-encodes to the same bytes.
final class MessageTests: XCTestCase {
    private func assertRoundTrip(_ message: Message, _ expectedHex: String, pending: UInt16? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Hex.string(message.apdu.bytes), Hex.string(hex(expectedHex)), "encode", file: file, line: line)
        let decoded = try Message.decode(APDU.decodeSingle(hex(expectedHex), tolerant: false), pendingCommand: pending)
        XCTAssertEqual(decoded, message, "decode", file: file, line: line)
        XCTAssertEqual(decoded.apdu.bytes, hex(expectedHex), "re-encode", file: file, line: line)
    }

    func testECRCommands() throws {
        let pw = try XCTUnwrap(Password("123456"))
        try assertRoundTrip(
            .registration(Registration(password: pw, config: 0xBE, tlv: [TLVObject(0x26, children: [TLVObject(0x0A, [0x06, 0xD3])])])),
            "06 00 0E 12 34 56 BE 09 78 06 06 26 04 0A 02 06 D3")
        try assertRoundTrip(.registration(Registration(password: pw, config: 0xDE)), "06 00 06 12 34 56 DE 09 78")
        try assertRoundTrip(.registration(Registration(password: pw, config: 0x08, currencyCode: nil)), "06 00 04 12 34 56 08")
        try assertRoundTrip(
            .registration(Registration(password: pw, config: 0xBA, serviceByte: 0x01)), "06 00 08 12 34 56 BA 09 78 03 01")
        try assertRoundTrip(.authorization(Authorization(amountCents: 1234)), "06 01 0A 04 00 00 00 00 12 34 49 09 78")
        try assertRoundTrip(.authorization(Authorization(amountCents: 1, currencyCode: nil, paymentType: 0x40)), "06 01 09 04 00 00 00 00 00 01 19 40")
        try assertRoundTrip(.reversal(Reversal(password: pw, receiptNumber: 42)), "06 30 06 12 34 56 87 00 42")
        try assertRoundTrip(
            .reversal(Reversal(password: pw, receiptNumber: 153, amountCents: 1880, currencyCode: 978)),
            "06 30 10 12 34 56 87 01 53 04 00 00 00 00 18 80 49 09 78")
        try assertRoundTrip(.refund(Refund(password: pw, amountCents: 500)), "06 31 0D 12 34 56 04 00 00 00 00 05 00 49 09 78")
        try assertRoundTrip(.endOfDay(EndOfDay(password: pw)), "06 50 03 12 34 56")
        try assertRoundTrip(.turnoverTotals(TurnoverTotals(password: pw)), "06 10 03 12 34 56")
        try assertRoundTrip(.repeatReceipt(RepeatReceipt(password: pw, serviceByte: 0x03)), "06 20 05 12 34 56 03 03")
        try assertRoundTrip(.repeatReceipt(RepeatReceipt(password: pw)), "06 20 03 12 34 56")
        try assertRoundTrip(.logOff(LogOff()), "06 02 00")
        try assertRoundTrip(.abortCommand(AbortCommand()), "06 B0 00")
        try assertRoundTrip(.diagnosis(Diagnosis()), "06 70 00")
        try assertRoundTrip(.diagnosis(Diagnosis(type: 0x02)), "06 70 05 06 03 1B 01 02")
        try assertRoundTrip(.statusEnquiry(StatusEnquiry()), "05 01 00")
        try assertRoundTrip(.statusEnquiry(StatusEnquiry(password: pw)), "05 01 03 12 34 56")
        try assertRoundTrip(.statusEnquiry(StatusEnquiry(password: pw, serviceByte: 0x04)), "05 01 05 12 34 56 03 04")
        XCTAssertEqual(try Authorization(amountCents: 1880).amountCents, 1880)
        XCTAssertThrowsError(try Authorization(amountCents: 1_000_000_000_000))
        XCTAssertThrowsError(try Authorization(amountCents: -5))
        XCTAssertThrowsError(try Registration(apdu: APDU(0x06, 0x00, data: [0x12, 0x34])))
        XCTAssertThrowsError(try Registration(apdu: APDU(0x06, 0x01, data: [])))
    }

    func testPTMessages() throws {
        try assertRoundTrip(.acknowledgement(.positive), "80 00 00")
        try assertRoundTrip(.acknowledgement(.unknownCommand), "84 83 00")
        try assertRoundTrip(.acknowledgement(.pleaseRepeat), "84 9C 00")
        try assertRoundTrip(.intermediateStatus(IntermediateStatusInformation(status: .pleaseWait)), "04 FF 01 17")
        try assertRoundTrip(
            .intermediateStatus(IntermediateStatusInformation(status: .insertCard, timeoutMinutes: 1, texts: ["Karte einstecken"])),
            "04 FF 18 0A 01 06 14 24 12 07 10 4B 61 72 74 65 20 65 69 6E 73 74 65 63 6B 65 6E")
        try assertRoundTrip(
            .intermediateStatus(IntermediateStatusInformation(status: .pleaseWait, texts: ["OK"])), "04 FF 09 17 06 06 24 04 07 02 4F 4B")
        try assertRoundTrip(.statusInformation(StatusInformation(fields: BMPList([BMPField(0x27, [0x6C])]))), "04 0F 02 27 6C")
        try assertRoundTrip(
            .printLine(PrintLine(attribute: 0x00, text: "Gesamt      0       0,00")),
            "06 D1 19 00 47 65 73 61 6D 74 20 20 20 20 20 20 30 20 20 20 20 20 20 20 30 2C 30 30")
        try assertRoundTrip(.completion(Completion()), "06 0F 00")
        try assertRoundTrip(
            .completion(Completion(content: .statusEnquiry(softwareVersion: nil, terminalStatus: .cardInserted, fields: BMPList()))), "06 0F 01 DC",
            pending: StatusEnquiry.command)
        try assertRoundTrip(.terminalAbort(TerminalAbort(resultCode: .aborted)), "06 1E 01 6C")
        let lines = [
            PrintedLine(attribute: 0x40, text: "** KUNDENBELEG **"), PrintedLine(attribute: 0, text: "Betrag  12,34 EUR"), PrintedLine(attribute: 0, text: ""),
        ]
        let block = PrintTextBlock(receiptType: 0x02, lines: lines, closes: true)
        let decoded = try PrintTextBlock(apdu: APDU.decodeSingle(block.apdu.bytes))
        XCTAssertEqual(decoded, block)
        XCTAssertEqual(decoded.lines(), lines)
        XCTAssertTrue(decoded.closesReceipt)
        XCTAssertEqual(decoded.receiptType, 0x02)
        XCTAssertFalse(PrintTextBlock(receiptType: nil, lines: lines, closes: false).closesReceipt)
    }

    /// Spec / field examples (ZVT 13.08 §2.66, §3).
    func testSpecExamples() throws {
        let spec = try IntermediateStatusInformation(
            apdu: APDU.decodeSingle(hex("04 FF 19 17 03 06 15 24 0D 07 0B 30 30 20 41 70 70 72 6F 76 65 64 1F 73 03 00 00 08")))
        XCTAssertEqual(spec.timeoutMinutes, 3)
        XCTAssertEqual(spec.displayLines(), ["00 Approved"])
        XCTAssertEqual(TLV.first(0x1F73, in: spec.fields.tlv)?.value, hex("00 00 08"))
        // docs/zvt-field-notes.md, inconsistency 4: TLV right after the status, no timeout byte
        let noTimeout = try IntermediateStatusInformation(apdu: APDU.decodeSingle(hex("04 FF 09 17 06 06 1F 73 03 00 00 02")))
        XCTAssertNil(noTimeout.timeoutMinutes)
        XCTAssertEqual(TLV.first(0x1F73, in: noTimeout.fields.tlv)?.value, hex("00 00 02"))
        XCTAssertEqual(noTimeout.apdu.bytes, hex("04 FF 09 17 06 06 1F 73 03 00 00 02"))

        let ecrterm = try TerminalAbort(
            apdu: APDU.decodeSingle(
                hex("06 1E 2E 6C 06 2B 1F 16 05 FF 00 00 14 41 1F 17 20") + Array("Abbruch durch externes Kommando!".utf8)))
        XCTAssertEqual(ecrterm.resultCode, .aborted)
        XCTAssertEqual(ecrterm.errorText(), "Abbruch durch externes Kommando!")
        let currency = try TerminalAbort(apdu: APDU.decodeSingle(hex("06 1E 03 6F 09 78")))
        XCTAssertEqual(currency.bareCurrency, hex("09 78"))
        XCTAssertEqual(currency.apdu.bytes, hex("06 1E 03 6F 09 78"))
        let withBMP = try TerminalAbort(apdu: APDU.decodeSingle(hex("06 1E 04 6F 49 09 78")))
        XCTAssertNil(withBMP.bareCurrency)
        XCTAssertEqual(withBMP.fields.currencyCode, 978)

        // D3: 84 xx refusals
        XCTAssertEqual(try Acknowledgement(apdu: APDU.decodeSingle(hex("84 1E 01 7D"))).refusal, .communicationError)
        XCTAssertEqual(try Acknowledgement(apdu: APDU.decodeSingle(hex("84 83 00"))).refusal, .functionNotPossible)
        XCTAssertNil(try Acknowledgement(apdu: APDU.decodeSingle(hex("84 00 00"))).refusal)
        XCTAssertTrue(try Acknowledgement(apdu: APDU.decodeSingle(hex("80 00 08 06 06 1F 73 03 00 00 01"))).isPositive)
        XCTAssertEqual(try Acknowledgement(apdu: APDU.decodeSingle(hex("84 1E 03 6F 09 78"))).refusal, .wrongCurrency)

        // ZVT 13.08 §3.5 line feeds and end-of-receipt attributes
        XCTAssertTrue(PrintedLine(attribute: 0x81, text: "").closesReceipt)
        XCTAssertFalse(PrintedLine(attribute: 0xFF, text: "").closesReceipt, "06 D1 FF: line feeds, anywhere in a receipt (Table 16)")
        XCTAssertFalse(PrintedLine(attribute: 0x80, text: "").closesReceipt)
        XCTAssertFalse(PrintedLine(attribute: 0x40, text: "").closesReceipt)

        // Completion guessing without a pending command: BMP-coded registration completion
        let registration = try Completion(apdu: APDU.decodeSingle(hex("06 0F 0A 19 10 29 52 52 35 35 49 09 78")))
        XCTAssertEqual(registration.fields.terminalId, "52523535")
        XCTAssertNil(registration.terminalStatus)
    }
}
