import Foundation
import TestSupport
import XCTest

/// `webkasse fiscal report|export-tse` with the software TSE, through the built binary, after
/// `webkasse simulate` booked with it (docs/fiscal.md).
final class FiscalCommandTests: XCTestCase {
    func testReportAndExportAfterSimulatedSales() throws {
        let directory = try TemporaryDirectory(prefix: "fiscal-cli")
        defer { directory.remove() }
        let config = try directory.write(
            "[office]\ntax_number = 12/345/67890\n[register]\nid = K1\n[fiscal]\ntse = software\nacquisition_date = 2026-12-01\n", to: "webkasse.conf")
        let data = directory.path + "/data"
        let simulate = try Binaries.run("webkasse", ["simulate", "--sales", "12", "--register", "K1", "--data", data, "--config", config])
        XCTAssertEqual(simulate.status, 0, simulate.output)

        let report = try Binaries.run("webkasse", ["fiscal", "report", "--data", data, "--config", config])
        XCTAssertEqual(report.status, 3, "the software TSE is never notifiable: \(report.output)")
        for line in [
            "Steuernummer:                12/345/67890", "Seriennummer des Systems:    K1 (= Client-ID der TSE)",
            "Anschaffungsdatum:           2026-12-01", "Art der TSE:                 Software-TSE – nicht zertifiziert, nicht meldefähig",
            "Software:                    Web-Kasse", "Signaturzähler bisher:       24",
        ] {
            XCTAssertTrue(report.output.contains(line), "\(line)\n\(report.output)")
        }
        XCTAssertNotNil(report.output.firstMatch(of: /Seriennummer der TSE:        [0-9a-f]{64}\n/), report.output)

        let tar = directory.path + "/tse.tar"
        let export = try Binaries.run("webkasse", ["fiscal", "export-tse", "--out", tar, "--data", data, "--config", config])
        XCTAssertEqual(export.status, 0, export.output)
        let names = try runProcess("/usr/bin/tar", ["-tf", tar]).stdout.split(separator: "\n")
        XCTAssertEqual(names.count, 2 + 24, "info.csv, the certificate and 12 × start and finish")
        XCTAssertEqual(names.filter { $0.wholeMatch(of: /Unixt_\d+_Sig-\d+_Log-Tra_No-\d+_(Start|Finish)_Client-K1\.log/) != nil }.count, 24)

        let verify = try Binaries.run("webkasse", ["verify", "--data", data, "--register", "K1"])
        XCTAssertEqual(verify.status, 0, verify.output)
    }
}
