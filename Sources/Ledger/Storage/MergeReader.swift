import KasseCore

/// The one merge reader over the booked tables: the journal in `seq` order and, beside it, one
/// cursor per record table over the same range (constant memory, one sequential scan per table).
/// What an entry's rows mean is the reader's business: ``EventReader`` decodes records, verify's
/// ``VerifyReader`` hashes sales straight from their rows, ``Ledger/forEachBookedEntry(in:_:)``
/// reads only what booking lines need. Each consumes the rows at the entry's `seq` from
/// ``cursors``; rows no entry consumed are orphans (inserted, or their entry deleted).
final class MergeReader {
    /// Positioned on the current entry: `seq, kind, ref, recorded_at_ms, prev_hash, hash` (only
    /// `seq, kind` when the reader asked for `kindsOnly`).
    let journal: SQLiteStatement
    let cursors: RecordCursors

    /// `kindsOnly`: read only `seq` and `kind` of the journal. For the rest see
    /// ``RecordCursors/init(_:range:tables:columns:storageOrder:)``.
    init(
        _ db: SQLiteConnection, range: ClosedRange<Int64> = 1...Int64.max, kindsOnly: Bool = false, tables: Set<String>? = nil,
        columns: [String: [String]] = [:], storageOrder: Bool = false
    ) throws(SQLiteError) {
        let journalColumns = kindsOnly ? "seq, kind" : "seq, kind, ref, recorded_at_ms, prev_hash, hash"
        journal = try db.prepare("SELECT \(journalColumns) FROM journal WHERE seq BETWEEN ? AND ? ORDER BY seq")
        try journal.bind([.integer(range.lowerBound), .integer(range.upperBound)])
        cursors = try RecordCursors(db, range: range, tables: tables, columns: columns, storageOrder: storageOrder)
    }

    /// Moves to the next entry, first handing the rows before it to `orphan` (table, `seq`);
    /// false at the end, after handing every row left over to `orphan`.
    func next(orphan: (String, Int64) throws -> Void) throws -> Bool {
        guard try journal.step() else {
            try cursors.flushOrphans(before: nil, orphan)
            return false
        }
        seq = journal.int64(0)
        try cursors.flushOrphans(before: seq, orphan)
        return true
    }

    /// The current entry's `seq`.
    private(set) var seq: Int64 = 0

    /// Whether the current entry is of `kind` (compared as stored, without reading the column into
    /// a `String`).
    func isKind(_ kind: EntryKind) -> Bool {
        var raw = kind.rawValue
        return raw.withUTF8 { bytesEqual(journal.textBytes(1), $0) }
    }

    /// Some table's rows were not in `seq` order in storage: the merge must be read again by index.
    var outOfOrder: Bool { cursors.outOfOrder }
}

/// Byte-wise equality of two UTF-8 strings.
func bytesEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

func bytesEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: StaticString) -> Bool {
    b.withUTF8Buffer { bytesEqual(a, $0) }
}

/// One table read in `seq` order, one row ahead.
final class TableCursor {
    let table: String
    /// nil: the table is not read (a single-record read that does not need it).
    let statement: SQLiteStatement?
    /// The current row's `seq` (column 0), nil when the table is exhausted.
    private(set) var seq: Int64?
    /// Reading in storage order (`rowid`) instead of through the `seq` index: how many leading
    /// columns form the order key (`seq`, then e.g. `line_no`), 0 when reading by index.
    private let keyColumns: Int32
    private var lastKey = (Int64.min, Int64.min, Int64.min)
    /// A row came out of `seq` order (possible only in storage order): what was read is not the
    /// merge the index would give, and must be read again by index.
    private(set) var outOfOrder = false

    init(
        _ db: SQLiteConnection, table: String, columns: [String], order: String = "seq", range: ClosedRange<Int64>,
        skip: Bool = false, storageOrder: Bool = false
    ) throws(SQLiteError) {
        self.table = table
        guard !skip else {
            statement = nil
            keyColumns = 0
            return
        }
        let select = "SELECT \(columns.joined(separator: ", ")) FROM \(table)"
        // Rows are appended in `seq` order, so storage order is nearly always `seq` order, and
        // scanning the table directly saves a lookup per row from the index into the table.
        if storageOrder, range == 1...Int64.max, let statement = try? db.prepare(select + " ORDER BY rowid") {
            self.statement = statement
            keyColumns = Int32(order.split(separator: ",").count)
        } else {
            let statement = try db.prepare(select + " WHERE seq BETWEEN ? AND ? ORDER BY \(order)")
            try statement.bind([.integer(range.lowerBound), .integer(range.upperBound)])
            self.statement = statement
            keyColumns = 0
        }
        try advance()
    }

    func advance() throws(SQLiteError) {
        guard let statement else { return }
        guard try statement.step() else {
            seq = nil
            return
        }
        let s = statement.int64(0)
        seq = s
        if keyColumns > 0 {
            let key = (s, keyColumns > 1 ? statement.int64(1) : 0, keyColumns > 2 ? statement.int64(2) : 0)
            if !(key > lastKey) { outOfOrder = true }
            lastKey = key
        }
    }

    /// The current row, positioned after the `seq` column (only called when ``seq`` is set).
    var row: ColumnReader { ColumnReader(statement!, from: 1) }

    func at(_ s: Int64) -> Bool { seq == s }
}

/// One cursor per record table over the same `seq` range, merged with the journal by
/// ``MergeReader``.
final class RecordCursors {
    let register, operators, shifts, receipts, sales, lines, shares, payments: TableCursor
    let stornos, refunds, movements, closes, pending, resolutions, exports, audits, tse: TableCursor
    /// The cursors of the tables read.
    private let all: [TableCursor]

    /// `tables`: the tables read (nil: all). `columns`: a table's columns when not all are read
    /// (`seq` first, then the order key). `storageOrder`: read each table by `rowid` (see
    /// ``TableCursor``); then check ``outOfOrder`` after reading.
    init(
        _ db: SQLiteConnection, range: ClosedRange<Int64>, tables: Set<String>?, columns: [String: [String]] = [:],
        storageOrder: Bool = false
    ) throws(SQLiteError) {
        func cursor(_ table: String, _ all: [String], _ order: String = "seq") throws(SQLiteError) -> TableCursor {
            try TableCursor(
                db, table: table, columns: columns[table] ?? all, order: order, range: range,
                skip: tables.map { !$0.contains(table) } ?? false, storageOrder: storageOrder)
        }
        register = try cursor("register", Columns.register)
        operators = try cursor("operators", Columns.operators)
        shifts = try cursor("shifts", Columns.shifts)
        receipts = try cursor("receipts", Columns.receipts)
        sales = try cursor("sales", Columns.sales)
        lines = try cursor("sale_lines", Columns.saleLines, "seq, line_no")
        shares = try cursor("line_shares", Columns.lineShares, "seq, line_no, share_no")
        payments = try cursor("payments", Columns.payments, "seq, payment_no")
        stornos = try cursor("stornos", Columns.stornos)
        refunds = try cursor("storno_refunds", Columns.stornoRefunds, "seq, refund_no")
        movements = try cursor("cash_movements", Columns.cashMovements)
        closes = try cursor("day_closes", Columns.dayCloses)
        pending = try cursor("card_pending", Columns.cardPending)
        resolutions = try cursor("card_resolutions", Columns.cardResolutions)
        exports = try cursor("exports", Columns.exports)
        audits = try cursor("audit_events", Columns.auditEvents)
        tse = try cursor("tse_transactions", Columns.tseTransactions)
        all = [
            register, operators, shifts, receipts, sales, lines, shares, payments, stornos, refunds, movements, closes,
            pending, resolutions, exports, audits, tse,
        ].filter { $0.statement != nil }
    }

    /// Some table's rows were not in `seq` order in storage: the merge must be read again by index.
    var outOfOrder: Bool { all.contains { $0.outOfOrder } }

    /// Hands every row before `limit` (nil: all that are left) to `orphan` (table, `seq`).
    func flushOrphans(before limit: Int64?, _ orphan: (String, Int64) throws -> Void) throws {
        for c in all {
            while let s = c.seq, limit == nil || s < limit! {
                try orphan(c.table, s)
                try c.advance()
            }
        }
    }
}
