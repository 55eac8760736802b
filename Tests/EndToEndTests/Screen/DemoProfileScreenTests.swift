import Foundation
import XCTest

/// The simulator `webkasse run` starts without a terminal address shows the vendor habits of the
/// config file's `[terminal] profile`: its control port reports the profile, and a card sale
/// against the `feig` habits (full card number in BMP 22) is booked with the number masked.
final class DemoProfileScreenTests: XCTestCase {
    var data: URL!

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-p-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: data) }

    func testTheDemoSimulatorShowsTheConfiguredProfile() throws {
        try "[terminal]\nprofile = feig\n".write(to: data.appendingPathComponent("webkasse.conf"), atomically: true, encoding: .utf8)
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"], environment: ["NO_COLOR": "1", "TZ": "UTC"])
        defer { session.close() }
        try session.waitFor("Anmeldung")
        try session.type("chef")
        try session.press("Enter")
        try session.type("9999")
        try session.press("Enter")
        try session.waitFor("Schicht öffnen")
        try session.type("100")
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)")

        try session.press("F9")
        try session.waitFor("T  EC-Terminal (Kassenaufsicht)")
        try session.type("t")
        let menu = try session.waitFor("Steuerport des Simulators: 127.0.0.1:")
        let port = try XCTUnwrap(TerminalMenuScreenTests.controlPort(in: menu), menu)
        let status = try spawnAndWait(
            "/bin/bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port); printf 'status\\n' >&3; head -n 1 <&3; printf 'quit\\n' >&3"])
        XCTAssertEqual(status.status, 0, status.output)
        XCTAssertTrue(status.output.contains("\"profile\":\"feig\""), status.output)
        try session.press("Escape")
        try session.waitFor("Suche (Code oder Begriff)")

        // A card sale against the Feig habits: booked, the card number masked.
        try session.type("fz")
        try session.press("Enter")
        try session.press("F6")
        let receipt = try session.waitFor("Enter: nächster Kunde", timeout: 15)
        XCTAssertTrue(receipt.contains("girocard 672559*********"), receipt)
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)")
        try session.press("C-c")
        try session.waitFor("beenden?")
        try session.press("j")
        try session.waitFor("[Ende: 0]")
        let journal = try String(contentsOf: data.appendingPathComponent("K1/zvt-sim-journal.jsonl"), encoding: .utf8)
        XCTAssertTrue(journal.contains("\"booked\""), journal)
        let verify = try Binaries.run("webkasse", ["verify", "--data", data.path])
        XCTAssertEqual(verify.status, 0, verify.output)
    }
}
