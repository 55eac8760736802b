import ESCPOS
import Foundation
import TestSupport
import XCTest

/// The real `webkasse` under tmux with `[printer] device` on the printer stand-in (docs/printer.md):
/// the € on the paper, the drawer for cash only, paper out never blocking a sale, and a receipt
/// waiting when the process is killed printed after the restart, once.
final class PrinterScreenTests: XCTestCase {
    var data: URL!
    var standIn: PrinterStandIn!
    var sessions: [TmuxSession] = []

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-printer-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        standIn = try PrinterStandIn()
        try """
        [office]
        name = Bürgeramt Musterstadt
        [printer]
        device = \(standIn.device)
        codepage = cp858
        drawer = pin2
        drawer_pulse_ms = 50,500
        """.write(to: data.appendingPathComponent("webkasse.conf"), atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        for session in sessions { session.close() }
        sessions.removeAll()
        standIn.stop()
        try? FileManager.default.removeItem(at: data)
    }

    func start(_ arguments: [String]) throws -> TmuxSession {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse")] + arguments, environment: ["NO_COLOR": "1", "TZ": "UTC", "WEBKASSE_CONFIG": ""])
        sessions.append(session)
        return session
    }

    /// `webkasse run --demo` logged in as `demo`; the shift opened (`float`) or taken over.
    func startAtSaleScreen(openShift: Bool = true) throws -> TmuxSession {
        let session = try start(["run", "--data", data.path, "--demo"])
        try session.waitFor("Anmeldung")
        try session.type("demo")
        try session.press("Enter")
        try session.type("1234")
        try session.press("Enter")
        if openShift {
            try session.waitFor("Schicht öffnen")
            try session.type("100")
            try session.press("Enter")
        }
        try session.waitFor("Suche (Code oder Begriff)")
        return session
    }

    func sellCash(_ session: TmuxSession) throws {
        try session.type("fz")
        try session.press("Enter")
        try session.waitFor("SUMME  13,00 €")
        try session.press("F5")
        try session.type("20")
        try session.press("Enter")
        try session.waitFor("RÜCKGELD  7,00 €")
        try session.press("Enter")
        try session.waitFor("Nächster Kunde bitte.")
    }

    /// Cash sale: the receipt on the stand-in with the € right (CP858 D5 read back) and exactly one drawer kick for it.
    func testCashSalePrintsTheEuroAndKicksTheDrawerOnce() throws {
        let session = try startAtSaleScreen()
        XCTAssertTrue(standIn.waitForDrawerKicks(1), "the float count at shift open")
        try sellCash(session)
        XCTAssertTrue(standIn.waitForPrintouts(1))
        let receipt = try XCTUnwrap(standIn.printouts.first)
        XCTAssertTrue(receipt.lines.contains { $0.hasPrefix("SUMME") && $0.hasSuffix("13,00 €") }, receipt.text)
        XCTAssertTrue(receipt.lines.contains { $0.hasPrefix("Rückgeld") && $0.hasSuffix("7,00 €") }, receipt.text)
        XCTAssertTrue(receipt.text.contains("Führungszeugnis"), receipt.text)
        XCTAssertFalse(standIn.sawTextBeforeCodePage)
        Thread.sleep(forTimeInterval: 0.3)  // a second kick would have arrived with the receipt
        XCTAssertEqual(standIn.drawerKicks.count, 2, "one for the float, one for the sale")
        XCTAssertEqual(standIn.drawerKicks.last.map { [$0.pin, $0.t1, $0.t2] }, [0, 25, 250])
    }

    /// Card sale: the receipt prints, the drawer stays shut.
    func testCardSalePrintsWithoutDrawerKick() throws {
        let session = try startAtSaleScreen()
        XCTAssertTrue(standIn.waitForDrawerKicks(1))
        try session.type("fz")
        try session.press("Enter")
        try session.press("F6")
        try session.waitFor("Belegvorschau", timeout: 15)
        try session.press("Enter")
        XCTAssertTrue(standIn.waitForPrintouts(1))
        XCTAssertTrue(standIn.printouts[0].text.contains("girocard"), standIn.printouts[0].text)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(standIn.drawerKicks.count, 1, "only the float count opened it")
    }

    /// Paper out: the sale is booked, the status line says so, and the receipt prints when paper is back.
    func testPaperOutIsShownAndTheReceiptPrintsWhenPaperIsBack() throws {
        let session = try startAtSaleScreen()
        standIn.status = PrinterStatus(paperOut: true)
        try sellCash(session)
        try session.waitFor("DRUCKER: Papier leer · 1 wartet", timeout: 15)
        XCTAssertEqual(standIn.printouts.count, 0)
        let verify = try Binaries.run("webkasse", ["receipts", "show", "1", "--data", data.path])
        XCTAssertEqual(verify.status, 0, "the sale is booked: \(verify.output)")
        standIn.status = .ready
        XCTAssertTrue(standIn.waitForPrintouts(1, timeout: 15))
        try session.waitForGone("DRUCKER:", timeout: 10)
    }

    /// Killed (SIGKILL) with a receipt waiting: the next start prints it, and only once.
    func testReceiptWaitingWhenKilledPrintsAfterRestartOnce() throws {
        let first = try startAtSaleScreen()
        standIn.status = PrinterStatus(coverOpen: true)
        try sellCash(first)
        try first.waitFor("DRUCKER: Deckel offen", timeout: 15)
        let pid = try XCTUnwrap(try first.programPID())
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        try first.waitFor("[Ende: 137]")
        first.close()
        standIn.status = .ready
        let second = try startAtSaleScreen(openShift: false)
        XCTAssertTrue(standIn.waitForPrintouts(1, timeout: 15))
        XCTAssertTrue(standIn.printouts[0].lines.contains("Beleg-Nr. 1"), standIn.printouts[0].text)
        second.close()
        let third = try startAtSaleScreen(openShift: false)
        Thread.sleep(forTimeInterval: 1.5)  // time enough for a print to come, if one wrongly did
        XCTAssertEqual(standIn.printouts.count, 1, "printed once")
        third.close()
    }
}
