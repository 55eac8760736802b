import Foundation
import XCTest

/// The terminal menu in the real `webkasse run --demo` under tmux: the supervisor asks the
/// simulated terminal's status and runs a diagnosis; the menu shows the simulator's control port,
/// and a command sent to that port decides the next card payment.
final class TerminalMenuScreenTests: XCTestCase {
    var data: URL!

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-t-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: data) }

    func testStatusDiagnosisAndTheControlPortInTheDemo() throws {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"], environment: ["NO_COLOR": "1", "TZ": "UTC"])
        defer { session.close() }
        // The idle Status Enquiry runs at start: the status line says so before anyone logs in.
        try session.waitFor("SIMULIERTES TERMINAL bereit")
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
        XCTAssertTrue(menu.contains("Zustand: bereit"), menu)
        let port = try XCTUnwrap(Self.controlPort(in: menu), menu)

        try session.type("1")
        try session.waitFor("Terminalstatus 00: Terminal bereit")
        try session.press("Enter")
        try session.waitFor("Zustand: bereit")
        try session.type("2")
        try session.waitFor("Diagnose erfolgreich")
        try session.press("Escape")
        try session.waitFor("Neu anmelden (Registrierung)")
        try session.press("Escape")
        try session.waitFor("Suche (Code oder Begriff)")

        // The port shown is the simulator's: the next payment declines as told there.
        let sent = try spawnAndWait("/bin/bash", ["-c", "printf 'next decline-05\\n' > /dev/tcp/127.0.0.1/\(port)"])
        XCTAssertEqual(sent.status, 0, sent.output)
        try session.type("fz")
        try session.press("Enter")
        try session.press("F6")
        try session.waitFor("Karte abgelehnt", timeout: 15)
        try session.press("Enter")
        try session.press("C-c")
        try session.waitFor("beenden?")
        try session.press("j")
        try session.waitFor("[Ende: 0]")

        let audit = try Binaries.run("webkasse", ["audit", "--data", data.path, "--type", "terminal"])
        XCTAssertEqual(audit.status, 0, audit.output)
        XCTAssertTrue(audit.output.contains("status") && audit.output.contains("diagnosis"), audit.output)
    }

    /// The port of "Steuerport des Simulators: 127.0.0.1:PORT" on the screen.
    static func controlPort(in screen: String) -> Int? {
        guard let range = screen.range(of: "Steuerport des Simulators: 127.0.0.1:") else { return nil }
        return Int(screen[range.upperBound...].prefix { $0.isNumber })
    }
}
