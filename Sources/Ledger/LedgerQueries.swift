import KasseCore

/// A booked receipt: what `receipts show N` prints.
public enum BookedReceipt: Equatable, Sendable {
    case sale(SaleRecord)
    /// A storno receipt with the sale it cancels.
    case storno(StornoRecord, original: SaleRecord)
    case cashMovement(CashMovementRecord)

    public var number: Int64 {
        switch self {
        case .sale(let s): return s.receiptNumber
        case .storno(let s, _): return s.receiptNumber
        case .cashMovement(let m): return m.receiptNumber
        }
    }
}

extension Ledger {
    /// Calls `body` with every entry in `range` and its record, in journal order, streaming
    /// (constant memory). Entries whose record is missing are skipped — `verify` reports them.
    public func forEachEvent(in range: ClosedRange<Int64> = 1...Int64.max, _ body: (JournalEntry, LedgerEvent) throws -> Void)
        throws
    {
        try readTransaction {
            do {
                try EventReader(db: db).read(range: range) { item in
                    if case .entry(let entry, let event?, _) = item { try body(entry, event) }
                }
            } catch let error as SQLiteError {
                throw LedgerError.sqlite(error)
            }
        }
    }

    /// The record booked at `seq` (reads only the tables of its kind).
    public func event(at seq: Int64) throws -> LedgerEvent? {
        guard let entry = try entry(at: seq), let kind = EntryKind(rawValue: entry.kind) else { return nil }
        var found: LedgerEvent?
        try readTransaction {
            do {
                try EventReader(db: db).read(range: seq...seq, tables: EventReader.tables(of: kind)) { item in
                    if case .entry(_, let event?, _) = item { found = event }
                }
            } catch let error as SQLiteError {
                throw LedgerError.sqlite(error)
            }
        }
        return found
    }

    /// The journal entry at `seq`.
    public func entry(at seq: Int64) throws -> JournalEntry? {
        try wrap { () throws(SQLiteError) -> JournalEntry? in
            let s = try db.prepare("SELECT seq, kind, ref, recorded_at_ms, prev_hash, hash FROM journal WHERE seq = ?")
            try s.bind([.integer(seq)])
            defer { s.reset() }  // an unfinished statement would pin an old read snapshot
            guard try s.step() else { return nil }
            var j = ColumnReader(s)
            return JournalEntry(
                seq: j.int64(), kind: j.text(), ref: j.text(), recordedAt: j.instant(), previousHash: j.text(), hash: j.text())
        }
    }

    func seq(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int64? {
        try wrap { () throws(SQLiteError) in
            let s = try db.prepare(sql)
            try s.bind(values)
            defer { s.reset() }  // an unfinished statement would pin an old read snapshot (SQLITE_BUSY_SNAPSHOT later)
            guard try s.step(), !s.isNull(0) else { return nil }
            return s.int64(0)
        }
    }

    /// The number of journal entries.
    public func entryCount() throws -> Int64 { try seq("SELECT count(*) FROM journal") ?? 0 }

    public func register() throws -> RegisterRecord? {
        guard let s = try seq("SELECT seq FROM register LIMIT 1"), case .register(let r)? = try event(at: s) else { return nil }
        return r
    }

    public func operatorRecord(id: String) throws -> OperatorRecord? {
        try operators(where: "o.id = ?", [.text(id)]).first
    }

    public func operatorRecord(login: String) throws -> OperatorRecord? {
        try operators(where: "o.login = ?", [.text(login)]).first
    }

    /// The shift that is open (opened and not yet closed by a day close), if any.
    public func openShift() throws -> ShiftRecord? {
        guard
            let s = try seq(
                "SELECT seq FROM shifts WHERE id NOT IN (SELECT shift_id FROM day_closes) ORDER BY seq DESC LIMIT 1"),
            case .shiftOpened(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    public func lastDayClose() throws -> DayCloseRecord? {
        guard let s = try seq("SELECT max(seq) FROM day_closes"), case .dayClose(let r)? = try event(at: s) else { return nil }
        return r
    }

    public func dayClose(zNumber: Int64) throws -> DayCloseRecord? {
        guard let s = try seq("SELECT seq FROM day_closes WHERE z_number = ?", [.integer(zNumber)]),
            case .dayClose(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    public func sale(id: String) throws -> SaleRecord? {
        guard let s = try seq("SELECT seq FROM sales WHERE id = ?", [.text(id)]), case .sale(let r)? = try event(at: s) else {
            return nil
        }
        return r
    }

    public func storno(id: String) throws -> StornoRecord? {
        guard let s = try seq("SELECT seq FROM stornos WHERE id = ?", [.text(id)]), case .storno(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    /// The storno of sale `saleId`, if it was cancelled.
    public func storno(ofSale saleId: String) throws -> StornoRecord? {
        guard let s = try seq("SELECT seq FROM stornos WHERE sale_id = ?", [.text(saleId)]),
            case .storno(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    public func cashMovement(id: String) throws -> CashMovementRecord? {
        guard let s = try seq("SELECT seq FROM cash_movements WHERE id = ?", [.text(id)]),
            case .cashMovement(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    /// The receipt with number `number`.
    public func receipt(number: Int64) throws -> BookedReceipt? {
        guard let s = try seq("SELECT seq FROM receipts WHERE number = ?", [.integer(number)]) else { return nil }
        switch try event(at: s) {
        case .sale(let sale)?: return .sale(sale)
        case .cashMovement(let movement)?: return .cashMovement(movement)
        case .storno(let storno)?:
            guard let original = try sale(id: storno.saleId) else { return nil }
            return .storno(storno, original: original)
        default: return nil
        }
    }

    /// The highest receipt number booked (0 if none).
    public func lastReceiptNumber() throws -> Int64 { try nextReceiptNumber() - 1 }

    public func cardPending(id: String) throws -> PendingCardPayment? {
        guard let s = try seq("SELECT seq FROM card_pending WHERE id = ?", [.text(id)]),
            case .cardPending(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    public func cardResolution(pendingId: String) throws -> CardResolution? {
        guard let s = try seq("SELECT seq FROM card_resolutions WHERE pending_id = ?", [.text(pendingId)]),
            case .cardResolved(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    /// Receipt numbers booked after journal entry `after`, ascending.
    public func receiptNumbers(after: Int64) throws -> [Int64] {
        try wrap { () throws(SQLiteError) -> [Int64] in
            // Through the seq index: `ORDER BY number` would make SQLite walk every receipt of
            // every day in number order (the whole table at start-up).
            let s = try db.prepare(PeriodSQL.receiptNumbers)
            try s.bind([.integer(after)])
            defer { s.reset() }
            var out: [Int64] = []
            while try s.step() { out.append(s.int64(0)) }
            out.sort()
            return out
        }
    }

    /// Card payments recorded as pending and not yet resolved, oldest first.
    public func unresolvedCardPayments() throws -> [PendingCardPayment] {
        let seqs = try wrap { () throws(SQLiteError) -> [Int64] in
            let s = try db.prepare(
                // A day close is refused while a card payment is pending, so none can be older than
                // the last close: look only at the open period (no scan of all card payments).
                """
                SELECT seq FROM card_pending
                WHERE seq > (SELECT coalesce(max(seq), 0) FROM day_closes)
                  AND id NOT IN (SELECT pending_id FROM card_resolutions)
                ORDER BY seq
                """)
            var out: [Int64] = []
            while try s.step() { out.append(s.int64(0)) }
            return out
        }
        return try seqs.compactMap { seq in
            if case .cardPending(let r)? = try event(at: seq) { return r }
            return nil
        }
    }

    /// The sequence number of the last day close (0 if none): the current period starts after it.
    public func lastDayCloseSeq() throws -> Int64 { try seq("SELECT max(seq) FROM day_closes") ?? 0 }

    /// Totals of the open period (since the last day close), for the X report and the day close.
    public func periodTotals() throws -> (afterSeq: Int64, totals: DayTotals) {
        try readTransaction {
            let after = try lastDayCloseSeq()
            return (after, try aggregatedTotals(after: after))
        }
    }

    /// The totals of the entries after `after`, summed by SQL over the seq-indexed tables (no
    /// event decoding), so a day close stays fast on a busy day. `verify` recomputes the same
    /// totals from the events with ``DayTotals/add(_:)`` and compares them with every booked close.
    func aggregatedTotals(after: Int64) throws -> DayTotals {
        try wrap { () throws(SQLiteError) -> DayTotals in
            var totals = DayTotals()
            func rows(_ sql: String, _ body: (SQLiteStatement) -> Void) throws(SQLiteError) {
                let s = try db.prepare(sql)
                try s.bind([.integer(after)])
                defer { s.reset() }
                while try s.step() { body(s) }
            }
            func receipts(_ s: SQLiteStatement, _ minColumn: Int32) {
                guard !s.isNull(minColumn) else { return }
                let lo = s.int64(minColumn)
                let hi = s.int64(minColumn + 1)
                totals.firstReceipt = min(totals.firstReceipt ?? lo, lo)
                totals.lastReceipt = max(totals.lastReceipt ?? hi, hi)
            }
            try rows("SELECT float_cents FROM shifts WHERE seq > ? ORDER BY seq DESC LIMIT 1") { totals.float = Money(cents: $0.int64(0)) }
            try rows(PeriodSQL.sales) {
                totals.saleCount = $0.int64(0)
                totals.sales = Money(cents: $0.int64(1))
                receipts($0, 2)
            }
            try rows(PeriodSQL.payments) {
                let amount = Money(cents: $0.int64(1))
                switch PaymentMethod(rawValue: $0.text(0)) {
                case .cash?: totals.cash = amount
                case .cheque?: totals.cheque = amount
                case .card?: totals.card = amount
                case nil: break
                }
            }
            try rows("SELECT count(*), coalesce(sum(total_cents), 0), min(receipt_number), max(receipt_number) FROM stornos WHERE seq > ?") {
                totals.stornoCount = $0.int64(0)
                totals.stornos = Money(cents: $0.int64(1))
                receipts($0, 2)
            }
            try rows("SELECT method, sum(amount_cents) FROM storno_refunds WHERE seq > ? GROUP BY method") {
                let amount = Money(cents: $0.int64(1))
                switch PaymentMethod(rawValue: $0.text(0)) {
                case .cash?: totals.stornoCash = amount
                case .cheque?: totals.stornoCheque = amount
                case .card?: totals.stornoCard = amount
                case nil: break
                }
            }
            try rows("SELECT kind, sum(amount_cents), min(receipt_number), max(receipt_number) FROM cash_movements WHERE seq > ? GROUP BY kind") {
                let amount = Money(cents: $0.int64(1))
                switch CashMovementKind(rawValue: $0.text(0)) {
                case .einlage?: totals.einlagen = amount
                case .entnahme?: totals.entnahmen = amount
                case .abschoepfung?: totals.abschoepfungen = amount
                case nil: break
                }
                receipts($0, 2)
            }
            return totals
        }
    }

    /// Every day close, in order.
    public func dayCloses() throws -> [DayCloseRecord] {
        var out: [DayCloseRecord] = []
        let seqs = try wrap { () throws(SQLiteError) -> [Int64] in
            let s = try db.prepare("SELECT seq FROM day_closes ORDER BY seq")
            var out: [Int64] = []
            while try s.step() { out.append(s.int64(0)) }
            return out
        }
        for seq in seqs { if case .dayClose(let r)? = try event(at: seq) { out.append(r) } }
        return out
    }
}

extension Ledger {
    /// The journal entry of receipt `number` (its hash is the receipt's check value).
    public func journalEntry(forReceipt number: Int64) throws -> JournalEntry? {
        guard let s = try seq("SELECT seq FROM receipts WHERE number = ?", [.integer(number)]) else { return nil }
        return try entry(at: s)
    }

    /// Whether a card payment with this terminal receipt number (and terminal id) is booked.
    public func isCardPaymentBooked(terminalId: String, receiptNumber: String, traceNumber: String) throws -> Bool {
        try seq(
            "SELECT seq FROM payments WHERE card_terminal_id = ? AND card_receipt_number = ? AND card_trace = ? LIMIT 1",
            [.text(terminalId), .text(receiptNumber), .text(traceNumber)]) != nil
    }

    /// Whether a card reversal with this terminal receipt number (and trace) is booked in a storno.
    public func isCardReversalBooked(terminalId: String, receiptNumber: String, traceNumber: String) throws -> Bool {
        try seq(
            "SELECT seq FROM storno_refunds WHERE card_terminal_id = ? AND card_receipt_number = ? AND card_trace = ? LIMIT 1",
            [.text(terminalId), .text(receiptNumber), .text(traceNumber)]) != nil
    }

    /// Every operator, in the order they were added.
    public func operators() throws -> [OperatorRecord] { try operators(where: "1") }

    /// The one operator reader: the `operators` rows matching `condition` (on `o`), in the order
    /// they were added, decoded as the event reader decodes them. A row counts only with its
    /// journal entry of that kind.
    private func operators(where condition: String, _ values: [SQLiteValue] = []) throws -> [OperatorRecord] {
        try wrap { () throws(SQLiteError) -> [OperatorRecord] in
            let columns = Columns.operators.map { "o." + $0 }.joined(separator: ", ")
            let s = try db.prepare(
                """
                SELECT \(columns) FROM operators o JOIN journal j ON j.seq = o.seq AND j.kind = '\(EntryKind.operatorAdded.rawValue)'
                 WHERE \(condition) ORDER BY o.seq
                """)
            defer { s.reset() }  // an unfinished statement would pin an old read snapshot
            try s.bind(values)
            var out: [OperatorRecord] = []
            while try s.step() {
                var r = ColumnReader(s, from: 1)
                out.append(r.operatorRecord())
            }
            return out
        }
    }

    /// The latest business date closed by a day close, if any.
    public func lastClosedBusinessDate() throws -> String? {
        try wrap { () throws(SQLiteError) -> String? in
            let s = try db.prepare("SELECT max(business_date) FROM day_closes")
            defer { s.reset() }  // an unfinished statement would pin an old read snapshot
            guard try s.step() else { return nil }
            return s.optionalText(0)
        }
    }
}

/// The open period's queries whose plans matter (covering indexes, the seq index); the storage
/// tests check their plans.
enum PeriodSQL {
    static let sales = "SELECT count(*), coalesce(sum(total_cents), 0), min(receipt_number), max(receipt_number) FROM sales WHERE seq > ?"
    /// `INDEXED BY`: the day close's `payments_method_period` (method first) would spare the sort
    /// but walk every payment ever booked.
    static let payments = "SELECT method, sum(amount_cents) FROM payments INDEXED BY payments_period_totals WHERE seq > ? GROUP BY method"
    static let receiptNumbers = "SELECT number FROM receipts WHERE seq > ? ORDER BY seq"
}
