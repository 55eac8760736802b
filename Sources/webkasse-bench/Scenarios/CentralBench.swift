import Access
import CLISupport
import Central
import Counter
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
/// - **Booking and freshness**: a counter's booking latency without, with an unreachable and with
///   the reachable centre (goal: unchanged), and how soon 20 counters' sales at 10 sales/s each
///   are at the centre (goal: p99 ≤ 1 s); see ``counters(report:sales:reachableCounters:catalogPath:url:password:)``.
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
        try counters(report: report, sales: quick ? 50 : 300, reachableCounters: quick ? 3 : 20, catalogPath: catalogPath, url: url(ours), password: password)
        report.note(
            "central",
            "goal: catch_up_ratio ≤ 2, verify_ratio ≤ 2, freshness_p99 ≤ 1000 ms, booking ratios ≈ 1; catch-up = \(registers) registers × \(entriesPerRegister) entries delivered one register after the other over one connection; baseline = psql \\copy FROM of the same rows into the same schema; verify recomputes every hash and compares every typed row"
        )
        report.finish("central")
    }

    /// A counter's booking latency with the centre not configured, unreachable and reachable:
    /// counters booking in turn sale by sale, each at 10 sales/s (`CounterService.bookSale` until
    /// it returns, `CentralDelivery` in the background as `webkasse run` starts it and woken after
    /// each sale); and the freshness of the `reachableCounters` with the centre: from the commit
    /// until the centre's head has the sale, watched on a connection and a thread of their own.
    /// Goal: latency unchanged, freshness p99 ≤ 1 s.
    static func counters(report: Report, sales: Int, reachableCounters: Int, catalogPath: String, url: String, password: String?) throws {
        let catalog = try TariffCatalogLoader.load(path: catalogPath)
        struct BenchCounter {
            let name: String
            let service: CounterService
            let clerk: String
            let delivery: CentralDelivery?
            var samples = Samples()
        }
        var directories: [String] = []
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        func counter(_ name: String, connect: (() throws -> CentralStore)?) throws -> BenchCounter {
            let directory = try LedgerBench.temporaryDirectory("central-\(name)")
            directories.append(directory)
            var configuration = Configuration()
            configuration.registerID = name
            let service = try CounterService.open(data: directory, configuration: configuration)
            let access = AccessControl(store: service.ledger, configuration: configuration, hashIterations: PINHash.minimumIterations)
            let clerk = try access.setUp(login: "bench", name: "Bench", pin: "2580", pinRepeated: "2580")
            try service.openShift(operatorId: clerk.id, float: Money(cents: 10_000))
            var delivery: CentralDelivery?
            if let connect {
                delivery = CentralDelivery(
                    ledger: try Ledger(path: service.ledger.path), register: name,
                    cursorPath: CentralDelivery.cursorPath(ledgerPath: service.ledger.path), connect: connect)
                delivery?.start()
            }
            return BenchCounter(name: name, service: service, clerk: clerk.id, delivery: delivery)
        }
        let suffix = UUID().uuidString.prefix(6)
        let reachable: @Sendable () throws -> CentralStore = { CentralStore(connection: try PostgreSQLConnection(url: url, password: password)) }
        let unreachable = { CentralStore(connection: try PostgreSQLConnection(url: "postgresql://kasse@127.0.0.1:1/webkasse", password: nil)) }
        // [0] without a centre, [1] with an unreachable one, [2...] with the reachable centre.
        var all = [try counter("N\(suffix)", connect: nil), try counter("U\(suffix)", connect: unreachable)]
        for index in 1...reachableCounters { all.append(try counter("R\(suffix)\(index)", connect: reachable)) }
        defer { for c in all { c.delivery?.stop() } }
        let watcher = FreshnessWatcher(store: reachable)
        let basket = try LedgerBench.typicalBasket(catalog, date: BusinessDate.today())
        let loopStarted = DispatchTime.now().uptimeNanoseconds
        for round in 0..<sales {
            let started = DispatchTime.now().uptimeNanoseconds
            // Each round starts at another counter: the first after the pause is slower.
            for turn in all.indices {
                let index = (turn + round) % all.count
                let request = SaleRequest(
                    saleId: UUID().uuidString, operatorId: all[index].clerk, basket: basket, payment: .cash(tendered: Money(cents: 10_000)),
                    startedAt: Instant.now)
                var outcome: SaleOutcome?
                let service = all[index].service
                try all[index].samples.add(timed { outcome = try service.bookSale(request) })
                let committed = DispatchTime.now().uptimeNanoseconds
                all[index].delivery?.wake()
                if index >= 2 { watcher.expect(register: all[index].name, seq: try service.ledger.chainHead().seq, committedAt: committed) }
                _ = outcome?.receipt
            }
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            if elapsed < 100_000_000 { usleep(UInt32((100_000_000 - elapsed) / 1000)) }  // 10 sales/s per counter
        }
        let loopSeconds = Double(DispatchTime.now().uptimeNanoseconds - loopStarted) / 1e9
        let freshness = try watcher.finish()
        var withCentre = Samples()
        for c in all[2...] { for value in c.samples.values { withCentre.add(value) } }
        let figures = [("none", all[0].samples), ("unreachable", all[1].samples), ("reachable", withCentre)]
        for (label, samples) in figures {
            report.add("central", "booking_\(label)_p50", Double(samples.percentile(50)) / 1000, "us")
            report.add("central", "booking_\(label)_p99", Double(samples.percentile(99)) / 1000, "us")
        }
        report.add("central", "booking_reachable_ratio_p50", Double(withCentre.percentile(50)) / Double(max(all[0].samples.percentile(50), 1)), "x")
        report.add(
            "central", "booking_unreachable_ratio_p50", Double(all[1].samples.percentile(50)) / Double(max(all[0].samples.percentile(50), 1)), "x")
        report.add("central", "freshness_counters", Double(reachableCounters), "counters")
        report.add("central", "freshness_sales", Double(freshness.count), "sales")
        report.add("central", "freshness_rate_per_counter", Double(sales) / loopSeconds, "sales/s")
        report.add("central", "freshness_p50", Double(freshness.percentile(50)) / 1e6, "ms")
        report.add("central", "freshness_p99", Double(freshness.percentile(99)) / 1e6, "ms")
        report.add("central", "freshness_max", Double(freshness.percentile(100)) / 1e6, "ms")
    }

    /// Watches the centre's heads of `registers` on a connection and a thread of its own (every
    /// millisecond) and notes, per expected entry, the time from its commit until the centre has it.
    final class FreshnessWatcher: @unchecked Sendable {
        private let lock = NSLock()
        private var pending: [(register: String, seq: Int64, committedAt: UInt64)] = []
        private var samples = Samples()
        private var stopping = false
        private var failure: Error?
        private let done = DispatchSemaphore(value: 0)

        init(store: @escaping @Sendable () throws -> CentralStore) {
            let thread = Thread { [self] in
                defer { done.signal() }
                do {
                    let store = try store()
                    while true {
                        let waiting = lock.withLock { stopping && pending.isEmpty ? nil : pending }
                        guard let waiting else { return }
                        if waiting.isEmpty {
                            usleep(1000)
                            continue
                        }
                        var heads: [String: Int64] = [:]
                        for register in Set(waiting.map(\.register)) { heads[register] = try store.head(register: register).seq }
                        let now = DispatchTime.now().uptimeNanoseconds
                        lock.withLock {
                            pending.removeAll { item in
                                guard let head = heads[item.register], head >= item.seq else { return false }
                                samples.add(now - item.committedAt)
                                return true
                            }
                        }
                        usleep(1000)
                    }
                } catch {
                    lock.withLock { failure = error }
                }
            }
            thread.start()
        }

        func expect(register: String, seq: Int64, committedAt: UInt64) {
            lock.withLock { pending.append((register, seq, committedAt)) }
        }

        /// Waits until every expected entry arrived; the samples.
        func finish() throws -> Samples {
            lock.withLock { stopping = true }
            done.wait()
            return try lock.withLock {
                if let failure { throw failure }
                return samples
            }
        }
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
