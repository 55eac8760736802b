import Foundation
import SystemCalls
import TestSupport
import XCTest
import ZVT

@testable import ZVTSimulator

/// The control port's text protocol, and the independent Python register against the simulator.
final class ControlTests: XCTestCase {
    var simulator: TerminalSimulator!

    override func setUpWithError() throws {
        simulator = try makeSimulator { $0.control = SocketAddress(host: "127.0.0.1", port: 0) }
    }

    override func tearDown() { simulator?.stop() }

    /// Sends `lines` on one control connection; returns everything read until `quit` closes it.
    private func control(_ lines: [String]) throws -> String {
        let socket = try StreamSocket.connect(host: simulator.controlAddress!.host, port: simulator.controlAddress!.port)
        defer { socket.close() }
        XCTAssertNoThrow(try socket.write(Array((lines + ["quit"]).map { $0 + "\n" }.joined().utf8)))
        var buffer: [UInt8] = []
        while ((try? socket.read(appendingTo: &buffer, timeoutMs: 3_000)) ?? .closed) != .closed {}
        return String(decoding: buffer, as: UTF8.self)
    }

    func testNextScriptSetClearAndErrors() throws {
        let reply = try control([
            "next decline-05", "next approve+split-bytes", "script card-unreadable busy", "set pin-retry", "eod-required on",
            "banner off", "next flaky", "frobnicate", "set", "status",
        ])
        let lines = reply.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "OK nächste Kartenzahlung: decline-05")
        XCTAssertEqual(lines[1], "OK nächste Kartenzahlung: approve+split-bytes")
        XCTAssertEqual(lines[2], "OK Skript für die nächste Verbindung: card-unreadable busy")
        XCTAssertEqual(lines[3], "OK dauerhaft: pin-retry")
        XCTAssertEqual(lines[4], "OK eod-required on")
        XCTAssertEqual(lines[5], "OK banner off")
        XCTAssertTrue(lines[6].hasPrefix("ERR Unbekanntes Ergebnis oder unbekannter Fehler »flaky«"))
        XCTAssertEqual(lines[7], "ERR Unbekannter Befehl »frobnicate«; »help« zeigt die Befehle.")
        XCTAssertEqual(lines[8], "ERR »set« braucht ein Szenario oder »rules«.")
        XCTAssertTrue(lines[9].hasPrefix("OK {\"connections\":0"))
        XCTAssertTrue(lines[9].contains("\"next\":[\"decline-05\",\"approve+split-bytes\"]"))
        XCTAssertTrue(lines[9].contains("\"endOfDayRequired\":true"))
        XCTAssertEqual(lines.last, "OK tschüss")
        XCTAssertTrue(simulator.control.endOfDayRequired)

        XCTAssertEqual(try control(["clear"]).split(separator: "\n").first, "OK zurückgesetzt")
        XCTAssertFalse(simulator.control.endOfDayRequired)
        XCTAssertTrue(simulator.control.summary.next.isEmpty)
    }

    func testRefuseTLVRegistrationOverTheControlPort() throws {
        let lines = try control(["refuse-tlv-registration abort", "status", "refuse-tlv-registration ja", "refuse-tlv-registration on"])
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "OK refuse-tlv-registration abort")
        XCTAssertTrue(lines[1].contains("\"refuseTLVRegistration\":\"abort\""), lines[1])
        XCTAssertEqual(lines[2], "ERR »refuse-tlv-registration« braucht einen dieser Werte: off, on, abort.")
        XCTAssertEqual(lines[3], "OK refuse-tlv-registration on")
        XCTAssertEqual(simulator.control.refusesTLVRegistration, .on)
        _ = try control(["clear"])
        XCTAssertEqual(simulator.control.refusesTLVRegistration, .off)
    }

    func testApproveAmountDeltaOverTheControlPort() throws {
        let lines = try control(["approve-amount-delta -50", "status", "approve-amount-delta 0,5", "approve-amount-delta"])
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "OK approve-amount-delta -50")
        XCTAssertTrue(lines[1].contains("\"approveAmountDeltaCents\":-50"), lines[1])
        XCTAssertEqual(lines[2], "ERR »approve-amount-delta« braucht eine ganze Zahl von Cent, z. B. »approve-amount-delta -50«.")
        XCTAssertEqual(lines[3], lines[2])
        XCTAssertEqual(simulator.control.approveAmountDeltaCents, -50)
        _ = try control(["clear"])
        XCTAssertEqual(simulator.control.approveAmountDeltaCents, 0)
    }

    func testNextOutcomeOverTheControlPortAndJournalReadBack() throws {
        _ = try control(["next decline-51"])
        let register = try TestRegister(simulator)
        defer { register.close() }
        XCTAssertEqual(register.pay(12_34).statusInformation.first?.resultCode?.rawValue, 0x33)
        XCTAssertEqual(register.pay(12_34).statusInformation.first?.resultCode, .success)

        let journal = try control(["journal", "journal 1", "totals"])
        let lines = journal.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2 + 1 + 1 + 1 + 1 + 1)
        let decoder = JSONDecoder()
        let first = try decoder.decode(JournalEntry.self, from: Data(lines[0].utf8))
        let second = try decoder.decode(JournalEntry.self, from: Data(lines[1].utf8))
        XCTAssertEqual(first.status, .declined)
        XCTAssertEqual(first.resultCode, "33")
        XCTAssertEqual(second.status, .booked)
        XCTAssertEqual(lines[2], ".")
        XCTAssertEqual(lines[3], lines[1], "journal 1 = the last line")
        XCTAssertEqual(lines[4], ".")
        XCTAssertTrue(lines[5].hasPrefix("OK {\"totalCents\":1234,\"count\":1,"))
    }

    /// The independent register of scripts/zvt-independent-check.py (the specification examples, byte for byte).
    func testIndependentPythonRegisterIsServedCorrectly() throws {
        let script = packageRoot.appendingPathComponent("scripts/zvt-independent-check.py").path
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw XCTSkip("python3 is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script, "--port", String(simulator.address!.port), "--control", String(simulator.controlAddress!.port),
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("all checks passed"), text)
        XCTAssertFalse(text.contains("FAIL"), text)
        XCTAssertEqual(simulator.journal.entries.filter { $0.status == .booked }.count, 2)
    }
}
