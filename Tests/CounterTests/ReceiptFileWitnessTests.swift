import CSQLite
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// The receipt and Z-report files as witnesses of the ledger's tail (docs/ledger.md, "Belegdateien
/// als Zeugen"): a ledger replaced by an older copy is still a valid hash chain, but the files
/// written after the later commits name what is missing.
final class ReceiptFileWitnessTests: XCTestCase {
    private func receipts(_ f: CounterFixture) -> String {
        DataDirectory.registerDirectory(data: f.directory.path, register: "K1") + "/receipts"
    }

    private func ledgerFiles(_ f: CounterFixture) -> [String] {
        let path = DataDirectory.ledgerPath(data: f.directory.path, register: "K1")
        return [path, path + "-wal", path + "-shm"]
    }

    func testAnIntactDirectoryHasNoFindings() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))
        try f.sell(.card)
        XCTAssertEqual(try ReceiptFileWitness.check(ledger: f.service.ledger, receiptDirectory: receipts(f)), [])
    }

    func testALedgerReplacedByAnOlderCopyIsNamedByTheReceiptFilesBeyondItsEnd() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))
        // A copy of the ledger after the first sale, as a backup would be (SQLite's VACUUM INTO).
        let backup = try TemporaryDirectory(prefix: "ledger-backup")
        defer { backup.remove() }
        let saved = backup.path + "/kasse.sqlite"
        try Self.copyDatabase(ledgerFiles(f)[0], to: saved)
        let last = try f.sell(.card).sale.receiptNumber
        try f.sell(.cash(tendered: Money(euros: 37)))
        // The tail is cut: the old copy replaces the ledger.
        for file in ledgerFiles(f) { try? FileManager.default.removeItem(atPath: file) }
        try FileManager.default.copyItem(atPath: saved, toPath: ledgerFiles(f)[0])
        let ledger = try Ledger(path: ledgerFiles(f)[0])
        XCTAssertTrue(try ledger.verify().isClean, "the shortened chain is a valid chain; only the files show the cut")

        let findings = try ReceiptFileWitness.check(ledger: ledger, receiptDirectory: receipts(f))
        XCTAssertEqual(findings.map(\.file), [ReceiptStore(directory: receipts(f)).path(of: last), ReceiptStore(directory: receipts(f)).path(of: last + 1)])
        XCTAssertTrue(
            findings[0].message.contains("Beleg \(last) liegt als Datei vor, fehlt aber im Kassenbuch (letzter gebuchter Beleg: \(last - 1))"),
            findings[0].message)
    }

    private static func copyDatabase(_ path: String, to copy: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw POSIXError(.EIO) }
        defer { sqlite3_close(db) }
        guard sqlite3_exec(db, "VACUUM INTO '\(copy)'", nil, nil, nil) == SQLITE_OK else {
            XCTFail(String(cString: sqlite3_errmsg(db)))
            throw POSIXError(.EIO)
        }
    }

    func testAZReportFileBeyondTheLastDayCloseIsNamed() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))
        let directory = receipts(f)
        try ReceiptStore(directory: directory).writeReport("Z-Bericht 4\n", name: DayCloseService.zReportFileName(4))
        try ReceiptStore(directory: directory).writeReport("Kassenschnitt\n", name: DayCloseService.terminalReceiptFileName(4))
        let findings = try ReceiptFileWitness.check(ledger: f.service.ledger, receiptDirectory: directory)
        XCTAssertEqual(findings.map(\.file), [directory + "/Z-000004.txt"])
        XCTAssertTrue(findings[0].message.contains("letzter Tagesabschluss: Z 0"), findings[0].message)
    }
}
