/// Read queries the treasury exports need (docs/exports.md): period boundaries of day closes,
/// earlier export runs, and the journal range of a business-date range.
public struct DayCloseBoundary: Equatable, Sendable {
    /// The day close's own journal entry; its period is `afterSeq + 1 … seq`.
    public let seq: Int64
    public let zNumber: Int64
    public let afterSeq: Int64
    public let businessDate: String

    public init(seq: Int64, zNumber: Int64, afterSeq: Int64, businessDate: String) {
        self.seq = seq
        self.zNumber = zNumber
        self.afterSeq = afterSeq
        self.businessDate = businessDate
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
