import CLISupport
import Central
import Foundation
import KasseCore
import KasseCrypto
import Ledger

/// `central` (docs/central.md, "Scaling"): against a PostgreSQL server named by
/// `WEBKASSE_BENCH_PG_URL` (a superuser; password from `WEBKASSE_BENCH_PG_PASSWORD_FILE`, else the
/// test server's variables of scripts/pg-test-cluster).
///
/// - **Catch-up**: R registers' journals delivered into an empty centre, one after the other
///   through `CentralDelivery` (batches of 500), beside loading the very same rows with
///   `psql \copy … FROM` into another empty centre with the same schema (triggers and indexes
///   included). Goal: ≤ 2 ×.
/// - **Verify**: `central verify` of every entry beside `sha256sum` over the same canonical bytes.
///   Goal: ≤ 2 ×.
enum CentralBench {
    static func run(report: Report, quick: Bool, catalogPath: String) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["WEBKASSE_BENCH_PG_URL"] ?? environment["WEBKASSE_TEST_PG_URL"] else {
            throw BenchError("central: WEBKASSE_BENCH_PG_URL fehlt (ein PostgreSQL-Superuser; scripts/pg-test-cluster start DIR startet einen)")
        }
        let passwordFile = environment["WEBKASSE_BENCH_PG_PASSWORD_FILE"] ?? environment["WEBKASSE_TEST_PG_PASSWORD_FILE"]
        let password = try passwordFile.map { try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        let registers = quick ? 10 : 100
        let entriesPerRegister = quick ? 2_000 : 5_000
        printError("webkasse-bench: erzeuge ein Kassenbuch mit \(entriesPerRegister) Einträgen für \(registers) Kassen …")
        let generated = try LedgerBench.generate(entries: entriesPerRegister, openSales: 50, catalogPath: catalogPath)
        defer { try? FileManager.default.removeItem(atPath: generated.data) }
        let ledgerPath = DataDirectory.ledgerPath(data: generated.data, register: generated.registerId)
        let names = (1...registers).map { String(format: "B%03d", $0) }

        let admin = try PostgreSQLConnection(url: server, password: password)
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        let ours = "webkasse_bench_\(suffix)_a"
        let copied = "webkasse_bench_\(suffix)_b"
        try admin.execute("CREATE DATABASE \(ours)")
        try admin.execute("CREATE DATABASE \(copied)")
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(ours) WITH (FORCE)")
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(copied) WITH (FORCE)")
        }
        /// The server's URL (`postgresql://user@host:port/db[?…]`) naming `database` instead.
        func url(_ database: String) -> String {
            var base = server
            var query = ""
            if let q = base.firstIndex(of: "?") {
                query = String(base[q...])
                base = String(base[..<q])
            }
            guard let scheme = base.range(of: "://"), let slash = base[scheme.upperBound...].lastIndex(of: "/") else { return server }
            return String(base[...slash]) + database + query
        }
        let oursStore = CentralStore(connection: try PostgreSQLConnection(url: url(ours), password: password))
        try oursStore.migrate()
        try CentralStore(connection: try PostgreSQLConnection(url: url(copied), password: password)).migrate()

        // Ours: every register's journal into the empty centre.
        var delivered: Int64 = 0
        let oursNs = try timed {
            for name in names {
                let ledger = try Ledger(path: ledgerPath)
                let delivery = CentralDelivery(
                    ledger: ledger, register: name, cursorPath: generated.data + "/\(name).central.state", connect: { oursStore })
                let status = delivery.runOnce()
                guard status.lastError == nil, status.acknowledged == status.localHead else {
                    throw BenchError("central: Kasse \(name): \(status.lastError ?? "nicht vollständig geliefert")")
                }
                delivered += status.localHead
            }
        }

        // Baseline: the same rows, written out by COPY, loaded by psql \copy in dependency order.
        let dumpDirectory = generated.data + "/copy"
        try FileManager.default.createDirectory(atPath: dumpDirectory, withIntermediateDirectories: true)
        let tables = ["journal"] + CentralStore.typedTables + ["reported_heads"]
        var dump = ""
        var load = ""
        for table in tables {
            dump += "\\copy (SELECT * FROM \(table) ORDER BY 1, 2, 3) TO '\(dumpDirectory)/\(table).copy'\n"
            load += "\\copy \(table) FROM '\(dumpDirectory)/\(table).copy'\n"
        }
        try psql(url(ours), password: password, script: dump)
        let baselineNs = try timed { try psql(url(copied), password: password, script: load) }

        report.add("central", "registers", Double(registers), "registers")
        report.add("central", "entries", Double(delivered), "entries")
        report.add("central", "catch_up", Double(oursNs) / 1e6, "ms")
        report.add("central", "catch_up_copy_baseline", Double(baselineNs) / 1e6, "ms")
        report.add("central", "catch_up_ratio", Double(oursNs) / Double(max(baselineNs, 1)), "x")
        report.add("central", "catch_up_rate", Double(delivered) / (Double(oursNs) / 1e9), "entries/s")

        // Verify: central verify beside sha256sum over the same canonical bytes.
        let bytesPath = generated.data + "/canonical.bin"
        _ = FileManager.default.createFile(atPath: bytesPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: bytesPath))
        let ledger = try Ledger(path: ledgerPath)
        var one: [UInt8] = []
        try ledger.forEachEvent { entry, event in
            one += CanonicalEncoding.bytes(seq: entry.seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event)
        }
        for _ in names { handle.write(Data(one)) }
        try handle.close()
        var verification: CentralVerification?
        let verifyCpuBefore = LedgerBench.cpuNanoseconds(children: false)
        let verifyNs = try timed { verification = try CentralVerifier(store: oursStore).verify() }
        let verifyCpuNs = LedgerBench.cpuNanoseconds(children: false) - verifyCpuBefore
        guard let verification, verification.isClean else { throw BenchError("central: verify fand Probleme") }
        let shaNs = try timed {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [bytesPath]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        report.add("central", "verify", Double(verifyNs) / 1e6, "ms")
        report.add("central", "verify_cpu", Double(verifyCpuNs) / 1e6, "ms")
        report.add("central", "verify_sha256sum_baseline", Double(shaNs) / 1e6, "ms")
        // What the server alone needs to hand out the rows verify reads (psql \copy … TO /dev/null).
        var readOut = ""
        for table in tables where table != "reported_heads" { readOut += "\\copy (SELECT * FROM \(table) ORDER BY 1, 2) TO '/dev/null'\n" }
        let readOutNs = try timed { try psql(url(ours), password: password, script: readOut) }
        report.add("central", "verify_rows_copy_out", Double(readOutNs) / 1e6, "ms")
        report.add("central", "verify_ratio", Double(verifyNs) / Double(max(shaNs, 1)), "x")
        report.note(
            "central",
            "goal: catch_up_ratio ≤ 2 and verify_ratio ≤ 2; catch-up = \(registers) registers × \(entriesPerRegister) entries delivered one register after the other over one connection; baseline = psql \\copy FROM of the same rows into the same schema; verify recomputes every hash and compares every typed row"
        )
        report.finish("central")
    }

    /// Runs `script` with psql against `url` (password through the environment, never the command line).
    static func psql(_ url: String, password: String?, script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-q", "-v", "ON_ERROR_STOP=1", url]
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["PGPASSWORD"] = password }
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("psql endete mit Status \(process.terminationStatus)") }
    }
}
