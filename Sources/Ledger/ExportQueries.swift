/// Read queries the treasury exports need (issue 8): period boundaries of day closes, earlier
/// export runs, operators, and the journal range of a business-date range.
public struct DayCloseBoundary: Equatable, Sendable {
    /// The day close's own journal entry; its period is `afterSeq + 1 … seq`.
    public let seq: Int64
    public let zNumber: Int64
    public let afterSeq: Int64
    public let businessDate: String

    public init(seq: Int64, zNumber: Int64, afterSeq: Int64, businessDate: String) {
        self.seq = seq; self.zNumber = zNumber; self.afterSeq = afterSeq; self.businessDate = businessDate
    }
}

extension Ledger {
    /// Every day close's journal position and period, in order (one small row per close).
    public func dayCloseBoundaries() throws -> [DayCloseBoundary] {
        try wrap { () throws(SQLiteError) -> [DayCloseBoundary] in
            let s = try db.prepare("SELECT seq, z_number, after_seq, business_date FROM day_closes ORDER BY seq")
            var out: [DayCloseBoundary] = []
            while try s.step() {
                out.append(DayCloseBoundary(seq: s.int64(0), zNumber: s.int64(1), afterSeq: s.int64(2), businessDate: s.text(3)))
            }
            return out
        }
    }

    /// Every recorded export run, in order.
    public func exportRuns() throws -> [ExportRecord] {
        let seqs = try wrap { () throws(SQLiteError) -> [Int64] in
            let s = try db.prepare("SELECT seq FROM exports ORDER BY seq")
            var out: [Int64] = []
            while try s.step() { out.append(s.int64(0)) }
            return out
        }
        return try seqs.compactMap { seq in
            if case .export(let record)? = try event(at: seq) { return record }
            return nil
        }
    }

    /// Every operator (Bediener), keyed by id.
    public func operatorsById() throws -> [String: OperatorRecord] {
        let seqs = try wrap { () throws(SQLiteError) -> [Int64] in
            let s = try db.prepare("SELECT seq FROM operators ORDER BY seq")
            var out: [Int64] = []
            while try s.step() { out.append(s.int64(0)) }
            return out
        }
        var out: [String: OperatorRecord] = [:]
        for seq in seqs { if case .operatorAdded(let r)? = try event(at: seq) { out[r.id] = r } }
        return out
    }

    /// The journal range holding the sales, stornos, cash movements and day closes whose business
    /// date lies in `from … to` (ISO dates), or `nil` if there are none.
    public func journalRange(businessDatesFrom from: String, to: String) throws -> ClosedRange<Int64>? {
        try wrap { () throws(SQLiteError) -> ClosedRange<Int64>? in
            let s = try db.prepare(
                """
                SELECT min(lo), max(hi) FROM (
                  SELECT min(seq) AS lo, max(seq) AS hi FROM sales WHERE business_date BETWEEN ?1 AND ?2
                  UNION ALL SELECT min(seq), max(seq) FROM stornos WHERE business_date BETWEEN ?1 AND ?2
                  UNION ALL SELECT min(seq), max(seq) FROM cash_movements WHERE business_date BETWEEN ?1 AND ?2
                  UNION ALL SELECT min(seq), max(seq) FROM day_closes WHERE business_date BETWEEN ?1 AND ?2)
                """)
            try s.bind([.text(from), .text(to)])
            guard try s.step(), !s.isNull(0), !s.isNull(1) else { return nil }
            return s.int64(0)...s.int64(1)
        }
    }
}

extension Ledger {
    /// The first and last business date (ISO) of the sales, stornos, cash movements and day
    /// closes booked in the journal range `range`, or `nil` if there are none.
    public func businessDates(inJournal range: ClosedRange<Int64>) throws -> (first: String, last: String)? {
        try wrap { () throws(SQLiteError) -> (first: String, last: String)? in
            let s = try db.prepare(
                """
                SELECT min(lo), max(hi) FROM (
                  SELECT min(business_date) AS lo, max(business_date) AS hi FROM sales WHERE seq BETWEEN ?1 AND ?2
                  UNION ALL SELECT min(business_date), max(business_date) FROM stornos WHERE seq BETWEEN ?1 AND ?2
                  UNION ALL SELECT min(business_date), max(business_date) FROM cash_movements WHERE seq BETWEEN ?1 AND ?2
                  UNION ALL SELECT min(business_date), max(business_date) FROM day_closes WHERE seq BETWEEN ?1 AND ?2)
                """)
            try s.bind([.integer(range.lowerBound), .integer(range.upperBound)])
            guard try s.step(), !s.isNull(0), !s.isNull(1) else { return nil }
            return (s.text(0), s.text(1))
        }
    }
}

extension Ledger {
    /// About how many booking lines an export of the journal range `range` gives (for a progress
    /// bar): the line shares of its sales and of the sales its stornos cancel, plus its cash
    /// movements and day closes. Sales paid by several methods give a few more.
    public func bookingLineEstimate(inJournal range: ClosedRange<Int64>) throws -> Int64 {
        try wrap { () throws(SQLiteError) -> Int64 in
            let s = try db.prepare(
                """
                SELECT (SELECT count(*) FROM line_shares WHERE seq BETWEEN ?1 AND ?2)
                     + (SELECT count(*) FROM stornos st JOIN sales sa ON sa.id = st.sale_id
                          JOIN line_shares ls ON ls.seq = sa.seq WHERE st.seq BETWEEN ?1 AND ?2)
                     + (SELECT count(*) FROM cash_movements WHERE seq BETWEEN ?1 AND ?2)
                     + (SELECT count(*) FROM day_closes WHERE seq BETWEEN ?1 AND ?2 AND difference_cents <> 0)
                """)
            try s.bind([.integer(range.lowerBound), .integer(range.upperBound)])
            guard try s.step() else { return 0 }
            return s.int64(0)
        }
    }
}
import KasseCore

// MARK: What exports read of the entries that move money

/// An amount paid or refunded by one payment method.
public struct BookedAmount: Equatable, Sendable {
    public let method: PaymentMethod
    public let cents: Int64

    public init(method: PaymentMethod, cents: Int64) {
        self.method = method
        self.cents = cents
    }
}

/// A sold line as exports read it: item, text parts, cost accounting and its split shares.
public struct BookedLine: Equatable, Sendable {
    public let itemCode: String
    public let name: String
    public let variant: String?
    public let produkt: String?
    public let kostenstelle: String?
    public let shares: [LineShare]

    public init(itemCode: String, name: String, variant: String?, produkt: String?, kostenstelle: String?, shares: [LineShare]) {
        self.itemCode = itemCode
        self.name = name
        self.variant = variant
        self.produkt = produkt
        self.kostenstelle = kostenstelle
        self.shares = shares
    }
}

/// A sale as exports read it (``Ledger/forEachBookedEntry(in:_:)``): what its booking lines
/// need, nothing of the drawer, the card slip or the tax note.
public struct BookedSale: Equatable, Sendable {
    public let id: String
    public let receiptNumber: Int64
    public let operatorId: String
    /// ISO business date.
    public let businessDate: String
    /// The Kassenzeichen, if any.
    public let reference: String?
    public let lines: [BookedLine]
    /// The payments in order.
    public let payments: [BookedAmount]

    public init(id: String, receiptNumber: Int64, operatorId: String, businessDate: String, reference: String?, lines: [BookedLine],
                payments: [BookedAmount]) {
        self.id = id
        self.receiptNumber = receiptNumber
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.reference = reference
        self.lines = lines
        self.payments = payments
    }
}

/// A storno as exports read it: the sale it cancels and the refunds in order.
public struct BookedStorno: Equatable, Sendable {
    public let saleId: String
    public let receiptNumber: Int64
    public let operatorId: String
    public let businessDate: String
    public let refunds: [BookedAmount]

    public init(saleId: String, receiptNumber: Int64, operatorId: String, businessDate: String, refunds: [BookedAmount]) {
        self.saleId = saleId
        self.receiptNumber = receiptNumber
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.refunds = refunds
    }
}

/// A day close as exports read it: its Z number and the cash difference.
public struct BookedDayClose: Equatable, Sendable {
    public let id: String
    public let zNumber: Int64
    public let operatorId: String
    public let businessDate: String
    public let difference: Money

    public init(id: String, zNumber: Int64, operatorId: String, businessDate: String, difference: Money) {
        self.id = id
        self.zNumber = zNumber
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.difference = difference
    }
}

/// A journal entry that moves money, with what the treasury's exports need of it.
public enum BookedEntry: Equatable, Sendable {
    case sale(BookedSale)
    case storno(BookedStorno)
    case cashMovement(CashMovementRecord)
    case dayClose(BookedDayClose)
}

extension Ledger {
    /// The sales, stornos, cash movements and day closes in the journal range `range`, in journal
    /// order, for an export: one ordered scan per table (constant memory), only the columns
    /// booking lines need. A record counts only with its journal entry of that kind; the hash
    /// chain, the receipt index and the card slips are `verify`'s business, not read here.
    public func forEachBookedEntry(in range: ClosedRange<Int64>, _ body: (Int64, BookedEntry) throws -> Void) throws {
        try readTransaction {
            let reader = try wrap { () throws(SQLiteError) in try BookedEntryReader(db, range: range) }
            while let next = try wrap({ () throws(SQLiteError) in try reader.next() }) {
                try body(next.0, next.1)
            }
        }
    }

    /// The sale `id` as exports read it (the sale a storno cancels), or `nil`.
    public func bookedSale(id: String) throws -> BookedSale? {
        try wrap { () throws(SQLiteError) -> BookedSale? in
            let sales = try db.prepare(BookedEntryReader.saleByIdSQL)
            let lines = try db.prepare(BookedEntryReader.linesSQL)
            let shares = try db.prepare(BookedEntryReader.sharesSQL)
            let payments = try db.prepare(BookedEntryReader.paymentsSQL)
            defer { for s in [sales, lines, shares, payments] { s.reset() } }
            try sales.bind([.text(id)])
            guard try sales.step() else { return nil }
            let seq = sales.int64(0)
            for s in [lines, shares, payments] { try s.bind([.integer(seq), .integer(seq)]) }
            var row = ColumnReader(sales, from: 1)
            return try BookedEntryReader.sale(
                &row, seq: seq, lines: try SeqCursor(lines), shares: try SeqCursor(shares), payments: try SeqCursor(payments))
        }
    }
}

/// One table's rows in `seq` order (column 0), one row ahead.
final class SeqCursor {
    let statement: SQLiteStatement
    private(set) var seq: Int64?

    init(_ statement: SQLiteStatement) throws(SQLiteError) {
        self.statement = statement
        try advance()
    }

    func advance() throws(SQLiteError) { seq = try statement.step() ? statement.int64(0) : nil }

    /// Skips rows before `s` (rows of no entry read here); whether the current row belongs to `s`.
    func at(_ s: Int64) throws(SQLiteError) -> Bool {
        while let current = seq, current < s { try advance() }
        return seq == s
    }

    /// The current row after the `seq` column.
    var row: ColumnReader { ColumnReader(statement, from: 1) }
}

/// The merge of the export's tables by `seq` behind ``Ledger/forEachBookedEntry(in:_:)``.
struct BookedEntryReader {
    static let saleColumns = """
        SELECT s.seq, s.id, s.receipt_number, s.operator_id, s.business_date, s.reference FROM sales s
          JOIN journal j ON j.seq = s.seq AND j.kind = 'sale'
        """
    static let saleSQL = saleColumns + " WHERE s.seq BETWEEN ?1 AND ?2 ORDER BY s.seq"
    static let saleByIdSQL = saleColumns + " WHERE s.id = ?1"
    static let linesSQL = """
        SELECT seq, line_no, item_code, name, variant, produkt, kostenstelle FROM sale_lines
         WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq, line_no
        """
    static let sharesSQL = """
        SELECT seq, line_no, account, produkt, kostenstelle, amount_cents, pass_through, label FROM line_shares
         WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq, line_no, share_no
        """
    static let paymentsSQL = "SELECT seq, method, amount_cents FROM payments WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq, payment_no"
    static let stornoSQL = """
        SELECT s.seq, s.sale_id, s.receipt_number, s.operator_id, s.business_date FROM stornos s
          JOIN journal j ON j.seq = s.seq AND j.kind = 'storno' WHERE s.seq BETWEEN ?1 AND ?2 ORDER BY s.seq
        """
    static let refundsSQL = "SELECT seq, method, amount_cents FROM storno_refunds WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq, refund_no"
    static let movementSQL = """
        SELECT m.seq, m.id, m.receipt_number, m.shift_id, m.operator_id, m.approved_by, m.kind, m.amount_cents, m.reason,
               m.business_date, m.at_ms FROM cash_movements m
          JOIN journal j ON j.seq = m.seq AND j.kind = 'cash_movement' WHERE m.seq BETWEEN ?1 AND ?2 ORDER BY m.seq
        """
    static let closeSQL = """
        SELECT c.seq, c.id, c.z_number, c.operator_id, c.business_date, c.difference_cents FROM day_closes c
          JOIN journal j ON j.seq = c.seq AND j.kind = 'day_close' WHERE c.seq BETWEEN ?1 AND ?2 ORDER BY c.seq
        """

    let sales, lines, shares, payments, stornos, refunds, movements, closes: SeqCursor

    init(_ db: SQLiteConnection, range: ClosedRange<Int64>) throws(SQLiteError) {
        func cursor(_ sql: String) throws(SQLiteError) -> SeqCursor {
            let statement = try db.prepare(sql)
            try statement.bind([.integer(range.lowerBound), .integer(range.upperBound)])
            return try SeqCursor(statement)
        }
        sales = try cursor(Self.saleSQL)
        lines = try cursor(Self.linesSQL)
        shares = try cursor(Self.sharesSQL)
        payments = try cursor(Self.paymentsSQL)
        stornos = try cursor(Self.stornoSQL)
        refunds = try cursor(Self.refundsSQL)
        movements = try cursor(Self.movementSQL)
        closes = try cursor(Self.closeSQL)
    }

    /// The next entry in journal order, `nil` at the end.
    func next() throws(SQLiteError) -> (Int64, BookedEntry)? {
        var lowest = Int64.max
        for cursor in [sales, stornos, movements, closes] { if let s = cursor.seq, s < lowest { lowest = s } }
        guard lowest != Int64.max else { return nil }
        let s = lowest
        if sales.seq == s {
            var r = sales.row
            let sale = try Self.sale(&r, seq: s, lines: lines, shares: shares, payments: payments)
            try sales.advance()
            return (s, .sale(sale))
        }
        if stornos.seq == s {
            var r = stornos.row
            let saleId = r.text(), receiptNumber = r.int64(), operatorId = r.text(), businessDate = r.text()
            try stornos.advance()
            var amounts: [BookedAmount] = []
            while try refunds.at(s) {
                var f = refunds.row
                amounts.append(BookedAmount(method: PaymentMethod(rawValue: f.text()) ?? .cash, cents: f.int64()))
                try refunds.advance()
            }
            return (s, .storno(BookedStorno(saleId: saleId, receiptNumber: receiptNumber, operatorId: operatorId,
                                            businessDate: businessDate, refunds: amounts)))
        }
        if movements.seq == s {
            var r = movements.row
            let id = r.text(), receiptNumber = r.int64(), shiftId = r.text(), operatorId = r.text()
            let approvedBy = r.optionalText(), kindText = r.text(), amount = Money(cents: r.int64()), reason = r.text()
            let record = CashMovementRecord(
                id: id, receiptNumber: receiptNumber, shiftId: shiftId, operatorId: operatorId, approvedBy: approvedBy,
                kind: CashMovementKind(rawValue: kindText) ?? .einlage, amount: amount, reason: reason, businessDate: r.text(),
                at: Instant(millisecondsSinceEpoch: r.int64()))
            try movements.advance()
            return (s, .cashMovement(record))
        }
        var r = closes.row
        let close = BookedDayClose(id: r.text(), zNumber: r.int64(), operatorId: r.text(), businessDate: r.text(),
                                   difference: Money(cents: r.int64()))
        try closes.advance()
        return (s, .dayClose(close))
    }

    /// The sale whose `sales` row `r` is (after its `seq`), with its lines, shares and payments.
    static func sale(_ r: inout ColumnReader, seq s: Int64, lines: SeqCursor, shares: SeqCursor, payments: SeqCursor)
        throws(SQLiteError) -> BookedSale
    {
        let id = r.text(), receiptNumber = r.int64(), operatorId = r.text(), businessDate = r.text(), reference = r.optionalText()
        var bookedLines: [BookedLine] = []
        while try lines.at(s) {
            var l = lines.row
            let lineNo = l.int64()
            let itemCode = l.text(), name = l.text(), variant = l.optionalText(), produkt = l.optionalText()
            let kostenstelle = l.optionalText()
            try lines.advance()
            var lineShares: [LineShare] = []
            while try shares.at(s) {
                var h = shares.row
                let shareLine = h.int64()
                if shareLine < lineNo {  // a share of a line that is missing
                    try shares.advance()
                    continue
                }
                guard shareLine == lineNo else { break }
                lineShares.append(
                    LineShare(account: h.text(), produkt: h.optionalText(), kostenstelle: h.optionalText(),
                              amount: Money(cents: h.int64()), passThrough: h.int64() != 0, label: h.text()))
                try shares.advance()
            }
            bookedLines.append(BookedLine(itemCode: itemCode, name: name, variant: variant, produkt: produkt,
                                          kostenstelle: kostenstelle, shares: lineShares))
        }
        var amounts: [BookedAmount] = []
        while try payments.at(s) {
            var p = payments.row
            amounts.append(BookedAmount(method: PaymentMethod(rawValue: p.text()) ?? .cash, cents: p.int64()))
            try payments.advance()
        }
        return BookedSale(id: id, receiptNumber: receiptNumber, operatorId: operatorId, businessDate: businessDate,
                          reference: reference, lines: bookedLines, payments: amounts)
    }
}
