import CLISupport
import Exports
import Foundation
import KasseCore
import Ledger
import SystemCalls

#if canImport(Glibc)
    import Glibc
#endif

/// `export`: realistic ledgers of five registers (K1…K5: many days of sales with 1–3 lines and
/// split shares, cash/card/cheque, stornos, cash movements, day closes, some with a difference)
/// holding at least 1,000,000 booking lines (100,000 with `--quick`), exported in every format
/// through the treasury's real path (``LedgerExport/run(_:now:progress:)``, as `webkasse export`
/// does: plan, read the ledgers, convert, write, SHA-256, fsync, rename, record the run).
///
/// Baseline in the same run: the `sqlite3` command-line shell (`-csv`) dumping the same
/// line-level rows (one SELECT per ledger joining sales, lines, shares, payments, stornos,
/// refunds, cash movements and day closes into the columns a booking line has) into a file in the
/// same directory.
enum ExportBench {
    /// Five registers of 400 sales a day: 1,000,000 booking lines fit in one fiscal year (a DATEV
    /// batch may not span two), about 290 business days from 2 January.
    static let registers = ["K1", "K2", "K3", "K4", "K5"]
    /// Booking lines per journal entry of the generated ledgers (measured 1.75: sales average two
    /// lines, some split; stornos, shifts, closes and movements give few). Sizes the ledgers.
    static let linesPerEntry = 1.72
    static let sqlite3Path = "/usr/bin/sqlite3"

    static func run(report: Report, quick: Bool, catalogPath: String) throws {
        guard access(sqlite3Path, X_OK) == 0 else {
            throw BenchError(
                "export: Die Basislinie braucht das sqlite3-Programm (\(sqlite3Path)); bitte installieren: apt-get install sqlite3 (scripts/test tut das).")
        }
        let targetLines = quick ? 100_000 : 1_000_000
        let entriesPerRegister = Int((Double(targetLines) / linesPerEntry / Double(registers.count)).rounded(.up))
        let data = try LedgerBench.temporaryDirectory("export")
        defer { try? FileManager.default.removeItem(atPath: data) }
        printError("webkasse-bench: erzeuge \(registers.count) Kassenbücher mit je \(entriesPerRegister) Einträgen …")
        for (index, register) in registers.enumerated() {
            _ = try LedgerBench.generate(
                entries: entriesPerRegister, openSales: 40, catalogPath: catalogPath, register: register,
                data: data, seed: 42 + UInt64(index))
        }
        let out = data + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let settings = ExportSettings()

        /// One measured run: wall time, CPU time, peak RSS (kB), bytes written, rows/lines.
        struct Run {
            var ns: UInt64 = .max
            var user = 0.0, system = 0.0
            var peakRSS = 0
            var bytes: Int64 = 0
            var rows = 0
            /// Keeps the fastest run's times and the largest peak RSS.
            mutating func keep(_ run: Run) {
                if run.ns < ns { (ns, user, system, bytes, rows) = (run.ns, run.user, run.system, run.bytes, run.rows) }
                peakRSS = max(peakRSS, run.peakRSS)
            }
        }
        // The machine is shared: `rounds` rounds of baseline + every format, side by side; each
        // figure is its fastest round (the peak RSS the largest).
        let rounds = quick ? 3 : 2
        var baseline = Run()
        var ours = [ExportFormat: Run]()
        var rssBefore = 0
        for round in 1...rounds {
            // sqlite3 -csv, one run per ledger, appending to one file.
            let baselinePath = out + "/baseline-\(round).csv"
            var run = Run()
            run.ns = 0
            for register in registers {
                let ledgerPath = DataDirectory.ledgerPath(data: data, register: register)
                let child = try spawn(
                    sqlite3Path, ["-readonly", "-csv", ledgerPath, baselineQuery(register: register, settings: settings)],
                    stdoutTo: baselinePath)
                run.ns += child.ns
                run.user += child.user
                run.system += child.system
                run.peakRSS = max(run.peakRSS, child.maxRSSKilobytes)
            }
            run.bytes = try fileSize(baselinePath)
            run.rows = try lineCount(baselinePath)
            try? FileManager.default.removeItem(atPath: baselinePath)
            baseline.keep(run)

            for format in ExportFormat.allCases {
                let path = out + "/export-\(round)." + format.rawValue
                let request = LedgerExportRequest(
                    dataDirectory: data, registers: [], format: format, scope: .closedDays, includeOpenDays: false, outputPath: path,
                    settings: settings, timeZone: BusinessCalendar.defaultTimeZone, exportedBy: "bench")
                // Hand the generator's freed heap back first, then count from here.
                trimHeap()
                resetPeakRSS()
                let rssAtStart = currentRSSKilobytes()
                var outcome: LedgerExport.Outcome?
                let before = cpuSeconds()
                let ns = try timed { outcome = try LedgerExport.run(request) }
                let after = cpuSeconds()
                let rss = peakRSSKilobytes()
                try? FileManager.default.removeItem(atPath: path)
                guard let result = outcome?.result, result.totals.isBalanced else {
                    throw BenchError("export: \(format.rawValue) wrote nothing or did not balance")
                }
                guard result.totals.recordCount == run.rows else {
                    throw BenchError("export: \(format.rawValue) wrote \(result.totals.recordCount) booking lines, the baseline query \(run.rows) rows")
                }
                ours[format, default: Run()].keep(
                    Run(
                        ns: ns, user: after.user - before.user, system: after.system - before.system,
                        peakRSS: rss, bytes: result.byteCount, rows: result.totals.recordCount))
                rssBefore = max(rssBefore, rssAtStart)
            }
        }

        let baselineSeconds = Double(baseline.ns) / 1e9
        report.add("export", "registers", Double(registers.count), "ledgers")
        report.add(
            "export", "ledger_bytes", Double(try registers.reduce(Int64(0)) { $0 + (try fileSize(DataDirectory.ledgerPath(data: data, register: $1))) }) / 1e6,
            "MB")
        report.add("export", "bookings", Double(baseline.rows), "lines")
        report.add("export", "rounds", Double(rounds), "rounds")
        report.add("export", "baseline_sqlite3_csv_seconds", baselineSeconds, "s")
        report.add("export", "baseline_sqlite3_csv_bytes", Double(baseline.bytes) / 1e6, "MB")
        report.add("export", "baseline_sqlite3_csv_rate", Double(baseline.bytes) / 1e6 / baselineSeconds, "MB/s")
        report.add("export", "baseline_sqlite3_csv_cpu_user", baseline.user, "s")
        report.add("export", "baseline_sqlite3_csv_cpu_system", baseline.system, "s")
        report.add("export", "rss_before_export", Double(rssBefore), "kB")
        for format in ExportFormat.allCases {
            let run = ours[format]!
            let seconds = Double(run.ns) / 1e9
            let name = format.rawValue
            report.add("export", "\(name)_seconds", seconds, "s")
            report.add("export", "\(name)_bytes", Double(run.bytes) / 1e6, "MB")
            report.add("export", "\(name)_rate", Double(run.bytes) / 1e6 / seconds, "MB/s")
            report.add("export", "\(name)_lines_rate", Double(run.rows) / seconds, "lines/s")
            report.add("export", "\(name)_cpu_user", run.user, "s")
            report.add("export", "\(name)_cpu_system", run.system, "s")
            report.add("export", "\(name)_peak_rss", Double(run.peakRSS), "kB")
            report.add("export", "\(name)_ratio", seconds / baselineSeconds, "x")
        }
        report.note(
            "export",
            "goal: every ratio ≤ 1.5 and peak RSS ≤ 64 MB (65536 kB); ours = LedgerExport.run over \(registers.count) ledgers (read, convert, write, SHA-256, fsync, rename, record the run), peak RSS = this process's peak during that export alone (the bench's own heap included: rss_before_export); each time the fastest of \(rounds) rounds (baseline and formats side by side per round); baseline = sqlite3 -readonly -csv, one SELECT per ledger returning the same line-level rows and columns, into a file in the same directory"
        )
        report.finish("export")
    }

    /// The booking lines of one ledger's closed days as one SELECT: the columns a ``BookingLine``
    /// has (seq, kind, date, register, Z, receipt, sale, line, share, item, text, Sachkonto,
    /// Produkt, Kostenstelle, Kassenzeichen, amount, method, payment account, storno reference,
    /// operator, pass-through), in journal order within each kind.
    static func baselineQuery(register: String, settings: ExportSettings) -> String {
        let r = register.replacingOccurrences(of: "'", with: "''")
        let paymentAccount = { (column: String) in
            "CASE \(column) WHEN 'cash' THEN '\(settings.cashAccount)' WHEN 'card' THEN '\(settings.cardAccount)' ELSE '\(settings.chequeAccount)' END"
        }
        let z = { (seq: String) in "(SELECT z_number FROM day_closes d WHERE d.seq >= \(seq) ORDER BY d.seq LIMIT 1)" }
        let shareText = """
            sl.name || CASE WHEN coalesce(sl.variant, '') <> '' THEN ' – ' || sl.variant ELSE '' END
              || CASE WHEN ls.label <> '' AND EXISTS (SELECT 1 FROM line_shares o WHERE o.seq = ls.seq AND o.line_no = ls.line_no AND o.share_no <> ls.share_no)
                 THEN ' (' || ls.label || ')' ELSE '' END
            """
        return """
            SELECT ls.seq, 'sale', sa.business_date, '\(r)', \(z("ls.seq")), printf('\(r)-%06d', sa.receipt_number), sa.id,
                   ls.line_no, ls.share_no, sl.item_code, \(shareText), ls.account, coalesce(ls.produkt, sl.produkt, ''),
                   coalesce(ls.kostenstelle, sl.kostenstelle, ''), coalesce(sa.reference, ''), ls.amount_cents, p.method,
                   \(paymentAccount("p.method")), '', op.name, ls.pass_through
              FROM line_shares ls JOIN sale_lines sl ON sl.seq = ls.seq AND sl.line_no = ls.line_no
              JOIN sales sa ON sa.seq = ls.seq JOIN payments p ON p.seq = ls.seq
              JOIN operators op ON op.id = sa.operator_id
             WHERE ls.seq <= (SELECT max(seq) FROM day_closes) AND ls.amount_cents <> 0
            UNION ALL
            SELECT st.seq, 'storno', st.business_date, '\(r)', \(z("st.seq")), printf('\(r)-%06d', st.receipt_number), sa.id,
                   ls.line_no, ls.share_no, sl.item_code, 'Storno: ' || \(shareText), ls.account, coalesce(ls.produkt, sl.produkt, ''),
                   coalesce(ls.kostenstelle, sl.kostenstelle, ''), coalesce(sa.reference, ''), -ls.amount_cents, rf.method,
                   \(paymentAccount("rf.method")), printf('\(r)-%06d', sa.receipt_number), op.name, ls.pass_through
              FROM stornos st JOIN sales sa ON sa.id = st.sale_id JOIN line_shares ls ON ls.seq = sa.seq
              JOIN sale_lines sl ON sl.seq = ls.seq AND sl.line_no = ls.line_no JOIN storno_refunds rf ON rf.seq = st.seq
              JOIN operators op ON op.id = st.operator_id
             WHERE st.seq <= (SELECT max(seq) FROM day_closes) AND ls.amount_cents <> 0
            UNION ALL
            SELECT m.seq, 'cashMovement', m.business_date, '\(r)', \(z("m.seq")), printf('\(r)-%06d', m.receipt_number), m.id, 0, 0, '',
                   CASE m.kind WHEN 'einlage' THEN 'Einlage' WHEN 'entnahme' THEN 'Entnahme' ELSE 'Abschöpfung an die Stadtkasse' END
                     || ': ' || m.reason,
                   '\(settings.transitAccount)', '', '', '', CASE m.kind WHEN 'einlage' THEN m.amount_cents ELSE -m.amount_cents END,
                   'cash', '\(settings.cashAccount)', '', op.name, 0
              FROM cash_movements m JOIN operators op ON op.id = m.operator_id
             WHERE m.seq <= (SELECT max(seq) FROM day_closes)
            UNION ALL
            SELECT c.seq, 'cashDifference', c.business_date, '\(r)', c.z_number, '\(r)-Z' || c.z_number, c.id, 0, 0, '',
                   CASE WHEN c.difference_cents >= 0 THEN 'Überschuss' ELSE 'Fehlbetrag' END || ' Tagesabschluss Z ' || c.z_number,
                   CASE WHEN c.difference_cents >= 0 THEN '\(settings.surplusAccount)' ELSE '\(settings.shortageAccount)' END,
                   '', '', '', c.difference_cents, 'cash', '\(settings.cashAccount)', '', op.name, 0
              FROM day_closes c JOIN operators op ON op.id = c.operator_id
             WHERE c.difference_cents <> 0;
            """
    }

    /// Runs `executable` with its standard output appended to `outputPath`; returns the wall time,
    /// the child's CPU times and its ru_maxrss (not reported: Linux carries the parent's peak into it at exec).
    static func spawn(_ executable: String, _ arguments: [String], stdoutTo outputPath: String) throws
        -> (ns: UInt64, maxRSSKilobytes: Int, user: Double, system: Double)
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let start = nowNanoseconds()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchError("\(executable): \(String(cString: strerror(spawned)))") }
        var usage = rusage()
        let status: Int32
        do { status = try Syscall.waitForChild(pid, usage: &usage) } catch { throw BenchError("wait4 \(executable): \(error.message)") }
        let ns = nowNanoseconds() - start
        guard status == 0 else { throw BenchError("\(executable) \(arguments.prefix(3).joined(separator: " ")) …: Status \(status)") }
        return (ns, Int(usage.ru_maxrss), seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }

    /// User and system CPU time of this process so far.
    static func cpuSeconds() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// Resets this process's peak RSS (VmHWM) to the current RSS, so the next reading covers only what follows.
    static func resetPeakRSS() {
        guard let fd = try? Syscall.open("/proc/self/clear_refs", O_WRONLY) else { return }
        try? Syscall.writeAll(fd, Array("5".utf8))
        Syscall.close(fd)
    }

    /// glibc's `malloc_trim(0)` (not in the Glibc module): returns freed heap pages to the system.
    static func trimHeap() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        typealias MallocTrim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }

    /// This process's resident set size now (VmRSS).
    static func currentRSSKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).filter(\.isNumber)) ?? 0
        }
        return 0
    }

    static func fileSize(_ path: String) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Newlines in the file (sqlite3 -csv ends every row with one; no field holds one here).
    static func lineCount(_ path: String) throws -> Int {
        let fd: Int32
        do { fd = try Syscall.open(path, O_RDONLY) } catch { throw BenchError("\(path): \(error.message)") }
        defer { Syscall.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var count = 0
        while true {
            let n: Int
            do { n = try Syscall.read(fd, into: &buffer) } catch { throw BenchError("\(path): \(error.message)") }
            guard n > 0 else { break }
            for i in 0..<n where buffer[i] == 10 { count += 1 }
        }
        return count
    }
}
