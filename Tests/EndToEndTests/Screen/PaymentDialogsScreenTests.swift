import Foundation
import TestSupport
import XCTest

/// The payment dialogs on the real binary at 80×24 against a real zvt-sim (docs/ui.md): the
/// decline dialog's keys act at once, the clerk's abort is explained as hers, and a split payment
/// with the card part first — each step with the screen and the hardware cursor checked.
final class PaymentDialogsScreenTests: XCTestCase {
    var data: URL!
    var sessions: [TmuxSession] = []

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-dialogs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for session in sessions { session.close() }
        sessions.removeAll()
        try? FileManager.default.removeItem(at: data)
    }

    /// `webkasse run --demo` (with `extra`), logged in as `demo`, shift opened with 100 €.
    func startAtSaleScreen(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> TmuxSession {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"] + extra, environment: ["NO_COLOR": "1", "TZ": "UTC"])
        sessions.append(session)
        try session.waitFor("Anmeldung", file: file, line: line)
        try session.type("demo")
        try session.press("Enter")
        try session.type("1234")
        try session.press("Enter")
        try session.waitFor("Schicht öffnen", file: file, line: line)
        try session.type("100")
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)", file: file, line: line)
        session.resetKeyCount()
        return session
    }

    func receipt(_ number: Int) throws -> String {
        try String(contentsOf: data.appendingPathComponent("K1/receipts").appendingPathComponent(String(format: "%06d.txt", number)), encoding: .utf8)
    }

    func verifyLedger(file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try Binaries.run("webkasse", ["verify", "--data", data.path])
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    }

    /// The terminal declines: the dialog's F5 opens the cash payment at once (no Enter first),
    /// and the sale is paid cash with change; the declined attempt books nothing.
    func testTheDeclineDialogsKeysActAtOnce() throws {
        let simulator = try ExternalSimulator(outcome: "decline-05")
        defer { simulator.stop() }
        let session = try startAtSaleScreen(["--terminal", simulator.address])
        try session.step(["pa"], literal: true, waitFor: "Personalausweis", cursor: "30 1")
        try session.step(["Enter"], waitFor: "SUMME  46,00 €", cursor: "28 1")
        try session.step(["fz"], literal: true, waitFor: "Führungszeugnis", cursor: "30 1")
        try session.step(["Enter"], waitFor: "SUMME  59,00 €", cursor: "28 1")
        try session.press("F6")
        try session.waitFor("Karte abgelehnt", timeout: 15)
        let declined = try session.waitFor("F5 Bar, F7 Scheck oder F6 erneut.")
        XCTAssertTrue(declined.contains("Es wurde nichts gebucht."), declined)
        XCTAssertEqual(try session.cursor(), "11 9", "the cursor on the decline dialog")
        try session.step(["F5"], waitFor: "Barzahlung", cursor: "39 11")
        XCTAssertFalse(try session.capture().contains("Karte abgelehnt"), "F5 acted at once: the dialog is gone")
        try session.step(["100"], literal: true, waitFor: "Rückgeld: 41,00 €", cursor: "42 11")
        try session.step(["Enter"], waitFor: "RÜCKGELD  41,00 €", cursor: "47 2")
        try session.step(["Enter"], waitFor: "Nächster Kunde bitte.", cursor: "28 1")
        XCTAssertEqual(session.keysSent, 13, "declined card, then cash with change: the cash sale's 12 plus F6")
        print("Tastenanschläge abgelehnte Karte, dann bar mit Rückgeld: \(session.keysSent)")
        try verifyLedger()
        XCTAssertTrue(try receipt(1).contains("41,00"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("K1/receipts/000002.txt").path))
    }

    /// The clerk aborts while the terminal waits for the card: the dialog says it was her abort
    /// (not the terminal's generic text, not cut), the "Abbruch angefordert" line is gone, and
    /// F5 pays cash at once.
    func testTheClerksAbortIsExplainedAsHers() throws {
        let simulator = try ExternalSimulator(outcome: "clerk-abort", extra: ["--card-wait-ms", "20000"])
        defer { simulator.stop() }
        let session = try startAtSaleScreen(["--terminal", simulator.address])
        try session.step(["fz"], literal: true, waitFor: "Führungszeugnis", cursor: "30 1")
        try session.step(["Enter"], waitFor: "SUMME  13,00 €", cursor: "28 1")
        try session.press("F6", "F10")
        let screen = try session.waitFor("Kartenzahlung abgebrochen", timeout: 15)
        let settled = try session.waitFor("Die Zahlung wurde an der Kasse abgebrochen (Esc/F10).")
        XCTAssertTrue(settled.contains("Es wurde nichts gebucht."), settled)
        XCTAssertTrue(settled.contains("Andere Zahlart wählen: F5 Bar, F7 Scheck oder F6 erneut."), settled)
        for stale in ["Zeitüberschreitung", "Abbruch angefordert"] {
            XCTAssertFalse(settled.contains(stale), "»\(stale)« on\n\(settled)")
            XCTAssertFalse(screen.contains(stale) && settled.contains(stale))
        }
        XCTAssertEqual(try session.cursor(), "11 9", "the cursor on the abort dialog")
        try session.step(["F5"], waitFor: "Barzahlung", cursor: "39 11")
        try session.step(["F2"], waitFor: "RÜCKGELD  0,00 €", cursor: "47 2")
        try verifyLedger()
        XCTAssertTrue(try receipt(1).contains("13,00"))
    }

    /// Split payment with the card part first on the demo's simulated terminal (zvt-sim in the
    /// process, over a real socket): the part, F6, the cash rest with its change, then the terminal
    /// charges the card part at once; one sale with both payments.
    func testSplitPaymentWithTheCardPartFirst() throws {
        let session = try startAtSaleScreen()
        try session.step(["pa"], literal: true, waitFor: "Personalausweis", cursor: "30 1")
        try session.step(["Enter"], waitFor: "SUMME  46,00 €", cursor: "28 1")
        try session.step(["F8"], waitFor: "Teilzahlung", cursor: "31 12")
        try session.step(["30"], literal: true, waitFor: "Teilbetrag: 30", cursor: "33 12")
        try session.step(["F6"], waitFor: "Rest bar: 16,00 €", cursor: "38 11")
        XCTAssertTrue(try session.capture().contains("Danach Karte: 30,00 €"))
        try session.step(["20"], literal: true, waitFor: "Rückgeld: 4,00 €", cursor: "40 11")
        try session.press("Enter")
        let preview = try session.waitFor("Belegvorschau", timeout: 15)
        XCTAssertTrue(preview.contains("girocard"), preview)
        XCTAssertEqual(try session.cursor(), "47 2")
        print("Tastenanschläge Teilzahlung Karte zuerst, Rest bar: \(session.keysSent)")
        try session.step(["Enter"], waitFor: "Nächster Kunde bitte.", cursor: "28 1")
        try verifyLedger()
        let text = try receipt(1)
        for expected in ["46,00", "20,00", "4,00", "30,00", "girocard"] {
            XCTAssertTrue(text.contains(expected), "Beleg ohne »\(expected)«:\n\(text)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("K1/receipts/000002.txt").path), "one sale")
    }
}
