import Access
import Counter
import Foundation
import KasseCore
import Ledger

/// Ledger scenarios: `booking`, `verify`, `startup`, `dayclose`.
enum LedgerBench {
    static func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "webkasse-bench-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A typical sale's basket: Personalausweis + Führungszeugnis + Meldebescheinigung.
    static func typicalBasket(_ catalog: TariffCatalog, date: BusinessDate) throws -> Basket {
        var basket = Basket(date: date)
        for code in ["PA", "FZ", "MB"] { try basket.add(code: code, from: catalog) }
        return basket
    }

    // MARK: booking

    /// Durable commit of a complete counter sale through the counter service, against the same rows
    /// inserted by plain SQL with the same pragmas (WAL, synchronous=FULL, foreign keys) in the same process.
    static func booking(report: Report, catalogPath: String, sales: Int) throws {
        let dir = try temporaryDirectory("booking")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let catalog = try TariffCatalogLoader.load(path: catalogPath)
        let service = try CounterService.open(data: dir, configuration: Configuration())
        let access = AccessControl(store: service.ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        let clerk = try access.setUp(login: "bench", name: "Bench", pin: "2580", pinRepeated: "2580")
        try service.openShift(operatorId: clerk.id, float: Money(cents: 10_000))
        let baselinePath = dir + "/baseline.sqlite"
        try PlainSQLite(path: service.ledger.path).execute("VACUUM INTO '\(baselinePath)'")
        let basket = try typicalBasket(catalog, date: BusinessDate.today())
        let firstSeq = try service.ledger.chainHead().seq + 1

        // Side by side, sale by sale (the machine is shared): ours, then the same rows by plain SQL.
        let source = try PlainSQLite(path: service.ledger.path)
        let tables = try source.strings(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'seq' ORDER BY (m.name <> 'journal'), m.rowid")
        let baseline = try PlainSQLite(path: baselinePath)
        var ours = Samples()
        var plain = Samples()
        var rowCount = 0
        var nextSeq = firstSeq
        for _ in 0..<sales {
            let request = SaleRequest(
                saleId: UUID().uuidString, operatorId: clerk.id, basket: basket,
                payment: .cash(tendered: Money(cents: 10_000)), startedAt: Instant.now)
            var outcome: SaleOutcome?
            // What the clerk waits for: the call returns at the commit; the receipt is rendered,
            // filed and printed after it (waited for here, outside the time, so that the next
            // sale and the baseline do not run beside it).
            try ours.add(timed { outcome = try service.bookSale(request) })
            _ = outcome?.receipt
            let head = try service.ledger.chainHead().seq
            var rows: [(sql: String, values: [SQLValue])] = []
            for seq in nextSeq...head {
                for table in tables {
                    for row in try source.rows("SELECT * FROM \(table) WHERE seq = ?", seq) {
                        rows.append(("INSERT INTO \(table) VALUES (\(Array(repeating: "?", count: row.count).joined(separator: ", ")))", row))
                    }
                }
            }
            nextSeq = head + 1
            rowCount += rows.count
            // The same rows, one transaction.
            try plain.add(
                timed {
                    try baseline.execute("BEGIN IMMEDIATE")
                    for row in rows { try baseline.insert(row.sql, row.values) }
                    try baseline.execute("COMMIT")
                })
        }
        let rowsPerSale = Double(rowCount) / Double(sales)
        // What follows the commit, outside the clerk's wait: rendering the receipt from the ledger, and its file.
        var render = Samples()
        var file = Samples()
        let last = try service.ledger.lastReceiptNumber()
        for _ in 0..<min(sales, 200) {
            var text = ""
            try render.add(timed { text = try service.receiptText(number: last, copy: false) ?? "" })
            try file.add(timed { try service.receiptStore.write(text, number: last) })
        }
        let oursTotal = ours.total
        let plainTotal = plain.total
        report.add("booking", "sales", Double(sales), "sales")
        report.add("booking", "rows_per_sale", rowsPerSale, "rows")
        report.add("booking", "p50", Double(ours.percentile(50)) / 1000, "us")
        report.add("booking", "p99", Double(ours.percentile(99)) / 1000, "us")
        report.add("booking", "throughput", Double(sales) / (Double(oursTotal) / 1e9), "sales/s")
        report.add("booking", "baseline_plain_sql_p50", Double(plain.percentile(50)) / 1000, "us")
        report.add("booking", "baseline_plain_sql_p99", Double(plain.percentile(99)) / 1000, "us")
        report.add("booking", "baseline_throughput", Double(sales) / (Double(plainTotal) / 1e9), "sales/s")
        report.add("booking", "part_receipt_render_p50", Double(render.percentile(50)) / 1000, "us")
        report.add("booking", "part_receipt_file_p50", Double(file.percentile(50)) / 1000, "us")
        report.add("booking", "ratio_p50", Double(ours.percentile(50)) / Double(max(plain.percentile(50), 1)), "x")
        report.note(
            "booking",
            "goal: ratio ≤ 1.3; ours = CounterService.bookSale until it returns (checks, 3 lines, cash, receipt number, chain hash, commit; the receipt is rendered and filed after the commit, outside this time); baseline = the same rows by plain INSERTs, one transaction per sale, same pragmas (WAL, synchronous=FULL), measured sale by sale beside ours; the render and file parts are what the receipt delivery does after the commit"
        )
        report.finish("booking")
    }

    // MARK: a large ledger for verify, startup and dayclose

    /// Fills a ledger with `entries` journal entries: days of sales (1–3 lines, cash/cheque/card),
    /// some stornos, an Abschöpfung a day and now and then an Einlage, a day close every
    /// `salesPerDay` sales (every seventh with a small difference); the last `openSales` sales stay
    /// in the open period. Returns the data directory (a new one unless `data` is given: several
    /// registers can share one).
    static func generate(
        entries: Int, openSales: Int, catalogPath: String, register: String = "K1", data given: String? = nil,
        seed: UInt64 = 42
    ) throws -> (data: String, registerId: String) {
        let data = try given ?? temporaryDirectory("ledger")
        let catalog = try TariffCatalogLoader.load(path: catalogPath)
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: data, register: register).ensuringDirectory())
        let items = catalog.itemsInForce(on: BusinessDate(iso: "2026-11-27")!)
        var rng = SplitMix64(seed: seed)
        let start = Instant(millisecondsSinceEpoch: 1_767_250_800_000)  // 2026-01-01 07:00 UTC
        var now = start
        var day = BusinessDate(iso: "2026-01-02")!
        var receipt: Int64 = 1
        var z: Int64 = 1
        let salesPerDay = 400
        var written = 0
        var shiftId = ""
        let operatorId = "op-bench"
        var salesToday = 0
        let closingSalesTarget = entries - openSales
        func line(_ item: TariffItem) throws -> SaleLine {
            let variant = item.variants[Int(rng.next() % UInt64(item.variants.count))]
            let price = variant.price(on: day) ?? variant.prices.last!.amount
            let quantity = Int64(1 + rng.next() % 2)
            let amount = try price.multiplied(by: quantity)
            return SaleLine(
                itemCode: item.code, name: item.name, variant: variant.name.isEmpty ? nil : variant.name, quantity: quantity,
                unitPrice: price, amount: amount, sachkonto: item.booking.revenueAccount, produkt: item.booking.product,
                kostenstelle: item.booking.costCentre, taxNote: item.taxNote,
                shares: item.booking.split(amount).map {
                    LineShare(
                        account: $0.account, produkt: $0.product, kostenstelle: $0.costCentre, amount: $0.amount, passThrough: $0.passThrough, label: $0.label)
                })
        }
        try ledger.transaction {
            _ = try ledger.append(.register(RegisterRecord(id: register, name: "Kasse \(register)", createdAt: now)), at: now)
            _ = try ledger.append(.operatorAdded(OperatorRecord(id: operatorId, login: "bench", name: "Bench", createdAt: now)), at: now)
            _ = try ledger.append(.operatorAdded(OperatorRecord(id: "op-sup", login: "aufsicht", name: "Aufsicht", createdAt: now)), at: now)
        }
        written = 3
        var saleIds: [String] = []
        while written < entries {
            try ledger.transaction {
                var batch = 0
                while batch < 5_000 && written < entries {
                    now = Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 30_000)
                    if shiftId.isEmpty {
                        shiftId = "shift-\(z)"
                        _ = try ledger.append(
                            .shiftOpened(ShiftRecord(id: shiftId, operatorId: operatorId, businessDate: day.iso, openedAt: now, float: Money(cents: 20_000))),
                            at: now)
                    } else if salesToday >= salesPerDay && written < closingSalesTarget {
                        let (after, totals) = try ledger.periodTotals()
                        let difference = Money(cents: z % 7 == 0 ? (z % 2 == 0 ? -50 : 20) : 0)
                        _ = try ledger.append(
                            .dayClose(
                                DayCloseRecord(
                                    id: "close-\(z)", zNumber: z, shiftId: shiftId, operatorId: operatorId, approvedBy: nil, businessDate: day.iso,
                                    closedAt: now, afterSeq: after, totals: totals, expectedCash: try totals.expectedCash,
                                    countedCash: try totals.expectedCash.adding(difference), difference: difference)), at: now)
                        z += 1
                        day = day.adding(days: 1)
                        shiftId = ""
                        salesToday = 0
                    } else if salesToday == salesPerDay / 2 || (salesToday == 1 && z % 5 == 0) {
                        let kind: CashMovementKind = salesToday == 1 ? .einlage : .abschoepfung
                        _ = try ledger.append(
                            .cashMovement(
                                CashMovementRecord(
                                    id: "move-\(receipt)", receiptNumber: receipt, shiftId: shiftId, operatorId: operatorId, approvedBy: nil, kind: kind,
                                    amount: Money(cents: kind == .einlage ? 5_000 : 50_000), reason: kind == .einlage ? "Wechselgeld" : "Tagesmitte",
                                    businessDate: day.iso, at: now)), at: now)
                        receipt += 1
                        salesToday += 1
                    } else if rng.next() % 100 == 0, let saleId = saleIds.popLast(), let sale = try ledger.sale(id: saleId),
                        sale.payments.allSatisfy({ $0.method != .card })
                    {
                        _ = try ledger.append(
                            .storno(
                                StornoRecord(
                                    id: "storno-\(receipt)", saleId: saleId, receiptNumber: receipt, shiftId: shiftId, operatorId: operatorId,
                                    approvedBy: "op-sup", reason: "Falsche Gebühr", businessDate: day.iso, at: now, total: sale.total,
                                    refunds: sale.payments.map { StornoRefund(method: $0.method, amount: $0.amount) })), at: now)
                        receipt += 1
                    } else {
                        let lines = try (0..<(1 + Int(rng.next() % 3))).map { _ in try line(items[Int(rng.next() % UInt64(items.count))]) }
                        let total = try Money.sum(lines.map(\.amount))
                        let payment: PaymentRecord
                        switch rng.next() % 10 {
                        case 0..<5:
                            let tendered = try Money(euros: 10).multiplied(by: total.cents / 1000 + (total.cents % 1000 == 0 ? 0 : 1))
                            payment = try .cash(tendered: tendered, change: tendered.subtracting(total))
                        case 5:
                            payment = PaymentRecord(
                                method: .cheque, amount: total, chequeNumber: "\(100_000 + receipt)", chequeBank: "Sparkasse", chequeDrawer: "M. Muster")
                        default:
                            payment = PaymentRecord(
                                method: .card, amount: total,
                                card: CardDetails(
                                    terminalId: "52523535", traceNumber: String(receipt), receiptNumber: String(receipt % 10_000), cardName: "girocard",
                                    maskedPAN: "############1234"))
                        }
                        let id = "sale-\(receipt)"
                        _ = try ledger.append(
                            .sale(
                                SaleRecord(
                                    id: id, receiptNumber: receipt, shiftId: shiftId, operatorId: operatorId, businessDate: day.iso,
                                    startedAt: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - 20_000), endedAt: now, reference: nil, total: total,
                                    lines: lines, payments: total.isZero ? [] : [payment])), at: now)
                        saleIds.append(id)
                        if saleIds.count > 50 { saleIds.removeFirst() }
                        receipt += 1
                        salesToday += 1
                    }
                    written += 1
                    batch += 1
                }
            }
        }
        // A real counter writes each receipt's file right after booking: give the open period its
        // files (content irrelevant here), so start-up sees a data directory as it would be.
        let receipts = DataDirectory.registerDirectory(data: data, register: register) + "/receipts"
        try FileManager.default.createDirectory(atPath: receipts, withIntermediateDirectories: true)
        let lastClose = try ledger.lastDayClose()
        let firstOpen = (lastClose?.totals.lastReceipt ?? 0) + 1
        if firstOpen < receipt {
            for number in firstOpen..<receipt {
                FileManager.default.createFile(atPath: receipts + "/" + String(format: "%06lld", number) + ".txt", contents: Data("Beleg \(number)\n".utf8))
            }
        }
        return (data, register)
    }

    static func verify(report: Report, data: String, registerId: String) throws {
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: data, register: registerId))
        // Baseline: sha256sum over the same canonical bytes, written out once.
        let bytesPath = data + "/canonical.bin"
        FileManager.default.createFile(atPath: bytesPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: bytesPath))
        var buffer: [UInt8] = []
        var count = 0
        try ledger.forEachEvent { entry, event in
            buffer += CanonicalEncoding.bytes(seq: entry.seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event)
            count += 1
            if buffer.count > 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer))
        try handle.close()
        let size = (try FileManager.default.attributesOfItem(atPath: bytesPath)[.size] as? NSNumber)?.int64Value ?? 0

        var reportResult: VerificationReport?
        // CPU time beside wall time: on this shared machine the wall clock also measures the neighbours.
        let cpuBefore = cpuNanoseconds(children: false)
        let oursNs = try timed { reportResult = try ledger.verify() }
        let oursCpuNs = cpuNanoseconds(children: false) - cpuBefore
        guard let result = reportResult, result.isClean else {
            throw BenchError("verify found problems: \(reportResult?.firstProblem?.description ?? "?")")
        }
        let childrenBefore = cpuNanoseconds(children: true)
        let baselineNs = try timed {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [bytesPath]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        let baselineCpuNs = cpuNanoseconds(children: true) - childrenBefore
        report.add("verify", "entries", Double(result.entryCount), "entries")
        report.add("verify", "canonical_bytes", Double(size) / 1e6, "MB")
        report.add("verify", "time", Double(oursNs) / 1e6, "ms")
        report.add("verify", "per_100k_entries", Double(oursNs) / 1e6 / Double(result.entryCount) * 100_000, "ms")
        report.add("verify", "baseline_sha256sum", Double(baselineNs) / 1e6, "ms")
        report.add("verify", "ratio", Double(oursNs) / Double(max(baselineNs, 1)), "x")
        report.add("verify", "cpu_time", Double(oursCpuNs) / 1e6, "ms")
        report.add("verify", "per_100k_entries_cpu", Double(oursCpuNs) / 1e6 / Double(result.entryCount) * 100_000, "ms")
        report.add("verify", "baseline_sha256sum_cpu", Double(baselineCpuNs) / 1e6, "ms")
        report.add("verify", "ratio_cpu", Double(oursCpuNs) / Double(max(baselineCpuNs, 1)), "x")
        report.note(
            "verify",
            "goal: ratio ≤ 2; ours = Ledger.verify (chain recomputed from the tables + every invariant); baseline = sha256sum over the canonical bytes of the same entries (one hash pass, no SQLite); *_cpu = user+system CPU time of each (the wall clock on a shared machine also counts the neighbours)"
        )
        report.finish("verify")
    }

    /// User + system CPU time of this process, or of its waited-for children.
    static func cpuNanoseconds(children: Bool) -> UInt64 {
        var usage = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
        let micros = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
        return UInt64(max(micros, 0)) * 1000
    }

    /// Opening a ledger with many bookings and reaching a ready counter: open, start-up recovery,
    /// catalogue and search index, open shift, interim totals.
    static func startup(report: Report, data: String, catalogPath: String, entries: Int64) throws {
        var configuration = Configuration()
        configuration.registerID = "K1"
        var shift: ShiftRecord?
        let ns = try timed {
            let service = try CounterService.open(data: data, configuration: configuration)
            _ = try service.start()
            let catalog = try TariffCatalogLoader.load(path: catalogPath)
            _ = CatalogSearch(catalog: catalog)
            shift = try service.openShift()
            _ = try service.ledger.nextReceiptNumber()
        }
        // Baseline: opening the same SQLite file and reading the chain head by plain SQL.
        let baselineNs = try timed {
            let raw = try PlainSQLite(path: DataDirectory.ledgerPath(data: data, register: "K1"))
            _ = try raw.strings("SELECT hash FROM journal ORDER BY seq DESC LIMIT 1")
        }
        report.add("startup", "entries", Double(entries), "entries")
        report.add("startup", "time", Double(ns) / 1e6, "ms")
        report.add("startup", "baseline_open_sqlite", Double(baselineNs) / 1e6, "ms")
        report.add("startup", "ratio", Double(ns) / Double(max(baselineNs, 1)), "x")
        report.note(
            "startup",
            "goal: < 100 ms; ready = ledger opened + migrations checked + pending card payments resolved + catalogue loaded and indexed + open shift found (\(shift == nil ? "none" : "open"))"
        )
        report.finish("startup")
    }

    static func dayclose(report: Report, data: String, openSales: Int, cold: Bool) throws {
        var configuration = Configuration()
        configuration.registerID = "K1"
        let ledgerPath = DataDirectory.ledgerPath(data: data, register: "K1")
        let settings = DayCloseSettings(configuration: configuration)
        // Baseline: the same period summed by one plain SQL aggregate over the sales table.
        func baseline(after: Int64) throws -> UInt64 {
            let raw = try PlainSQLite(path: ledgerPath)
            return try timed { _ = try raw.rows("SELECT count(*), sum(total_cents) FROM sales WHERE seq > ?", after) }
        }
        // A counter finds the ledger it booked into all day in the file cache.
        readIntoFileCache([ledgerPath, ledgerPath + "-wal"])
        let service = try CounterService.open(data: data, configuration: configuration)
        let dayClose = DayCloseService(counter: service, settings: settings)
        // The clerk's path: the day-close screen opens (period, Sollbestand, next Z number), the
        // drawer is counted by denomination, F10 books the close and writes the Z report.
        var preparation: DayClosePreparation?
        let prepareNs = try timed { preparation = try dayClose.prepare(operatorId: "op-bench", blindCount: false) }
        guard var prepared = preparation else { throw BenchError("dayclose: no preparation") }
        let expected = try prepared.draft.expected.total()
        prepared.draft.submitCount(.standIn(total: expected))
        let request = DayCloseRequest(preparation: prepared, floatKept: prepared.floatSuggestion)
        var outcome: DayCloseOutcome?
        let closeNs = try timed { outcome = try dayClose.close(request, operatorId: "op-bench", approvedBy: nil) }
        guard let close = outcome?.record else { throw BenchError("dayclose: not booked") }
        let ns = prepareNs + closeNs
        let baselineNs = try baseline(after: close.afterSeq)
        report.add("dayclose", "sales_in_period", Double(close.totals.saleCount), "sales")
        report.add("dayclose", "time", Double(ns) / 1e6, "ms")
        report.add("dayclose", "part_prepare", Double(prepareNs) / 1e6, "ms")
        report.add("dayclose", "part_close", Double(closeNs) / 1e6, "ms")
        report.add("dayclose", "baseline_sql_sum", Double(baselineNs) / 1e6, "ms")
        report.add("dayclose", "ratio", Double(ns) / Double(max(baselineNs, 1)), "x")
        if cold {
            // The closed day's Z report made again (`webkasse report z 1`: the period read anew by
            // SQL) and the baseline, each after the file cache was emptied: every page from the disk.
            guard emptyFileCache() else { throw BenchError("dayclose --cold: der Datei-Cache ließ sich nicht leeren") }
            let reread = try CounterService.open(data: data, configuration: configuration)
            let coldNs = try timed { _ = try DayCloseService(counter: reread, settings: settings).zReportText(zNumber: close.zNumber) }
            _ = emptyFileCache()
            let coldBaselineNs = try baseline(after: close.afterSeq)
            report.add("dayclose", "cold_z_report_again", Double(coldNs) / 1e6, "ms")
            report.add("dayclose", "cold_baseline_sql_sum", Double(coldBaselineNs) / 1e6, "ms")
            report.add("dayclose", "cold_ratio", Double(coldNs) / Double(max(coldBaselineNs, 1)), "x")
        }
        report.note(
            "dayclose",
            "goal: < 100 ms for \(openSales) sales; ours = DayCloseService.prepare (period itemised by SQL, Sollbestand, Z number) + close with a count by denomination (checks, chained entry with count and totals, Z report rendered and written); the ledger read once into the file cache before, as on a counter that booked the day's sales\(cold ? "; cold_* = the Z report made again from the ledger (the period read anew) and the baseline, each after the file cache was emptied" : "")"
        )
        report.finish("dayclose")
    }
}

/// A small deterministic random generator (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    /// Creates the parent directory of this path and returns the path.
    func ensuringDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: (self as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return self
    }
}
