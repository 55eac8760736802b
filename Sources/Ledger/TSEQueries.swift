import KasseCore

/// The TSE answers in the ledger (migration 13), for the receipt, the start-up's check against the
/// TSE, the reports and the DSFinV-K export (`transactions_tse.csv`; docs/fiscal.md).
extension Ledger {
    /// The TSE answer of the sale, storno or cash movement `bookingId`, if one was recorded.
    public func tseTransaction(forBooking bookingId: String) throws -> TSETransactionRecord? {
        guard let s = try seq("SELECT max(seq) FROM tse_transactions WHERE booking_id = ?", [.text(bookingId)]),
            case .tseTransaction(let r)? = try event(at: s)
        else { return nil }
        return r
    }

    /// Every TSE record after journal entry `after` (0: all) in journal order, with its `seq`:
    /// per booking the DSFinV-K's TSE_ID (serial), TSE_TANR, TSE_TA_START, TSE_TA_ENDE,
    /// TSE_TA_VORGANGSART, TSE_TA_SIGZ, TSE_TA_SIG, TSE_TA_FEHLER and TSE_VORGANGSDATEN.
    public func tseTransactions(after: Int64 = 0, through: Int64 = Int64.max) throws -> [(seq: Int64, record: TSETransactionRecord)] {
        guard after < through else { return [] }
        var out: [(seq: Int64, record: TSETransactionRecord)] = []
        try readTransaction {
            do {
                try EventReader(db: db).read(range: (after + 1)...through, tables: ["tse_transactions"]) { item in
                    if case .entry(let entry, .tseTransaction(let r)?, _) = item { out.append((entry.seq, r)) }
                }
            } catch let error as SQLiteError {
                throw LedgerError.sqlite(error)
            }
        }
        return out
    }

    /// The transaction numbers of TSE `serial` the ledger holds a record of.
    public func tseTransactionNumbers(serial: String) throws -> Set<Int64> {
        try wrap { () throws(SQLiteError) -> Set<Int64> in
            let s = try db.prepare("SELECT tse_tanr FROM tse_transactions WHERE tse_serial = ? AND tse_tanr IS NOT NULL")
            try s.bind([.text(serial)])
            defer { s.reset() }
            var out: Set<Int64> = []
            while try s.step() { out.insert(s.int64(0)) }
            return out
        }
    }

    /// How many transactions after journal entry `after` (and before `before`, nil: to the end)
    /// have no signature (TSE_TA_FEHLER), and the first and last time one failed: the outage for
    /// the X and Z report.
    public func tseFailures(after: Int64, before: Int64? = nil) throws -> (count: Int64, first: Instant?, last: Instant?) {
        try wrap { () throws(SQLiteError) in
            let s = try db.prepare(
                "SELECT count(*), min(at_ms), max(at_ms) FROM tse_transactions WHERE seq > ? AND seq < ? AND tse_ta_fehler IS NOT NULL")
            try s.bind([.integer(after), .integer(before ?? Int64.max)])
            defer { s.reset() }
            guard try s.step() else { return (0, nil, nil) }
            let count = s.int64(0)
            return (
                count, s.isNull(1) ? nil : Instant(millisecondsSinceEpoch: s.int64(1)),
                s.isNull(2) ? nil : Instant(millisecondsSinceEpoch: s.int64(2))
            )
        }
    }
}
