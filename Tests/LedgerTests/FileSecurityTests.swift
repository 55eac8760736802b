import Foundation
import KasseCore
import Ledger
import SystemCalls
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
            XCTAssertEqual(
                "\(error)",
                "Das Kassenbuch \(path) ist für alle beschreibbar (Rechte 666) und wird deshalb nicht benutzt; jemand könnte es verändert haben. Bitte prüfen und mit »chmod 600 \(path)« einschränken."
            )
        }
        chmod(path, 0o600)
        chmod(tmp.path + "/K1", 0o777)
        XCTAssertThrowsError(try Ledger(path: path)) { error in
            XCTAssertTrue("\(error)".contains("chmod 700 \(tmp.path)/K1"), "\(error)")
        }
        chmod(tmp.path + "/K1", 0o700)
        XCTAssertNoThrow(try Ledger(path: path))
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
