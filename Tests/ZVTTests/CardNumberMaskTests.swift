import TestSupport
import XCTest

@testable import ZVT

/// Full card numbers are masked on the way in (docs/zvt.md, "Card numbers").
final class CardNumberMaskTests: XCTestCase {
    /// The Feig trace's BMP 22: 19 digits and an `F` pad.
    let feigPAN: [UInt8] = [0x47, 0x11, 0x00, 0x80, 0x05, 0x75, 0x70, 0x38, 0x00, 0x4F]

    func testAFullNumberKeepsTheFirstSixAndTheLastFourDigits() {
        let masked = CardNumberMask.maskedBCD(feigPAN)
        XCTAssertEqual(masked.count, feigPAN.count)
        XCTAssertEqual(BCD.cardDigits(masked), "471100*********8004")
        XCTAssertEqual(BCD.cardDigits(CardNumberMask.maskedBCD(masked)), "471100*********8004", "masking twice changes nothing")
    }

    func testMaskedAndShortNumbersStayAsTheTerminalSentThem() {
        let terminalMasked: [UInt8] = [0x55, 0x98, 0x83, 0xEE, 0xEE, 0xEE, 0x80, 0x74]  // 559883******8074
        XCTAssertEqual(CardNumberMask.maskedBCD(terminalMasked), terminalMasked)
        let allMasked: [UInt8] = [0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0x57, 0x26]
        XCTAssertEqual(CardNumberMask.maskedBCD(allMasked), allMasked)
        let tenDigits: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x90]
        XCTAssertEqual(CardNumberMask.maskedBCD(tenDigits), tenDigits)
        XCTAssertEqual(BCD.cardDigits(CardNumberMask.maskedBCD([0x12, 0x34, 0x56, 0x78, 0x90, 0x1F])), "123456*8901")
    }

    func testTheDecodedStatusInformationHoldsOnlyTheMaskedNumber() throws {
        let frame = try Traces.bytes("feig-cvend/1682066249.409078000_pt_ecr.blob")
        XCTAssertTrue(Hex.string(frame).replacingOccurrences(of: " ", with: "").uppercased().contains("4711008005757038004F"), "the trace sends it in full")
        var buffer = frame
        let apdu = try XCTUnwrap(try APDUDecoder.decode(&buffer))
        XCTAssertEqual(apdu.data.count, frame.count - 3, "same length")
        XCTAssertFalse(Hex.string(apdu.bytes).replacingOccurrences(of: " ", with: "").contains("8005757038"))
        XCTAssertEqual(BMPList(decoding: apdu.data).maskedPAN, "471100*********8004")
        XCTAssertEqual(try APDU.decodeSingle(frame), apdu)
        // Everything else is as it was sent.
        var expected = frame
        expected.replaceSubrange(0x19..<0x19 + 10, with: CardNumberMask.maskedBCD(feigPAN))
        XCTAssertEqual(apdu.bytes, expected)
    }

    func testTracesAreMaskedInPlace() throws {
        let frame = try Traces.bytes("feig-cvend/1682066249.409078000_pt_ecr.blob")
        let traced = CardNumberMask.maskedTrace(frame + [0x80, 0x00, 0x00])
        XCTAssertEqual(traced.count, frame.count + 3)
        XCTAssertEqual(Array(traced[0x19..<0x19 + 10]), CardNumberMask.maskedBCD(feigPAN))
        XCTAssertEqual(Array(traced[..<0x19]), Array(frame[..<0x19]))
        XCTAssertEqual(Array(traced[(0x19 + 10)...]), Array(frame[(0x19 + 10)...]) + [0x80, 0x00, 0x00])
    }
}
