import ESCPOS
import Foundation
import TestSupport
import XCTest

/// `webkasse printer test|status` and `webkasse config check` with `[printer]`, through the built binary.
final class PrinterCommandTests: XCTestCase {
    private func config(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-printer-\(UUID().uuidString.prefix(8)).conf")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The test receipt reaches the stand-in with umlauts, €, double size, a QR code and the cut; the state is reported.
    func testPrinterTestPrintsEverythingAndReportsTheState() throws {
        let standIn = try PrinterStandIn()
        defer { standIn.stop() }
        let file = try config("[office]\nname = Bürgeramt Musterstadt\n[printer]\ndevice = \(standIn.device)\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Binaries.run("webkasse", ["printer", "test", "--config", file.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("Drucker bereit"), result.output)
        XCTAssertTrue(standIn.waitForPrintouts(1))
        let printout = standIn.printouts[0]
        XCTAssertTrue(printout.lines.contains("Umlaute: Ä Ö Ü ä ö ü ß"), printout.text)
        XCTAssertTrue(printout.lines.contains("Euro: 1.234,56 €"), printout.text)
        XCTAssertTrue(printout.styledLines.contains { $0.0 == "TESTDRUCK" && $0.1.doubleHeight && $0.1.doubleWidth })
        XCTAssertEqual(standIn.qrCodes.count, 1)
        XCTAssertTrue(standIn.drawerKicks.isEmpty, "the test opens no drawer")
        // Paper out: status says so, exit 7, nothing printed.
        standIn.status = PrinterStatus(paperOut: true)
        let out = try Binaries.run("webkasse", ["printer", "status", "--config", file.path])
        XCTAssertEqual(out.status, 7, out.output)
        XCTAssertTrue(out.output.contains("Drucker: Papier leer"), out.output)
        // Gone: a clear message, exit 7.
        standIn.goOffline()
        let gone = try Binaries.run("webkasse", ["printer", "test", "--config", file.path])
        XCTAssertEqual(gone.status, 7, gone.output)
        XCTAssertTrue(gone.output.contains("nicht erreichbar"), gone.output)
    }

    /// `config check` shows the printer's settings and names file, line and key of a bad one.
    func testConfigCheckShowsAndChecksThePrinter() throws {
        let good = try config("[printer]\ndevice = /dev/usb/lp0\ndrawer_pulse_ms = 60,240\n")
        let bad = try config("[printer]\n\ncut = halb\n")
        defer {
            try? FileManager.default.removeItem(at: good)
            try? FileManager.default.removeItem(at: bad)
        }
        let shown = try Binaries.run("webkasse", ["config", "check", good.path])
        XCTAssertEqual(shown.status, 0, shown.output)
        XCTAssertTrue(shown.output.contains("printer.device") && shown.output.contains("/dev/usb/lp0"), shown.output)
        XCTAssertTrue(shown.output.contains("60,240"), shown.output)
        let refused = try Binaries.run("webkasse", ["config", "check", bad.path])
        XCTAssertEqual(refused.status, 3, refused.output)
        XCTAssertTrue(refused.output.contains("\(bad.path):3: printer.cut: »halb« ist keine Schnittart (erlaubt: partial, full, none)."), refused.output)
    }
}
