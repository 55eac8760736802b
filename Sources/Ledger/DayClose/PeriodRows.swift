import KasseCore

/// What the X and Z reports itemise about a period, summed by SQL over the seq-indexed tables
/// (docs/dayclose.md): no sale is decoded, so a day close with 100,000 sales costs a handful of
/// aggregates. The counter's day close turns these rows into the report's totals.
///
/// Booking refuses a sale without lines, a line without shares, shares that do not add up to
/// their line and negative shares or payments (``RecordChecks``), so an item is summed from its
/// lines, an hour from its sales, and every line, share and payment counts once.
public struct PeriodRows: Sendable, Equatable {
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

    /// The sales of one minute (UTC; every time zone's offset is whole minutes, so a minute has one local hour).
    public struct Minute: Sendable, Equatable {
        public let startsAt: Instant
        public let amount: Money
    }

    /// Payments (or storno refunds) of one method: the sum of their amounts and their count as
    /// the report counts them (a negative entry counts −1; refunds are entered negated).
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
    public var salesPerMinute: [Minute] = []
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

    public static func == (a: PeriodRows, b: PeriodRows) -> Bool {
        a.shiftSeq == b.shiftSeq && a.firstReceipt == b.firstReceipt && a.lastReceipt == b.lastReceipt
            && a.receiptCount == b.receiptCount && a.firstBookingAt == b.firstBookingAt && a.lastBookingAt == b.lastBookingAt
            && a.items == b.items && a.accountShares == b.accountShares && a.salesPerMinute == b.salesPerMinute
            && a.payments == b.payments && a.refunds == b.refunds && a.cashTendered == b.cashTendered
            && a.changeGiven == b.changeGiven && a.cashRefunded == b.cashRefunded && a.cheques == b.cheques
            && a.cardTotal == b.cardTotal && a.cardCount == b.cardCount && a.stornos == b.stornos
            && a.cancelledShares == b.cancelledShares
            && a.movements.elementsEqual(b.movements) { $0.kind == $1.kind && $0.amount == $1.amount && $0.reason == $1.reason }
    }
}

extension Ledger {
    /// The rows of the entries after `after` and before `before` (nil: to the end), by SQL.
    /// Order of first sighting is the booking order: sequence number, then line, share or payment number.
    public func periodRows(after: Int64, before: Int64?) throws -> PeriodRows {
        try readTransaction {
            try wrap { () throws(SQLiteError) -> PeriodRows in
                let bounds: [SQLiteValue] = [.integer(after), .integer(before ?? Int64.max)]
                func rows(_ sql: String, _ body: (SQLiteStatement) throws(SQLiteError) -> Void) throws(SQLiteError) {
                    let s = try db.prepare(sql)
                    try s.bind(bounds)
                    defer { s.reset() }  // an unfinished statement would pin an old read snapshot
                    while try s.step() { try body(s) }
                }
                var out = PeriodRows()
                try rows(PeriodRowsSQL.shift) { out.shiftSeq = $0.int64(0) }
                try rows(PeriodRowsSQL.receipts) {
                    out.receiptCount = $0.int(0)
                    out.firstReceipt = $0.optionalInt64(1)
                    out.lastReceipt = $0.optionalInt64(2)
                }
                var first: (seq: Int64, at: Int64)?, last: (seq: Int64, at: Int64)?
                for sql in PeriodRowsSQL.bookingTimes {
                    try rows(sql) {
                        let lo = (seq: $0.int64(0), at: $0.int64(1)), hi = (seq: $0.int64(2), at: $0.int64(3))
                        guard !$0.isNull(0) else { return }
                        if lo.seq < (first?.seq ?? Int64.max) { first = lo }
                        if hi.seq > (last?.seq ?? Int64.min) { last = hi }
                    }
                }
                out.firstBookingAt = first.map { Instant(millisecondsSinceEpoch: $0.at) }
                out.lastBookingAt = last.map { Instant(millisecondsSinceEpoch: $0.at) }
                try rows(PeriodRowsSQL.items) {
                    out.items.append(
                        PeriodRows.Item(itemCode: $0.text(0), name: $0.text(1), variant: $0.optionalText(2), lines: $0.int(4), amount: Money(cents: $0.int64(5))))
                }
                var firstLines: [(seq: Int64, line: Int64)] = []
                try rows(PeriodRowsSQL.accountShares) {
                    firstLines.append(($0.int64(5), $0.int64(6)))
                    out.accountShares.append(
                        PeriodRows.AccountShares(
                            account: $0.text(0), passThrough: $0.int64(1) != 0, firstItemName: "", firstItemVariant: nil,
                            shares: $0.int(3), amount: Money(cents: $0.int64(4))))
                }
                // The item text of each group's first share (a few groups: one lookup each).
                let line = try db.prepare("SELECT name, variant FROM sale_lines WHERE seq = ? AND line_no = ?")
                for (index, first) in firstLines.enumerated() {
                    try line.bind([.integer(first.seq), .integer(first.line)])
                    defer { line.reset() }
                    guard try line.step() else { continue }
                    let group = out.accountShares[index]
                    out.accountShares[index] = PeriodRows.AccountShares(
                        account: group.account, passThrough: group.passThrough, firstItemName: line.text(0),
                        firstItemVariant: line.optionalText(1), shares: group.shares, amount: group.amount)
                }
                try rows(PeriodRowsSQL.salesPerMinute) {
                    out.salesPerMinute.append(
                        PeriodRows.Minute(startsAt: Instant(millisecondsSinceEpoch: $0.int64(0) * 60_000), amount: Money(cents: $0.int64(1))))
                }
                func method(_ s: SQLiteStatement) -> PeriodRows.Method? {
                    PaymentMethod(rawValue: s.text(0)).map {
                        PeriodRows.Method(method: $0, count: s.int(2), amount: Money(cents: s.int64(3)))
                    }
                }
                try rows(PeriodRowsSQL.payments) { if let m = method($0) { out.payments.append(m) } }
                try rows(PeriodRowsSQL.refunds) { if let m = method($0) { out.refunds.append(m) } }
                try rows(PeriodRowsSQL.cash) {
                    out.cashTendered = Money(cents: $0.int64(0))
                    out.changeGiven = Money(cents: $0.int64(1))
                }
                try rows(PeriodRowsSQL.cashRefunded) { out.cashRefunded = Money(cents: $0.int64(0)) }
                try rows(PeriodRowsSQL.cheques) {
                    out.cheques.append(
                        PeriodRows.Cheque(
                            receiptNumber: $0.int64(0), chequeNumber: $0.optionalText(1) ?? "", drawer: $0.optionalText(2) ?? "",
                            amount: Money(cents: $0.int64(3))))
                }
                try rows(PeriodRowsSQL.cards) {
                    out.cardCount = $0.int(0)
                    out.cardTotal = Money(cents: $0.int64(1))
                }
                try rows(PeriodRowsSQL.stornos) {
                    out.stornos.append(
                        PeriodRows.Storno(
                            receiptNumber: $0.int64(0), originalReceiptNumber: $0.optionalInt64(1), total: Money(cents: $0.int64(2)),
                            reason: $0.text(3), operatorId: $0.text(4), at: Instant(millisecondsSinceEpoch: $0.int64(5))))
                }
                try rows(PeriodRowsSQL.cancelledShares) {
                    out.cancelledShares.append(
                        PeriodRows.CancelledShare(
                            at: Instant(millisecondsSinceEpoch: $0.int64(0)), itemCode: $0.text(1), name: $0.text(2), variant: $0.optionalText(3),
                            account: $0.text(4), amount: Money(cents: $0.int64(5)), passThrough: $0.int64(6) != 0, isFirstOfLine: $0.int64(7) != 0))
                }
                try rows(PeriodRowsSQL.movements) {
                    if let kind = CashMovementKind(rawValue: $0.text(0)) {
                        out.movements.append((kind, Money(cents: $0.int64(1)), $0.text(2)))
                    }
                }
                return out
            }
        }
    }
}

/// The period queries of ``Ledger/periodRows(after:before:)``; `?1` is the entry the period
/// starts after, `?2` the entry it ends before. The storage tests check their plans.
enum PeriodRowsSQL {
    // Positions in booking order are one number: `seq * 2^20 + line_no` (`* 2^10 + share_no`);
    // a sale has far fewer than 2^10 lines (payments, refunds) and a line fewer than 2^10 shares.
    static let shift = "SELECT seq FROM shifts WHERE seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1"
    static let receipts = "SELECT count(*), min(number), max(number) FROM receipts WHERE seq > ?1 AND seq < ?2"
    /// First and last booking with a receipt per table (seq and time of each).
    static let bookingTimes = [("sales", "ended_at_ms"), ("stornos", "at_ms"), ("cash_movements", "at_ms")].map { table, time in
        """
        SELECT f.seq, f.\(time), l.seq, l.\(time)
        FROM (SELECT seq, \(time) FROM \(table) WHERE seq > ?1 AND seq < ?2 ORDER BY seq LIMIT 1) AS f,
             (SELECT seq, \(time) FROM \(table) WHERE seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1) AS l
        """
    }
    /// Per item code; `name` and `variant` come from the row of `min(...)` (SQLite's bare columns).
    static let items = """
        SELECT item_code, name, variant, min(seq * 1048576 + line_no) AS first, count(*), sum(amount_cents)
        FROM sale_lines WHERE seq > ?1 AND seq < ?2 GROUP BY item_code ORDER BY first
        """
    static let accountShares = """
        SELECT account, pass_through, min(seq * 1048576 + line_no * 1024 + share_no) AS first, count(*), sum(amount_cents), seq, line_no
        FROM line_shares WHERE seq > ?1 AND seq < ?2 GROUP BY account, pass_through ORDER BY first
        """
    static let salesPerMinute = """
        SELECT ended_at_ms / 60000 AS minute, sum(total_cents) FROM sales WHERE seq > ?1 AND seq < ?2 GROUP BY minute ORDER BY minute
        """
    static let payments = """
        SELECT method, min(seq * 1024 + payment_no) AS first, sum(CASE WHEN amount_cents < 0 THEN -1 ELSE 1 END), sum(amount_cents)
        FROM payments WHERE seq > ?1 AND seq < ?2 GROUP BY method ORDER BY first
        """
    static let refunds = """
        SELECT method, min(seq * 1024 + refund_no) AS first, sum(CASE WHEN amount_cents > 0 THEN -1 ELSE 1 END), sum(amount_cents)
        FROM storno_refunds WHERE seq > ?1 AND seq < ?2 GROUP BY method ORDER BY first
        """
    static let cash = """
        SELECT coalesce(sum(coalesce(tendered_cents, amount_cents)), 0), coalesce(sum(coalesce(change_cents, 0)), 0)
        FROM payments WHERE seq > ?1 AND seq < ?2 AND method = 'cash'
        """
    static let cashRefunded = """
        SELECT coalesce(sum(amount_cents), 0) FROM storno_refunds WHERE seq > ?1 AND seq < ?2 AND method = 'cash'
        """
    /// Sales of the period whose storno (in the period) returned a refund of `method`.
    static func cancelled(refundedBy method: String, reversedOnly: Bool = false) -> String {
        """
        SELECT s.seq FROM stornos st JOIN storno_refunds r ON r.seq = st.seq JOIN sales s ON s.id = st.sale_id
        WHERE st.seq > ?1 AND st.seq < ?2 AND r.method = '\(method)'\(reversedOnly ? " AND r.card_terminal_id IS NOT NULL" : "")
        """
    }
    static let cheques = """
        SELECT s.receipt_number, p.cheque_number, p.cheque_drawer, p.amount_cents
        FROM payments p JOIN sales s ON s.seq = p.seq
        WHERE p.seq > ?1 AND p.seq < ?2 AND p.method = 'cheque' AND p.seq NOT IN (\(cancelled(refundedBy: "cheque")))
        ORDER BY p.seq, p.payment_no
        """
    static let cards = """
        SELECT count(*), coalesce(sum(amount_cents), 0) FROM payments
        WHERE seq > ?1 AND seq < ?2 AND method = 'card' AND seq NOT IN (\(cancelled(refundedBy: "card", reversedOnly: true)))
        """
    static let stornos = """
        SELECT st.receipt_number, s.receipt_number, st.total_cents, st.reason, st.operator_id, st.at_ms
        FROM stornos st LEFT JOIN sales s ON s.id = st.sale_id WHERE st.seq > ?1 AND st.seq < ?2 ORDER BY st.seq
        """
    static let cancelledShares = """
        SELECT st.at_ms, l.item_code, l.name, l.variant, sh.account, sh.amount_cents, sh.pass_through,
               sh.share_no = (SELECT min(share_no) FROM line_shares f WHERE f.seq = sh.seq AND f.line_no = sh.line_no)
        FROM stornos st JOIN sales s ON s.id = st.sale_id
        JOIN sale_lines l ON l.seq = s.seq
        JOIN line_shares sh ON sh.seq = l.seq AND sh.line_no = l.line_no
        WHERE st.seq > ?1 AND st.seq < ?2 ORDER BY st.seq, l.line_no, sh.share_no
        """
    static let movements = "SELECT kind, amount_cents, reason FROM cash_movements WHERE seq > ?1 AND seq < ?2 ORDER BY seq"
}
