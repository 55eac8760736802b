import Foundation
import TestSupport
import XCTest

/// The Abschöpfung an die Stadtkasse and the clerk's day close approved on the spot, on the real
/// binary at 80×24 (docs/dayclose.md), with the hardware cursor checked after every key.
final class TransferAndDayCloseScreenTests: XCTestCase {
    var data: URL!
    var session: TmuxSession?

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-transfer-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() {
        session?.close()
        try? FileManager.default.removeItem(at: data)
    }

    func testATransferToTheStadtkasseThenTheClerksDayCloseApprovedOnTheSpot() throws {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"], environment: ["NO_COLOR": "1", "TZ": "UTC"])
        self.session = session
        try session.waitFor("Anmeldung")
        try session.type("demo")
        try session.press("Enter")
        try session.type("1234")
        try session.press("Enter")
        try session.waitFor("Schicht öffnen")
        try session.type("200")
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)")
        session.resetKeyCount()

        // The transfer: the sum, the receiver by name, the supervisor's approval.
        try session.step(["F9"], waitFor: "A  Abschöpfung an die Stadtkasse", cursor: "15 5")
        try session.step(["a"], literal: true, waitFor: "Betrag als Summe oder Stückzahl je Sorte", cursor: "14 4")
        try session.step(["150"], literal: true, waitFor: "Gezählt: 150,00 €", cursor: "17 4")
        try session.step(["F10"], waitFor: "Wer nimmt das Geld an?", cursor: "34 11")
        try session.step(["Herr Berg"], literal: true, waitFor: "Herr Berg", cursor: "43 11")
        try session.step(["Enter"], waitFor: "PIN (bei Kennung):", cursor: "34 12")
        try session.step(["Enter"], waitFor: "Vermerk:", cursor: "34 13")
        try session.step(["Enter"], waitFor: "Empfangen von: Herr Berg", cursor: "27 12")
        try session.step(["chef"], literal: true, waitFor: "Kennung: chef", cursor: "31 12")
        try session.step(["Enter"], waitFor: "PIN:", cursor: "27 13")
        try session.step(["9999"], literal: true, waitFor: "••••", cursor: "31 13")
        try session.step(["Enter"], waitFor: "an die Stadtkasse (Herr Berg) gebucht, Beleg 1.", cursor: "28 1")
        // F9 A, 150, F10, »Herr Berg«, Enter Enter Enter, »chef« Enter, PIN Enter.
        XCTAssertEqual(session.keysSent, 2 + 3 + 1 + 9 + 3 + 5 + 5, "Tastenanschläge Abschöpfung an die Stadtkasse")
        let slip = try String(contentsOf: data.appendingPathComponent("K1/receipts/000001.txt"), encoding: .utf8)
        for expected in ["ABSCHÖPFUNG AN DIE STADTKASSE", "-150,00 €", "Empfangen (Stadtkasse): Herr Berg", "Unterschrift Stadtkasse:"] {
            XCTAssertTrue(slip.contains(expected), "»\(expected)« fehlt:\n\(slip)")
        }

        // The clerk closes the day: the sum (50 € are left), F10, the supervisor in the dialog.
        session.resetKeyCount()
        try session.step(["F9"], waitFor: "Tagesabschluss (Z)", cursor: "15 5")
        try session.step(["6"], waitFor: "Oder nur die Summe", cursor: "11 4")
        for _ in 0..<15 { try session.press("Down") }
        try session.waitFor("▶ Oder nur die Summe")
        XCTAssertEqual(try session.cursor(), "23 14")
        try session.step(["50"], literal: true, waitFor: "Gezählt (Ist)", cursor: "25 14")
        try session.step(["F10"], waitFor: "Eine Kassenaufsicht schließt den Tag mit ab", cursor: "18 12")
        try session.step(["chef"], literal: true, waitFor: "Kennung: chef", cursor: "22 12")
        try session.step(["Enter"], waitFor: "PIN:", cursor: "18 13")
        try session.step(["9999"], literal: true, waitFor: "••••", cursor: "22 13")
        try session.step(["Enter"], waitFor: "Z-BERICHT Nr. 1", cursor: "4 2")
        // F9 6, 15 ↓ to the sum, 50, F10, »chef« Enter, PIN Enter.
        XCTAssertEqual(session.keysSent, 2 + 15 + 2 + 1 + 5 + 5, "Tastenanschläge Tagesabschluss mit Freigabe vor Ort")
        let report = try String(contentsOf: data.appendingPathComponent("K1/receipts/Z-000001.txt"), encoding: .utf8)
        XCTAssertTrue(report.contains("An die Stadtkasse"), report)
        XCTAssertTrue(report.contains("Freigabe"), report)
        let verified = try Binaries.run("webkasse", ["verify", "--data", data.path])
        XCTAssertEqual(verified.status, 0, verified.output)
    }
}
