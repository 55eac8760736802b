import Foundation
import KasseCrypto
import TestSupport
import XCTest

/// `webkasse run --training` under tmux beside real sessions on the same data directory: the real
/// ledger, its exports and its receipt numbers stay as they were (docs/ui.md, "Training mode").
final class TrainingScreenTests: XCTestCase {
    var data: URL!
    var sessions: [TmuxSession] = []

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for session in sessions { session.close() }
        sessions.removeAll()
        try? FileManager.default.removeItem(at: data)
    }

    func start(_ arguments: [String]) throws -> TmuxSession {
        let session = try TmuxSession(command: [try Binaries.path("webkasse")] + arguments, environment: ["NO_COLOR": "1", "TZ": "UTC"])
        sessions.append(session)
        return session
    }

    /// Logs in as `demo` and opens the shift with 100 € (unless `demo`'s shift is still open).
    func openSaleScreen(_ session: TmuxSession, opensShift: Bool = true) throws {
        try session.waitFor("Anmeldung")
        try session.type("demo")
        try session.press("Enter")
        try session.type("1234")
        try session.press("Enter")
        if opensShift {
            try session.waitFor("Schicht öffnen")
            try session.type("100")
            try session.press("Enter")
        }
        try session.waitFor("Suche (Code oder Begriff)")
    }

    /// A Führungszeugnis paid cash with 13 €: `f z Enter F5 1 3 Enter`, then the receipt preview.
    func cashSale(_ session: TmuxSession) throws -> String {
        try session.type("fz")
        try session.waitForCursor(x: 30, y: 1)
        try session.press("Enter", "F5")
        try session.type("13")
        try session.press("Enter")
        let preview = try session.waitFor("Enter Weiter")
        try session.press("Enter")
        try session.waitFor("Der Warenkorb ist leer.")
        try session.waitForCursor(x: 28, y: 1)
        return preview
    }

    func quit(_ session: TmuxSession) throws {
        try session.press("C-c")
        try session.waitFor("beenden?")
        try session.press("j")
        try session.waitFor("[Ende: 0]")
    }

    /// The real register's files: the ledger (with its WAL) and every receipt, by name and SHA-256.
    func realFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        let register = data.appendingPathComponent("K1")
        guard let walker = FileManager.default.enumerator(atPath: register.path) else { return files }
        for case let name as String in walker where !name.hasSuffix(".log") {
            let path = register.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[name] = LibCrypto.sha256([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).hexString
        }
        return files
    }

    func exportCSV(_ name: String, data directory: String? = nil) throws -> (status: Int32, output: String) {
        try Binaries.run("webkasse", ["export", "--data", directory ?? data.path, "--format", "csv", "--open-days", "--out", data.path + "/" + name])
    }

    func testTrainingBesideRealSessionsLeavesTheRealLedgerExportsAndReceiptNumbersUntouched() throws {
        // 1. A real session: receipt 1, then an export.
        let real = try start(["run", "--data", data.path, "--demo"])
        try openSaleScreen(real)
        XCTAssertFalse(try real.capture().contains("SCHULUNG"))
        _ = try cashSale(real)
        try quit(real)
        XCTAssertEqual(try exportCSV("vorher.csv").status, 0)
        let before = try realFiles()
        XCTAssertNotNil(before["receipts/000001.txt"], "\(before.keys.sorted())")

        // 2. Training: its own ledger with the demo operators, every screen marked, the trainer
        //    declines the next card, the class pays cash; the receipt is marked.
        let training = try start(["run", "--data", data.path, "--training"])
        try training.waitFor("SCHULUNG – KEIN ZAHLUNGSBELEG · Anmeldung")
        try openSaleScreen(training)
        XCTAssertTrue(try training.capture().hasPrefix(" SCHULUNG – KEIN ZAHLUNGSBELEG · Verkauf"))
        try training.press("F9")
        try training.waitFor("Schulung: Ergebnis des Terminals wählen")
        try training.press("e")
        try training.waitFor("Wie endet die nächste Kartenzahlung am Terminal?")
        try training.waitForCursor(x: 12, y: 9)
        try training.press("Down")
        try training.waitForCursor(x: 12, y: 10)
        try training.press("Enter")
        try training.waitFor("Nächste Kartenzahlung: Abgelehnt (Karte abgelehnt).")
        try training.waitForCursor(x: 28, y: 1)
        try training.type("fz")
        try training.press("Enter", "F6")
        try training.waitFor("Karte abgelehnt")
        try training.press("Enter")
        try training.waitFor("Suche (Code oder Begriff)")
        try training.press("F5")
        try training.type("13")
        try training.press("Enter")
        let preview = try training.waitFor("Enter Weiter")
        XCTAssertTrue(preview.contains("SCHULUNG – KEIN ZAHLUNGSBELEG"), preview)
        try training.press("Enter")
        try training.waitFor("Der Warenkorb ist leer.")
        try quit(training)
        let trainingReceipt = try String(
            contentsOf: data.appendingPathComponent("schulung.training/K1/receipts/000001.txt"), encoding: .utf8)
        XCTAssertTrue(trainingReceipt.contains("SCHULUNG – KEIN ZAHLUNGSBELEG"), trainingReceipt)

        // 3. The real register's files are byte for byte as before; the export says the same.
        XCTAssertEqual(try realFiles(), before)
        XCTAssertEqual(try exportCSV("nachher.csv").status, 0)
        XCTAssertEqual(
            try Data(contentsOf: data.appendingPathComponent("nachher.csv")), try Data(contentsOf: data.appendingPathComponent("vorher.csv")))
        let refused = try exportCSV("schulung.csv", data: data.path + "/schulung.training")
        XCTAssertEqual(refused.status, 3, refused.output)
        XCTAssertTrue(refused.output.contains("enthält Schulungsdaten (webkasse run --training): sie werden nie an die Stadtkasse exportiert."), refused.output)

        // 4. The next real sale is receipt 2, unmarked.
        let again = try start(["run", "--data", data.path])
        try openSaleScreen(again, opensShift: false)
        let next = try cashSale(again)
        XCTAssertFalse(next.contains("SCHULUNG"), next)
        try quit(again)
        let second = try String(contentsOf: data.appendingPathComponent("K1/receipts/000002.txt"), encoding: .utf8)
        XCTAssertTrue(second.contains("Beleg-Nr. 2"), second)
        XCTAssertFalse(second.contains("SCHULUNG"), second)
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("K1/receipts/000003.txt").path))
        let verify = try Binaries.run("webkasse", ["verify", "--data", data.path])
        XCTAssertEqual(verify.status, 0, verify.output)
    }
}

extension TmuxSession {
    /// The hardware cursor now: `tmux display -p '#{cursor_x} #{cursor_y}'`.
    func cursor() throws -> (x: Int, y: Int) {
        let (_, text) = try spawnAndWait(TmuxSession.tmuxPath!, ["-L", socket, "display", "-p", "-t", name, "#{cursor_x} #{cursor_y}"])
        let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (-1, -1)
    }

    /// Polls until the cursor stands at (`x`, `y`); fails with the screen when `timeout` passes.
    func waitForCursor(x: Int, y: Int, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var now = (x: -1, y: -1)
        while Date() < deadline {
            now = try cursor()
            if now == (x, y) { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTFail("Cursor bei \(now.x) \(now.y) statt \(x) \(y). Bildschirm:\n\(try capture())", file: file, line: line)
        throw ScreenTimeout(text: "Cursor \(x) \(y)")
    }
}
