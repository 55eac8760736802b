import Access
import CLISupport
import Central
import Counter
import Exports
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
/// - A second set of R registers (`C…`) with enough entries for 1,000,000 export lines is
///   delivered after that (not timed), so that verify and export work on more than 1,000,000.
/// - **Verify**: `central verify` (the chain, recomputed by the server) of every entry beside
///   `sha256sum` over the same canonical bytes. Goal: ≤ 2 ×. `central verify --rows` (every
///   typed row compared as well) is measured beside it.
/// - **Export**: the command `webkasse central export --format csv` of the second set's closed
///   days (1,000,000 lines across R registers) beside `psql \copy (SELECT …) TO` of the same
///   rows and columns into a file. Goal: ≤ 1.5 ×, peak RSS ≤ 64 MB.
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
        let generated = try LedgerBench.generate(entries: entriesPerRegister, openSales: openSales, catalogPath: catalogPath)
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

        // The second set: as many entries per register as 1,000,000 export lines need.
        let exportLines = quick ? 100_000 : 1_000_000
        let exportEntries = Int((Double(exportLines) / linesPerEntry / Double(registers)).rounded(.up)) + openSales
        printError("webkasse-bench: erzeuge ein Kassenbuch mit \(exportEntries) Einträgen für weitere \(registers) Kassen …")
        let second = try LedgerBench.generate(entries: exportEntries, openSales: openSales, catalogPath: catalogPath, seed: 43)
        defer { try? FileManager.default.removeItem(atPath: second.data) }
        let secondLedgerPath = DataDirectory.ledgerPath(data: second.data, register: second.registerId)
        let secondNames = (1...registers).map { String(format: "C%03d", $0) }
        for name in secondNames {
            let delivery = CentralDelivery(
                ledger: try Ledger(path: secondLedgerPath), register: name, cursorPath: second.data + "/\(name).central.state", connect: { oursStore })
            let status = delivery.runOnce()
            guard status.lastError == nil, status.acknowledged == status.localHead else {
                throw BenchError("central: Kasse \(name): \(status.lastError ?? "nicht vollständig geliefert")")
            }
            delivered += status.localHead
        }
        report.add("central", "verify_entries", Double(delivered), "entries")

        // Verify: central verify beside sha256sum over the same canonical bytes.
        let bytesPath = generated.data + "/canonical.bin"
        _ = FileManager.default.createFile(atPath: bytesPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: bytesPath))
        for (path, count) in [(ledgerPath, names.count), (secondLedgerPath, secondNames.count)] {
            var one: [UInt8] = []
            try Ledger(path: path).forEachEvent { entry, event in
                one += CanonicalEncoding.bytes(seq: entry.seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event)
            }
            for _ in 0..<count { handle.write(Data(one)) }
        }
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: bytesPath) }
        var verification: CentralVerification?
        let verifyCpuBefore = LedgerBench.cpuNanoseconds(children: false)
        let verifyNs = try timed { verification = try CentralVerifier(store: oursStore).verify() }
        let verifyCpuNs = LedgerBench.cpuNanoseconds(children: false) - verifyCpuBefore
        guard let verification, verification.isClean, verification.entries.values.reduce(0, +) == delivered else {
            throw BenchError("central: verify fand Probleme oder nicht alle Buchungen")
        }
        let shaNs = try timed {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [bytesPath]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        var rowsVerification: CentralVerification?
        let rowsNs = try timed { rowsVerification = try CentralVerifier(store: oursStore).verify(rows: true) }
        guard rowsVerification?.isClean == true else { throw BenchError("central: verify --rows fand Probleme") }
        report.add("central", "verify", Double(verifyNs) / 1e6, "ms")
        report.add("central", "verify_client_cpu", Double(verifyCpuNs) / 1e6, "ms")
        report.add("central", "verify_sha256sum_baseline", Double(shaNs) / 1e6, "ms")
        report.add("central", "verify_ratio", Double(verifyNs) / Double(max(shaNs, 1)), "x")
        report.add("central", "verify_rows", Double(rowsNs) / 1e6, "ms")
        report.add("central", "verify_rows_ratio", Double(rowsNs) / Double(max(shaNs, 1)), "x")

        try export(report: report, registers: secondNames, url: url(ours), passwordFile: passwordFile, password: password, directory: second.data)
        try counters(report: report, sales: quick ? 50 : 300, reachableCounters: quick ? 3 : 20, catalogPath: catalogPath, url: url(ours), password: password)
        report.note(
            "central",
            "goal: catch_up_ratio ≤ 2, verify_ratio ≤ 2, export_ratio ≤ 1.5 with export_peak_rss ≤ 65536 kB, freshness_p99 ≤ 1000 ms, booking ratios ≈ 1; catch-up = \(registers) registers × \(entriesPerRegister) entries delivered one register after the other over one connection; baseline = psql \\copy FROM of the same rows into the same schema; verify = the chain recomputed by the server over all verify_entries (every hash, link, gap, header), verify_rows = also every typed row compared by the client (no goal); export = the command webkasse central export --format csv of the C registers (wall time, peak RSS by GNU time), baseline = psql \\copy (SELECT …) TO of the same line-level rows"
        )
        report.finish("central")
    }

    /// Export lines per journal entry of the generated ledger (measured 1.733: sales average two
    /// lines, some split); sizes the second set of registers.
    static let linesPerEntry = 1.733
    static let openSales = 50

    /// `webkasse central export --format csv` of `registers` (the command, started beside this
    /// program; its peak RSS as GNU time reports it) beside `psql \copy (SELECT …) TO` of the same
    /// rows; the fastest of two rounds each, the peak RSS the larger.
    static func export(report: Report, registers: [String], url: String, passwordFile: String?, password: String?, directory: String) throws {
        let webkasse = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("webkasse").path
        let time = "/usr/bin/time"
        guard access(webkasse, X_OK) == 0, access(time, X_OK) == 0 else {
            throw BenchError(
                "central: der Export wird mit \(webkasse) unter \(time) gemessen; bitte bauen (swift build -c release --product webkasse) und GNU time installieren (apt-get install time)."
            )
        }
        let settings = ExportSettings()
        var oursNs = UInt64.max
        var baselineNs = UInt64.max
        var peakRSS = 0
        var lines = 0
        var bytes: Int64 = 0
        for round in 1...2 {
            let path = directory + "/central-\(round).csv"
            let rssPath = directory + "/central-\(round).rss"
            var arguments = ["-f", "%M", "-o", rssPath, webkasse, "central", "export", "--format", "csv", "--out", path, "--url", url]
            if let passwordFile { arguments += ["--password-file", passwordFile] }
            for register in registers { arguments += ["--register", register] }
            setenv("WEBKASSE_CENTRAL_PASSWORD", password ?? "", 1)
            let child = try ExportBench.spawn(time, arguments, stdoutTo: directory + "/central-export.log")
            oursNs = min(oursNs, child.ns)
            let rss = try String(contentsOfFile: rssPath, encoding: .utf8).split(separator: "\n").last.flatMap { Int($0) }
            guard let rss else { throw BenchError("central: \(time) schrieb keine Speicherangabe nach \(rssPath)") }
            peakRSS = max(peakRSS, rss)
            // "Export geschrieben: PFAD (CSV, 866600 Buchungen, 147275003 Bytes)": booking lines
            // without the header and the sums.
            let log = try String(contentsOfFile: directory + "/central-export.log", encoding: .utf8)
            guard let mark = log.range(of: " Buchungen, ", options: .backwards),
                let written = log[..<mark.lowerBound].split(whereSeparator: { !$0.isNumber }).last.flatMap({ Int($0) })
            else { throw BenchError("central: webkasse central export meldete keine Zahl der Buchungen: \(log.suffix(300))") }
            lines = written
            bytes = try ExportBench.fileSize(path)
            try? FileManager.default.removeItem(atPath: path)

            let baselinePath = directory + "/baseline-\(round).csv"
            baselineNs = min(
                baselineNs,
                try timed {
                    // psql's \\copy takes its statement on one line.
                    let query = baselineQuery(registers: registers, settings: settings).split(separator: "\n").joined(separator: " ")
                    try psql(url, password: password, script: "\\copy (\(query)) TO '\(baselinePath)' WITH (FORMAT csv)\n")
                })
            let baselineRows = try ExportBench.lineCount(baselinePath)
            try? FileManager.default.removeItem(atPath: baselinePath)
            guard baselineRows == lines else { throw BenchError("central: export schrieb \(lines) Buchungszeilen, die Abfrage der Basislinie \(baselineRows)") }
        }
        report.add("central", "export_registers", Double(registers.count), "registers")
        report.add("central", "export_lines", Double(lines), "lines")
        report.add("central", "export_bytes", Double(bytes) / 1e6, "MB")
        report.add("central", "export", Double(oursNs) / 1e6, "ms")
        report.add("central", "export_copy_baseline", Double(baselineNs) / 1e6, "ms")
        report.add("central", "export_ratio", Double(oursNs) / Double(max(baselineNs, 1)), "x")
        report.add("central", "export_peak_rss", Double(peakRSS), "kB")
    }

    /// The booking lines of the closed days of `registers` as one SELECT across them: the columns
    /// a ``BookingLine`` has (as ``ExportBench/baselineQuery(register:settings:)`` reads a ledger).
    static func baselineQuery(registers: [String], settings: ExportSettings) -> String {
        let list = registers.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
        let paymentAccount = { (column: String) in
            "CASE \(column) WHEN 'cash' THEN '\(settings.cashAccount)' WHEN 'card' THEN '\(settings.cardAccount)' ELSE '\(settings.chequeAccount)' END"
        }
        let shareText = """
            sl.name || CASE WHEN coalesce(sl.variant, '') <> '' THEN ' – ' || sl.variant ELSE '' END
              || CASE WHEN ls.label <> '' AND EXISTS (SELECT 1 FROM line_shares o WHERE o.register_id = ls.register_id AND o.seq = ls.seq
                    AND o.line_no = ls.line_no AND o.share_no <> ls.share_no)
                 THEN ' (' || ls.label || ')' ELSE '' END
            """
        let receipt = { (table: String) in "\(table).register_id || '-' || lpad(\(table).receipt_number::text, 6, '0')" }
        return """
            WITH closed AS (SELECT register_id, max(seq) AS through FROM day_closes WHERE register_id IN (\(list)) GROUP BY register_id)
            SELECT ls.seq, 'sale', sa.business_date, sa.register_id, dc.z_number, \(receipt("sa")), sa.id,
                   ls.line_no, ls.share_no, sl.item_code, \(shareText), ls.account, coalesce(ls.produkt, sl.produkt, ''),
                   coalesce(ls.kostenstelle, sl.kostenstelle, ''), coalesce(sa.reference, ''), ls.amount_cents, p.method,
                   \(paymentAccount("p.method")), '', op.name, ls.pass_through
              FROM line_shares ls JOIN closed c ON c.register_id = ls.register_id AND ls.seq <= c.through
              JOIN sale_lines sl ON sl.register_id = ls.register_id AND sl.seq = ls.seq AND sl.line_no = ls.line_no
              JOIN sales sa ON sa.register_id = ls.register_id AND sa.seq = ls.seq
              JOIN payments p ON p.register_id = ls.register_id AND p.seq = ls.seq
              JOIN day_closes dc ON dc.register_id = sa.register_id AND dc.shift_id = sa.shift_id
              JOIN operators op ON op.register_id = sa.register_id AND op.id = sa.operator_id
             WHERE ls.amount_cents <> 0
            UNION ALL
            SELECT st.seq, 'storno', st.business_date, st.register_id, dc.z_number, \(receipt("st")), sa.id,
                   ls.line_no, ls.share_no, sl.item_code, 'Storno: ' || \(shareText), ls.account, coalesce(ls.produkt, sl.produkt, ''),
                   coalesce(ls.kostenstelle, sl.kostenstelle, ''), coalesce(sa.reference, ''), -ls.amount_cents, rf.method,
                   \(paymentAccount("rf.method")), \(receipt("sa")), op.name, ls.pass_through
              FROM stornos st JOIN closed c ON c.register_id = st.register_id AND st.seq <= c.through
              JOIN sales sa ON sa.register_id = st.register_id AND sa.id = st.sale_id
              JOIN line_shares ls ON ls.register_id = sa.register_id AND ls.seq = sa.seq
              JOIN sale_lines sl ON sl.register_id = ls.register_id AND sl.seq = ls.seq AND sl.line_no = ls.line_no
              JOIN storno_refunds rf ON rf.register_id = st.register_id AND rf.seq = st.seq
              JOIN day_closes dc ON dc.register_id = st.register_id AND dc.shift_id = st.shift_id
              JOIN operators op ON op.register_id = st.register_id AND op.id = st.operator_id
             WHERE ls.amount_cents <> 0
            UNION ALL
            SELECT m.seq, 'cashMovement', m.business_date, m.register_id, dc.z_number, \(receipt("m")), m.id, 0, 0, '',
                   CASE m.kind WHEN 'einlage' THEN 'Einlage' WHEN 'entnahme' THEN 'Entnahme' ELSE 'Abschöpfung an die Stadtkasse' END
                     || ': ' || m.reason,
                   '\(settings.transitAccount)', '', '', '', CASE m.kind WHEN 'einlage' THEN m.amount_cents ELSE -m.amount_cents END,
                   'cash', '\(settings.cashAccount)', '', op.name, false
              FROM cash_movements m JOIN closed c ON c.register_id = m.register_id AND m.seq <= c.through
              JOIN day_closes dc ON dc.register_id = m.register_id AND dc.shift_id = m.shift_id
              JOIN operators op ON op.register_id = m.register_id AND op.id = m.operator_id
            UNION ALL
            SELECT d.seq, 'cashDifference', d.business_date, d.register_id, d.z_number, d.register_id || '-Z' || d.z_number, d.id, 0, 0, '',
                   CASE WHEN d.difference_cents >= 0 THEN 'Überschuss' ELSE 'Fehlbetrag' END || ' Tagesabschluss Z ' || d.z_number,
                   CASE WHEN d.difference_cents >= 0 THEN '\(settings.surplusAccount)' ELSE '\(settings.shortageAccount)' END,
                   '', '', '', d.difference_cents, 'cash', '\(settings.cashAccount)', '', op.name, false
              FROM day_closes d JOIN operators op ON op.register_id = d.register_id AND op.id = d.operator_id
             WHERE d.register_id IN (\(list)) AND d.difference_cents <> 0
            """
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
