import Foundation
import SystemCalls
import TestSupport
import XCTest

final class FileLogTests: XCTestCase {
    func testTheLogRotatesAndScrubsDigitRuns() throws {
        let tmp = try TemporaryDirectory(prefix: "webkasse-log")
        defer { tmp.remove() }
        let log = FileLog(data: tmp.path, maximumBytes: 200, keptFiles: 2, now: { Date(timeIntervalSince1970: 1_800_000_000) })
        log.info("Karte 4111 1111 1111 1111 gelesen, Beleg 123")
        let first = try String(contentsOfFile: log.path, encoding: .utf8)
        XCTAssertEqual(first, "2027-01-15T08:00:00.000Z INFO Karte […] gelesen, Beleg 123\n")
        for index in 0..<20 { log.info("Zeile \(index) mit etwas Text, damit rotiert wird") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: log.path + ".1"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: log.path + ".2"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: log.path + ".3"), "only keptFiles old files")
        for file in [log.path, log.path + ".1", log.path + ".2"] {
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            XCTAssertLessThanOrEqual(size, 200, file)
        }
        XCTAssertEqual(FileLog.scrub("PAN 5413-3300-8900-0010, Trace 000123"), "PAN […], Trace 000123")
    }
}
