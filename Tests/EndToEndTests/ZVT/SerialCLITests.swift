import Foundation
import TestSupport
import XCTest

@testable import ZVT

/// `webkasse zvt pay` over a serial line against the built `zvt-sim`: `--serial` (a
/// pseudo-terminal pair, `serial:/dev/pts/N`) and `--framed` (`framed:HOST:PORT`), both binaries real.
final class SerialCLITests: XCTestCase {
    var webkasse: String { builtProduct("webkasse") }
    var sim: String { builtProduct("zvt-sim") }
    private var process: Process?
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: webkasse) else { throw XCTSkip("webkasse is not built") }
        guard FileManager.default.isExecutableFile(atPath: sim) else { throw XCTSkip("zvt-sim is not built") }
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        directory?.remove()
    }

    private var journalPath: String { directory.url.appendingPathComponent("journal.jsonl").path }

    /// Starts zvt-sim with `arguments` and returns its first line of standard output.
    private func startSimulator(_ arguments: [String]) throws -> String {
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: sim)
        simulator.arguments = arguments + ["--no-control", "--journal", journalPath, "--t2-ms", "500"]
        let out = Pipe()
        simulator.standardOutput = out
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        process = simulator
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return String(text.split(separator: "\n").first ?? "")
    }

    /// The booked payments of the simulator's journal file, as amounts in cents.
    private func bookedPayments() throws -> [Int] {
        let text = try String(contentsOfFile: journalPath, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard entry["kind"] as? String == "payment", entry["status"] as? String == "booked" else { return nil }
            return entry["amountCents"] as? Int
        }
    }

    /// Pays each amount through `target` and checks the exit status (0 approved, 1 declined).
    private func pay(_ target: String, _ expectations: [(String, Int32)]) throws {
        for (amount, status) in expectations {
            let run = try runProcess(webkasse, ["zvt", "pay", "--terminal", target, "--amount", amount, "--json"], timeoutSeconds: 60)
            XCTAssertEqual(run.status, status, "\(target) \(amount): \(run.stdout) \(run.stderr)")
            if status == 0 {
                let result = try JSONSerialization.jsonObject(with: Data(run.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
                XCTAssertEqual(result["outcome"] as? String, "approved", amount)
                XCTAssertEqual(result["completed"] as? Bool, true, amount)
            }
        }
    }

    func testPayOverAPseudoTerminal() throws {
        let first = try startSimulator(["--serial"])
        let path = try XCTUnwrap(first.range(of: #"/dev/pts/[0-9]+"#, options: .regularExpression).map { String(first[$0]) }, first)
        XCTAssertTrue(first.contains("--terminal serial:\(path)"), first)
        let target = "serial:\(path)?baud=9600"

        let tracePath = directory.url.appendingPathComponent("zvt.trace").path
        let approved = try runProcess(webkasse, ["zvt", "pay", "--terminal", target, "--amount", "12,34", "--trace", tracePath])
        XCTAssertEqual(approved.status, 0, approved.stdout + approved.stderr)
        XCTAssertTrue(approved.stdout.contains("Ergebnis: approved"), approved.stdout)
        let trace = try String(contentsOfFile: tracePath, encoding: .utf8)
        XCTAssertTrue(trace.contains("ECR->PT 06 01 0A 04 00 00 00 00 12 34 49 09 78"), "the trace holds APDUs, not frames: \(trace)")
        XCTAssertTrue(trace.contains("PT->ECR 06 0F 00"), trace)

        // ,81–,84: NAK, lost ACK, bad CRC, lost frame on the line: each still paid once. ,13 declined.
        try pay(target, [("1,81", 0), ("1,82", 0), ("1,83", 0), ("1,84", 0), ("1,13", 1), ("1,71", 0)])
        let status = try runProcess(webkasse, ["zvt", "status", "--terminal", target])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        XCTAssertEqual(try bookedPayments(), [1234, 181, 182, 183, 184, 171], "the terminal booked each approved payment once")
    }

    func testPayOverFramedTCP() throws {
        let port = try unusedPort()
        let first = try startSimulator(["--framed", "--listen", "127.0.0.1:\(port)"])
        XCTAssertTrue(first.contains("--terminal framed:127.0.0.1:\(port)"), first)
        try pay("framed:127.0.0.1:\(port)", [("12,34", 0), ("1,81", 0), ("1,83", 0), ("1,13", 1)])
        XCTAssertEqual(try bookedPayments(), [1234, 181, 183])
        // The same port without the framing is not understood: the terminal never answers the bare APDU.
        let bare = try runProcess(webkasse, ["zvt", "status", "--terminal", "127.0.0.1:\(port)"])
        XCTAssertEqual(bare.status, 4, bare.stdout + bare.stderr)
    }

    func testBadSerialAddressesAndOptionsAreRefusedWithTheirPart() throws {
        let baud = try runProcess(webkasse, ["zvt", "pay", "--terminal", "serial:/dev/ttyUSB0?baud=9601", "--amount", "1,00"])
        XCTAssertEqual(baud.status, 2)
        XCTAssertTrue(baud.stderr.contains("Baudrate aus 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 (nicht »9601«)"), baud.stderr)
        let missing = try runProcess(webkasse, ["zvt", "status", "--terminal", "serial:/dev/nonexistent-tty"])
        XCTAssertEqual(missing.status, 4)
        XCTAssertTrue(missing.stdout.contains("Die serielle Schnittstelle /dev/nonexistent-tty gibt es nicht"), missing.stdout + missing.stderr)
        let both = try runProcess(sim, ["--serial", "--framed", "--no-journal"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("höchstens eine von --serial, --serial-device, --framed"), both.stderr)
        let rate = try runProcess(sim, ["--serial-device", "/dev/ttyS0", "--baud", "300", "--no-journal"])
        XCTAssertEqual(rate.status, 2)
        XCTAssertTrue(rate.stderr.contains("--baud"), rate.stderr)
    }
}
