import Exports
import Foundation
import KasseCrypto
import TestSupport
import XCTest

final class ExportFileTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "webkasse-exports") }
    override func tearDown() { directory.remove() }

    func testExportIsRenamedWhenCompleteWithItsSHA256() throws {
        let path = directory.path + "/tag.csv"
        let result = try Exporter.export(FixtureDay.lines, format: .csv, context: FixtureDay.context, path: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(bytes, try render(.csv))
        XCTAssertEqual(result.sha256, LibCrypto.sha256(bytes).hexString)
        XCTAssertEqual(result.byteCount, Int64(bytes.count))
        XCTAssertEqual(result.totals.recordCount, 9)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["tag.csv"], "no temporary file left")
    }

    func testFailureLeavesNoFileAtAll() throws {
        let path = directory.path + "/kaputt.datev.csv"
        var bad = FixtureDay.lines
        bad.append(FixtureDay.line(99, .sale, receipt: "K1-000099", sale: "S-99", text: "x", account: "ABC", cents: 100, method: .cash))
        XCTAssertThrowsError(try Exporter.export(bad, format: .datev, context: FixtureDay.context, path: path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [], "neither the file nor a temporary one")
    }

    func testAnExistingFileIsNeverOverwritten() throws {
        let path = try directory.write("alt", to: "export.jsonl")
        XCTAssertThrowsError(try Exporter.export(FixtureDay.lines, format: .jsonl, context: FixtureDay.context, path: path)) { error in
            XCTAssertEqual(error as? ExportError, .outputExists(path: path))
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "alt")
    }

    func testMissingDirectoryIsAClearError() {
        let path = directory.path + "/fehlt/x.csv"
        XCTAssertThrowsError(try Exporter.export(FixtureDay.lines, format: .csv, context: FixtureDay.context, path: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("Die Exportdatei \(path) kann nicht angelegt werden"), "\(error)")
        }
    }

    func testLargeExportStreamsInChunks() throws {
        // 20 000 bookings through a counting output: several flushes, none larger than the threshold plus one line.
        final class CountingOutput: ExportOutput {
            var writes = 0, largest = 0, total = 0
            func write(_ bytes: [UInt8]) throws {
                writes += 1
                largest = max(largest, bytes.count)
                total += bytes.count
            }
        }
        struct Generated: BookingSource {
            var expectedCount: Int? { 20_000 }
            func forEachBooking(_ body: (BookingLine) throws -> Void) throws {
                for i in 0..<20_000 {
                    try body(
                        FixtureDay.line(
                            Int64(i), .sale, receipt: "K1-\(i)", sale: "S-\(i)", line: 1, share: 1, item: "MB",
                            text: "Meldebescheinigung", account: "431100", cents: 900, method: .card))
                }
            }
        }
        let output = CountingOutput()
        let totals = try Exporter.write(Generated(), format: .jsonl, context: FixtureDay.context, to: output)
        XCTAssertEqual(totals.recordCount, 20_000)
        XCTAssertEqual(totals.netByAccount["182100"], 18_000_000)
        XCTAssertGreaterThan(output.writes, 10)
        XCTAssertLessThan(output.largest, 70_000)
    }

    func testProgressLine() {
        XCTAssertEqual(
            ExportProgress.line(done: 500_000, total: 1_000_000),
            "Export  [##########----------]  50 %  500.000 / 1.000.000 Buchungen")
        XCTAssertEqual(ExportProgress.line(done: 12, total: nil), "Export  12 Buchungen")
    }
}
