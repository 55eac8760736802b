import Foundation
import TestSupport
import XCTest

@testable import ZVT

/// `webkasse zvt …` through the built binary; the terminal commands against the built `zvt-sim`.
final class CLITests: XCTestCase {
    var webkasse: String { builtProduct("webkasse") }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: webkasse) else { throw XCTSkip("webkasse is not built") }
    }

    func testDecodeHexArgumentsAndJSON() throws {
        let text = try runProcess(webkasse, ["zvt", "decode", "06 01 0A 04 00 00 00 00 12 34 49 09 78"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stdout, "06 01 Autorisierung (Zahlung), 10 Byte Daten\n  04 Betrag: 12,34 €\n  49 Währung: 978\n")

        let json = try runProcess(webkasse, ["zvt", "decode", "--json", "800000", "04FF010A", "061E016C"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objects[0]["positive"] as? Bool, true)
        XCTAssertEqual((objects[1]["status"] as? [String: Any])?["text"] as? String, "Karte einstecken")
        XCTAssertEqual((objects[2]["resultCode"] as? [String: Any])?["code"] as? String, "6C")
    }

    func testDecodeTraceFilesAndStdin() throws {
        let file = Traces.directory.appendingPathComponent("feig-cvend/1680728165.675509000_pt_ecr.blob").path
        let json = try runProcess(webkasse, ["zvt", "decode", "--json", "--file", file])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let fields = object["fields"] as! [[String: Any]]
        func value(_ key: String) -> Any? { fields.first { $0["key"] as? String == key }?["value"] }
        XCTAssertEqual(value("amountCents") as? Int, 2500)
        XCTAssertEqual(value("receiptNumber") as? Int, 231)
        XCTAssertEqual(value("trace") as? Int, 975)
        XCTAssertEqual(value("pan") as? String, "559883******8074")
        XCTAssertEqual(value("cardName") as? String, "MasterCard")
        XCTAssertEqual(value("time") as? String, "22:55:58")
        XCTAssertEqual((value("resultCode") as? [String: Any])?["text"] as? String, "Kein Fehler")

        // A --trace file as the driver writes it: directions are decoded separately, the 06 0F after 05 01 positionally.
        let trace = """
            # webkasse zvt status 127.0.0.1:20007
            2026-11-27T00:55:56.122Z ECR->PT 05 01 03 12 34 56
            2026-11-27T00:55:56.124Z PT->ECR 80 00 00 06 0F
            2026-11-27T00:55:56.125Z PT->ECR 01 DC
            2026-11-27T00:55:56.126Z ECR->PT 80 00 00
            """
        let stdin = try runProcess(webkasse, ["zvt", "decode"], stdin: trace)
        XCTAssertEqual(stdin.status, 0, stdin.stderr)
        XCTAssertTrue(stdin.stdout.contains("terminalStatus: DC Karte eingesteckt"), stdin.stdout)

        let bad = try runProcess(webkasse, ["zvt", "decode", "06 0G"])
        XCTAssertEqual(bad.status, 3)
        XCTAssertTrue(bad.stderr.contains("kein gültiges Hex"), bad.stderr)
        let partial = try runProcess(webkasse, ["zvt", "decode", "06 D3 05 01"])
        XCTAssertEqual(partial.status, 3)
        XCTAssertTrue(partial.stderr.contains("Unvollständiges APDU"), partial.stderr)
        let usage = try runProcess(webkasse, ["zvt", "pay", "--amount", "1,00"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("--terminal ist erforderlich"), usage.stderr)
    }

    /// `webkasse zvt pay` end to end over TCP against the simulator, one scenario per amount (docs/zvt-sim.md).
    func testPayAgainstTheSimulator() throws {
        let sim = builtProduct("zvt-sim")
        guard FileManager.default.isExecutableFile(atPath: sim) else { throw XCTSkip("zvt-sim is not built") }
        let port = try unusedPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sim)
        process.arguments = ["--listen", "127.0.0.1:\(port)", "--no-control", "--no-journal", "--quiet", "--t4-ms", "4000"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // Wait until it listens.
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
        let tracePath = directory.url.appendingPathComponent("zvt.trace").path
        let target = "127.0.0.1:\(port)"

        let approved = try runProcess(webkasse, ["zvt", "pay", "--terminal", target, "--amount", "12,34", "--json", "--trace", tracePath])
        XCTAssertEqual(approved.status, 0, approved.stdout + approved.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(approved.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        XCTAssertEqual(result["outcome"] as? String, "approved")
        XCTAssertEqual(result["amountCents"] as? Int, 1234)
        XCTAssertNotNil(result["receiptNumber"] as? Int)
        XCTAssertNotNil(result["trace"] as? Int)
        XCTAssertTrue((result["maskedPAN"] as? String)?.contains("*") ?? false)
        let trace = try String(contentsOfFile: tracePath, encoding: .utf8)
        XCTAssertTrue(trace.contains("ECR->PT 06 01 0A 04 00 00 00 00 12 34 49 09 78"), trace)
        XCTAssertTrue(trace.contains("PT->ECR"), trace)

        // ,62/,63: the connection ends after the acknowledged 04 0F, before the Completion. `zvt pay` does
        // not register, so receipts may follow and only the terminal can tell (ZVT 13.08 §2.2.8): exit 5.
        let expectations: [(String, Int32)] = [
            ("1,13", 1), ("1,24", 6), ("1,61", 5), ("1,62", 5), ("1,63", 5), ("1,71", 0), ("1,72", 0), ("1,73", 0), ("1,74", 4), ("1,75", 1),
        ]
        for (amount, status) in expectations {
            let run = try runProcess(webkasse, ["zvt", "pay", "--terminal", target, "--amount", amount])
            XCTAssertEqual(run.status, status, "\(amount): \(run.stdout) \(run.stderr)")
        }
        let eod = try runProcess(webkasse, ["zvt", "eod", "--terminal", target, "--json"])
        XCTAssertEqual(eod.status, 0, eod.stdout + eod.stderr)
        XCTAssertTrue(eod.stdout.contains("\"totalCents\""), eod.stdout)
        let status = try runProcess(webkasse, ["zvt", "status", "--terminal", target])
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("Terminal bereit"), status.stdout)
    }
}
