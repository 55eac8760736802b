import XCTest

@testable import ZVT

/// BMP 92, which ZVT 13.08 names without a format, and BMP A0, the authorisation system's own
/// result code (docs/zvt-field-notes.md, "Inconsistencies in the specification", 17 and 18).
final class UnspecifiedBMPTests: XCTestCase {
    /// Status-Information after an approval: 27 00, 04 37,50 €, 92 (5 bytes), 87 0012, 0B 000042.
    let approvalWithBMP92 = hex("04 0F 16 27 00 04 00 00 00 00 37 50 92 01 02 03 04 05 87 00 12 0B 00 00 42")

    func testBMP92OfFiveBytesIsSkippedAndTheFieldsAfterItAreRead() throws {
        let apdu = try APDU.decodeSingle(approvalWithBMP92)
        let list = BMPList(decoding: apdu.data)
        XCTAssertNil(list.problem)
        XCTAssertEqual(list.unparsed, [])
        XCTAssertEqual(list.fields.map(\.number), [0x27, 0x04, 0x92, 0x87, 0x0B])
        XCTAssertEqual(list[0x92]?.value, hex("01 02 03 04 05"))
        XCTAssertEqual(list[0x92]?.definition?.label, "AID-Parameter (Offline)")
        XCTAssertEqual(list.amountCents, 3750)
        XCTAssertEqual(list.receiptNumber, 12)
        XCTAssertEqual(list.trace, 42)
        XCTAssertEqual(list.bytes, apdu.data, "re-encoded byte for byte")
    }

    func testBMP92OfAnotherLengthTakesTheFewestBytesAfterWhichTheRestReads() {
        // Three bytes: as five, the rest (`00 12`) would not read; after AA BB CC it does.
        let list = BMPList(decoding: hex("27 00 92 AA BB CC 87 00 12"))
        XCTAssertNil(list.problem)
        XCTAssertEqual(list.fields.map(\.number), [0x27, 0x92, 0x87])
        XCTAssertEqual(list[0x92]?.value, hex("AA BB CC"))
        XCTAssertEqual(list.receiptNumber, 12)
    }

    func testBMP92WhoseRestReadsAtNoShorterLengthTakesTheWholeRest() {
        // `04 00` is a truncated amount and `00` no BMP: only the empty rest reads.
        let list = BMPList(decoding: hex("27 00 92 04 00"))
        XCTAssertNil(list.problem)
        XCTAssertEqual(list.fields.map(\.number), [0x27, 0x92])
        XCTAssertEqual(list[0x92]?.value, hex("04 00"))
        XCTAssertEqual(list.bytes, hex("27 00 92 04 00"))
    }

    func testBMPA0IsShownAsTheAuthorisationSystemsCodeNotAsADecline() throws {
        // An approval (27 00) whose host sent a code it could not give as BCD (A0 05).
        let apdu = try APDU.decodeSingle(hex("04 0F 0E 27 00 04 00 00 00 00 12 34 A0 05 87 00 07"))
        let description = MessageDescription.describe(apdu)
        XCTAssertFalse(description.json.contains("Abgelehnt"), description.json)
        let fields = BMPList(decoding: apdu.data).fields
        XCTAssertEqual(
            MessageDescription.describe(fields[2], charset: .cp437),
            .object([
                .init("bmp", .string("A0")), .init("key", .string("hostResultCode")), .init("label", .string("Host-Ergebniscode")),
                .init(
                    "value",
                    .object([
                        .init("code", .string("05")),
                        .init("text", .string("Ergebniscode des Autorisierungssystems (nicht BCD-darstellbar); das Ergebnis steht in BMP 27")),
                    ])),
            ]))
        XCTAssertEqual(MessageDescription.describe(fields[0], charset: .cp437)["value"]?["text"], .string("Kein Fehler"))
        XCTAssertEqual(try StatusInformation(apdu: apdu).resultCode?.isSuccess, true)
    }
}
