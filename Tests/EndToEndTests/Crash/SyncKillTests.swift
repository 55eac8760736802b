import Central
import Counter
import Foundation
import Ledger
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `webkasse sync` against a real PostgreSQL (docs/central.md, "Delivery"), killed with SIGKILL at
/// random moments while `webkasse simulate` keeps booking between the rounds: after the last,
/// clean `sync --once` the centre holds exactly the local journal, entry for entry with equal
/// hashes, and `central verify` finds nothing.
final class SyncKillTests: XCTestCase {
    func testSyncKilledAtRandomMomentsLosesAndDoublesNothing() throws {
        let binary = packageRoot.appendingPathComponent(".build/debug/webkasse").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("\(binary) fehlt: erst `swift build` ausführen") }
        let database = try CentralTestDatabase()
        defer { database.drop() }
        try database.store().migrate()
        let directory = try TemporaryDirectory(prefix: "sync-kill")
        defer { directory.remove() }
        let data = directory.path + "/data"
        var config = "[register]\nid = K7\n[central]\nurl = \(database.url)\n"
        if let passwordFile = database.passwordFile { config += "password_file = \(passwordFile)\n" }
        let configPath = try directory.write(config, to: "webkasse.conf")
        let environment = ProcessInfo.processInfo.environment.merging(["WEBKASSE_CONFIG": configPath]) { $1 }

        func run(_ arguments: [String], killAfterMs: Int? = nil) throws -> Process.TerminationReason {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: binary)
            child.arguments = arguments
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            if let killAfterMs {
                let deadline = Date().addingTimeInterval(Double(killAfterMs) / 1000)
                while child.isRunning && Date() < deadline { usleep(2_000) }
                if child.isRunning { kill(child.processIdentifier, SIGKILL) }
            }
            child.waitUntilExit()
            if child.terminationReason == .exit { XCTAssertEqual(child.terminationStatus, 0, arguments.joined(separator: " ")) }
            return child.terminationReason
        }

        // The simulation books without delivering (a config without [central]): only `sync` delivers here.
        let bookingOnly = try directory.write("[register]\nid = K7\n", to: "booking-only.conf")
        let simulate = ["simulate", "--sales", "60", "--per-day", "25", "--data", data, "--register", "K7", "--config", bookingOnly]
        XCTAssertEqual(try run(simulate + ["--seed", "1"]), .exit)
        var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["WEBKASSE_CRASH_SEED"] ?? "") ?? 20261207)
        // `WEBKASSE_CENTRAL_KILLS` sets how many SIGKILLs (default 10; `scripts/soak central` more).
        let targetKills = Int(ProcessInfo.processInfo.environment["WEBKASSE_CENTRAL_KILLS"] ?? "") ?? 10
        var kills = 0
        var killedMidway = 0
        var round = 0
        while kills < targetKills {
            round += 1
            XCTAssertLessThan(round, targetKills * 3 + 10, "the sync always finished before the kill")
            if round >= targetKills * 3 + 10 { break }
            // Batches of one entry, so that most kills land in the middle of the delivery.
            let reason = try run(["sync", "--batch", "1", "--data", data], killAfterMs: Int.random(in: 15...250, using: &random))
            if reason == .uncaughtSignal {
                kills += 1
                let atCentre = try database.connect().execute("SELECT count(*) FROM journal").int64(0, 0) ?? 0
                if atCentre < (try Ledger(data: data, register: "K7").chainHead().seq) { killedMidway += 1 }
            }
            if round % 2 == 0 { XCTAssertEqual(try run(simulate + ["--sales", "25", "--seed", String(round + 1)]), .exit) }
        }
        XCTAssertGreaterThan(killedMidway, 0, "some kills came before the centre had everything")
        XCTAssertEqual(try run(["sync", "--once", "--data", data]), .exit)

        let ledger = try Ledger(data: data, register: "K7")
        var local: [(Int64, String)] = []
        try ledger.forEachEvent { entry, _ in local.append((entry.seq, entry.hash)) }
        let result = try database.connect().execute("SELECT seq, hash FROM journal WHERE register_id = 'K7' ORDER BY seq")
        let central = (0..<result.rowCount).map { (result.int64($0, 0)!, result.text($0, 1)!) }
        XCTAssertEqual(central.map(\.0), local.map(\.0))
        XCTAssertEqual(central.map(\.1), local.map(\.1))
        XCTAssertEqual(try database.connect().execute("SELECT count(*) FROM forks").int64(0, 0), 0)
        let report = try CentralVerifier(store: database.store()).verify(rows: true)
        XCTAssertEqual(report.problems.map(\.description), [])
        print(
            "Sync-Kill-Test: \(round) Läufe, \(kills) mit SIGKILL beendet (\(killedMidway) vor dem Ende der Lieferung), \(local.count) Buchungen in der Zentrale"
        )
    }

    /// The centre stopped while `webkasse sync` runs and the counter books on (`webkasse simulate`,
    /// delivering in the background itself), then started again: delivery resumes by itself, in
    /// order, and the centre ends equal to the ledger.
    func testTheCentreGoneAndBackMidRunLosesNothing() throws {
        let binary = packageRoot.appendingPathComponent(".build/debug/webkasse").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("\(binary) fehlt: erst `swift build` ausführen") }
        let database = try CentralTestDatabase()
        defer { database.drop() }
        guard let cluster = ProcessInfo.processInfo.environment["WEBKASSE_TEST_PG_DIR"] else {
            let how = "WEBKASSE_TEST_PG_DIR fehlt: der Testserver von scripts/pg-test-cluster start setzt es"
            if ProcessInfo.processInfo.environment["CI"] != nil { throw CentralTestServerMissing(message: how) }
            throw XCTSkip(how)
        }
        try database.store().migrate()
        let directory = try TemporaryDirectory(prefix: "sync-restart")
        defer { directory.remove() }
        let data = directory.path + "/data"
        var config = "[register]\nid = K8\n[central]\nurl = \(database.url)\n"
        if let passwordFile = database.passwordFile { config += "password_file = \(passwordFile)\n" }
        let environment = ProcessInfo.processInfo.environment.merging(["WEBKASSE_CONFIG": try directory.write(config, to: "webkasse.conf")]) { $1 }
        func process(_ executable: String, _ arguments: [String]) -> Process {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = arguments
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            return child
        }
        func runToEnd(_ executable: String, _ arguments: [String]) throws {
            let child = process(executable, arguments)
            try child.run()
            child.waitUntilExit()
            XCTAssertEqual(child.terminationStatus, 0, arguments.joined(separator: " "))
        }
        func atCentre() -> Int64 { (try? database.connect().execute("SELECT count(*) FROM journal").int64(0, 0)) ?? -1 }
        func localHead() throws -> Int64 { try Ledger(data: data, register: "K8").chainHead().seq }
        func waitFor(_ condition: () throws -> Bool, seconds: Double) rethrows -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return true }
                usleep(20_000)
            }
            return try condition()
        }
        let simulate = ["simulate", "--per-day", "25", "--data", data, "--register", "K8"]
        let script = packageRoot.appendingPathComponent("scripts/pg-test-cluster").path
        try runToEnd(binary, simulate + ["--sales", "40", "--seed", "1"])
        let sync = process(binary, ["sync", "--batch", "3", "--retry-max", "1", "--data", data])
        try sync.run()
        defer { if sync.isRunning { kill(sync.processIdentifier, SIGKILL) } }
        XCTAssertTrue(waitFor({ atCentre() > 0 }, seconds: 20), "delivery started")
        try runToEnd(script, ["pause", cluster])
        let whileGone = atCentre()
        XCTAssertEqual(whileGone, -1, "the centre is gone")
        try runToEnd(binary, simulate + ["--sales", "20", "--seed", "2"])
        try runToEnd(script, ["resume", cluster])
        let head = try localHead()
        XCTAssertTrue(waitFor({ atCentre() == head }, seconds: 30), "caught up after the restart: \(atCentre()) of \(head)")
        kill(sync.processIdentifier, SIGKILL)
        sync.waitUntilExit()
        var local: [(Int64, String)] = []
        try Ledger(data: data, register: "K8").forEachEvent { entry, _ in local.append((entry.seq, entry.hash)) }
        let result = try database.connect().execute("SELECT seq, hash FROM journal WHERE register_id = 'K8' ORDER BY seq")
        XCTAssertEqual((0..<result.rowCount).map { result.int64($0, 0)! }, local.map(\.0))
        XCTAssertEqual((0..<result.rowCount).map { result.text($0, 1)! }, local.map(\.1))
        XCTAssertEqual(try CentralVerifier(store: database.store()).verify(rows: true).problems.map(\.description), [])
    }
}
