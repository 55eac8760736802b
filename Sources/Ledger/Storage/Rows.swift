import KasseCore

/// Column lists per table, shared by the INSERTs (``RowWriter``) and the SELECTs
/// (``EventReader``), so writing and reading cannot drift apart.
enum Columns {
    static let register = ["seq", "id", "name", "created_at_ms"]
    static let operators = ["seq", "id", "login", "name", "created_at_ms"]
    static let shifts = ["seq", "id", "operator_id", "business_date", "opened_at_ms", "float_cents"]
    static let receipts = ["seq", "number", "kind", "ref"]
    static let sales = [
        "seq", "id", "receipt_number", "shift_id", "operator_id", "business_date", "started_at_ms", "ended_at_ms",
        "reference", "total_cents", "catalog_version",
    ]
    static let saleLines = [
        "seq", "line_no", "item_code", "name", "variant", "quantity", "unit_price_cents", "amount_cents", "sachkonto",
        "produkt", "kostenstelle", "tax_note", "tax_treatment", "tax_rate", "tax_rate_bp", "tax_vat_cents",
        "tax_legal_basis",
    ]
    static let lineShares = [
        "seq", "line_no", "share_no", "account", "produkt", "kostenstelle", "amount_cents", "pass_through", "label",
    ]
    static let card = [
        "card_terminal_id", "card_trace", "card_receipt_number", "card_name", "card_masked_pan", "card_auth_code",
        "card_turnover_number", "card_receipt_text", "card_receipt_attributes", "card_merchant_receipt_text",
        "card_merchant_receipt_attributes", "card_approved_cents",
    ]
    static let payments =
        [
            "seq", "payment_no", "method", "amount_cents", "tendered_cents", "change_cents", "cheque_number",
            "cheque_bank", "cheque_drawer",
        ] + card + ["card_pending_id"]
    static let stornos = [
        "seq", "id", "sale_id", "receipt_number", "shift_id", "operator_id", "approved_by", "reason", "business_date",
        "at_ms", "total_cents",
    ]
    static let stornoRefunds = ["seq", "refund_no", "method", "amount_cents"] + card + ["not_reversed_reason"]
    static let cashMovements = [
        "seq", "id", "receipt_number", "shift_id", "operator_id", "approved_by", "kind", "amount_cents", "reason",
        "business_date", "at_ms", "received_by", "received_by_operator", "counted_pieces",
    ]
    static let dayCloses = [
        "seq", "id", "z_number", "shift_id", "operator_id", "approved_by", "business_date", "closed_at_ms", "after_seq",
        "first_receipt", "last_receipt", "sale_count", "storno_count", "float_cents", "sales_cents", "cash_cents",
        "cheque_cents", "card_cents", "storno_cents", "storno_cash_cents", "storno_cheque_cents", "storno_card_cents",
        "einlagen_cents", "entnahmen_cents", "abschoepfungen_cents", "expected_cash_cents", "counted_cash_cents",
        "difference_cents",
    ]
    static let cardPending = ["seq", "id", "sale_id", "amount_cents", "terminal", "created_at_ms", "draft"]
    static let cardResolutions = ["seq", "pending_id", "outcome", "sale_id", "detail", "resolved_at_ms", "at_startup"]
    static let exports = [
        "seq", "id", "format", "scope", "after_seq", "through_seq", "file_name", "record_count", "total_cents",
        "file_sha256", "is_repeat", "operator_id", "at_ms",
    ]
    static let auditEvents = ["seq", "id", "kind", "operator_id", "detail", "at_ms"]
}

extension SQLiteValue {
    static func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    static func integer(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
    static func money(_ value: Money) -> SQLiteValue { .integer(value.cents) }
    static func money(_ value: Money?) -> SQLiteValue { value.map { .integer($0.cents) } ?? .null }
    static func instant(_ value: Instant) -> SQLiteValue { .integer(value.millisecondsSinceEpoch) }
    static func bool(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }

    /// The five tax columns of a sale line (migration 11); all NULL for a sovereign fee.
    static func tax(_ line: SaleLine) -> [SQLiteValue] {
        guard let tax = line.tax else { return [.null, .null, .null, .null, .null] }
        var basis: String?
        if case .steuerfrei(let legalBasis) = tax.treatment { basis = legalBasis }
        return [
            .text(tax.treatment.code), .text(tax.rateKey?.rawValue), .integer(tax.rateKey == nil ? nil : tax.rateBasisPoints),
            .money(line.vatAmount), .text(basis),
        ]
    }

    static func card(_ card: CardDetails?) -> [SQLiteValue] {
        guard let card else { return Array(repeating: .null, count: Columns.card.count) }
        return [
            .text(card.terminalId), .text(card.traceNumber), .text(card.receiptNumber), .text(card.cardName),
            .text(card.maskedPAN), .text(card.authorizationCode), .text(card.turnoverNumber),
            .text(CardDetails.joinReceiptLines(card.receiptLines)), .text(CardDetails.receiptAttributes(card.customerReceipt)),
            .text(CardDetails.storedMerchantReceiptText(card)), .text(CardDetails.receiptAttributes(card.merchantReceipt)),
            money(card.approvedAmount),
        ]
    }
}

/// Writes the rows of one event (all tables) at journal sequence `seq`.
struct RowWriter {
    let ledger: Ledger
    let seq: Int64

    func write(_ event: LedgerEvent) throws(SQLiteError) {
        let s = SQLiteValue.integer(seq)
        switch event {
        case .register(let r):
            try ledger.insert("register", Columns.register, [s, .text(r.id), .text(r.name), .instant(r.createdAt)])
        case .operatorAdded(let r):
            try ledger.insert(
                "operators", Columns.operators, [s, .text(r.id), .text(r.login), .text(r.name), .instant(r.createdAt)])
        case .shiftOpened(let r):
            try ledger.insert(
                "shifts", Columns.shifts,
                [s, .text(r.id), .text(r.operatorId), .text(r.businessDate), .instant(r.openedAt), .money(r.float)])
        case .sale(let r):
            try receipt(r.receiptNumber, kind: "sale", ref: r.id)
            try ledger.insert(
                "sales", Columns.sales,
                [
                    s, .text(r.id), .integer(r.receiptNumber), .text(r.shiftId), .text(r.operatorId), .text(r.businessDate),
                    .instant(r.startedAt), .instant(r.endedAt), .text(r.reference), .money(r.total),
                    .text(r.catalogVersion),
                ])
            for (i, line) in r.lines.enumerated() {
                let lineNo = SQLiteValue.integer(Int64(i + 1))
                try ledger.insert(
                    "sale_lines", Columns.saleLines,
                    [
                        s, lineNo, .text(line.itemCode), .text(line.name), .text(line.variant), .integer(line.quantity),
                        .money(line.unitPrice), .money(line.amount), .text(line.sachkonto), .text(line.produkt),
                        .text(line.kostenstelle), .text(line.taxNote),
                    ] + SQLiteValue.tax(line))
                for (j, share) in line.shares.enumerated() {
                    try ledger.insert(
                        "line_shares", Columns.lineShares,
                        [
                            s, lineNo, .integer(Int64(j + 1)), .text(share.account), .text(share.produkt),
                            .text(share.kostenstelle), .money(share.amount), .bool(share.passThrough), .text(share.label),
                        ])
                }
            }
            for (i, payment) in r.payments.enumerated() {
                try ledger.insert(
                    "payments", Columns.payments,
                    [
                        s, .integer(Int64(i + 1)), .text(payment.method.rawValue), .money(payment.amount),
                        .money(payment.tendered), .money(payment.change), .text(payment.chequeNumber),
                        .text(payment.chequeBank), .text(payment.chequeDrawer),
                    ] + SQLiteValue.card(payment.card) + [.text(payment.cardPendingId)])
            }
            try ledger.writeRunningSums(of: r, seq: seq)
        case .storno(let r):
            try receipt(r.receiptNumber, kind: "storno", ref: r.id)
            try ledger.insert(
                "stornos", Columns.stornos,
                [
                    s, .text(r.id), .text(r.saleId), .integer(r.receiptNumber), .text(r.shiftId), .text(r.operatorId),
                    .text(r.approvedBy), .text(r.reason), .text(r.businessDate), .instant(r.at), .money(r.total),
                ])
            for (i, refund) in r.refunds.enumerated() {
                try ledger.insert(
                    "storno_refunds", Columns.stornoRefunds,
                    [s, .integer(Int64(i + 1)), .text(refund.method.rawValue), .money(refund.amount)]
                        + SQLiteValue.card(refund.cardReversal) + [.text(refund.notReversedReason)])
            }
        case .cashMovement(let r):
            try receipt(r.receiptNumber, kind: "cash_movement", ref: r.id)
            try ledger.insert(
                "cash_movements", Columns.cashMovements,
                [
                    s, .text(r.id), .integer(r.receiptNumber), .text(r.shiftId), .text(r.operatorId), .text(r.approvedBy),
                    .text(r.kind.rawValue), .money(r.amount), .text(r.reason), .text(r.businessDate), .instant(r.at),
                    .text(r.transfer?.receivedBy), .text(r.transfer?.receivedByOperator), .text(r.transfer?.countedPiecesText),
                ])
        case .dayClose(let r):
            let t = r.totals
            try ledger.insert(
                "day_closes", Columns.dayCloses,
                [
                    s, .text(r.id), .integer(r.zNumber), .text(r.shiftId), .text(r.operatorId), .text(r.approvedBy),
                    .text(r.businessDate), .instant(r.closedAt), .integer(r.afterSeq), .integer(t.firstReceipt),
                    .integer(t.lastReceipt), .integer(t.saleCount), .integer(t.stornoCount), .money(t.float),
                    .money(t.sales), .money(t.cash), .money(t.cheque), .money(t.card), .money(t.stornos),
                    .money(t.stornoCash), .money(t.stornoCheque), .money(t.stornoCard), .money(t.einlagen),
                    .money(t.entnahmen), .money(t.abschoepfungen), .money(r.expectedCash), .money(r.countedCash),
                    .money(r.difference),
                ])
        case .cardPending(let r):
            try ledger.insert(
                "card_pending", Columns.cardPending,
                [s, .text(r.id), .text(r.saleId), .money(r.amount), .text(r.terminal), .instant(r.createdAt), .text(r.draft)])
        case .cardResolved(let r):
            try ledger.insert(
                "card_resolutions", Columns.cardResolutions,
                [
                    s, .text(r.pendingId), .text(r.outcome.rawValue), .text(r.saleId), .text(r.detail),
                    .instant(r.resolvedAt), .bool(r.atStartup),
                ])
        case .export(let r):
            try ledger.insert(
                "exports", Columns.exports,
                [
                    s, .text(r.id), .text(r.format), .text(r.scope), .integer(r.afterSeq), .integer(r.throughSeq),
                    .text(r.fileName), .integer(r.recordCount), .money(r.total), .text(r.fileSHA256), .bool(r.isRepeat),
                    .text(r.operatorId), .instant(r.at),
                ])
        case .audit(let r):
            try ledger.insert(
                "audit_events", Columns.auditEvents,
                [s, .text(r.id), .text(r.kind), .text(r.operatorId), .text(r.detail), .instant(r.at)])
        }
    }

    private func receipt(_ number: Int64, kind: String, ref: String) throws(SQLiteError) {
        try ledger.insert("receipts", Columns.receipts, [.integer(seq), .integer(number), .text(kind), .text(ref)])
    }
}
