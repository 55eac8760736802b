import KasseCore
import Ledger

/// The records of a register read back from the centre's typed rows, as the counter's ledger reads
/// them (``Ledger/forEachEvent(in:)``), for the DSFinV-K built from the centre (docs/central.md,
/// "Export"). The terminal's receipt texts are only in the canonical bytes and stay out (no
/// DSFinV-K field holds them); every other field is the typed rows' (``CentralRows``).
extension CentralStore {
    /// One typed row: its entry's `seq` and its columns by name (NULL: nil).
    struct RecordRow {
        let seq: Int64
        let values: [String: String]

        func text(_ column: String) -> String { values[column] ?? "" }
        func optional(_ column: String) -> String? { values[column] }
        func int64(_ column: String) -> Int64 { values[column].flatMap { Int64($0) } ?? 0 }
        func optionalInt64(_ column: String) -> Int64? { values[column].flatMap { Int64($0) } }
        func money(_ column: String) -> Money { Money(cents: int64(column)) }
        func optionalMoney(_ column: String) -> Money? { optionalInt64(column).map { Money(cents: $0) } }
        func instant(_ column: String) -> Instant { Instant(millisecondsSinceEpoch: int64(column)) }
        func bool(_ column: String) -> Bool { values[column] == "t" }
    }

    /// The rows of `table` of `register` in `range`, in journal (and child key) order.
    func recordRows(_ table: String, register: String, range: ClosedRange<Int64>) throws -> [RecordRow] {
        let columns = CentralRows.columns[table] ?? []
        let selected = columns.map { $0 == "business_date" ? "to_char(business_date, 'YYYY-MM-DD')" : $0 }
        let order = ["seq"] + (CentralRows.orderColumns[table] ?? [])
        return try run {
            let r = try connection.executePrepared(
                "central_records_\(table)",
                "SELECT seq, \(selected.joined(separator: ", ")) FROM \(table) WHERE register_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY \(order.joined(separator: ", "))",
                [.text(register), .int(range.lowerBound), .int(range.upperBound)])
            return (0..<r.rowCount).map { i in
                var values: [String: String] = [:]
                for (c, column) in columns.enumerated() { values[column] = r.text(i, c + 1) }
                return RecordRow(seq: r.int64(i, 0) ?? 0, values: values)
            }
        }
    }

    /// The shifts, sales, stornos, cash movements and day closes of `register` in `range`, in
    /// journal order: what a Kassenabschluss of the DSFinV-K is made of.
    func records(register: String, in range: ClosedRange<Int64>) throws -> [(seq: Int64, event: LedgerEvent)] {
        var out: [(seq: Int64, event: LedgerEvent)] = []
        for row in try recordRows("shifts", register: register, range: range) {
            out.append(
                (
                    row.seq,
                    .shiftOpened(
                        ShiftRecord(
                            id: row.text("id"), operatorId: row.text("operator_id"), businessDate: row.text("business_date"),
                            openedAt: row.instant("opened_at_ms"), float: row.money("float_cents")))
                ))
        }
        out += try sales(register: register, in: range).map { ($0.seq, .sale($0.sale)) }
        let refunds = Dictionary(grouping: try recordRows("storno_refunds", register: register, range: range), by: \.seq)
        for row in try recordRows("stornos", register: register, range: range) {
            let storno = StornoRecord(
                id: row.text("id"), saleId: row.text("sale_id"), receiptNumber: row.int64("receipt_number"), shiftId: row.text("shift_id"),
                operatorId: row.text("operator_id"), approvedBy: row.optional("approved_by"), reason: row.text("reason"),
                businessDate: row.text("business_date"), at: row.instant("at_ms"), total: row.money("total_cents"),
                refunds: (refunds[row.seq] ?? []).map { f in
                    StornoRefund(
                        method: PaymentMethod(rawValue: f.text("method")) ?? .cash, amount: f.money("amount_cents"), cardReversal: Self.card(f),
                        notReversedReason: f.optional("not_reversed_reason"))
                })
            out.append((row.seq, .storno(storno)))
        }
        for row in try recordRows("cash_movements", register: register, range: range) {
            let transfer = row.optional("received_by").map {
                StadtkasseTransfer(
                    receivedBy: $0, receivedByOperator: row.optional("received_by_operator"),
                    pieces: StadtkasseTransfer.pieces(fromText: row.optional("counted_pieces")))
            }
            out.append(
                (
                    row.seq,
                    .cashMovement(
                        CashMovementRecord(
                            id: row.text("id"), receiptNumber: row.int64("receipt_number"), shiftId: row.text("shift_id"),
                            operatorId: row.text("operator_id"), approvedBy: row.optional("approved_by"),
                            kind: CashMovementKind(rawValue: row.text("kind")) ?? .einlage, amount: row.money("amount_cents"), reason: row.text("reason"),
                            businessDate: row.text("business_date"), at: row.instant("at_ms"), transfer: transfer))
                ))
        }
        for row in try recordRows("day_closes", register: register, range: range) { out.append((row.seq, .dayClose(Self.dayClose(row)))) }
        return out.sorted { $0.seq < $1.seq }
    }

    /// The sales of `register` in `range` with their lines, shares and payments.
    func sales(register: String, in range: ClosedRange<Int64>) throws -> [(seq: Int64, sale: SaleRecord)] {
        let sales = try recordRows("sales", register: register, range: range)
        guard !sales.isEmpty else { return [] }
        let lines = Dictionary(grouping: try recordRows("sale_lines", register: register, range: range), by: \.seq)
        let shares = Dictionary(grouping: try recordRows("line_shares", register: register, range: range)) { "\($0.seq).\($0.int64("line_no"))" }
        let payments = Dictionary(grouping: try recordRows("payments", register: register, range: range), by: \.seq)
        return sales.map { row in
            let saleLines = (lines[row.seq] ?? []).map { l in
                let tax = Self.lineTax(
                    treatment: l.optional("tax_treatment"), rate: l.optional("tax_rate"), basisPoints: l.optionalInt64("tax_rate_bp"),
                    legalBasis: l.optional("tax_legal_basis"))
                return SaleLine(
                    itemCode: l.text("item_code"), name: l.text("name"), variant: l.optional("variant"), quantity: l.int64("quantity"),
                    unitPrice: l.money("unit_price_cents"), amount: l.money("amount_cents"), sachkonto: l.text("sachkonto"),
                    produkt: l.optional("produkt"), kostenstelle: l.optional("kostenstelle"), taxNote: l.text("tax_note"),
                    shares: (shares["\(row.seq).\(l.int64("line_no"))"] ?? []).map { h in
                        LineShare(
                            account: h.text("account"), produkt: h.optional("produkt"), kostenstelle: h.optional("kostenstelle"),
                            amount: h.money("amount_cents"), passThrough: h.bool("pass_through"), label: h.text("label"))
                    }, tax: tax, vat: tax == nil ? nil : l.money("tax_vat_cents"))
            }
            let salePayments = (payments[row.seq] ?? []).map { p in
                PaymentRecord(
                    method: PaymentMethod(rawValue: p.text("method")) ?? .cash, amount: p.money("amount_cents"), tendered: p.optionalMoney("tendered_cents"),
                    change: p.optionalMoney("change_cents"), chequeNumber: p.optional("cheque_number"), chequeBank: p.optional("cheque_bank"),
                    chequeDrawer: p.optional("cheque_drawer"), card: Self.card(p), cardPendingId: p.optional("card_pending_id"))
            }
            return (
                row.seq,
                SaleRecord(
                    id: row.text("id"), receiptNumber: row.int64("receipt_number"), shiftId: row.text("shift_id"), operatorId: row.text("operator_id"),
                    businessDate: row.text("business_date"), startedAt: row.instant("started_at_ms"), endedAt: row.instant("ended_at_ms"),
                    reference: row.optional("reference"), total: row.money("total_cents"), lines: saleLines, payments: salePayments,
                    catalogVersion: row.optional("catalog_version"))
            )
        }
    }

    /// The sale `id` of `register` and its journal entry.
    func sale(register: String, id: String) throws -> (seq: Int64, sale: SaleRecord)? {
        let seq = try run { try connection.execute("SELECT seq FROM sales WHERE register_id = $1 AND id = $2", [.text(register), .text(id)]).int64(0, 0) }
        guard let seq else { return nil }
        return try sales(register: register, in: seq...seq).first
    }

    /// The day close Z `zNumber` of `register`.
    func dayClose(register: String, zNumber: Int64) throws -> DayCloseRecord? {
        let seq = try run {
            try connection.execute("SELECT seq FROM day_closes WHERE register_id = $1 AND z_number = $2", [.text(register), .int(zNumber)]).int64(0, 0)
        }
        guard let seq else { return nil }
        return try recordRows("day_closes", register: register, range: seq...seq).first.map(Self.dayClose)
    }

    /// The TSE answers of `register` in `range` (`tse_transactions`), in journal order.
    func tseTransactions(register: String, in range: ClosedRange<Int64>) throws -> [TSETransactionRecord] {
        try recordRows("tse_transactions", register: register, range: range).map { r in
            TSETransactionRecord(
                id: r.text("id"), booking: TSETransactionRecord.Booking(rawValue: r.text("booking_kind")) ?? .unbooked, bookingId: r.optional("booking_id"),
                clientId: r.text("client_id"), serial: r.optional("tse_serial"), transactionNumber: r.optionalInt64("tse_tanr"),
                startedAt: r.optionalInt64("tse_ta_start_ms").map(Instant.init(millisecondsSinceEpoch:)),
                endedAt: r.optionalInt64("tse_ta_ende_ms").map(Instant.init(millisecondsSinceEpoch:)), processType: r.text("tse_ta_vorgangsart"),
                processData: r.text("tse_vorgangsdaten"), signatureCounter: r.optionalInt64("tse_ta_sigz"), signature: r.optional("tse_ta_sig"),
                signatureAlgorithm: r.optional("tse_sig_algo"), logTimeFormat: r.optional("tse_zeitformat"), publicKey: r.optional("tse_public_key"),
                error: r.optional("tse_ta_fehler"), at: r.instant("at_ms"))
        }
    }

    /// The card columns of a payment or refund; nil when the terminal id is NULL (not a card).
    private static func card(_ row: RecordRow) -> CardDetails? {
        guard let terminal = row.optional("card_terminal_id") else { return nil }
        return CardDetails(
            terminalId: terminal, traceNumber: row.text("card_trace"), receiptNumber: row.text("card_receipt_number"), cardName: row.text("card_name"),
            maskedPAN: row.text("card_masked_pan"), authorizationCode: row.optional("card_auth_code"),
            turnoverNumber: row.optional("card_turnover_number"), approvedAmount: row.optionalMoney("card_approved_cents"))
    }

    private static func dayClose(_ row: RecordRow) -> DayCloseRecord {
        var t = DayTotals()
        t.firstReceipt = row.optionalInt64("first_receipt")
        t.lastReceipt = row.optionalInt64("last_receipt")
        t.saleCount = row.int64("sale_count")
        t.stornoCount = row.int64("storno_count")
        t.float = row.money("float_cents")
        t.sales = row.money("sales_cents")
        t.cash = row.money("cash_cents")
        t.cheque = row.money("cheque_cents")
        t.card = row.money("card_cents")
        t.stornos = row.money("storno_cents")
        t.stornoCash = row.money("storno_cash_cents")
        t.stornoCheque = row.money("storno_cheque_cents")
        t.stornoCard = row.money("storno_card_cents")
        t.einlagen = row.money("einlagen_cents")
        t.entnahmen = row.money("entnahmen_cents")
        t.abschoepfungen = row.money("abschoepfungen_cents")
        return DayCloseRecord(
            id: row.text("id"), zNumber: row.int64("z_number"), shiftId: row.text("shift_id"), operatorId: row.text("operator_id"),
            approvedBy: row.optional("approved_by"), businessDate: row.text("business_date"), closedAt: row.instant("closed_at_ms"),
            afterSeq: row.int64("after_seq"), totals: t, expectedCash: row.money("expected_cash_cents"), countedCash: row.money("counted_cash_cents"),
            difference: row.money("difference_cents"))
    }
}
