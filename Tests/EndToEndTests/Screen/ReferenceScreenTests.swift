import Foundation
import XCTest

/// The Kassenzeichen on the real binary under tmux: scanned into the search field (the office's
/// pattern in the config file), printed, exported and found again in the reprint list.
final class ReferenceScreenTests: XCTestCase {
    var data: URL!
    var session: TmuxSession?

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let config = "[register]\nreference_pattern = KZ-[0-9]{4}-[0-9]{6}\nreference_example = KZ-2026-000123\n"
        try Data(config.utf8).write(to: data.appendingPathComponent("webkasse.conf"))
    }

    override func tearDown() {
        session?.close()
        try? FileManager.default.removeItem(at: data)
    }

    func testScannedKassenzeichenIsPrintedExportedAndFound() throws {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"], environment: ["NO_COLOR": "1", "TZ": "UTC"])
        self.session = session
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
        try session.press("Enter")
        // A mistyped one by hand: refused naming the form, the dialog keeps the text.
        try session.press("F11")
        try session.waitFor("tippen oder scannen")
        try session.type("KZ-26-1")
        try session.press("Enter")
        try session.waitFor("entspricht nicht der Form KZ-2026-000123")
        try session.press("Escape")
        // The scanner types into the search field and ends with Enter.
        try session.waitForCursor(x: 28, y: 1)
        try session.type("KZ-2026-000123")
        try session.press("Enter")
        try session.waitFor("Kassenzeichen KZ-2026-000123 übernommen.")
        try session.waitFor(" Kassenzeichen KZ-2026-000123")
        try session.waitForCursor(x: 28, y: 1)
        try session.press("F5")
        try session.type("13")
        try session.press("Enter")
        try session.waitFor("Enter Weiter")
        try session.press("Enter")
        try session.waitFor("Nächster Kunde")
        let receipt = try String(contentsOf: data.appendingPathComponent("K1/receipts/000001.txt"), encoding: .utf8)
        XCTAssertTrue(receipt.contains("Kassenzeichen KZ-2026-000123"), receipt)

        try session.press("F9")
        try session.waitFor("Beleg nachdrucken")
        try session.type("2")
        try session.waitFor("Nachdruck: Beleg wählen")
        try session.type("000123")
        try session.waitFor("Beleg zu Kassenzeichen KZ-2026-000123: 1")
        try session.waitForCursor(x: 1, y: 4)
        try session.press("Escape")
        try session.press("C-c")
        try session.waitFor("beenden?")
        try session.press("j")
        try session.waitFor("[Ende: 0]")

        let out = data.appendingPathComponent("tag.csv").path
        let export = try Binaries.run("webkasse", ["export", "--data", data.path, "--format", "csv", "--open-days", "--out", out])
        XCTAssertEqual(export.status, 0, export.output)
        let csv = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(csv.contains(";KZ-2026-000123;"), csv)
    }
}
