import KasseCore
import Ledger

/// What `central export` reads of the centre: the same projection of the journal as
/// ``Ledger/forEachBookedEntry(in:_:)`` gives the counter's export, from the typed rows.
extension CentralStore {
    /// One register's part of a recorded export run.
    struct ExportPart {
        let register: String
        let afterSeq: Int64
        let throughSeq: Int64
        let recordCount: Int64
        let totalCents: Int64
        let isRepeat: Bool
    }

    func dayCloseBoundaries(register: String) throws -> [DayCloseBoundary] {
        try run {
            let r = try connection.execute(
                "SELECT seq, z_number, after_seq, to_char(business_date, 'YYYY-MM-DD') FROM day_closes WHERE register_id = $1 ORDER BY seq",
                [.text(register)])
            return (0..<r.rowCount).map {
                DayCloseBoundary(seq: r.int64($0, 0) ?? 0, zNumber: r.int64($0, 1) ?? 0, afterSeq: r.int64($0, 2) ?? 0, businessDate: r.text($0, 3) ?? "")
            }
        }
    }

    func operators(register: String) throws -> [OperatorRecord] {
        try run {
            let r = try connection.execute("SELECT id, login, name, created_at_ms FROM operators WHERE register_id = $1 ORDER BY seq", [.text(register)])
            return (0..<r.rowCount).map {
                OperatorRecord(
                    id: r.text($0, 0) ?? "", login: r.text($0, 1) ?? "", name: r.text($0, 2) ?? "",
                    createdAt: Instant(millisecondsSinceEpoch: r.int64($0, 3) ?? 0))
            }
        }
    }

    /// The journal ranges earlier central exports of `format` took from `register`.
    func exportedRanges(register: String, format: String) throws -> [ClosedRange<Int64>] {
        try run {
            let r = try connection.execute(
                "SELECT after_seq, through_seq FROM central_exports WHERE register_id = $1 AND format = $2 AND through_seq > after_seq",
                [.text(register), .text(format)])
            return (0..<r.rowCount).map { ((r.int64($0, 0) ?? 0) + 1)...(r.int64($0, 1) ?? 0) }
        }
    }

    private static let datedTables = ["sales", "stornos", "cash_movements", "day_closes"]

    func journalRange(register: String, businessDatesFrom from: String, to: String) throws -> ClosedRange<Int64>? {
        try run {
            let parts = Self.datedTables.map { "SELECT min(seq) AS lo, max(seq) AS hi FROM \($0) WHERE register_id = $1 AND business_date BETWEEN $2 AND $3" }
            let r = try connection.execute(
                "SELECT min(lo), max(hi) FROM (\(parts.joined(separator: " UNION ALL "))) x", [.text(register), .text(from), .text(to)])
            guard let lo = r.int64(0, 0), let hi = r.int64(0, 1) else { return nil }
            return lo...hi
        }
    }

    func businessDates(register: String, inJournal range: ClosedRange<Int64>) throws -> (String, String)? {
        try run {
            let parts = Self.datedTables.map {
                "SELECT min(business_date) AS lo, max(business_date) AS hi FROM \($0) WHERE register_id = $1 AND seq BETWEEN $2 AND $3"
            }
            let r = try connection.execute(
                "SELECT to_char(min(lo), 'YYYY-MM-DD'), to_char(max(hi), 'YYYY-MM-DD') FROM (\(parts.joined(separator: " UNION ALL "))) x",
                [.text(register), .int(range.lowerBound), .int(range.upperBound)])
            guard let lo = r.text(0, 0), let hi = r.text(0, 1) else { return nil }
            return (lo, hi)
        }
    }

    /// The sale `id` of `register` as exports read it (the sale a storno cancels).
    func bookedSale(register: String, id: String) throws -> BookedSale? {
        let seq = try run { try connection.execute("SELECT seq FROM sales WHERE register_id = $1 AND id = $2", [.text(register), .text(id)]).int64(0, 0) }
        guard let seq else { return nil }
        guard case .sale(let sale)? = try bookedEntries(register: register, in: seq...seq).first?.1 else { return nil }
        return sale
    }

    /// Entries per chunk ``bookedEntries(register:in:)`` reads for an export.
    static let bookedChunkSize: Int64 = 2000

    private func rows(_ table: String, _ columns: String, register: String, range: ClosedRange<Int64>, order: String = "seq") throws -> PostgreSQLResult {
        try connection.executePrepared(
            "central_booked_\(table)", "SELECT \(columns) FROM \(table) WHERE register_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY \(order)",
            [.text(register), .int(range.lowerBound), .int(range.upperBound)])
    }

    /// The sales, stornos, cash movements and day closes of `register` in `range`, in journal order.
    func bookedEntries(register: String, in range: ClosedRange<Int64>) throws -> [(Int64, BookedEntry)] {
        try run {
            var out: [Int64: BookedEntry] = [:]
            let date = "to_char(business_date, 'YYYY-MM-DD')"
            // Sales with their lines, shares and payments.
            let sales = try rows("sales", "seq, id, receipt_number, operator_id, \(date), reference", register: register, range: range)
            if sales.rowCount > 0 {
                let lines = try rows(
                    "sale_lines",
                    "seq, line_no, item_code, name, variant, produkt, kostenstelle, tax_treatment, tax_rate, tax_rate_bp, tax_vat_cents, tax_legal_basis",
                    register: register, range: range, order: "seq, line_no")
                let shares = try rows(
                    "line_shares", "seq, line_no, account, produkt, kostenstelle, amount_cents, pass_through, label", register: register, range: range,
                    order: "seq, line_no, share_no")
                let payments = try rows("payments", "seq, method, amount_cents", register: register, range: range, order: "seq, payment_no")
                var sharesByLine: [String: [LineShare]] = [:]
                for i in 0..<shares.rowCount {
                    let key = "\(shares.int64(i, 0) ?? 0).\(shares.int64(i, 1) ?? 0)"
                    sharesByLine[key, default: []].append(
                        LineShare(
                            account: shares.text(i, 2) ?? "", produkt: shares.text(i, 3), kostenstelle: shares.text(i, 4),
                            amount: Money(cents: shares.int64(i, 5) ?? 0), passThrough: shares.bool(i, 6) ?? false, label: shares.text(i, 7) ?? ""))
                }
                var linesBySeq: [Int64: [BookedLine]] = [:]
                for i in 0..<lines.rowCount {
                    let seq = lines.int64(i, 0) ?? 0
                    let tax = Self.lineTax(treatment: lines.text(i, 7), rate: lines.text(i, 8), basisPoints: lines.int64(i, 9), legalBasis: lines.text(i, 11))
                    linesBySeq[seq, default: []].append(
                        BookedLine(
                            itemCode: lines.text(i, 2) ?? "", name: lines.text(i, 3) ?? "", variant: lines.text(i, 4), produkt: lines.text(i, 5),
                            kostenstelle: lines.text(i, 6), shares: sharesByLine["\(seq).\(lines.int64(i, 1) ?? 0)"] ?? [], tax: tax,
                            vat: tax == nil ? .zero : Money(cents: lines.int64(i, 10) ?? 0)))
                }
                var paymentsBySeq: [Int64: [BookedAmount]] = [:]
                for i in 0..<payments.rowCount {
                    paymentsBySeq[payments.int64(i, 0) ?? 0, default: []].append(
                        BookedAmount(method: PaymentMethod(rawValue: payments.text(i, 1) ?? "") ?? .cash, cents: payments.int64(i, 2) ?? 0))
                }
                for i in 0..<sales.rowCount {
                    let seq = sales.int64(i, 0) ?? 0
                    out[seq] = .sale(
                        BookedSale(
                            id: sales.text(i, 1) ?? "", receiptNumber: sales.int64(i, 2) ?? 0, operatorId: sales.text(i, 3) ?? "",
                            businessDate: sales.text(i, 4) ?? "", reference: sales.text(i, 5), lines: linesBySeq[seq] ?? [],
                            payments: paymentsBySeq[seq] ?? []))
                }
            }
            let stornos = try rows("stornos", "seq, sale_id, receipt_number, operator_id, \(date), approved_by", register: register, range: range)
            if stornos.rowCount > 0 {
                let refunds = try rows("storno_refunds", "seq, method, amount_cents", register: register, range: range, order: "seq, refund_no")
                var refundsBySeq: [Int64: [BookedAmount]] = [:]
                for i in 0..<refunds.rowCount {
                    refundsBySeq[refunds.int64(i, 0) ?? 0, default: []].append(
                        BookedAmount(method: PaymentMethod(rawValue: refunds.text(i, 1) ?? "") ?? .cash, cents: refunds.int64(i, 2) ?? 0))
                }
                for i in 0..<stornos.rowCount {
                    let seq = stornos.int64(i, 0) ?? 0
                    out[seq] = .storno(
                        BookedStorno(
                            saleId: stornos.text(i, 1) ?? "", receiptNumber: stornos.int64(i, 2) ?? 0, operatorId: stornos.text(i, 3) ?? "",
                            businessDate: stornos.text(i, 4) ?? "", refunds: refundsBySeq[seq] ?? [], approvedBy: stornos.text(i, 5)))
                }
            }
            let movements = try rows(
                "cash_movements",
                "seq, id, receipt_number, shift_id, operator_id, approved_by, kind, amount_cents, reason, \(date), at_ms, received_by, received_by_operator, counted_pieces",
                register: register, range: range)
            for i in 0..<movements.rowCount {
                let transfer = movements.text(i, 11).map {
                    StadtkasseTransfer(
                        receivedBy: $0, receivedByOperator: movements.text(i, 12), pieces: StadtkasseTransfer.pieces(fromText: movements.text(i, 13)))
                }
                out[movements.int64(i, 0) ?? 0] = .cashMovement(
                    CashMovementRecord(
                        id: movements.text(i, 1) ?? "", receiptNumber: movements.int64(i, 2) ?? 0, shiftId: movements.text(i, 3) ?? "",
                        operatorId: movements.text(i, 4) ?? "", approvedBy: movements.text(i, 5),
                        kind: CashMovementKind(rawValue: movements.text(i, 6) ?? "") ?? .einlage, amount: Money(cents: movements.int64(i, 7) ?? 0),
                        reason: movements.text(i, 8) ?? "", businessDate: movements.text(i, 9) ?? "",
                        at: Instant(millisecondsSinceEpoch: movements.int64(i, 10) ?? 0), transfer: transfer))
            }
            let closes = try rows("day_closes", "seq, id, z_number, operator_id, \(date), difference_cents", register: register, range: range)
            for i in 0..<closes.rowCount {
                out[closes.int64(i, 0) ?? 0] = .dayClose(
                    BookedDayClose(
                        id: closes.text(i, 1) ?? "", zNumber: closes.int64(i, 2) ?? 0, operatorId: closes.text(i, 3) ?? "",
                        businessDate: closes.text(i, 4) ?? "", difference: Money(cents: closes.int64(i, 5) ?? 0)))
            }
            return out.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// A line's tax from its columns, as the counter's ledger reads them (docs/ledger.md,
    /// "Umsatzsteuer"): nil for a fee (or an unknown rate key).
    static func lineTax(treatment: String?, rate: String?, basisPoints: Int64?, legalBasis: String?) -> LineTax? {
        switch treatment {
        case "steuerpflichtig":
            guard let key = rate.flatMap(VATRateKey.init(rawValue:)) else { return nil }
            return LineTax(treatment: .steuerpflichtig(key), rateBasisPoints: basisPoints ?? 0)
        case "steuerfrei": return LineTax(treatment: .steuerfrei(legalBasis: legalBasis ?? ""))
        default: return nil
        }
    }

    /// Records one export run in the centre's export register, one row per register, in one transaction.
    func recordExport(id: String, format: String, scope: String, parts: [ExportPart], fileName: String, sha256: String, exportedBy: String) throws {
        try run {
            try connection.transaction {
                for part in parts {
                    try connection.execute(
                        """
                        INSERT INTO central_exports (id, register_id, format, scope, after_seq, through_seq, file_name, record_count,
                            total_cents, file_sha256, is_repeat, exported_by)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                        """,
                        [
                            .text(id), .text(part.register), .text(format), .text(scope), .int(part.afterSeq), .int(part.throughSeq), .text(fileName),
                            .int(part.recordCount), .int(part.totalCents), .text(sha256), .boolean(part.isRepeat), .text(exportedBy),
                        ])
                }
            }
        }
    }
}
