import Foundation
import TestSupport
import XCTest

@testable import ZVT

/// `webkasse zvt …` with the config file's `[terminal]` settings as defaults and its options
/// winning, through the built binaries against the built `zvt-sim` with a password of its own.
final class ConfigCLITests: XCTestCase {
    var webkasse: String { builtProduct("webkasse") }

    func testTheTerminalSettingsOfTheConfigFileAreTheDefaultsAndOptionsWin() throws {
        let sim = builtProduct("zvt-sim")
        guard FileManager.default.isExecutableFile(atPath: webkasse), FileManager.default.isExecutableFile(atPath: sim) else {
            throw XCTSkip("webkasse or zvt-sim is not built")
        }
        let port = try unusedPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sim)
        process.arguments = ["--listen", "127.0.0.1:\(port)", "--password", "123456", "--no-control", "--no-journal", "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var ready = false
        for _ in 0..<100 {
            let probe = TCPTransport(host: "127.0.0.1", port: port, connectTimeoutMs: 200)
            if (try? probe.connect()) != nil {
                probe.close()
                ready = true
                break
            }
            usleep(50_000)
        }
        XCTAssertTrue(ready, "zvt-sim did not start")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.url.appendingPathComponent("webkasse.conf").path
        try "[terminal]\naddress = 127.0.0.1:\(port)\npassword = 123456\n".write(toFile: config, atomically: true, encoding: .utf8)
        let base = ["--config", config, "--data", directory.url.path]

        // Address and password from the file: the terminal takes the command.
        let status = try runProcess(webkasse, ["zvt", "status"] + base)
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        XCTAssertTrue(status.stdout.contains("Terminal bereit"), status.stdout)
        let paid = try runProcess(webkasse, ["zvt", "pay", "--amount", "12,34", "--json"] + base)
        XCTAssertEqual(paid.status, 0, paid.stdout + paid.stderr)
        XCTAssertTrue(paid.stdout.contains("\"approved\""), paid.stdout)
        let eod = try runProcess(webkasse, ["zvt", "eod", "--json"] + base)
        XCTAssertEqual(eod.status, 0, eod.stdout + eod.stderr)

        // --password wins: the terminal refuses the wrong one.
        let wrong = try runProcess(webkasse, ["zvt", "status", "--password", "000000"] + base)
        XCTAssertNotEqual(wrong.status, 0, wrong.stdout + wrong.stderr)
        XCTAssertFalse(wrong.stdout.contains("Terminal bereit"), wrong.stdout)
        // Found as `webkasse run` finds it: <data>/webkasse.conf without --config.
        let found = try runProcess(webkasse, ["zvt", "status", "--data", directory.url.path])
        XCTAssertEqual(found.status, 0, found.stdout + found.stderr)
        // Without a config file the simulator's password is missing.
        let elsewhereData = try TemporaryDirectory()
        defer { elsewhereData.remove() }
        let none = try runProcess(webkasse, ["zvt", "status", "--terminal", "127.0.0.1:\(port)", "--data", elsewhereData.url.path])
        XCTAssertNotEqual(none.status, 0, none.stdout + none.stderr)

        // --terminal wins over the file's address: nothing listens there.
        let elsewhere = try runProcess(webkasse, ["zvt", "status", "--terminal", "127.0.0.1:\(try unusedPort())"] + base)
        XCTAssertEqual(elsewhere.status, 4, elsewhere.stdout + elsewhere.stderr)

        // A bad address in the file is named with the file.
        let broken = directory.url.appendingPathComponent("broken.conf").path
        try "[terminal]\naddress = serial:\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try runProcess(webkasse, ["zvt", "status", "--config", broken, "--data", directory.url.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains(broken), bad.stderr)
        // Neither --terminal nor an address in the file.
        let empty = directory.url.appendingPathComponent("empty.conf").path
        try "[terminal]\npassword = 123456\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let missing = try runProcess(webkasse, ["zvt", "status", "--config", empty, "--data", elsewhereData.url.path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("--terminal ist erforderlich"), missing.stderr)
    }
}
