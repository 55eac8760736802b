import Central
import Counter
import Foundation
import Ledger
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The combined soak of the centre (docs/central.md, "Delivery" and "Tests"): three counters K1–K3,
/// each with its own data directory and `[central]`, book through the real `webkasse simulate`
/// (delivering in the background) for several rounds while the PostgreSQL server is stopped and
/// started again and `webkasse sync` and `webkasse simulate` are killed with SIGKILL at random
/// moments; on top, deliveries duplicated and re-ordered, lost acknowledgements (cursor file
/// deleted or an old one restored), a forged fork (a copy of K1 booking on its own) and a
/// truncated tail (an old copy of K2's ledger).
///
/// After every round the centre holds exactly the union of the three ledgers, `(register, seq, hash)`
/// for `(register, seq, hash)`; at the end `central export` has the totals of the three counters'
/// exports together, to the cent, and hledger agrees on the journal.
///
/// `WEBKASSE_CENTRAL_KILLS` sets how many SIGKILLs (default 10; `scripts/soak central N`),
/// `WEBKASSE_CENTRAL_SEED` the seed (printed at the start and the end).
final class CentralSoakTests: XCTestCase {
    func testThreeCountersThroughPausesKillsForksAndTruncationMatchTheCentre() throws {
        let binary = builtProduct("webkasse")
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("\(binary) fehlt: erst `swift build` ausführen") }
        let database = try CentralTestDatabase()
        defer { database.drop() }
        guard let cluster = ProcessInfo.processInfo.environment["WEBKASSE_TEST_PG_DIR"] else {
            let how = "WEBKASSE_TEST_PG_DIR fehlt: der Testserver von scripts/pg-test-cluster start setzt es"
            if ProcessInfo.processInfo.environment["CI"] != nil { throw CentralTestServerMissing(message: how) }
            throw XCTSkip(how)
        }
        try database.store().migrate()
        let directory = try TemporaryDirectory(prefix: "central-soak")
        defer { directory.remove() }
        let environment = ProcessInfo.processInfo.environment
        let targetKills = Int(environment["WEBKASSE_CENTRAL_KILLS"] ?? "") ?? 10
        let seed = UInt64(environment["WEBKASSE_CENTRAL_SEED"] ?? "") ?? UInt64.random(in: 1...999_999)
        print("Zentrale-Soak: Seed \(seed) (WEBKASSE_CENTRAL_SEED=\(seed) wiederholt ihn), Ziel \(targetKills) SIGKILL")
        var random = SeededGenerator(seed: seed)
        let started = Date()

        let registers = ["K1", "K2", "K3"]
        func data(_ register: String) -> String { directory.path + "/" + register }
        var configs: [String: String] = [:]
        for register in registers {
            var config = "[register]\nid = \(register)\n[central]\nurl = \(database.url)\n"
            if let passwordFile = database.passwordFile { config += "password_file = \(passwordFile)\n" }
            configs[register] = try directory.write(config, to: "\(register).conf")
        }
        let script = packageRoot.appendingPathComponent("scripts/pg-test-cluster").path

        /// A child process with its output in a file (never a pipe: `pg_ctl`'s server must not hold it).
        final class Child {
            let process = Process()
            let output: String
            init(_ executable: String, _ arguments: [String], config: String?, output: String) throws {
                self.output = output
                _ = FileManager.default.createFile(atPath: output, contents: nil)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                var environment = ProcessInfo.processInfo.environment
                if let config { environment["WEBKASSE_CONFIG"] = config }
                process.environment = environment
                process.standardOutput = handle
                process.standardError = handle
                process.standardInput = FileHandle.nullDevice
                try process.run()
                try handle.close()
            }
            /// Waits for the end; the exit status (nil: killed by a signal) and the output.
            func wait() -> (status: Int32?, output: String) {
                process.waitUntilExit()
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                return (process.terminationReason == .exit ? process.terminationStatus : nil, text)
            }
        }
        var outputs = 0
        func start(_ arguments: [String], register: String) throws -> Child {
            outputs += 1
            return try Child(binary, arguments, config: configs[register], output: directory.path + "/out-\(outputs).txt")
        }
        func run(_ arguments: [String], register: String) throws -> (status: Int32?, output: String) {
            try start(arguments, register: register).wait()
        }
        func server(_ what: String) throws {
            let result = try Child(script, [what, cluster], config: nil, output: directory.path + "/pg-\(what).txt").wait()
            XCTAssertEqual(result.status, 0, "pg-test-cluster \(what): \(result.output)")
        }

        func centralChain(_ register: String? = nil) throws -> [String] {
            let connection = try database.connect()
            let result =
                if let register {
                    try connection.execute("SELECT register_id, seq, hash FROM journal WHERE register_id = $1 ORDER BY seq", [.text(register)])
                } else {
                    try connection.execute("SELECT register_id, seq, hash FROM journal ORDER BY register_id, seq")
                }
            return (0..<result.rowCount).map { "\(result.text($0, 0)!) \(result.int64($0, 1)!) \(result.text($0, 2)!)" }
        }
        func localChain(_ register: String, data: String) throws -> [String] {
            var chain: [String] = []
            try Ledger(data: data, register: register).forEachEvent { entry, _ in chain.append("\(register) \(entry.seq) \(entry.hash)") }
            return chain
        }
        func deliveryEntries(_ register: String, _ range: ClosedRange<Int64>) throws -> [DeliveryEntry] {
            var entries: [DeliveryEntry] = []
            try Ledger(data: data(register), register: register).forEachEvent { entry, event in
                if range.contains(entry.seq) { entries.append(try DeliveryEntry(entry: entry, event: event, register: register)) }
            }
            return entries
        }
        /// The centre equals the union of the three ledgers, entry for entry with equal hashes.
        func assertCentreIsTheUnion(_ when: String) throws {
            let local = try registers.flatMap { try localChain($0, data: data($0)) }
            let central = try centralChain()
            let missing = Set(local).subtracting(central)
            let extra = Set(central).subtracting(local)
            XCTAssertEqual(missing.sorted().prefix(5), [], "\(when): in den Kassenbüchern, nicht in der Zentrale")
            XCTAssertEqual(extra.sorted().prefix(5), [], "\(when): in der Zentrale, nicht in den Kassenbüchern")
            XCTAssertEqual(central.count, local.count, "\(when): nichts doppelt")
        }

        let rounds = max(3, targetKills / 10)
        let killsPerRound = (targetKills + rounds - 1) / rounds
        let salesPerRound = 20
        var kills = 0
        var killedMidway = 0
        var simulationKills = 0
        var sales = 0
        var pauses = 0
        var forkCopy: (data: String, head: Int64)?
        var truncatedCopy: (data: String, head: Int64)?
        var oldCursor: Data?
        for round in 1...rounds {
            // All three counters book at once, delivering in the background, in two halves: the
            // centre goes away at a random moment of the first (in the first round before the
            // first sale, so the API deliveries below have a range to work on), the second is
            // booked without it, and it comes back after both.
            let pauseAfterMs = round == 1 ? 0 : Int.random(in: 0...300, using: &random)
            for half in 0..<2 {
                let simulations = try registers.enumerated().map { index, register in
                    try start(
                        [
                            "simulate", "--sales", String(salesPerRound / 2), "--per-day", "10",
                            "--seed", String(seed &+ UInt64(round * 10 + half * 5 + index)), "--data", data(register), "--register", register,
                        ], register: register)
                }
                if half == 0 {
                    usleep(UInt32(pauseAfterMs) * 1_000)
                    try server("pause")
                    pauses += 1
                }
                for (register, simulation) in zip(registers, simulations) {
                    let result = simulation.wait()
                    XCTAssertEqual(result.status, 0, "simulate \(register), Runde \(round): \(result.output)")
                    if let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("Verkäufe gebucht: ") }) {
                        sales += Int(line.dropFirst("Verkäufe gebucht: ".count).prefix { $0.isNumber }) ?? 0
                    }
                }
            }
            XCTAssertThrowsError(try database.connect(), "the centre is away while the counters book")
            try server("resume")

            if round == 1 {
                // Re-ordered and duplicated deliveries straight through the API: a later range
                // first is refused (the centre's chain is gapless), then the range in order, then
                // parts of it again, which change nothing.
                let store = try database.store()
                let head = try store.head(register: "K2").seq
                let localHead = try Ledger(data: data("K2"), register: "K2").chainHead()
                XCTAssertGreaterThanOrEqual(localHead.seq, head + 6, "K2 booked while the centre was away")
                XCTAssertThrowsError(try store.deliver(try deliveryEntries("K2", head + 3...head + 6), register: "K2", localHead: localHead))
                XCTAssertEqual(try database.store().head(register: "K2").seq, head, "a gap is refused, nothing stored")
                XCTAssertEqual(
                    try database.store().deliver(try deliveryEntries("K2", head + 1...head + 4), register: "K2", localHead: localHead),
                    .delivered(through: head + 4, inserted: 4))
                XCTAssertEqual(
                    try database.store().deliver(try deliveryEntries("K2", head + 2...head + 3), register: "K2", localHead: localHead),
                    .delivered(through: head + 3, inserted: 0))
                XCTAssertEqual(
                    try database.store().deliver(try deliveryEntries("K2", 1...head + 4), register: "K2", localHead: localHead),
                    .delivered(through: head + 4, inserted: 0))
            }

            // `webkasse simulate` of a random counter, delivering in the background now that the
            // centre is back, killed with SIGKILL at a random moment (a booking or a batch half
            // done is rolled back by SQLite or by the server).
            let killedRegister = registers.randomElement(using: &random)!
            let simulation = try start(
                [
                    "simulate", "--sales", String(5 * salesPerRound), "--per-day", "10", "--seed", String(seed &+ UInt64(round * 10 + 9)),
                    "--data", data(killedRegister), "--register", killedRegister,
                ], register: killedRegister)
            let simulationDeadline = Date().addingTimeInterval(Double(Int.random(in: 20...300, using: &random)) / 1000)
            while simulation.process.isRunning && Date() < simulationDeadline { usleep(2_000) }
            if simulation.process.isRunning {
                kill(simulation.process.processIdentifier, SIGKILL)
                simulationKills += 1
            }
            _ = simulation.wait()

            // `webkasse sync` of a random counter, in batches of one entry, killed at a random moment.
            for _ in 0..<killsPerRound {
                // A counter with entries the centre lacks, if any: so the kill can land mid-delivery.
                let waiting = try registers.filter {
                    try database.store().head(register: $0).seq < (try Ledger(data: data($0), register: $0).chainHead().seq)
                }
                let register = (waiting.isEmpty ? registers : waiting).randomElement(using: &random)!
                let sync = try start(["sync", "--batch", "1", "--data", data(register)], register: register)
                let deadline = Date().addingTimeInterval(Double(Int.random(in: 5...150, using: &random)) / 1000)
                while sync.process.isRunning && Date() < deadline { usleep(2_000) }
                if sync.process.isRunning { kill(sync.process.processIdentifier, SIGKILL) }
                let result = sync.wait()
                XCTAssertNil(result.status, "sync ended by itself: \(result.output)")
                guard result.status == nil else { continue }
                kills += 1
                let atCentre = try database.store().head(register: register).seq
                if atCentre < (try Ledger(data: data(register), register: register).chainHead().seq) { killedMidway += 1 }
            }
            for register in registers {
                let result = try run(["sync", "--once", "--data", data(register)], register: register)
                XCTAssertEqual(result.status, 0, "sync --once \(register), Runde \(round): \(result.output)")
            }
            try assertCentreIsTheUnion("Runde \(round)")

            if round == 1 {
                // Kept for later: a copy of K1 (to book on as a second machine with the id K1), an
                // old copy of K2's ledger (a truncated tail) and K3's cursor file of this moment.
                let copy = directory.path + "/K1-zweitgeraet"
                try FileManager.default.copyItem(atPath: data("K1"), toPath: copy)
                forkCopy = (copy, try Ledger(data: copy, register: "K1").chainHead().seq)
                let old = directory.path + "/K2-alt"
                try FileManager.default.copyItem(atPath: data("K2"), toPath: old)
                truncatedCopy = (old, try Ledger(data: old, register: "K2").chainHead().seq)
                let k3Ledger = try Ledger(data: data("K3"), register: "K3")
                oldCursor = FileManager.default.contents(atPath: CentralDelivery.cursorPath(ledgerPath: k3Ledger.path))
                XCTAssertNotNil(oldCursor, "K3's cursor file")
            }
            if round == 2, let forkCopy {
                // The forged fork: a second machine with the id K1 (the copy of round 1) books on
                // its own, offline, then delivers. From the copy's first own entry on the two
                // histories differ: refused and recorded there, K1's entries stay.
                let before = try centralChain("K1")
                XCTAssertGreaterThan(Int64(before.count), forkCopy.head, "K1 booked on after the copy was taken")
                let bookingOnly = try directory.write("[register]\nid = K1\n", to: "K1-zweitgeraet.conf")
                let booked = try Child(
                    binary,
                    [
                        "simulate", "--sales", String(salesPerRound), "--per-day", "10", "--seed", String(seed &+ 7_771),
                        "--data", forkCopy.data, "--register", "K1", "--config", bookingOnly,
                    ], config: bookingOnly, output: directory.path + "/fork.txt"
                ).wait()
                XCTAssertEqual(booked.status, 0, booked.output)
                let forkAt = forkCopy.head + 1
                let sync = try run(["sync", "--once", "--data", forkCopy.data], register: "K1")
                XCTAssertEqual(sync.status, 1, "a fork: \(sync.output)")
                XCTAssertTrue(sync.output.contains("Zentrale: ABWEICHUNG bei Buchung \(forkAt)"), sync.output)
                XCTAssertEqual(try centralChain("K1"), before, "K1's entries are not overwritten")
                let forks = try database.connect().execute("SELECT register_id, seq, offered_hash FROM forks")
                XCTAssertEqual(forks.rowCount, 1)
                XCTAssertEqual(forks.text(0, 0), "K1")
                XCTAssertEqual(forks.int64(0, 1), forkAt)
                XCTAssertEqual(forks.text(0, 2), try Ledger(data: forkCopy.data, register: "K1").entry(at: forkAt)?.hash)
                XCTAssertNotEqual(forks.text(0, 2), before.last?.split(separator: " ").last.map(String.init))

                // Lost acknowledgements: K1's cursor file gone, K3's from round 1 back. The centre's
                // head is the truth: nothing is sent twice, nothing skipped.
                let k1Cursor = CentralDelivery.cursorPath(ledgerPath: try Ledger(data: data("K1"), register: "K1").path)
                try FileManager.default.removeItem(atPath: k1Cursor)
                let k3Cursor = CentralDelivery.cursorPath(ledgerPath: try Ledger(data: data("K3"), register: "K3").path)
                try oldCursor!.write(to: URL(fileURLWithPath: k3Cursor))
                let all = try centralChain()
                for register in ["K1", "K3"] {
                    let result = try run(["sync", "--once", "--data", data(register)], register: register)
                    XCTAssertEqual(result.status, 0, "sync --once \(register) after the lost acknowledgement: \(result.output)")
                }
                XCTAssertEqual(try centralChain(), all)
                try assertCentreIsTheUnion("Runde \(round), verlorene Quittung")
            }
        }
        XCTAssertGreaterThanOrEqual(kills, targetKills)
        XCTAssertGreaterThan(killedMidway, 0, "some kills came before the centre had everything")
        XCTAssertGreaterThanOrEqual(pauses, 1)
        XCTAssertGreaterThan(simulationKills, 0, "simulate was killed while it booked and delivered")

        // The truncated tail: the old copy of K2's ledger, verified with the centre, is named at
        // the first entry it lacks (or, after the verification's own audit entry, differs in); the
        // centre is not changed.
        if let truncatedCopy {
            let before = try centralChain()
            let verify = try run(["verify", "--data", truncatedCopy.data], register: "K2")
            XCTAssertEqual(verify.status, 1, verify.output)
            XCTAssertTrue(verify.output.contains("Kasse K2, Buchung \(truncatedCopy.head + 1): "), verify.output)
            XCTAssertEqual(try centralChain(), before)
        }
        XCTAssertEqual(try CentralVerifier(store: database.store()).verify(rows: true).problems.map(\.description), [])
        let entries = try centralChain().count

        // The Stadtkasse's export across registers has the counters' exports' totals to the cent.
        for format in ["journal", "csv"] {
            var local = ExportFigures()
            var files: [String] = []
            for register in registers {
                let file = directory.path + "/\(register).\(format)"
                let result = try run(["export", "--format", format, "--data", data(register), "--out", file], register: register)
                XCTAssertEqual(result.status, 0, result.output)
                local.add(try ExportFigures(result.output))
                files.append(file)
            }
            let centralFile = directory.path + "/zentrale.\(format)"
            let central = try run(["central", "export", "--format", format, "--out", centralFile], register: "K1")
            XCTAssertEqual(central.status, 0, central.output)
            let centralTotals = try ExportFigures(central.output)
            XCTAssertEqual(centralTotals, local, format)
            XCTAssertGreaterThan(centralTotals.debitCents, 0)
            XCTAssertGreaterThan(centralTotals.records, 0)
            XCTAssertFalse(centralTotals.methods.isEmpty, central.output)
            if format == "journal" { try assertHledgerAgrees(central: centralFile, counters: files) }
        }
        let seconds = Date().timeIntervalSince(started)
        print(
            "Zentrale-Soak: Seed \(seed), \(rounds) Runden, \(kills) SIGKILL von sync (\(killedMidway) mitten in der Lieferung), "
                + "\(simulationKills) SIGKILL von simulate, \(pauses) Serverpausen, "
                + "\(sales) Verkäufe, \(entries) Buchungen in der Zentrale, \(String(format: "%.1f", seconds)) s")
    }

    /// `hledger balance` of the centre's journal balances (total 0) and equals that of the three
    /// counters' journals read together.
    private func assertHledgerAgrees(central: String, counters: [String]) throws {
        guard let hledger = ["/usr/bin/hledger", "/usr/local/bin/hledger"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("hledger fehlt (scripts/test installiert es)") }
            print("Zentrale-Soak: hledger fehlt, Vergleich übersprungen")
            return
        }
        let centre = try runProcess(hledger, ["-f", central, "balance"])
        XCTAssertEqual(centre.status, 0, centre.stderr)
        XCTAssertEqual(centre.stdout.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) }, "0", centre.stdout)
        let together = try runProcess(hledger, counters.flatMap { ["-f", $0] } + ["balance"])
        XCTAssertEqual(together.status, 0, together.stderr)
        XCTAssertEqual(centre.stdout, together.stdout)
        XCTAssertGreaterThan(centre.stdout.split(separator: "\n").count, 3, centre.stdout)
    }
}

/// What `webkasse export` and `webkasse central export` print of a file: its bookings, the
/// Soll = Haben sum and the net amount per payment method, in cents.
private struct ExportFigures: Equatable {
    var records = 0
    var debitCents: Int64 = 0
    var methods: [String: Int64] = [:]

    init() {}

    init(_ output: String) throws {
        let lines = output.split(separator: "\n").map(String.init)
        guard let written = lines.first(where: { $0.hasPrefix("Export geschrieben: ") }),
            let sums = lines.first(where: { $0.hasPrefix("Summe Soll = Haben: ") })
        else { throw ExportOutputUnexpected(output: output) }
        let count = try NSRegularExpression(pattern: #", ([0-9]+) Buchungen, "#)
        if let match = count.firstMatch(in: written, range: NSRange(written.startIndex..., in: written)),
            let range = Range(match.range(at: 1), in: written)
        {
            records = Int(written[range]) ?? -1
        }
        let parts = sums.dropFirst("Summe Soll = Haben: ".count).components(separatedBy: "; Zahlwege netto: ")
        debitCents = Self.cents(parts[0])
        let amount = try NSRegularExpression(pattern: #"([^,0-9-][^0-9-]*?) (-?[0-9.]+,[0-9]{2}) €"#)
        let summary = parts.count > 1 ? parts[1] : ""
        for match in amount.matches(in: summary, range: NSRange(summary.startIndex..., in: summary)) {
            guard let name = Range(match.range(at: 1), in: summary), let value = Range(match.range(at: 2), in: summary) else { continue }
            methods[summary[name].trimmingCharacters(in: CharacterSet(charactersIn: ", "))] = Self.cents(String(summary[value]))
        }
    }

    mutating func add(_ other: ExportFigures) {
        records += other.records
        debitCents += other.debitCents
        for (method, cents) in other.methods { methods[method, default: 0] += cents }
    }

    /// `1.234,56 €` → 123456 (the amounts always have two decimals).
    static func cents(_ text: String) -> Int64 {
        let digits = text.filter(\.isNumber)
        let value = Int64(digits) ?? 0
        return text.contains("-") || text.contains("−") ? -value : value
    }
}

private struct ExportOutputUnexpected: Error, CustomStringConvertible {
    let output: String
    var description: String { "unerwartete Ausgabe des Exports: \(output)" }
}
