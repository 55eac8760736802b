import Foundation
import TestSupport
import XCTest

/// A counter morning at 80×24 on the real binary (docs/ui.md): what a clerk hit, each step with
/// the screen and the hardware cursor checked after every key.
final class MorningAtTheCounterTests: XCTestCase {
    var data: URL!
    var sessions: [TmuxSession] = []

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-morning-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for session in sessions { session.close() }
        sessions.removeAll()
        try? FileManager.default.removeItem(at: data)
    }

    /// `webkasse run --demo`, logged in as `demo`, shift opened with 100 €.
    func startAtSaleScreen(file: StaticString = #filePath, line: UInt = #line) throws -> TmuxSession {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"], environment: ["NO_COLOR": "1", "TZ": "UTC"])
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

    func receiptExists(_ number: Int) throws -> Bool {
        let registers = try FileManager.default.contentsOfDirectory(atPath: data.path).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".log") }
        return registers.contains { register in
            FileManager.default.fileExists(
                atPath: data.appendingPathComponent(register).appendingPathComponent("receipts").appendingPathComponent(String(format: "%06d.txt", number)).path
            )
        }
    }

    /// Below 80×24 only the too-small message shows and no key acts: F5 F2 books nothing and a
    /// letter does not reach the search field.
    func testNoKeyActsWhileTheWindowIsTooSmall() throws {
        let session = try startAtSaleScreen()
        try session.step(["pa"], literal: true, waitFor: "Personalausweis", cursor: "30 1")
        try session.step(["Enter"], waitFor: "SUMME  46,00 €", cursor: "28 1")
        try session.resize(width: 60, height: 20)
        try session.waitFor("Fenster zu klein: 60×20.")
        try session.press("F5", "F2")
        try session.type("x")
        try session.resize(width: 80, height: 24)
        let screen = try session.waitFor("SUMME  46,00 €")
        XCTAssertFalse(screen.contains("Barzahlung"), screen)
        XCTAssertFalse(screen.contains("RÜCKGELD"), screen)
        XCTAssertEqual(try session.cursor(), "28 1", "the search field is still empty and focused")
        XCTAssertFalse(try receiptExists(1), "nothing was booked unseen")
    }

    /// A quantity of 100 is refused by name (not cut to 10); letters and a minus in an amount are
    /// named and Enter does not move on; a large change is asked about once.
    func testQuantityAmountAndChangeAreCheckedOnScreen() throws {
        let session = try startAtSaleScreen()
        try session.step(["fz"], literal: true, waitFor: "Führungszeugnis", cursor: "30 1")
        try session.step(["Enter"], waitFor: "SUMME  13,00 €", cursor: "28 1")
        try session.step(["F2"], waitFor: "Menge ändern", cursor: "39 12")
        try session.step(["BSpace"], waitFor: "Menge: ___", cursor: "38 12")
        try session.step(["100"], literal: true, waitFor: "Menge: 100", cursor: "41 12")
        try session.step(["Enter"], waitFor: "»100« geht nicht", cursor: "41 12")
        try session.waitFor("höchstens 99")
        try session.step(["BSpace"], waitFor: "Menge: 10_", cursor: "40 12")
        try session.step(["Enter"], waitFor: "SUMME  130,00 €", cursor: "28 1")
        try session.step(["F5"], waitFor: "Barzahlung", cursor: "39 11")
        try session.step(["abc"], literal: true, waitFor: "»abc« ist kein Betrag", cursor: "42 11")
        try session.step(["Enter"], waitFor: "»abc« ist kein Betrag", cursor: "42 11")
        try session.step(["C-u"], waitFor: "Rückgeld: –", cursor: "39 11")
        try session.step(["-5"], literal: true, waitFor: "negative Beträge sind hier nicht erlaubt", cursor: "41 11")
        try session.step(["C-u"], waitFor: "Rückgeld: –", cursor: "39 11")
        try session.step(["5000"], literal: true, waitFor: "Rückgeld: 4.870,00 €", cursor: "43 11")
        try session.step(["Enter"], waitFor: "Rückgeld 4.870,00 € – stimmt das?", cursor: "22 12")
        try session.step(["n"], waitFor: "Rückgeld: 4.870,00 €", cursor: "43 11")
        XCTAssertFalse(try receiptExists(1))
        try session.step(["Enter"], waitFor: "stimmt das?", cursor: "22 12")
        try session.step(["j"], waitFor: "RÜCKGELD  4.870,00 €", cursor: "47 2")
        XCTAssertTrue(try receiptExists(1))
    }

    /// An Entnahme above the drawer is refused before anyone approves; Esc in the approval keeps
    /// the entry; the approval books it. The supervisor who logs in beside the clerk's shift gets
    /// a notice (not "Fehler:"), wrapped so every word shows.
    func testEntnahmeCheckedFirstAndKeptOnEsc() throws {
        let session = try startAtSaleScreen()
        try session.step(["F9"], waitFor: "Menü", cursor: "15 5")
        try session.step(["4"], waitFor: "Bargeld aus der Kasse nehmen.", cursor: "28 11")
        try session.step(["500"], literal: true, waitFor: "Betrag: 500", cursor: "31 11")
        try session.step(["Enter"], waitFor: "Grund:", cursor: "28 12")
        try session.step(["Test"], literal: true, waitFor: "Grund:  Test", cursor: "32 12")
        try session.step(["Enter"], waitFor: "In der Kasse sind nur 100,00 €", cursor: "31 11")
        XCTAssertFalse(try session.capture().contains("Freigabe durch Kassenaufsicht"))
        session.resetKeyCount()
        try session.step(["C-u"], waitFor: "Betrag: ___", cursor: "28 11")
        try session.step(["20"], literal: true, waitFor: "Betrag: 20", cursor: "30 11")
        try session.step(["Enter"], waitFor: "Grund:  Test", cursor: "32 12")
        try session.step(["Enter"], waitFor: "Freigabe durch Kassenaufsicht", cursor: "34 12")
        try session.step(["Escape"], waitFor: "Betrag: 20", cursor: "32 12")
        try session.step(["Enter"], waitFor: "Freigabe durch Kassenaufsicht", cursor: "34 12")
        try session.step(["chef"], literal: true, waitFor: "Kennung: chef", cursor: "38 12")
        try session.step(["Enter"], waitFor: "PIN:", cursor: "34 13")
        try session.step(["9999"], literal: true, waitFor: "••••", cursor: "38 13")
        try session.step(["Enter"], waitFor: "Entnahme über 20,00 € gebucht.", cursor: "28 1")
        print("Tastenanschläge Entnahme (Betrag, Grund, Freigabe, einmal Esc): \(session.keysSent)")
        try session.step(["F9"], waitFor: "Menü", cursor: "15 5")
        try session.step(["8"], waitFor: "Anmeldung", cursor: "31 11")
        try session.step(["chef"], literal: true, waitFor: "Kennung: chef", cursor: "35 11")
        try session.step(["Enter"], waitFor: "PIN:", cursor: "31 12")
        try session.step(["9999"], literal: true, waitFor: "••••", cursor: "35 12")
        try session.step(["Enter"], waitFor: "Die offene Schicht gehört »demo«", cursor: "28 1")
        let screen = try session.capture()
        XCTAssertTrue(screen.contains("(Menü F9, 7)."), "the whole note is readable:\n\(screen)")
        XCTAssertFalse(screen.contains("Fehler: Die offene Schicht"), screen)
    }
}
