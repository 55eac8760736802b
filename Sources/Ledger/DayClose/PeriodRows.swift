import KasseCore

/// What the X and Z reports itemise about a period, summed by SQL over the seq-indexed tables
/// (docs/dayclose.md): no sale is decoded, so a day close with 100,000 sales costs a handful of
/// aggregates. The counter's day close turns these rows into the report's totals.
///
/// Booking refuses a sale without lines, a line without shares, shares that do not add up to
/// their line and negative shares or payments (``RecordChecks``), so an item is summed from its
/// lines, an hour from its sales, and every line, share and payment counts once.
public struct PeriodRows: Sendable {
    /// One item code: its lines, their sum, and the name of its first line.
    public struct Item: Sendable, Equatable {
        public let itemCode: String
        public let name: String
        public let variant: String?
        public let lines: Int
        public let amount: Money
    }

    /// One account with or without pass-through shares (`passThrough`), and for pass-through
    /// shares the item text of the first one.
    public struct AccountShares: Sendable, Equatable {
        public let account: String
        public let passThrough: Bool
        public let firstItemName: String
        public let firstItemVariant: String?
        public let shares: Int
        public let amount: Money
    }

    /// The sales of one span of time (a whole number of spans from the Unix epoch), short enough
    /// to lie in one local hour (see ``Ledger/periodRows(after:before:salesSpanMinutes:)``).
    public struct SalesSpan: Sendable, Equatable {
        public let startsAt: Instant
        public let amount: Money
    }

    /// Payments (or storno refunds) of one method: the sum of their amounts and their count as
    /// the report counts them (a refund of more than zero counts −1: refunds are entered negated).
    public struct Method: Sendable, Equatable {
        public let method: PaymentMethod
        public let count: Int
        public let amount: Money
    }

    /// A cheque of a sale that was not cancelled with its cheque returned.
    public struct Cheque: Sendable, Equatable {
        public let receiptNumber: Int64
        public let chequeNumber: String
        public let drawer: String
        public let amount: Money
    }

    /// A storno booked in the period, with its sale's receipt number (nil if that sale is missing).
    public struct Storno: Sendable, Equatable {
        public let receiptNumber: Int64
        public let originalReceiptNumber: Int64?
        public let total: Money
        public let reason: String
        public let operatorId: String
        public let at: Instant
    }

    /// A share of a cancelled sale, booked back at its storno's time (in storno, line, share order).
    public struct CancelledShare: Sendable, Equatable {
        public let at: Instant
        public let itemCode: String
        public let name: String
        public let variant: String?
        public let account: String
        public let amount: Money
        public let passThrough: Bool
        /// The first share of its line (the one that counts the item).
        public let isFirstOfLine: Bool
    }

    /// The journal entry of the shift opened in the period (the last one), if any.
    public var shiftSeq: Int64?
    /// The ledger's period totals (those of the booked close), from the same rows.
    public var totals = DayTotals()
    /// Receipts (sales, stornos, cash movements): first and last number and how many.
    public var firstReceipt: Int64?
    public var lastReceipt: Int64?
    public var receiptCount = 0
    /// The time of the first and the last booking with a receipt.
    public var firstBookingAt: Instant?
    public var lastBookingAt: Instant?
    /// Items, accounts and payment methods in the order the period first shows them.
    public var items: [Item] = []
    public var accountShares: [AccountShares] = []
    public var salesPerSpan: [SalesSpan] = []
    public var payments: [Method] = []
    public var refunds: [Method] = []
    /// Cash handed over (tendered, or the amount when nothing was recorded) and change given.
    public var cashTendered = Money.zero
    public var changeGiven = Money.zero
    /// Cash paid back by stornos.
    public var cashRefunded = Money.zero
    public var cheques: [Cheque] = []
    /// Card payments of sales not reversed on the terminal by a storno of the period.
    public var cardTotal = Money.zero
    public var cardCount = 0
    public var stornos: [Storno] = []
    public var cancelledShares: [CancelledShare] = []
    /// Cash movements in booking order.
    public var movements: [(kind: CashMovementKind, amount: Money, reason: String)] = []

    public init() {}
}

extension Ledger {
    /// The rows of the entries after `after` and before `before` (nil: to the end), by SQL.
    /// Order of first sighting is the booking order: sequence number, then line, share or payment number.
    /// Sales are summed per `salesSpanMinutes` (60 where the office's zone is whole hours from UTC,
    /// else 15: every zone in use is whole quarter hours from UTC).
    public func periodRows(after: Int64, before: Int64?, salesSpanMinutes: Int64 = 15) throws -> PeriodRows {
        let span = salesSpanMinutes * 60_000
        return try readTransaction {
            let rows = try wrap { () throws(SQLiteError) -> (out: PeriodRows, reversedCard: Money) in
                let bounds: [SQLiteValue] = [.integer(after), .integer(before ?? Int64.max)]
                func rows(_ sql: String, _ body: (SQLiteStatement) throws(SQLiteError) -> Void) throws(SQLiteError) {
                    let s = try db.prepare(sql)
                    try s.bind(bounds)
                    defer { s.reset() }  // an unfinished statement would pin an old read snapshot
                    while try s.step() { try body(s) }
                }
                func strings(_ sql: String) throws(SQLiteError) -> [String] {
                    let s = try db.prepare(sql)
                    defer { s.reset() }
                    var out: [String] = []
                    while try s.step() { if !s.isNull(0) { out.append(s.text(0)) } }
                    return out
                }
                let line = try db.prepare("SELECT name, variant FROM sale_lines WHERE seq = ? AND line_no = ?")
                func lineText(seq: Int64, line number: Int64) throws(SQLiteError) -> (String, String?) {
                    try line.bind([.integer(seq), .integer(number)])
                    defer { line.reset() }
                    guard try line.step() else { return ("", nil) }
                    return (line.text(0), line.optionalText(1))
                }
                var first: (seq: Int64, at: Instant)?, last: (seq: Int64, at: Instant)?
                var itemOrder: [Int64] = []
                var reversedCard = Money.zero
                var out = PeriodRows()
                try rows(PeriodRowsSQL.shift) {
                    out.shiftSeq = $0.int64(0)
                    out.totals.float = Money(cents: $0.int64(1))
                }
                for sql in [PeriodRowsSQL.firstReceipt, PeriodRowsSQL.lastReceipt] {
                    try rows(sql) {
                        out.firstReceipt = min(out.firstReceipt ?? $0.int64(0), $0.int64(0))
                        out.lastReceipt = max(out.lastReceipt ?? $0.int64(0), $0.int64(0))
                    }
                }
                // Receipt numbers run without gaps in booking order (``Ledger/append(_:at:)``).
                if let first = out.firstReceipt, let last = out.lastReceipt { out.receiptCount = Int(last - first + 1) }
                out.totals.firstReceipt = out.firstReceipt
                out.totals.lastReceipt = out.lastReceipt
                var firstSale: Instant?, lastSale: Instant?
                for (index, sql) in PeriodRowsSQL.bookingTimes.enumerated() {
                    try rows(sql) {
                        let lo = (seq: $0.int64(0), at: Instant(millisecondsSinceEpoch: $0.int64(1)))
                        let hi = (seq: $0.int64(2), at: Instant(millisecondsSinceEpoch: $0.int64(3)))
                        if index == 0 { (firstSale, lastSale) = (lo.at, hi.at) }
                        if lo.seq < (first?.seq ?? Int64.max) { first = lo }
                        if hi.seq > (last?.seq ?? Int64.min) { last = hi }
                    }
                }
                out.firstBookingAt = first?.at
                out.lastBookingAt = last?.at

                // Items and accounts: one index range per key (no sort of the period's lines).
                /// The booking position of the first row of a key: `seq * 2^20 + line * 2^10 + share`.
                func position(_ sql: String, _ key: [SQLiteValue], withShare: Bool = false) throws(SQLiteError) -> Int64 {
                    let s = try db.prepare(sql)
                    try s.bind(bounds + key)
                    defer { s.reset() }
                    guard try s.step() else { return Int64.max }
                    return s.int64(0) << 20 | s.int64(1) << 10 | (withShare ? s.int64(2) : 0)
                }
                let items = try db.prepare(PeriodRowsSQL.item)
                for code in try strings(PeriodRowsSQL.itemCodes) {
                    try items.bind(bounds + [.text(code)])
                    defer { items.reset() }
                    guard try items.step(), items.int(0) > 0 else { continue }
                    let first = try position(PeriodRowsSQL.firstItem, [.text(code)])
                    let (name, variant) = try lineText(seq: first >> 20, line: (first >> 10) & 0x3FF)
                    out.items.append(
                        PeriodRows.Item(itemCode: code, name: name, variant: variant, lines: items.int(0), amount: Money(cents: items.int64(1))))
                    itemOrder.append(first)
                }
                out.items = zip(out.items, itemOrder).sorted { $0.1 < $1.1 }.map(\.0)
                let shares = try db.prepare(PeriodRowsSQL.accountShares)
                var accountOrder: [Int64] = []
                for account in try strings(PeriodRowsSQL.accounts) {
                    for passThrough in [Int64(0), 1] {
                        try shares.bind(bounds + [.text(account), .integer(passThrough)])
                        defer { shares.reset() }
                        guard try shares.step(), shares.int(0) > 0 else { continue }
                        let first = try position(PeriodRowsSQL.firstShare, [.text(account), .integer(passThrough)], withShare: true)
                        let (name, variant) = try lineText(seq: first >> 20, line: (first >> 10) & 0x3FF)
                        out.accountShares.append(
                            PeriodRows.AccountShares(
                                account: account, passThrough: passThrough != 0, firstItemName: name, firstItemVariant: variant,
                                shares: shares.int(0), amount: Money(cents: shares.int64(1))))
                        accountOrder.append(first)
                    }
                }
                out.accountShares = zip(out.accountShares, accountOrder).sorted { $0.1 < $1.1 }.map(\.0)

                // Payments per method (one index range each); cash also sums what was handed over and the change.
                var methodOrder: [Int64] = []
                for method in PaymentMethod.allCases {
                    let payments = try db.prepare(method == .cash ? PeriodRowsSQL.cashPayments : PeriodRowsSQL.payments)
                    try payments.bind(bounds + [.text(method.rawValue)])
                    defer { payments.reset() }
                    guard try payments.step(), payments.int(0) > 0 else { continue }
                    let amount = Money(cents: payments.int64(1))
                    out.payments.append(PeriodRows.Method(method: method, count: payments.int(0), amount: amount))
                    methodOrder.append(try position(PeriodRowsSQL.firstPayment, [.text(method.rawValue)]))
                    switch method {
                    case .cash:
                        out.totals.cash = amount
                        out.cashTendered = Money(cents: payments.int64(2))
                        out.changeGiven = Money(cents: payments.int64(3))
                    case .cheque: out.totals.cheque = amount
                    case .card:
                        out.totals.card = amount
                        out.cardCount = payments.int(0)
                        out.cardTotal = amount
                    }
                }
                out.payments = zip(out.payments, methodOrder).sorted { $0.1 < $1.1 }.map(\.0)
                try rows(PeriodRowsSQL.reversedCards) {
                    out.cardCount -= $0.int(0)
                    reversedCard = Money(cents: $0.int64(1))
                }
                try rows(PeriodRowsSQL.refunds) {
                    guard let method = PaymentMethod(rawValue: $0.text(0)) else { return }
                    let amount = Money(cents: $0.int64(3))
                    out.refunds.append(PeriodRows.Method(method: method, count: $0.int(2), amount: amount))
                    switch method {
                    case .cash:
                        out.totals.stornoCash = amount
                        out.cashRefunded = amount
                    case .cheque: out.totals.stornoCheque = amount
                    case .card: out.totals.stornoCard = amount
                    }
                }
                try rows(PeriodRowsSQL.cheques) {
                    out.cheques.append(
                        PeriodRows.Cheque(
                            receiptNumber: $0.int64(0), chequeNumber: $0.optionalText(1) ?? "", drawer: $0.optionalText(2) ?? "",
                            amount: Money(cents: $0.int64(3))))
                }
                try rows(PeriodRowsSQL.stornos) {
                    out.stornos.append(
                        PeriodRows.Storno(
                            receiptNumber: $0.int64(0), originalReceiptNumber: $0.optionalInt64(1), total: Money(cents: $0.int64(2)),
                            reason: $0.text(3), operatorId: $0.text(4), at: Instant(millisecondsSinceEpoch: $0.int64(5))))
                    out.totals.stornoCount += 1
                }
                try rows(PeriodRowsSQL.cancelledShares) {
                    out.cancelledShares.append(
                        PeriodRows.CancelledShare(
                            at: Instant(millisecondsSinceEpoch: $0.int64(0)), itemCode: $0.text(1), name: $0.text(2), variant: $0.optionalText(3),
                            account: $0.text(4), amount: Money(cents: $0.int64(5)), passThrough: $0.int64(6) != 0, isFirstOfLine: $0.int64(7) != 0))
                }
                try rows(PeriodRowsSQL.movements) {
                    guard let kind = CashMovementKind(rawValue: $0.text(0)) else { return }
                    out.movements.append((kind, Money(cents: $0.int64(1)), $0.text(2)))
                }

                // Sales per span: one range of the time index each, from the first sale's
                // time to the last's. If the sales of the period do not all lie between them (a
                // clock set back), the period's sales are grouped instead.
                let saleCount = out.receiptCount - out.stornos.count - out.movements.count
                if let firstSale, let lastSale {
                    let spanRow = try db.prepare(PeriodRowsSQL.salesSpan)
                    var start = firstSale.millisecondsSinceEpoch - firstSale.millisecondsSinceEpoch % span
                    var counted = 0
                    while start <= lastSale.millisecondsSinceEpoch {
                        try spanRow.bind(bounds + [.integer(start), .integer(start + span)])
                        defer { spanRow.reset() }
                        if try spanRow.step(), spanRow.int(0) > 0 {
                            counted += spanRow.int(0)
                            out.salesPerSpan.append(
                                PeriodRows.SalesSpan(startsAt: Instant(millisecondsSinceEpoch: start), amount: Money(cents: spanRow.int64(1))))
                        }
                        start += span
                    }
                    if counted != saleCount {
                        out.salesPerSpan = []
                        let s = try db.prepare(PeriodRowsSQL.salesSpans)
                        try s.bind(bounds + [.integer(span)])
                        defer { s.reset() }
                        while try s.step() {
                            out.salesPerSpan.append(
                                PeriodRows.SalesSpan(startsAt: Instant(millisecondsSinceEpoch: s.int64(0) * span), amount: Money(cents: s.int64(1))))
                        }
                    }
                }
                out.totals.saleCount = Int64(saleCount)
                return (out, reversedCard)
            }
            // The sums that are not SQL's, checked.
            var out = rows.out
            out.cardTotal = try out.cardTotal.subtracting(rows.reversedCard)
            out.totals.sales = try out.salesPerSpan.reduce(Money.zero) { try $0.adding($1.amount) }
            out.totals.stornos = try out.stornos.reduce(Money.zero) { try $0.adding($1.total) }
            for movement in out.movements {
                switch movement.kind {
                case .einlage: out.totals.einlagen = try out.totals.einlagen.adding(movement.amount)
                case .entnahme: out.totals.entnahmen = try out.totals.entnahmen.adding(movement.amount)
                case .abschoepfung: out.totals.abschoepfungen = try out.totals.abschoepfungen.adding(movement.amount)
                }
            }
            return out
        }
    }
}

/// The period queries of ``Ledger/periodRows(after:before:salesSpanMinutes:)``; `?1` is the entry the period
/// starts after, `?2` the entry it ends before. Sums over many rows read one range of a covering
/// index per key (migration 5), never a sort of the period's rows. The storage tests check the plans.
enum PeriodRowsSQL {
    // Positions in booking order are one number: `seq * 2^20 + line_no * 2^10 + share_no` (or
    // `+ payment_no * 2^10`, `+ refund_no`); a sale has far fewer than 2^10 lines, payments or
    // refunds and a line fewer than 2^10 shares.

    static let shift = "SELECT seq, float_cents FROM shifts WHERE seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1"
    static let firstReceipt = "SELECT number FROM receipts WHERE seq > ?1 AND seq < ?2 ORDER BY seq LIMIT 1"
    static let lastReceipt = "SELECT number FROM receipts WHERE seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1"
    /// First and last booking with a receipt per table (seq and time of each); sales first.
    static let bookingTimes = [("sales", "ended_at_ms"), ("stornos", "at_ms"), ("cash_movements", "at_ms")].map { table, time in
        """
        SELECT f.seq, f.\(time), l.seq, l.\(time)
        FROM (SELECT seq, \(time) FROM \(table) WHERE seq > ?1 AND seq < ?2 ORDER BY seq LIMIT 1) AS f,
             (SELECT seq, \(time) FROM \(table) WHERE seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1) AS l
        """
    }
    /// Every item code ever booked, each found by one step of the index (a skip scan).
    static let itemCodes = """
        WITH RECURSIVE codes(code) AS (
            SELECT min(item_code) FROM sale_lines
            UNION ALL SELECT (SELECT min(item_code) FROM sale_lines WHERE item_code > code) FROM codes WHERE code IS NOT NULL)
        SELECT code FROM codes
        """
    static let item = """
        SELECT count(*), coalesce(sum(amount_cents), 0) FROM sale_lines WHERE item_code = ?3 AND seq > ?1 AND seq < ?2
        """
    static let firstItem = """
        SELECT seq, line_no FROM sale_lines WHERE item_code = ?3 AND seq > ?1 AND seq < ?2 ORDER BY seq, line_no LIMIT 1
        """
    static let accounts = """
        WITH RECURSIVE accounts(account) AS (
            SELECT min(account) FROM line_shares
            UNION ALL SELECT (SELECT min(account) FROM line_shares WHERE account > accounts.account) FROM accounts WHERE account IS NOT NULL)
        SELECT account FROM accounts
        """
    static let accountShares = """
        SELECT count(*), coalesce(sum(amount_cents), 0) FROM line_shares WHERE account = ?3 AND pass_through = ?4 AND seq > ?1 AND seq < ?2
        """
    static let firstShare = """
        SELECT seq, line_no, share_no FROM line_shares WHERE account = ?3 AND pass_through = ?4 AND seq > ?1 AND seq < ?2
        ORDER BY seq, line_no, share_no LIMIT 1
        """
    static let salesSpan = """
        SELECT count(*), coalesce(sum(total_cents), 0) FROM sales
        WHERE ended_at_ms >= ?3 AND ended_at_ms < ?4 AND seq > ?1 AND seq < ?2
        """
    static let salesSpans = """
        SELECT ended_at_ms / ?3 AS span, sum(total_cents) FROM sales WHERE seq > ?1 AND seq < ?2 GROUP BY span ORDER BY span
        """
    static let payments = """
        SELECT count(*), coalesce(sum(amount_cents), 0) FROM payments WHERE method = ?3 AND seq > ?1 AND seq < ?2
        """
    /// As ``payments``, with what was handed over and given back (only cash records them).
    static let cashPayments = """
        SELECT count(*), coalesce(sum(amount_cents), 0),
               coalesce(sum(coalesce(tendered_cents, amount_cents)), 0), coalesce(sum(coalesce(change_cents, 0)), 0)
        FROM payments WHERE method = ?3 AND seq > ?1 AND seq < ?2
        """
    static let firstPayment = """
        SELECT seq, payment_no FROM payments WHERE method = ?3 AND seq > ?1 AND seq < ?2 ORDER BY seq, payment_no LIMIT 1
        """
    static let refunds = """
        SELECT method, min(seq * 1048576 + refund_no * 1024) AS first, sum(CASE WHEN amount_cents > 0 THEN -1 ELSE 1 END), sum(amount_cents)
        FROM storno_refunds WHERE seq > ?1 AND seq < ?2 GROUP BY method ORDER BY first
        """
    /// Sales of the period whose storno (in the period) returned a refund of `method`. The CROSS
    /// JOINs keep SQLite's loop on the few stornos rather than on the period's sales.
    static func cancelled(refundedBy method: String, reversedOnly: Bool = false) -> String {
        """
        SELECT s.seq FROM stornos st CROSS JOIN storno_refunds r ON r.seq = st.seq CROSS JOIN sales s ON s.id = st.sale_id
        WHERE st.seq > ?1 AND st.seq < ?2 AND s.seq > ?1 AND s.seq < ?2 AND r.method = '\(method)'\(reversedOnly ? " AND r.card_terminal_id IS NOT NULL" : "")
        """
    }
    /// The card payments of sales reversed on the terminal by a storno of the period.
    static let reversedCards = """
        SELECT count(*), coalesce(sum(p.amount_cents), 0)
        FROM (SELECT DISTINCT seq FROM (\(cancelled(refundedBy: "card", reversedOnly: true)))) AS c
        JOIN payments p ON p.seq = c.seq AND p.method = 'card'
        """
    static let cheques = """
        SELECT s.receipt_number, p.cheque_number, p.cheque_drawer, p.amount_cents
        FROM payments p JOIN sales s INDEXED BY sales_period_totals ON s.seq = p.seq
        WHERE p.method = 'cheque' AND p.seq > ?1 AND p.seq < ?2 AND p.seq NOT IN (\(cancelled(refundedBy: "cheque")))
        ORDER BY p.seq, p.payment_no
        """
    static let stornos = """
        SELECT st.receipt_number, s.receipt_number, st.total_cents, st.reason, st.operator_id, st.at_ms
        FROM stornos st LEFT JOIN sales s ON s.id = st.sale_id WHERE st.seq > ?1 AND st.seq < ?2 ORDER BY st.seq
        """
    /// Shares are numbered from 1 in each line (``RowWriter``): share 1 counts the item.
    static let cancelledShares = """
        SELECT st.at_ms, l.item_code, l.name, l.variant, sh.account, sh.amount_cents, sh.pass_through,
               sh.share_no = 1
        FROM stornos st CROSS JOIN sales s ON s.id = st.sale_id
        CROSS JOIN sale_lines l ON l.seq = s.seq
        CROSS JOIN line_shares sh ON sh.seq = l.seq AND sh.line_no = l.line_no
        WHERE st.seq > ?1 AND st.seq < ?2 ORDER BY st.seq, l.line_no, sh.share_no
        """
    static let movements = "SELECT kind, amount_cents, reason FROM cash_movements WHERE seq > ?1 AND seq < ?2 ORDER BY seq"
}

/// Covering indexes for the day close's itemisation (``Ledger/periodRows(after:before:salesSpanMinutes:)``): one
/// index range per item code, account, payment method and hour instead of a sort of the
/// period's lines (100,000 sales: about 20 ms instead of 400 ms).
let dayClosePeriodMigrations: [Migration] = [
    Migration(
        version: 6, name: "day-close-period-indexes",
        schema: """
            CREATE INDEX sale_lines_item_period ON sale_lines(item_code, seq, line_no, amount_cents);
            CREATE INDEX line_shares_account_period ON line_shares(account, pass_through, seq, line_no, share_no, amount_cents);
            CREATE INDEX payments_method_period
                ON payments(method, seq, payment_no, amount_cents, tendered_cents, change_cents, cheque_number, cheque_drawer);
            CREATE INDEX sales_time_period ON sales(ended_at_ms, seq, total_cents);

            """)
]
