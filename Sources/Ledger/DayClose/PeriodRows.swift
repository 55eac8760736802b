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
        public var bank: String = ""
    }

    /// The lines of one item at one variant and unit price: quantity and sum, the sales of the
    /// period less the lines of the sales its stornos cancelled (Z report "Umsatz je Artikel").
    public struct ItemVariant: Sendable, Equatable {
        public let itemCode: String
        public let name: String
        public let variant: String?
        public let unitPrice: Money
        public var quantity: Int
        public var amount: Money
    }

    /// A storno booked in the period, with its sale's receipt number (nil if that sale is missing).
    public struct Storno: Sendable, Equatable {
        public let receiptNumber: Int64
        public let originalReceiptNumber: Int64?
        public let total: Money
        public let reason: String
        public let operatorId: String
        public let at: Instant
        /// Who approved it (four eyes), if anyone.
        public var approvedBy: String? = nil
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
    /// The items by variant and unit price, in booking order.
    public var itemVariants: [ItemVariant] = []
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
    /// Card payments and reversals of the period whose amount the terminal approved otherwise than
    /// asked, in booking order.
    public var cardAmountMismatches: [CardAmountMismatch] = []
    /// Card payments of sales not reversed on the terminal by a storno of the period.
    public var cardTotal = Money.zero
    public var cardCount = 0
    public var stornos: [Storno] = []
    public var cancelledShares: [CancelledShare] = []
    /// Cash movements in booking order.
    public var movements: [(kind: CashMovementKind, amount: Money, reason: String, receivedBy: String?)] = []

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
            let rows = try wrap { () throws(SQLiteError) -> (out: PeriodRows, reversedCard: Money, unmatched: String?) in
                let bounds: [SQLiteValue] = [.integer(after), .integer(before ?? Int64.max)]
                func rows(_ sql: String, _ body: (SQLiteStatement) throws(SQLiteError) -> Void) throws(SQLiteError) {
                    let s = try db.prepare(sql)
                    try s.bind(bounds)
                    defer { s.reset() }  // an unfinished statement would pin an old read snapshot
                    while try s.step() { try body(s) }
                }
                func strings(_ sql: String, kind: String) throws(SQLiteError) -> [String] {
                    let s = try db.prepare(sql)
                    try s.bind([.text(kind)])
                    defer { s.reset() }
                    var out: [String] = []
                    while try s.step() { if !s.isNull(0) { out.append(s.text(0)) } }
                    return out
                }
                var first: (seq: Int64, at: Instant)?
                var last: (seq: Int64, at: Instant)?
                var reversedCard = Money.zero
                /// A running sum whose key the sale it names does not have.
                var unmatched: String?
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
                var firstSale: Instant?
                var lastSale: Instant?
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

                // Items, accounts and payment methods: two steps of the running sums' index per
                // key (the sums before and at the end of the period), no pass over the period's rows.
                typealias Sums = (count: Int, amount: Int64, tendered: Int64, change: Int64)
                let running = try db.prepare(PeriodRowsSQL.runningSums)
                /// Each of `keys` of `kind` that has rows in the period: its sums and its first row,
                /// found by `firstRow` (bound to the period's first entry with the key, the key and
                /// `extra`), made into an element by `make`, with its booking position (the first
                /// entry's sequence number, then `make`'s row position, ``PeriodRowsSQL``). A key
                /// whose first entry does not have it marks `part` as unmatched.
                func keyed<Element>(
                    _ kind: String, _ keys: [String], part: String, firstRow sql: String, extra: [SQLiteValue] = [],
                    _ make: (String, Sums, SQLiteStatement) -> (element: Element, position: Int64)
                ) throws(SQLiteError) -> [(element: Element, position: Int64)] {
                    let firstRow = try db.prepare(sql)
                    var found: [(element: Element, position: Int64)] = []
                    for key in keys {
                        try running.bind(bounds + [.text(kind), .text(key)])
                        defer { running.reset() }
                        guard try running.step(), running.int(0) > 0, !running.isNull(4) else { continue }
                        let firstSeq = running.int64(4)
                        try firstRow.bind([.integer(firstSeq), .text(key)] + extra)
                        defer { firstRow.reset() }
                        guard try firstRow.step() else {
                            unmatched = part
                            continue
                        }
                        let made = make(key, (running.int(0), running.int64(1), running.int64(2), running.int64(3)), firstRow)
                        found.append((made.element, firstSeq << 20 | made.position))
                    }
                    return found
                }
                func inBookingOrder<Element>(_ found: [(element: Element, position: Int64)]) -> [Element] {
                    found.sorted { $0.position < $1.position }.map(\.element)
                }
                out.items = inBookingOrder(
                    try keyed("item", try strings(PeriodRowsSQL.runningKeys, kind: "item"), part: "Positionen", firstRow: PeriodRowsSQL.firstItemLine) {
                        code, sums, line in
                        (
                            PeriodRows.Item(
                                itemCode: code, name: line.text(1), variant: line.optionalText(2), lines: sums.count, amount: Money(cents: sums.amount)),
                            line.int64(0) << 10
                        )
                    })
                var shares: [(element: PeriodRows.AccountShares, position: Int64)] = []
                for (kind, passThrough) in [("share", false), ("pass_through", true)] {
                    shares += try keyed(
                        kind, try strings(PeriodRowsSQL.runningKeys, kind: kind), part: "Anteile", firstRow: PeriodRowsSQL.firstShareLine,
                        extra: [.bool(passThrough)]
                    ) { account, sums, share in
                        (
                            PeriodRows.AccountShares(
                                account: account, passThrough: passThrough, firstItemName: share.text(2), firstItemVariant: share.optionalText(3),
                                shares: sums.count, amount: Money(cents: sums.amount)),
                            share.int64(0) << 10 | share.int64(1)
                        )
                    }
                }
                out.accountShares = inBookingOrder(shares)

                // Payments per method; cash also sums what was handed over and the change.
                let methods = inBookingOrder(
                    try keyed("payment", PaymentMethod.allCases.map(\.rawValue), part: "Zahlungen", firstRow: PeriodRowsSQL.firstPaymentNumber) {
                        method, sums, payment in ((method, sums), payment.int64(0) << 10)
                    })
                for (key, sums) in methods {
                    guard let method = PaymentMethod(rawValue: key) else { continue }
                    let amount = Money(cents: sums.amount)
                    out.payments.append(PeriodRows.Method(method: method, count: sums.count, amount: amount))
                    switch method {
                    case .cash:
                        out.totals.cash = amount
                        out.cashTendered = Money(cents: sums.tendered)
                        out.changeGiven = Money(cents: sums.change)
                    case .cheque: out.totals.cheque = amount
                    case .card:
                        out.totals.card = amount
                        out.cardCount = sums.count
                        out.cardTotal = amount
                    }
                }
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
                // The bank is read per cheque (a few a day), outside the covering index of the period's cheques.
                let chequeBank = try db.prepare(PeriodRowsSQL.chequeBank)
                try rows(PeriodRowsSQL.cheques) { (cheque: SQLiteStatement) throws(SQLiteError) in
                    try chequeBank.bind([.integer(cheque.int64(4)), .integer(cheque.int64(5))])
                    defer { chequeBank.reset() }
                    let bank = try chequeBank.step() ? chequeBank.optionalText(0) ?? "" : ""
                    out.cheques.append(
                        PeriodRows.Cheque(
                            receiptNumber: cheque.int64(0), chequeNumber: cheque.optionalText(1) ?? "", drawer: cheque.optionalText(2) ?? "",
                            amount: Money(cents: cheque.int64(3)), bank: bank))
                }
                try rows(PeriodRowsSQL.cardAmountMismatches) {
                    out.cardAmountMismatches.append(
                        CardAmountMismatch(
                            receiptNumber: $0.int64(0), isReversal: $0.int64(1) != 0, requested: Money(cents: $0.int64(2)),
                            approved: Money(cents: $0.int64(3))))
                }
                // Items by variant and unit price: a range of the period's lines (one business
                // day's), less the lines of the sales cancelled by the period's stornos (below).
                var variantIndex: [String: Int] = [:]
                func addVariant(_ s: SQLiteStatement, sign: Int64) {
                    let variant = s.optionalText(2)
                    let key = [s.text(0), variant ?? "", String(s.int64(3))].joined(separator: "\u{1F}")
                    let quantity = Int(sign * s.int64(4))
                    let amount = Money(cents: sign * s.int64(5))
                    if let index = variantIndex[key] {
                        out.itemVariants[index].quantity += quantity
                        out.itemVariants[index].amount = Money(cents: out.itemVariants[index].amount.cents &+ amount.cents)
                    } else {
                        variantIndex[key] = out.itemVariants.count
                        out.itemVariants.append(
                            PeriodRows.ItemVariant(
                                itemCode: s.text(0), name: s.text(1), variant: variant, unitPrice: Money(cents: s.int64(3)), quantity: quantity,
                                amount: amount))
                    }
                }
                try rows(PeriodRowsSQL.itemVariants) { addVariant($0, sign: 1) }
                let cancelledLines = try db.prepare(PeriodRowsSQL.saleLineVariants)
                // Each storno's sale is found once (by its id); its shares are read by the sale's
                // sequence number, in line and share order.
                let saleShares = try db.prepare(PeriodRowsSQL.saleShares)
                try rows(PeriodRowsSQL.stornos) { (storno: SQLiteStatement) throws(SQLiteError) in
                    let at = Instant(millisecondsSinceEpoch: storno.int64(5))
                    out.stornos.append(
                        PeriodRows.Storno(
                            receiptNumber: storno.int64(0), originalReceiptNumber: storno.optionalInt64(1), total: Money(cents: storno.int64(2)),
                            reason: storno.text(3), operatorId: storno.text(4), at: at, approvedBy: storno.optionalText(7)))
                    out.totals.stornoCount += 1
                    guard let saleSeq = storno.optionalInt64(6) else { return }
                    try cancelledLines.bind([.integer(saleSeq)])
                    while try cancelledLines.step() { addVariant(cancelledLines, sign: -1) }
                    cancelledLines.reset()
                    try saleShares.bind([.integer(saleSeq)])
                    defer { saleShares.reset() }
                    while try saleShares.step() {
                        out.cancelledShares.append(
                            PeriodRows.CancelledShare(
                                at: at, itemCode: saleShares.text(0), name: saleShares.text(1), variant: saleShares.optionalText(2),
                                account: saleShares.text(3), amount: Money(cents: saleShares.int64(4)), passThrough: saleShares.int64(5) != 0,
                                isFirstOfLine: saleShares.int64(6) != 0))
                    }
                }
                try rows(PeriodRowsSQL.movements) {
                    guard let kind = CashMovementKind(rawValue: $0.text(0)) else { return }
                    out.movements.append((kind, Money(cents: $0.int64(1)), $0.text(2), $0.optionalText(3)))
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
                return (out, reversedCard, unmatched)
            }
            // The sums that are not SQL's, checked.
            var out = rows.out
            out.cardTotal = try out.cardTotal.subtracting(rows.reversedCard)
            out.totals.sales = try out.salesPerSpan.reduce(Money.zero) { try $0.adding($1.amount) }
            out.totals.stornos = try out.stornos.reduce(Money.zero) { try $0.adding($1.total) }
            // The running sums are derived, not chained: by item, by account and by method they
            // must add up to the chained sales' total (each sale's lines, shares and payments do, ``RecordChecks``).
            let sums = [
                ("Positionen", try Money.sum(out.items.map(\.amount))), ("Anteile", try Money.sum(out.accountShares.map(\.amount))),
                ("Zahlungen", try Money.sum(out.payments.map(\.amount))),
            ]
            for (name, sum) in sums where sum != out.totals.sales || name == rows.unmatched {
                throw LedgerError.periodSumsDisagree(part: name, sum: sum, sales: out.totals.sales)
            }
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
/// starts after, `?2` the entry it ends before. Sums by item, account and payment method are the
/// difference of two running sums (migration 7); the sums by time read one range of a covering
/// index each (migration 6); nothing sorts the period's rows. The storage tests check the plans.
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
    /// Every key of kind `?1` in the running sums, each found by one step of their index (a skip scan).
    static let runningKeys = """
        WITH RECURSIVE keys(key) AS (
            SELECT min(key) FROM running_sums WHERE kind = ?1
            UNION ALL SELECT (SELECT min(key) FROM running_sums WHERE kind = ?1 AND key > keys.key) FROM keys WHERE key IS NOT NULL)
        SELECT key FROM keys
        """
    /// The sums of key `?4` of kind `?3` in the period: its running sums at the period's last
    /// entry minus those before its first (no row before: zero), and the period's first entry with the key.
    static let runningSums = """
        SELECT e.count - coalesce(b.count, 0), e.amount_cents - coalesce(b.amount_cents, 0),
               e.tendered_cents - coalesce(b.tendered_cents, 0), e.change_cents - coalesce(b.change_cents, 0),
               (SELECT seq FROM running_sums WHERE kind = ?3 AND key = ?4 AND seq > ?1 ORDER BY seq LIMIT 1)
        FROM (SELECT * FROM running_sums WHERE kind = ?3 AND key = ?4 AND seq < ?2 ORDER BY seq DESC LIMIT 1) AS e
        LEFT JOIN (SELECT * FROM running_sums WHERE kind = ?3 AND key = ?4 AND seq <= ?1 ORDER BY seq DESC LIMIT 1) AS b ON 1
        """
    /// The first line of item `?2` in the sale at `?1`.
    static let firstItemLine = "SELECT line_no, name, variant FROM sale_lines WHERE seq = ?1 AND item_code = ?2 ORDER BY line_no LIMIT 1"
    /// The first share of account `?2` (pass-through or not: `?3`) in the sale at `?1`, with its line's item text.
    static let firstShareLine = """
        SELECT sh.line_no, sh.share_no, l.name, l.variant
        FROM line_shares sh JOIN sale_lines l ON l.seq = sh.seq AND l.line_no = sh.line_no
        WHERE sh.seq = ?1 AND sh.account = ?2 AND sh.pass_through = ?3 ORDER BY sh.line_no, sh.share_no LIMIT 1
        """
    /// The first payment of method `?2` in the sale at `?1`.
    static let firstPaymentNumber = "SELECT payment_no FROM payments WHERE seq = ?1 AND method = ?2 ORDER BY payment_no LIMIT 1"
    static let salesSpan = """
        SELECT count(*), coalesce(sum(total_cents), 0) FROM sales
        WHERE ended_at_ms >= ?3 AND ended_at_ms < ?4 AND seq > ?1 AND seq < ?2
        """
    static let salesSpans = """
        SELECT ended_at_ms / ?3 AS span, sum(total_cents) FROM sales WHERE seq > ?1 AND seq < ?2 GROUP BY span ORDER BY span
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
        SELECT s.receipt_number, p.cheque_number, p.cheque_drawer, p.amount_cents, p.seq, p.payment_no
        FROM payments p JOIN sales s INDEXED BY sales_period_totals ON s.seq = p.seq
        WHERE p.method = 'cheque' AND p.seq > ?1 AND p.seq < ?2 AND p.seq NOT IN (\(cancelled(refundedBy: "cheque")))
        ORDER BY p.seq, p.payment_no
        """
    /// Card payments and reversals whose approved amount (``CardDetails/approvedAmount``) is not their
    /// amount, by the partial indexes of migration 9: receipt number, reversal?, asked, approved.
    static let cardAmountMismatches = """
        SELECT receipt_number, reversal, amount_cents, approved_cents FROM (
          SELECT s.receipt_number, 0 AS reversal, p.amount_cents, p.card_approved_cents AS approved_cents, p.seq, p.payment_no AS no
          FROM payments p INDEXED BY payments_card_amount_mismatch JOIN sales s ON s.seq = p.seq
          WHERE p.card_approved_cents IS NOT NULL AND p.card_approved_cents != p.amount_cents AND p.seq > ?1 AND p.seq < ?2
          UNION ALL
          SELECT st.receipt_number, 1, r.amount_cents, r.card_approved_cents, r.seq, r.refund_no
          FROM storno_refunds r INDEXED BY storno_refunds_card_amount_mismatch JOIN stornos st ON st.seq = r.seq
          WHERE r.card_approved_cents IS NOT NULL AND r.card_approved_cents != r.amount_cents AND r.seq > ?1 AND r.seq < ?2)
        ORDER BY seq, no
        """
    /// The stornos of the period with their sale's receipt number and sequence number (nil if that sale is missing).
    static let stornos = """
        SELECT st.receipt_number, s.receipt_number, st.total_cents, st.reason, st.operator_id, st.at_ms, s.seq, st.approved_by
        FROM stornos st LEFT JOIN sales s ON s.id = st.sale_id WHERE st.seq > ?1 AND st.seq < ?2 ORDER BY st.seq
        """
    /// The shares of the sale at `?1` with their line's item, in line and share order. Shares are
    /// numbered from 1 in each line (``RowWriter``): share 1 counts the item.
    static let saleShares = """
        SELECT l.item_code, l.name, l.variant, sh.account, sh.amount_cents, sh.pass_through, sh.share_no = 1
        FROM sale_lines l CROSS JOIN line_shares sh ON sh.seq = l.seq AND sh.line_no = l.line_no
        WHERE l.seq = ?1 ORDER BY l.line_no, sh.share_no
        """
    static let chequeBank = "SELECT cheque_bank FROM payments WHERE seq = ?1 AND payment_no = ?2"
    /// The period's sale lines by item, variant and unit price (quantity, sum), in booking order.
    static let itemVariants = """
        SELECT item_code, name, variant, unit_price_cents, sum(quantity), sum(amount_cents)
        FROM sale_lines WHERE seq > ?1 AND seq < ?2
        GROUP BY item_code, variant, unit_price_cents ORDER BY min(seq * 1024 + line_no)
        """
    /// The lines of the sale at `?1` by item, variant and unit price (a storno cancels them).
    static let saleLineVariants = """
        SELECT item_code, name, variant, unit_price_cents, sum(quantity), sum(amount_cents)
        FROM sale_lines WHERE seq = ?1 GROUP BY item_code, variant, unit_price_cents ORDER BY min(line_no)
        """
    static let movements = "SELECT kind, amount_cents, reason, received_by FROM cash_movements WHERE seq > ?1 AND seq < ?2 ORDER BY seq"
}

/// Covering indexes for the day close's sums by time and its cheques (``Ledger/periodRows(after:before:salesSpanMinutes:)``),
/// and the running sums by item, account and payment method (``RunningSumsSQL``): a day close reads
/// two index entries per key, whatever the number of sales (100,000 sales: a few milliseconds
/// instead of a pass over 500,000 lines, shares and payments). Migration 7 fills the running
/// sums of the sales booked before it and drops migration 6's two indexes it replaces.
let dayClosePeriodMigrations: [Migration] = [
    Migration(
        version: 6, name: "day-close-period-indexes",
        schema: """
            CREATE INDEX sale_lines_item_period ON sale_lines(item_code, seq, line_no, amount_cents);
            CREATE INDEX line_shares_account_period ON line_shares(account, pass_through, seq, line_no, share_no, amount_cents);
            CREATE INDEX payments_method_period
                ON payments(method, seq, payment_no, amount_cents, tendered_cents, change_cents, cheque_number, cheque_drawer);
            CREATE INDEX sales_time_period ON sales(ended_at_ms, seq, total_cents);

            """),
    Migration(
        version: 7, name: "day-close-running-sums",
        schema: """
            CREATE TABLE running_sums (
                kind TEXT NOT NULL CHECK (kind IN ('item', 'share', 'pass_through', 'payment')),
                key TEXT NOT NULL,
                seq INTEGER NOT NULL REFERENCES journal(seq),
                count INTEGER NOT NULL CHECK (typeof(count) = 'integer' AND count > 0),
                amount_cents INTEGER NOT NULL CHECK (typeof(amount_cents) = 'integer'),
                tendered_cents INTEGER NOT NULL CHECK (typeof(tendered_cents) = 'integer'),
                change_cents INTEGER NOT NULL CHECK (typeof(change_cents) = 'integer'),
                PRIMARY KEY (kind, key, seq)
            ) WITHOUT ROWID;
            INSERT INTO running_sums \(RunningSumsSQL.fromRows[0]);
            INSERT INTO running_sums \(RunningSumsSQL.fromRows[1]);
            INSERT INTO running_sums \(RunningSumsSQL.fromRows[2]);
            DROP INDEX sale_lines_item_period;
            DROP INDEX line_shares_account_period;

            """,
        appendOnly: ["running_sums"]),
]

/// One key of the running sums (`running_sums.kind`, `running_sums.key`) and its sums.
struct RunningSumsKey: Hashable {
    let kind: String
    let key: String
}

struct RunningSums {
    var count: Int64 = 0
    var amount: Int64 = 0
    var tendered: Int64 = 0
    var change: Int64 = 0

    /// `self + other`, or nil when a sum would not fit an Int64.
    func adding(_ other: RunningSums) -> RunningSums? {
        let count = self.count.addingReportingOverflow(other.count)
        let amount = self.amount.addingReportingOverflow(other.amount)
        let tendered = self.tendered.addingReportingOverflow(other.tendered)
        let change = self.change.addingReportingOverflow(other.change)
        guard !count.overflow, !amount.overflow, !tendered.overflow, !change.overflow else { return nil }
        return RunningSums(count: count.partialValue, amount: amount.partialValue, tendered: tendered.partialValue, change: change.partialValue)
    }
}

extension Ledger {
    /// Adds the running sums of `sale`, booked at `seq` (``RowWriter``): per item code, account
    /// (pass-through or not) and payment method in it, the number of its lines, shares or
    /// payments and their sums added to the key's last running sums (docs/dayclose.md). Running
    /// sums are derived from the booked rows and not chained; the day close checks them against
    /// the chained sales' total (``periodRows(after:before:salesSpanMinutes:)``). The last sums
    /// of each key are kept between sales while this connection wrote the journal's last entry
    /// (``append(_:at:)``); else they are read.
    func writeRunningSums(of sale: SaleRecord, seq: Int64) throws(SQLiteError) {
        var added: [RunningSumsKey: RunningSums] = [:]
        var order: [RunningSumsKey] = []
        func add(_ kind: String, _ key: String, _ sums: RunningSums) throws(SQLiteError) {
            let k = RunningSumsKey(kind: kind, key: key)
            if added[k] == nil { order.append(k) }
            guard let sum = (added[k] ?? RunningSums()).adding(sums) else { throw Self.runningSumsOverflow(k) }
            added[k] = sum
        }
        for line in sale.lines {
            try add("item", line.itemCode, RunningSums(count: 1, amount: line.amount.cents))
            for share in line.shares {
                try add(share.passThrough ? "pass_through" : "share", share.account, RunningSums(count: 1, amount: share.amount.cents))
            }
        }
        for payment in sale.payments {
            try add(
                "payment", payment.method.rawValue,
                RunningSums(count: 1, amount: payment.amount.cents, tendered: (payment.tendered ?? payment.amount).cents, change: payment.change?.cents ?? 0))
        }
        var written: [RunningSumsKey: RunningSums] = [:]
        for k in order {
            let before: RunningSums
            if let cached = runningSumsCache[k] { before = cached } else { before = try lastRunningSums(k) }
            guard let sums = before.adding(added[k]!) else { throw Self.runningSumsOverflow(k) }
            try insert(
                "running_sums", RunningSumsSQL.columns,
                [.text(k.kind), .text(k.key), .integer(seq), .integer(sums.count), .integer(sums.amount), .integer(sums.tendered), .integer(sums.change)])
            written[k] = sums
        }
        runningSumsCache.merge(written) { $1 }
    }

    /// The last running sums of `key` in the table (none yet: zero).
    private func lastRunningSums(_ key: RunningSumsKey) throws(SQLiteError) -> RunningSums {
        let s = try db.prepare(RunningSumsSQL.last)
        try s.bind([.text(key.kind), .text(key.key)])
        defer { s.reset() }
        guard try s.step() else { return RunningSums() }
        return RunningSums(count: s.int64(0), amount: s.int64(1), tendered: s.int64(2), change: s.int64(3))
    }

    private static func runningSumsOverflow(_ key: RunningSumsKey) -> SQLiteError {
        SQLiteError(
            code: .constraint, message: "die laufende Summe von \(key.kind) \(key.key) passt nicht in 64 Bit",
            sql: nil)
    }
}

/// The running sums' SQL (docs/dayclose.md).
enum RunningSumsSQL {
    static let columns = ["kind", "key", "seq", "count", "amount_cents", "tendered_cents", "change_cents"]
    static let last = """
        SELECT count, amount_cents, tendered_cents, change_cents FROM running_sums WHERE kind = ?1 AND key = ?2 ORDER BY seq DESC LIMIT 1
        """
    /// Every running sum of the booked rows at once (items, shares, payments), in the table's
    /// column order: what migration 7 fills in and what the storage tests compare the running
    /// sums written per sale with. Part of migration 7: never changed.
    static let fromRows = [
        """
        SELECT 'item', item_code, seq, sum(count(*)) OVER k, sum(sum(amount_cents)) OVER k, 0, 0
        FROM sale_lines GROUP BY item_code, seq WINDOW k AS (PARTITION BY item_code ORDER BY seq)
        """,
        """
        SELECT CASE pass_through WHEN 1 THEN 'pass_through' ELSE 'share' END, account, seq,
               sum(count(*)) OVER k, sum(sum(amount_cents)) OVER k, 0, 0
        FROM line_shares GROUP BY pass_through, account, seq WINDOW k AS (PARTITION BY pass_through, account ORDER BY seq)
        """,
        """
        SELECT 'payment', method, seq, sum(count(*)) OVER k, sum(sum(amount_cents)) OVER k,
               sum(sum(coalesce(tendered_cents, amount_cents))) OVER k, sum(sum(coalesce(change_cents, 0))) OVER k
        FROM payments GROUP BY method, seq WINDOW k AS (PARTITION BY method ORDER BY seq)
        """,
    ]
}
