import Foundation
import TestSupport
import XCTest

/// The built `zvt-sim` binary: what it prints, its errors, and the independent Python register
/// (scripts/zvt-independent-check.py) against it.
final class ExecutableTests: XCTestCase {
    private var binary: String { builtProduct("zvt-sim") }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("zvt-sim is not built (swift build)") }
    }

    func testStartsPrintsWhereItListensAndServesTheIndependentRegister() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw XCTSkip("python3 is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--control", "127.0.0.1:0", "--no-journal", "--quiet"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // Read the start-up lines (they end with the hint about the amount rules).
        var text = ""
        let handle = output.fileHandleForReading
        while !text.contains("Strg-C") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let port = try XCTUnwrap(Self.port(after: "lauscht auf 127.0.0.1:", in: text), text)
        let control = try XCTUnwrap(Self.port(after: "Steuerung auf 127.0.0.1:", in: text), text)
        XCTAssertTrue(text.contains("next decline-05"), "tells how to script it: \(text)")

        let script = packageRoot.appendingPathComponent("scripts/zvt-independent-check.py").path
        let result = try runProcess(python, [script, "--port", String(port), "--control", String(control)], timeoutSeconds: 30)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("all checks passed"), result.stdout)
    }

    func testDefaultJournalLivesInTheDataDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.url.appendingPathComponent("data").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--no-control", "--quiet"]
        process.environment = ProcessInfo.processInfo.environment.merging(["WEBKASSE_DATA": data]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        while !text.contains("Strg-C") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(text.contains("Journal \(data)/zvt-sim-journal.jsonl, letzte Belegnummer 0"), text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: data + "/zvt-sim-journal.jsonl"))
    }

    func testUsageErrorsAndABrokenJournalAreOneGermanSentence() throws {
        let unknown = try runProcess(binary, ["--lisen", "1"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.hasPrefix("zvt-sim: Unbekannte Option »--lisen«."), unknown.stderr)

        let address = try runProcess(binary, ["--listen", "localhost"])
        XCTAssertEqual(address.status, 2)
        XCTAssertTrue(address.stderr.contains("Ungültiger Wert »localhost« für --listen"), address.stderr)

        let password = try runProcess(binary, ["--password", "12ab56"])
        XCTAssertEqual(password.status, 2)
        XCTAssertTrue(password.stderr.contains("Ungültiger Wert »12ab56« für --password: erwartet wird genau 6 Ziffern."), password.stderr)

        let scenario = try runProcess(binary, ["--outcome", "maybe"])
        XCTAssertEqual(scenario.status, 2)
        XCTAssertTrue(scenario.stderr.contains("Unbekanntes Ergebnis oder unbekannter Fehler »maybe«"), scenario.stderr)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try directory.write("{\"number\":1}\nnot json\n", to: "j.jsonl")
        let broken = try runProcess(binary, ["--journal", journal, "--listen", "127.0.0.1:0", "--no-control"])
        XCTAssertEqual(broken.status, 3)
        XCTAssertEqual(
            broken.stderr, "zvt-sim: Journal \(journal), Zeile 1: Die Zeile ist kein gültiger Journaleintrag; Datei bitte prüfen oder beiseitelegen.\n")
    }

    func testHelpListsTheAmountRules() throws {
        let help = try runProcess(binary, ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains(",13 abgelehnt 05"))
        XCTAssertTrue(help.stdout.contains("--bench N"))
    }

    private static func port(after marker: String, in text: String) -> UInt16? {
        guard let range = text.range(of: marker) else { return nil }
        return UInt16(text[range.upperBound...].prefix { $0.isNumber })
    }
}
