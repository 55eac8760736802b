import Foundation
import XCTest

/// The day close in the real `webkasse` under tmux: a sale, the supervisor logs in, counts the
/// drawer blind by denomination, closes; the Z report is on screen and in its file; `verify` passes.
final class DayCloseEndToEndTests: XCTestCase {
    var data: URL!

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-z-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: data) }

    func testBlindCountByDenominationAndZReport() throws {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"],
            environment: ["NO_COLOR": "1"])
        try session.waitFor("Anmeldung")
        try session.type("demo")
        try session.press("Enter")
        try session.type("1234")
        try session.press("Enter")
        try session.waitFor("Schicht öffnen")
        try session.type("100")
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)")
        try session.type("fz")
        try session.press("Enter", "F5", "F2")  // Führungszeugnis 13,00 €, exact cash
        try session.waitFor("RÜCKGELD")
        try session.press("Enter")
        // The supervisor closes the day (a clerk may not).
        try session.press("F9", "8")
        try session.waitFor("Anmeldung")
        try session.type("chef")
        try session.press("Enter")
        try session.type("9999")
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)")
        try session.press("F9", "6")
        // Poll for the finished screen (a capture can catch it half drawn over the menu).
        let counting = try session.waitFor("erst nach der Zählung")
        XCTAssertTrue(counting.contains("Tagesabschluss Z 1"), counting)
        XCTAssertFalse(counting.contains("113,00"), counting)
        // 100 € × 1, 10 € × 1, 2 € × 1, 1 € × 1 = 113,00 €.
        try session.press("Down", "Down")
        try session.type("1")
        try session.press("Down", "Down", "Down")
        try session.type("1")
        try session.press("Down", "Down")
        try session.type("1")
        try session.press("Down")
        try session.type("1")
        try session.waitFor("113,00 €")
        try session.press("F10")
        let report = try session.waitFor("Z-BERICHT Nr. 1", timeout: 15)
        XCTAssertTrue(report.contains("Z-Bericht 1 gespeichert"), report)
        try session.press("NPage", "NPage", "NPage", "NPage")  // to the bar chart at the end
        try session.waitFor("Umsatz je Stunde")
        try session.press("Escape")
        try session.waitFor("Anmeldung")
        try session.press("C-c")
        try session.waitFor("beenden?")
        try session.press("j")
        try session.waitFor("[Ende: 0]")

        let verify = try Binaries.run("webkasse", ["verify", "--data", data.path])
        XCTAssertEqual(verify.status, 0, verify.output)
        let file = data.appendingPathComponent("K1/receipts/Z-000001.txt")
        let text = try String(contentsOf: file, encoding: .utf8)
        for expected in [
            "Z-BERICHT Nr. 1", "Kassenbestand nach Zählung (blind)", "100 €  × 1", "Chefin Aufsicht", "Differenz (keine Differenz)", "Umsatz je Stunde",
        ] {
            XCTAssertTrue(text.contains(expected), "missing »\(expected)« in\n\(text)")
        }
        // The simulated terminal's End-of-Day receipt beside the Z report.
        let terminalFile = data.appendingPathComponent("K1/receipts/Z-000001-Terminal.txt")
        let terminalText = try String(contentsOf: terminalFile, encoding: .utf8)
        XCTAssertTrue(terminalText.contains("Kassenschnittbeleg des Kartenterminals"), terminalText)
        // `webkasse report z 1 --write` makes the same texts again from the ledger (and the files, if lost).
        try FileManager.default.removeItem(at: file)
        try FileManager.default.removeItem(at: terminalFile)
        let again = try Binaries.run("webkasse", ["report", "z", "1", "--write", "--data", data.path])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(again.output, text + "\n" + terminalText)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), text)
        XCTAssertEqual(try String(contentsOf: terminalFile, encoding: .utf8), terminalText)
        let unknown = try Binaries.run("webkasse", ["report", "z", "2", "--data", data.path])
        XCTAssertEqual(unknown.status, 3, unknown.output)
        XCTAssertTrue(unknown.output.contains("Einen Tagesabschluss mit der Z-Nummer 2 gibt es nicht"), unknown.output)
        let x = try Binaries.run("webkasse", ["report", "x", "--data", data.path])
        XCTAssertEqual(x.status, 0, x.output)
        XCTAssertTrue(x.output.hasPrefix("ZWISCHENBERICHT (X)"), x.output)
    }
}
