import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

final class FileSecurityTests: XCTestCase {
    func testANewLedgerIsOwnerOnly() throws {
        let tmp = try TemporaryDirectory(prefix: "webkasse-perm")
        defer { tmp.remove() }
        let path = tmp.path + "/data/K1/ledger.sqlite"
        let ledger = try Ledger(path: path)
        try ledger.transaction { try ledger.append(.register(RegisterRecord(id: "K1", name: "Kasse K1", createdAt: .now)), at: .now) }
        XCTAssertEqual(FileSecurity.permissions(tmp.path + "/data/K1"), 0o700)
        XCTAssertEqual(FileSecurity.permissions(path), 0o600)
        for companion in [path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: companion) {
            XCTAssertEqual(FileSecurity.permissions(companion), 0o600, companion)
        }
        // Files the process creates afterwards (receipts, exports, logs) are owner-only too.
        FileManager.default.createFile(atPath: tmp.path + "/data/K1/receipt.txt", contents: Data("x".utf8))
        XCTAssertEqual(FileSecurity.permissions(tmp.path + "/data/K1/receipt.txt"), 0o600)
        let log = FileLog(data: tmp.path + "/data")
        log.info("Test")
        XCTAssertEqual(FileSecurity.permissions(log.path), 0o600)
    }

    func testAWorldWritableLedgerIsRefusedWithTheReason() throws {
        let tmp = try TemporaryDirectory(prefix: "webkasse-perm")
        defer { tmp.remove() }
        let path = tmp.path + "/K1/ledger.sqlite"
        _ = try Ledger(path: path)
        chmod(path, 0o666)
        XCTAssertThrowsError(try Ledger(path: path)) { error in
            XCTAssertEqual(error as? FileSecurityError, .worldWritable(path: path, mode: 0o666, directory: false))
            XCTAssertEqual("\(error)", "Das Kassenbuch \(path) ist für alle beschreibbar (Rechte 666) und wird deshalb nicht benutzt; jemand könnte es verändert haben. Bitte prüfen und mit »chmod 600 \(path)« einschränken.")
        }
        chmod(path, 0o600)
        chmod(tmp.path + "/K1", 0o777)
        XCTAssertThrowsError(try Ledger(path: path)) { error in
            XCTAssertTrue("\(error)".contains("chmod 700 \(tmp.path)/K1"), "\(error)")
        }
        chmod(tmp.path + "/K1", 0o700)
        XCTAssertNoThrow(try Ledger(path: path))
    }

    func testAnUnknownGroupIsNamed() {
        XCTAssertThrowsError(try FileSecurity.configure(group: "keine-solche-gruppe")) {
            XCTAssertEqual("\($0)", "register.file_group: Die Gruppe »keine-solche-gruppe« gibt es auf diesem System nicht.")
        }
        XCTAssertNoThrow(try FileSecurity.configure(group: ""))
        XCTAssertEqual(FileSecurity.mode(directory: false), 0o600)
    }

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

    func testAConfiguredGroupSharesTheFiles() throws {
        var configuration = Configuration()
        XCTAssertThrowsError(try configuration.set("register.file_group", "Kasse Team", file: "webkasse.conf", line: 7)) {
            XCTAssertEqual("\($0)", "webkasse.conf:7: register.file_group: »Kasse Team« ist kein Gruppenname (a–z, 0–9, _ und -).")
        }
        try configuration.apply(text: "[register]\nfile_group = root\n", file: "webkasse.conf")
        XCTAssertEqual(configuration.fileGroup, "root")
        let tmp = try TemporaryDirectory(prefix: "webkasse-group")
        defer {
            try? FileSecurity.configure(group: "")
            tmp.remove()
        }
        try FileSecurity.configure(group: configuration.fileGroup)
        let path = tmp.path + "/K1/ledger.sqlite"
        _ = try Ledger(path: path)
        XCTAssertEqual(FileSecurity.permissions(path), 0o660)
        XCTAssertEqual(FileSecurity.permissions(tmp.path + "/K1"), 0o770)
        FileManager.default.createFile(atPath: tmp.path + "/K1/beleg.txt", contents: Data("x".utf8))
        XCTAssertEqual(FileSecurity.permissions(tmp.path + "/K1/beleg.txt"), 0o660)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_gid, 0)
    }
}
