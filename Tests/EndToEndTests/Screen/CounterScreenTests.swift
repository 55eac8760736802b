import Foundation
import TestSupport
import XCTest

/// The real `webkasse` under tmux (80×24) on a fresh data directory: what a clerk does, checked on
/// the screen, then in the ledger (`webkasse verify`) and the receipt files.
final class CounterScreenTests: XCTestCase {
    var data: URL!
    /// Every tmux session a test started, closed in `tearDown`.
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

    /// Starts `webkasse` with `arguments` in a new 80×24 tmux session.
    func start(_ arguments: [String]) throws -> TmuxSession {
        // The system's zone is not the office's (Europe/Berlin): what shows the time must use the office's.
        let session = try TmuxSession(command: [try Binaries.path("webkasse")] + arguments, environment: ["NO_COLOR": "1", "TZ": "UTC"])
        sessions.append(session)
        return session
    }

    /// `webkasse run --demo` on the fresh data directory, logged in as `demo`, shift opened.
    func startAtSaleScreen(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> TmuxSession {
        let session = try start(["run", "--data", data.path, "--demo"] + extra)
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

    func quit(_ session: TmuxSession) throws {
        try session.press("C-c")
        try session.waitFor("beenden?")
        try session.press("j")
        try session.waitFor("[Ende: 0]")
    }

    func verifyLedger(file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try Binaries.run("webkasse", ["verify", "--data", data.path])
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    }

    func receipt(_ number: Int) throws -> String {
        let registers = try FileManager.default.contentsOfDirectory(atPath: data.path).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".log") }
        for register in registers {
            let path = data.appendingPathComponent(register).appendingPathComponent("receipts").appendingPathComponent(String(format: "%06d.txt", number))
            if let text = try? String(contentsOf: path, encoding: .utf8) { return text }
        }
        XCTFail("Belegdatei \(number) fehlt in \(data.path)")
        return ""
    }

    /// First start without `--demo`: the setup creates the first supervisor, who logs in and
    /// opens the shift by counting notes.
    func testFirstStartSetupThenShift() throws {
        let session = try start(["run", "--data", data.path])
        try session.waitFor("Ersteinrichtung")
        try session.type("Vera Vorgesetzt")
        try session.press("Enter")
        try session.type("vera")
        try session.press("Enter")
        try session.type("4711")
        try session.press("Enter")
        try session.type("4711")
        try session.press("Enter")
        try session.waitFor("Vera Vorgesetzt ist angelegt. Bitte jetzt anmelden.")
        try session.type("vera")
        try session.press("Enter")
        try session.type("4711")
        try session.press("Enter")
        try session.waitFor("Schicht öffnen")
        try session.press("Tab", "Tab", "Tab", "Tab")  // 50-€-Scheine
        try session.type("2")
        try session.waitFor("Gezählt: 100,00 €")
        try session.press("F10")
        try session.waitFor("Schicht geöffnet mit Wechselgeld 100,00 €.")
        try quit(session)
        try verifyLedger()
    }

    /// The typical sale: Personalausweis ab 24 + Führungszeugnis = 59,00 €, 100,00 € given,
    /// 41,00 € back — at most 12 keys from the empty basket to the printed receipt.
    func testCashSaleInTwelveKeys() throws {
        let session = try startAtSaleScreen()
        XCTAssertTrue(try session.capture().contains("SIMULIERTES TERMINAL"))
        try session.type("pa")
        try session.press("Enter")
        try session.type("fz")
        try session.press("Enter")
        try session.waitFor("SUMME  59,00 €")
        try session.press("F5")
        try session.type("100")
        try session.waitFor("Rückgeld: 41,00 €")
        try session.press("Enter")
        let screen = try session.waitFor("RÜCKGELD  41,00 €")
        try session.press("Enter")
        try session.waitFor("Nächster Kunde bitte.")
        XCTAssertEqual(session.keysSent, 12, "Tastenanschläge für den typischen Barverkauf")
        try quit(session)
        try verifyLedger()
        let text = try receipt(1)
        for expected in ["Personalausweis", "Führungszeugnis", "59,00", "100,00", "41,00"] {
            XCTAssertTrue(text.contains(expected), "Beleg ohne »\(expected)«:\n\(text)")
            XCTAssertTrue(screen.contains(expected) || expected == "100,00" || expected == "59,00", "Vorschau ohne »\(expected)«")
        }
    }

    /// A card sale on the built-in simulator: approved, with the terminal's lines on the receipt.
    func testCardSaleApproved() throws {
        let session = try startAtSaleScreen()
        try session.type("fz")
        try session.press("Enter")
        try session.press("F6")
        let screen = try session.waitFor("Belegvorschau", timeout: 15)
        XCTAssertTrue(screen.contains("girocard"), screen)
        XCTAssertFalse(screen.contains("RÜCKGELD"), "no change for a card payment")
        XCTAssertLessThanOrEqual(session.keysSent, 10)
        try session.press("Enter")
        try quit(session)
        try verifyLedger()
        let text = try receipt(1)
        XCTAssertTrue(text.contains("13,00"))
        // The demo terminal's slip shows the office's time, as the receipt does (whatever the system's zone).
        func minuteOfDay(after pattern: String) throws -> Int {
            let match = try XCTUnwrap(text.range(of: pattern + "[0-9]{2}:[0-9]{2}", options: .regularExpression), "\(pattern) in \(text)")
            let clock = text[match].suffix(5).split(separator: ":").compactMap { Int($0) }
            return clock[0] * 60 + clock[1]
        }
        let receiptEnd = try minuteOfDay(after: "Ende ")
        let slip = try minuteOfDay(after: "[0-9]{2}\\.[0-9]{2}\\.[0-9]{2} ")
        XCTAssertLessThanOrEqual(min(abs(receiptEnd - slip), 1_440 - abs(receiptEnd - slip)), 1, text)
    }

    /// Declined at an external simulator that declines everything, then paid cash; nothing
    /// booked for the declined attempt.
    func testCardDeclinedThenCash() throws {
        let simulator = try ExternalSimulator(outcome: "decline-05")
        defer { simulator.stop() }
        let session = try startAtSaleScreen(["--terminal", simulator.address])
        XCTAssertFalse(try session.capture().contains("SIMULIERTES TERMINAL"))
        try session.type("fz")
        try session.press("Enter")
        try session.press("F6")
        try session.waitFor("Karte abgelehnt", timeout: 15)
        try session.waitFor("Es wurde nichts gebucht.")
        try session.press("Enter")
        try session.press("F5")
        try session.press("F2")
        try session.waitFor("RÜCKGELD")
        try session.press("Enter")
        try quit(session)
        try verifyLedger()
        XCTAssertTrue(try receipt(1).contains("13,00"))
    }

    /// The clerk aborts a card payment while the terminal waits for the card: nothing booked.
    func testCardPaymentAbortedByTheClerk() throws {
        let simulator = try ExternalSimulator(outcome: "clerk-abort", extra: ["--card-wait-ms", "20000"])
        defer { simulator.stop() }
        let session = try startAtSaleScreen(["--terminal", simulator.address])
        try session.type("fz")
        try session.press("Enter")
        // F10 at once: the abort may arrive while the driver still registers at the terminal.
        try session.press("F6", "F10")
        try session.waitFor("Kartenzahlung abgebrochen", timeout: 15)
        try session.waitFor("Es wurde nichts gebucht.")
        try session.press("Enter")
        try session.waitFor("SUMME  13,00 €")
        try session.press("Escape")
        try session.press("j")
        try quit(session)
        try verifyLedger()
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("K1/receipts/000001.txt").path))
    }

    /// A terminal that approves, loses the connection before the Completion and cannot repeat
    /// its last transaction (zvt-sim's `pax` profile): »Zahlung ungeklärt« — asking again settles
    /// nothing; the supervisor settles it by hand from the terminal's journal, the sale is booked
    /// once and the basket is cleared so nobody takes the money a second time.
    func testAPaymentTheTerminalCannotSettleIsSettledByHandAndTheBasketCleared() throws {
        let simulator = try ExternalSimulator(outcome: "approve+drop-after-status", extra: ["--profile", "pax"])
        defer { simulator.stop() }
        let session = try startAtSaleScreen(["--terminal", simulator.address])
        try session.type("fz")
        try session.press("Enter")
        try session.press("F6")
        let screen = try session.waitFor("Zahlung ungeklärt", timeout: 20)
        XCTAssertTrue(screen.contains("auf Nachfrage: das Terminal nennt seine"), screen)
        /// The hardware cursor stands on the open payment (a screen reader reads it).
        func assertCursorOnThePayment(line: UInt = #line) throws {
            let rows = try session.capture().components(separatedBy: "\n")
            let row = try XCTUnwrap(rows.firstIndex { $0.contains("▶ Kartenzahlung über 13,00 € von") })
            let column = try XCTUnwrap(rows[row].range(of: "▶")).lowerBound.utf16Offset(in: rows[row])
            XCTAssertEqual(try session.cursor(), "\(column) \(row)", line: line)
        }
        try assertCursorOnThePayment()
        try session.press("F2")
        try session.waitFor("weiterhin offen", timeout: 20)
        try assertCursorOnThePayment()
        try session.press("F4")
        try session.waitFor("Bezahlt (j/n)")
        try session.type("j")
        try session.press("Enter")
        try session.type("1")
        try session.press("Enter")
        try session.type("Terminal-Journal: Beleg 1 gebucht")
        try session.press("Enter")
        try session.type("chef")
        try session.press("Enter")
        try session.type("9999")
        try session.press("Enter")
        try session.waitFor("Der Verkauf ist gebucht (Beleg 1)")
        try session.waitFor("Keine Kartenzahlung ist mehr offen.")
        try session.press("Escape")
        try session.waitFor("SUMME  0,00 €")
        try quit(session)
        try verifyLedger()
        let receipt = try String(contentsOf: data.appendingPathComponent("K1/receipts/000001.txt"), encoding: .utf8)
        XCTAssertTrue(receipt.contains("Kartenzahlung von Hand geklärt"), receipt)
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("K1/receipts/000002.txt").path), "booked once")
    }

    /// A storno from the day's list with a supervisor's approval in the dialog.
    func testStornoWithSupervisorApproval() throws {
        let session = try startAtSaleScreen()
        try session.type("fz")
        try session.press("Enter", "F5", "F2")
        try session.waitFor("RÜCKGELD")
        try session.press("Enter")
        try session.press("F9")
        try session.press("1")
        try session.waitFor("Storno: Beleg wählen")
        try session.press("Enter")
        try session.type("Falsche Gebühr")
        try session.press("Enter")
        try session.waitFor("Freigabe durch Vorgesetzte")
        try session.type("chef")
        try session.press("Enter")
        try session.type("9999")
        try session.press("Enter")
        try session.waitFor("STORNO", timeout: 15)
        try session.press("Enter")
        try quit(session)
        try verifyLedger()
        XCTAssertTrue(try receipt(2).contains("STORNO"))
    }

    /// Resizing in the middle of a sale: too small shows a message, back to 80×24 shows the basket.
    func testResizeInTheMiddleOfASale() throws {
        let session = try startAtSaleScreen()
        try session.type("fz")
        try session.press("Enter")
        try session.waitFor("SUMME  13,00 €")
        try session.resize(width: 60, height: 20)
        try session.waitFor("Fenster zu klein: 60×20.")
        try session.resize(width: 80, height: 24)
        try session.waitFor("SUMME  13,00 €")
        XCTAssertTrue(try session.capture().contains("Führungszeugnis"))
        try session.press("Escape")
        try session.waitFor("Warenkorb verwerfen?")
        try session.press("j")
        try session.waitFor("Warenkorb verworfen.")
        try quit(session)
    }

    /// Bad input: letters in an amount and an unknown code get one German sentence each.
    func testBadInputIsExplained() throws {
        let session = try startAtSaleScreen()
        try session.type("xyz")
        try session.press("Enter")
        try session.waitFor("Fehler: Kein Posten zu »xyz« gefunden.")
        try session.press("Escape")
        try session.type("fz")
        try session.press("Enter")
        try session.press("F5")
        try session.type("1o")
        try session.waitFor("Fehler: Im Feld »Gegeben«: »1o« ist kein Betrag.")
        try session.press("Escape")
        try session.waitFor("SUMME  13,00 €")
        try session.press("Escape")
        try session.press("j")
        try quit(session)
    }

    /// A broken catalogue stops the start with the problem, before the screen is touched.
    func testBrokenCatalogueRefusesToStart() throws {
        let broken = data.appendingPathComponent("kaputt.json")
        try Data("{ \"items\": [ ".utf8).write(to: broken)
        let result = try Binaries.run("webkasse", ["run", "--data", data.path, "--catalog", broken.path])
        XCTAssertEqual(result.status, 3, result.output)
        XCTAssertTrue(result.output.contains("kaputt.json"), result.output)
        XCTAssertTrue(result.output.contains("startet nicht"), result.output)
    }
}

/// `zvt-sim` as its own process on a free loopback port with a fixed outcome.
final class ExternalSimulator {
    let process = Process()
    let address: String

    init(outcome: String, extra: [String] = []) throws {
        let port = try unusedPort()
        address = "127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: try Binaries.path("zvt-sim"))
        process.arguments = ["--listen", address, "--no-control", "--no-journal", "--outcome", outcome, "--quiet"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until it listens.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !Self.canConnect(port: port) { Thread.sleep(forTimeInterval: 0.05) }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
