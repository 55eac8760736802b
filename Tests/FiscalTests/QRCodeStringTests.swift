import Foundation
import XCTest

@testable import Fiscal

/// The receipt's QR code string (DSFinV-K; FISCAL-DEVICES-CENTRAL-NOTES §1b, "Receipt QR code"):
/// twelve fields in order, Base64 and ISO 8601 where they belong, read back field by field.
final class QRCodeStringTests: XCTestCase {
    /// A signature of 64 bytes (ecdsa-plain-SHA256: r and s) and an uncompressed P-256 key of 65.
    static let signature = (0..<64).map { UInt8($0) }
    static let publicKey = [0x04] + (0..<64).map { UInt8(255 - $0) }
    /// 2019-07-10T18:41:04.000Z, the time of fiskaly's example.
    static let start = Date(timeIntervalSince1970: 1_562_784_064)

    static func sample(end: Date = start.addingTimeInterval(0.25)) throws -> QRCodeString {
        try QRCodeString(
            registerSerialNumber: "955002-00", processType: "Kassenbeleg-V1", processData: "Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar",
            transactionNumber: 18, signatureCounter: 112, startTime: start, endTime: end, signatureAlgorithm: "ecdsa-plain-SHA256",
            logTimeFormat: .unixTime, signature: signature, publicKey: publicKey)
    }

    /// The string is the twelve fields in the DSFinV-K's order, `;` between them: V0, the
    /// register's serial, type and data, the numbers, the times in ISO 8601 UTC with
    /// milliseconds, algorithm, log-time format, signature and key in Base64.
    func testBuildsTheTwelveFieldsInOrder() throws {
        let code = try Self.sample()
        let signature = Data(Self.signature).base64EncodedString()
        let key = Data(Self.publicKey).base64EncodedString()
        XCTAssertEqual(
            code.text,
            "V0;955002-00;Kassenbeleg-V1;Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar;18;112;2019-07-10T18:41:04.000Z;"
                + "2019-07-10T18:41:04.250Z;ecdsa-plain-SHA256;unixTime;\(signature);\(key)")
        XCTAssertEqual(code.fields.count, 12)
        XCTAssertEqual(signature.count, 88)
        XCTAssertTrue(signature.hasPrefix("AAECAwQFBgcICQoL"), signature)
    }

    /// Built, parsed and built again: the same value and the very same string.
    func testRoundTrip() throws {
        for end in [Self.start, Self.start.addingTimeInterval(0.999), Self.start.addingTimeInterval(86_400 * 365.25 * 10 + 0.001)] {
            let code = try Self.sample(end: end)
            let parsed = try QRCodeString(parsing: code.text)
            XCTAssertEqual(parsed, code)
            XCTAssertEqual(parsed.text, code.text)
            XCTAssertEqual(parsed.signature, Self.signature)
            XCTAssertEqual(parsed.publicKey, Self.publicKey)
            XCTAssertEqual(parsed.transactionNumber, 18)
            XCTAssertEqual(parsed.signatureCounter, 112)
            XCTAssertEqual(parsed.endTimeMs, Int64((end.timeIntervalSince1970 * 1000).rounded()))
            XCTAssertEqual(parsed.startTimeMs, 1_562_784_064_000)
        }
    }

    /// Eleven or thirteen fields are refused, saying how many there are and which twelve belong.
    func testWrongNumberOfFieldsIsRefused() throws {
        var fields = try Self.sample().fields
        fields.removeLast()
        XCTAssertThrowsError(try QRCodeString(parsing: fields.joined(separator: ";"))) { error in
            XCTAssertEqual(error as? QRCodeStringError, .fieldCount(11))
            XCTAssertTrue("\(error)".hasPrefix("QR-Code-String: 11 Felder statt 12 (V0;kassen-seriennummer;processType;"), "\(error)")
        }
        XCTAssertThrowsError(try QRCodeString(parsing: try Self.sample().text + ";extra")) { error in
            XCTAssertEqual(error as? QRCodeStringError, .fieldCount(13))
        }
        XCTAssertThrowsError(try QRCodeString(parsing: "")) { error in
            XCTAssertEqual(error as? QRCodeStringError, .fieldCount(1))
        }
    }

    /// A wrong value is refused naming its field: version, numbers, times, format, Base64.
    func testBadFieldIsNamed() throws {
        let good = try Self.sample().fields
        let cases: [(Int, String, String)] = [
            (0, "V1", "qr-code-version"), (4, "1a", "transaktions-nummer"), (5, "", "signatur-zaehler"),
            (5, "-3", "signatur-zaehler"), (6, "2019-07-10 18:41:04.000Z", "start-zeit"), (7, "2019-02-29T00:00:00.000Z", "log-time"),
            (7, "2019-07-10T24:00:00.000Z", "log-time"), (9, "unix", "log-time-format"), (10, "ab$c", "signatur"),
            (11, "", "public-key"), (1, "", "kassen-seriennummer"),
        ]
        for (index, value, name) in cases {
            var fields = good
            fields[index] = value
            XCTAssertThrowsError(try QRCodeString(parsing: fields.joined(separator: ";")), "\(name) = \(value)") { error in
                guard case .invalidField(let field, let got, _)? = error as? QRCodeStringError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(field, name)
                XCTAssertEqual(got, value)
                XCTAssertTrue("\(error)".hasPrefix("QR-Code-String, Feld \(name): »"), "\(error)")
            }
        }
    }

    /// A value with `;` cannot be built: it would split into a thirteenth field.
    func testSemicolonInAValueIsRefused() {
        XCTAssertThrowsError(
            try QRCodeString(
                registerSerialNumber: "K1", processType: "Kassenbeleg-V1", processData: "Beleg^1;2", transactionNumber: 1,
                signatureCounter: 1, startTime: Self.start, endTime: Self.start, signatureAlgorithm: "ecdsa-plain-SHA256",
                logTimeFormat: .utcTime, signature: [1], publicKey: [2])
        ) { error in
            XCTAssertEqual("\(error)", "QR-Code-String, Feld processData: »Beleg^1;2« enthält »;«, das die Felder trennt.")
        }
    }

    /// ISO 8601 in UTC with milliseconds, by hand: the epoch, a leap day, before 1970; without
    /// milliseconds it is read as .000. A `Date` is taken to the nearest millisecond.
    func testTimes() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (1_709_251_199_999, "2024-02-29T23:59:59.999Z"), (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"), (4_102_444_800_000, "2100-01-01T00:00:00.000Z"),
        ]
        for (ms, text) in cases {
            XCTAssertEqual(QRCodeString.format(ms), text)
            XCTAssertEqual(QRCodeString.parseTime(text), ms)
        }
        XCTAssertEqual(QRCodeString.parseTime("2019-07-10T18:41:04Z"), 1_562_784_064_000)
        XCTAssertNil(QRCodeString.parseTime("2100-02-29T00:00:00.000Z"))  // 2100 is no leap year
        XCTAssertNil(QRCodeString.parseTime("2019-07-10T18:41:04.000+01:00"))
        XCTAssertEqual(try Self.sample(end: Self.start.addingTimeInterval(0.0019)).endTimeMs, 1_562_784_064_002)
        XCTAssertEqual(try Self.sample(end: Self.start.addingTimeInterval(0.0014)).endTimeMs, 1_562_784_064_001)
    }
}
