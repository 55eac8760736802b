import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// `WEBKASSE_PERF_ENTRIES=100000 swift test -c release --filter LedgerTests.PerformanceTests`
/// books that many sales (one transaction) and times `verify`. Skipped without the variable.
final class PerformanceTests: XCTestCase {
    func testVerifyTimeForManyEntries() throws {
        guard let text = ProcessInfo.processInfo.environment["WEBKASSE_PERF_ENTRIES"], let count = Int(text) else {
            throw XCTSkip("WEBKASSE_PERF_ENTRIES nicht gesetzt")
        }
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let booking = Date()
        try fixture.ledger.transaction {
            for i in 0..<count {
                let lines = i % 3 == 0 ? [LedgerFixture.line(), LedgerFixture.line("FZ", cents: 1300, bundShare: 780)] : [LedgerFixture.line()]
                try fixture.sale(shift: shift, lines: lines)
            }
        }
        let booked = Date().timeIntervalSince(booking)
        try fixture.ledger.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let report = try fixture.ledger.verify()
        XCTAssertTrue(report.isClean)
        let size = (try FileManager.default.attributesOfItem(atPath: fixture.path)[.size] as? Int) ?? 0
        if let keep = ProcessInfo.processInfo.environment["WEBKASSE_PERF_KEEP"] {
            try DataDirectory.createDirectory(keep + "/K1")
            try? FileManager.default.removeItem(atPath: keep + "/K1/ledger.sqlite")
            try FileManager.default.copyItem(atPath: fixture.path, toPath: keep + "/K1/ledger.sqlite")
        }
        print(
            String(
                format: "Ledger-Leistung: %d Einträge gebucht in %.1f s, verify in %.3f s (%.3f s je 100.000), Datei %.1f MB",
                report.entryCount, booked, report.duration, report.duration * 100_000 / Double(report.entryCount), Double(size) / 1e6))
    }
}
