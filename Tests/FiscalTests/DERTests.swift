import Fiscal
import XCTest

final class DERTests: XCTestCase {
    func testIntegersAreMinimalAndPositive() throws {
        XCTAssertEqual(DER.integerValue(0), [0x00])
        XCTAssertEqual(DER.integerValue(127), [0x7F])
        XCTAssertEqual(DER.integerValue(128), [0x00, 0x80])
        XCTAssertEqual(DER.integerValue(256), [0x01, 0x00])
        XCTAssertEqual(DER.integerValue(UInt64.max), [0x00] + [UInt8](repeating: 0xFF, count: 8))
        for number: UInt64 in [0, 1, 127, 128, 255, 256, 65_535, 1 << 40, UInt64.max] {
            XCTAssertEqual(DER.unsignedInteger(fromValue: DER.integerValue(number)), number)
        }
        XCTAssertNil(DER.unsignedInteger(fromValue: [0x00, 0x01]), "not minimal")
        XCTAssertNil(DER.unsignedInteger(fromValue: [0x80]), "negative")
    }

    func testObjectIdentifiersOfTheLogMessage() {
        // 0.4.0.127.0.7.3.7.1.1: first octet 0*40+4, then 0, 127, 0, 7, 3, 7, 1, 1.
        XCTAssertEqual(DER.objectIdentifierValue("0.4.0.127.0.7.3.7.1.1"), [0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x07, 0x01, 0x01])
        XCTAssertEqual(DER.objectIdentifierValue("1.2.840.10045.3.1.7"), [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])
        for oid in ["0.4.0.127.0.7.1.1.4.1.3", "1.2.840.10045.3.1.7", "2.999.1"] {
            XCTAssertEqual(DER.objectIdentifier(fromValue: DER.objectIdentifierValue(oid)), oid)
        }
    }

    func testLongLengthsAndWhatDERRefuses() throws {
        let long = [UInt8](repeating: 0x41, count: 300)
        let encoded = DER.encode(tag: DER.octetStringTag, long)
        XCTAssertEqual(Array(encoded.prefix(4)), [0x04, 0x82, 0x01, 0x2C])
        var offset = 0
        XCTAssertEqual(try DER.decode(encoded, at: &offset), DERElement(tag: DER.octetStringTag, value: long))
        XCTAssertEqual(offset, encoded.count)

        var at = 0
        XCTAssertThrowsError(try DER.decode([0x04, 0x80, 0x00, 0x00], at: &at)) { XCTAssertEqual($0 as? DERError, .indefiniteLength(at: 0)) }
        at = 0
        XCTAssertThrowsError(try DER.decode([0x04, 0x81, 0x05, 1, 2, 3, 4, 5], at: &at)) {
            XCTAssertEqual($0 as? DERError, .nonMinimalLength(at: 0))
        }
        at = 0
        XCTAssertThrowsError(try DER.decode([0x04, 0x05, 1, 2], at: &at)) { XCTAssertEqual($0 as? DERError, .truncated(at: 0)) }
    }

    func testTheTransactionLogMessageRoundTrips() throws {
        let message = TransactionLogMessage(
            operation: .finish, clientId: "KASSE-01", processData: Array("Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar".utf8),
            processType: "Kassenbeleg-V1", transactionNumber: 18, serialNumber: [UInt8](repeating: 0xAB, count: 32), signatureCounter: 112,
            logTime: 1_562_784_064, signatureValue: [UInt8](repeating: 0x11, count: 64))
        let encoded = message.encoded
        XCTAssertEqual(encoded.first, 0x30)
        XCTAssertEqual(try TransactionLogMessage(der: encoded), message)

        // The fields in TR-03151's order with their tags.
        var offset = 0
        let fields = try DER.decode(encoded, at: &offset).children()
        XCTAssertEqual(fields.map(\.tag), [0x02, 0x06, 0x80, 0x81, 0x82, 0x83, 0x85, 0x04, 0x30, 0x02, 0x02, 0x04])
        XCTAssertEqual(fields[2].value, Array("FinishTransaction".utf8))
        XCTAssertEqual(try fields[8].children(), [DERElement(tag: 0x06, value: DER.objectIdentifierValue("0.4.0.127.0.7.1.1.4.1.3"))])

        // The data to be signed is the values of the fields before the signature, concatenated.
        let expected = fields.dropLast().flatMap { $0.tag == 0x30 ? (try! $0.children()).flatMap(\.value) : $0.value }
        XCTAssertEqual(message.dataToBeSigned, expected)

        var truncated = encoded
        truncated.removeLast()
        XCTAssertThrowsError(try TransactionLogMessage(der: truncated))
    }
}
