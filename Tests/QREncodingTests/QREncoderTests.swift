import Fiscal
import Foundation
import QREncoding
import TestSupport
import XCTest

/// QR codes from libqrencode (ISO/IEC 18004): the version and width for the data, the half-block
/// drawing, and — read back by ZBar's `zbarimg`, a decoder of its own — the exact text.
final class QREncoderTests: XCTestCase {
    /// A KassenSichV QR string as long as a real one (P-256 signature and key): 343 bytes.
    static func tseString() throws -> String {
        try QRCodeString(
            registerSerialNumber: "BA-MUSTERSTADT-K1", processType: "Kassenbeleg-V1", processData: "Beleg^2.38_3.50_0.00_0.00_13.00^18.88:Bar",
            transactionNumber: 4711, signatureCounter: 9_999, startTime: Date(timeIntervalSince1970: 1_798_797_600),
            endTime: Date(timeIntervalSince1970: 1_798_797_612.345), signatureAlgorithm: "ecdsa-plain-SHA256", logTimeFormat: .unixTime,
            signature: (0..<64).map { UInt8(($0 * 37 + 11) % 256) }, publicKey: [0x04] + (0..<64).map { UInt8(($0 * 91 + 5) % 256) }
        ).text
    }

    /// The width is 17 + 4 × version, and the version the smallest that holds the bytes at level
    /// M in byte mode (ISO/IEC 18004 Table 7: version 1 holds 14 bytes, 12 holds 287, 13 holds 331).
    func testVersionAndWidthForTheData() throws {
        let short = try QREncoder.encode("Web-Kasse")
        XCTAssertEqual(short.version, 1)
        XCTAssertEqual(short.width, 21)
        XCTAssertEqual(short.modules.count, 21 * 21)
        XCTAssertEqual(try QREncoder.encode(Array(repeating: 0x41, count: 14)).version, 1)
        XCTAssertEqual(try QREncoder.encode(Array(repeating: 0x41, count: 15)).version, 2)
        XCTAssertEqual(try QREncoder.encode(Array(repeating: 0x2E, count: 287)).version, 12)
        let tse = try QREncoder.encode(try Self.tseString())
        XCTAssertEqual(try Self.tseString().utf8.count, 343)
        XCTAssertEqual(tse.version, 14)
        XCTAssertEqual(tse.width, 73)
        XCTAssertEqual(try QREncoder.encode(try Self.tseString(), errorCorrection: .low).version, 12)
        // The three finder patterns: dark 7 × 7 corners with a light ring inside.
        for (row, column) in [(0, 0), (0, tse.width - 7), (tse.width - 7, 0)] {
            XCTAssertTrue((0..<7).allSatisfy { tse[row, column + $0] && tse[row + 6, column + $0] && tse[row + $0, column] })
            XCTAssertFalse(tse[row + 1, column + 1])
            XCTAssertTrue(tse[row + 3, column + 3])
        }
    }

    /// At most 2,331 bytes at level M (version 40); one more is refused with the limit named, and
    /// no data at all too.
    func testTooMuchOrNoDataIsRefused() throws {
        let largest = try QREncoder.encode(Array(repeating: 0x80, count: 2_331))
        XCTAssertEqual(largest.version, 40)
        XCTAssertEqual(largest.width, 177)
        XCTAssertThrowsError(try QREncoder.encode(Array(repeating: 0x80, count: 2_332))) { error in
            XCTAssertEqual("\(error)", "QR-Code: 2332 Bytes sind zu viel (mit Fehlerkorrektur M höchstens 2331 Bytes).")
        }
        XCTAssertThrowsError(try QREncoder.encode([UInt8]())) { error in
            XCTAssertEqual("\(error)", "QR-Code: keine Daten zum Kodieren.")
        }
    }

    /// Two module rows per line with ▀ ▄ █ and space, a quiet zone of four modules (two lines
    /// above, four spaces to the left); the drawing holds exactly the matrix.
    func testHalfBlockDrawing() throws {
        let matrix = try QREncoder.encode("Web-Kasse")
        let lines = matrix.halfBlockLines()
        XCTAssertEqual(lines.count, 15)  // (21 + 8) rows, two per line, the last one half
        XCTAssertTrue(lines.allSatisfy { $0.count == 29 })
        XCTAssertEqual(lines[0], String(repeating: " ", count: 29))
        XCTAssertEqual(lines[1], String(repeating: " ", count: 29))
        // Rows 0 and 1 of the top left finder pattern: all dark, then dark-light×5-dark.
        XCTAssertTrue(lines[2].hasPrefix("    █▀▀▀▀▀█ "), lines[2])
        XCTAssertTrue(lines.joined().allSatisfy { QRMatrix.halfBlockCharacters.contains($0) })
        let rows = QRCodeReader.rows(fromHalfBlocks: lines)
        for row in 0..<matrix.width {
            XCTAssertEqual(Array(rows[row + 4][4..<(4 + matrix.width)]), (0..<matrix.width).map { matrix[row, $0] }, "row \(row)")
        }
        XCTAssertEqual(matrix.halfBlockLines(quietZone: 0).count, 11)
    }

    /// zbarimg reads the matrix and its half-block drawing back as the exact string, for a short
    /// text and a KassenSichV string of real length, which then parses back into its 12 fields.
    func testReadsBackWithZBar() throws {
        guard QRCodeReader.zbarimg != nil else {
            if QRCodeReader.isRequired { return XCTFail("zbarimg is missing on CI: scripts/test installs zbar-tools") }
            throw XCTSkip("zbarimg is not installed (apt-get install zbar-tools; scripts/test installs it)")
        }
        for text in ["Web-Kasse Bürgeramt", try Self.tseString()] {
            let matrix = try QREncoder.encode(text)
            let quiet = QRMatrix.standardQuietZone
            let side = matrix.width + 2 * quiet
            let rows = (0..<side).map { row in (0..<side).map { matrix[row - quiet, $0 - quiet] } }
            XCTAssertEqual(try QRCodeReader.read(rows: rows), text)
            XCTAssertEqual(try QRCodeReader.read(rows: QRCodeReader.rows(fromHalfBlocks: matrix.halfBlockLines())), text)
            let quadrants = matrix.quadrantLines()
            XCTAssertEqual(quadrants.first?.count, (side + 1) / 2)
            XCTAssertEqual(try QRCodeReader.read(rows: QRCodeReader.rows(fromQuadrants: quadrants)), text)
        }
        let read = try XCTUnwrap(try QRCodeReader.read(rows: QRCodeReader.rows(fromHalfBlocks: try QREncoder.encode(try Self.tseString()).halfBlockLines())))
        let fields = try QRCodeString(parsing: read)
        XCTAssertEqual(fields.text, try Self.tseString())
        XCTAssertEqual(fields.signatureCounter, 9_999)
        XCTAssertEqual(fields.processData, "Beleg^2.38_3.50_0.00_0.00_13.00^18.88:Bar")
    }

    /// A drawing that is not a QR code is not read as one: the reader can fail.
    func testZBarFindsNothingInNoise() throws {
        guard QRCodeReader.zbarimg != nil else {
            if QRCodeReader.isRequired { return XCTFail("zbarimg is missing on CI: scripts/test installs zbar-tools") }
            throw XCTSkip("zbarimg is not installed (apt-get install zbar-tools; scripts/test installs it)")
        }
        var matrix = try QREncoder.encode("Web-Kasse")
        // The three finder patterns blanked out.
        var modules = matrix.modules
        for (row, column) in [(0, 0), (0, matrix.width - 7), (matrix.width - 7, 0)] {
            for r in row..<(row + 7) { for c in column..<(column + 7) { modules[r * matrix.width + c] = false } }
        }
        matrix = QRMatrix(version: matrix.version, width: matrix.width, modules: modules)
        XCTAssertNil(try QRCodeReader.read(rows: QRCodeReader.rows(fromHalfBlocks: matrix.halfBlockLines())))
    }
}
