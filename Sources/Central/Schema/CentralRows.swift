import KasseCore
import Ledger

/// One typed row of the central schema, derived from a ``LedgerEvent``: the table, its columns
/// after `register_id, seq`, and the values in PostgreSQL's text output form (so that `central
/// verify` can compare what it reads back with what the entry's canonical bytes say).
struct CentralRow: Equatable, Sendable {
    let table: String
    let columns: [String]
    let values: [PostgreSQLValue]
}

/// The rows the centre keeps of each event: the same records the counter's ledger holds
/// (Sources/Ledger/Storage/Migrations.swift), keyed by `(register_id, seq)`, every field of them.
enum CentralRows {
    /// The key columns of each child table after `register_id, seq`, for reading rows back in order.
    static let orderColumns: [String: [String]] = [
        "sale_lines": ["line_no"], "line_shares": ["line_no", "share_no"], "payments": ["payment_no"],
        "storno_refunds": ["refund_no"],
    ]

    /// Every table of typed rows.
    static let allTables = EntryKind.allCases.flatMap { tables(of: $0) }

    /// The table holding the one main row of an entry of journal kind `kind`.
    static func mainTable(ofKind kind: String) -> String? { EntryKind(rawValue: kind).flatMap { tables(of: $0).first } }

    /// The tables an event of `kind` writes.
    static func tables(of kind: EntryKind) -> [String] {
        switch kind {
        case .register: return ["registers"]
        case .operatorAdded: return ["operators"]
        case .shiftOpened: return ["shifts"]
        case .sale: return ["sales", "sale_lines", "line_shares", "payments"]
        case .storno: return ["stornos", "storno_refunds"]
        case .cashMovement: return ["cash_movements"]
        case .dayClose: return ["day_closes"]
        case .cardPending: return ["card_pending"]
        case .cardResolved: return ["card_resolutions"]
        case .export: return ["exports"]
        case .audit: return ["audit_events"]
        case .tseTransaction: return ["tse_transactions"]
        }
    }

    /// The columns of each table, in the order ``rows(of:)`` writes them.
    static let columns: [String: [String]] = {
        var out: [String: [String]] = [:]
        for row in sampleRows { out[row.table] = row.columns }
        return out
    }()

    private static var sampleRows: [CentralRow] {
        let now = Instant(millisecondsSinceEpoch: 0)
        let money = Money(cents: 1)
        let line = SaleLine(
            itemCode: "x", name: "x", variant: nil, quantity: 1, unitPrice: money, amount: money, sachkonto: "1",
            produkt: nil, kostenstelle: nil, taxNote: "",
            shares: [LineShare(account: "1", produkt: nil, kostenstelle: nil, amount: money, passThrough: false, label: "")])
        let sale = SaleRecord(
            id: "x", receiptNumber: 1, shiftId: "x", operatorId: "x", businessDate: "2000-01-01", startedAt: now, endedAt: now,
            reference: nil, total: money, lines: [line], payments: [PaymentRecord(method: .cash, amount: money)])
        let events: [LedgerEvent] = [
            .register(RegisterRecord(id: "x", name: "x", createdAt: now)),
            .operatorAdded(OperatorRecord(id: "x", login: "x", name: "x", createdAt: now)),
            .shiftOpened(ShiftRecord(id: "x", operatorId: "x", businessDate: "2000-01-01", openedAt: now, float: money)),
            .sale(sale),
            .storno(
                StornoRecord(
                    id: "x", saleId: "x", receiptNumber: 1, shiftId: "x", operatorId: "x", approvedBy: nil, reason: "", businessDate: "2000-01-01",
                    at: now, total: money, refunds: [StornoRefund(method: .cash, amount: money)])),
            .cashMovement(
                CashMovementRecord(
                    id: "x", receiptNumber: 1, shiftId: "x", operatorId: "x", approvedBy: nil, kind: .einlage, amount: money, reason: "",
                    businessDate: "2000-01-01", at: now)),
            .dayClose(
                DayCloseRecord(
                    id: "x", zNumber: 1, shiftId: "x", operatorId: "x", approvedBy: nil, businessDate: "2000-01-01", closedAt: now, afterSeq: 0,
                    totals: DayTotals(), expectedCash: money, countedCash: money, difference: money)),
            .cardPending(PendingCardPayment(id: "x", saleId: "x", amount: money, terminal: "x", createdAt: now, draft: "")),
            .cardResolved(CardResolution(pendingId: "x", outcome: .approved, saleId: nil, detail: "", resolvedAt: now, atStartup: false)),
            .export(
                ExportRecord(
                    id: "x", format: "x", scope: "x", afterSeq: 0, throughSeq: 0, fileName: "x", recordCount: 0, total: money, fileSHA256: "x",
                    isRepeat: false, operatorId: nil, at: now)),
            .audit(AuditRecord(id: "x", kind: "x", operatorId: nil, detail: "", at: now)),
            .tseTransaction(
                TSETransactionRecord(
                    id: "x", booking: .sale, bookingId: nil, clientId: "x", serial: nil, transactionNumber: nil, startedAt: nil, endedAt: nil,
                    processType: "x", processData: "", signatureCounter: nil, signature: nil, signatureAlgorithm: nil, logTimeFormat: nil,
                    publicKey: nil, error: "x", at: now)),
        ]
        return events.flatMap { rows(of: $0) }
    }

    /// The rows of `event`.
    static func rows(of event: LedgerEvent) -> [CentralRow] {
        var out: [CentralRow] = []
        func row(_ table: String, _ pairs: KeyValuePairs<String, PostgreSQLValue>) {
            out.append(CentralRow(table: table, columns: pairs.map(\.key), values: pairs.map(\.value)))
        }
        switch event {
        case .register(let r):
            row("registers", ["id": .text(r.id), "name": .text(r.name), "created_at_ms": .int(r.createdAt.millisecondsSinceEpoch)])
        case .operatorAdded(let r):
            row("operators", ["id": .text(r.id), "login": .text(r.login), "name": .text(r.name), "created_at_ms": .int(r.createdAt.millisecondsSinceEpoch)])
        case .shiftOpened(let r):
            row(
                "shifts",
                [
                    "id": .text(r.id), "operator_id": .text(r.operatorId), "business_date": .text(r.businessDate),
                    "opened_at_ms": .int(r.openedAt.millisecondsSinceEpoch), "float_cents": .int(r.float.cents),
                ])
        case .sale(let r):
            row(
                "sales",
                [
                    "id": .text(r.id), "receipt_number": .int(r.receiptNumber), "shift_id": .text(r.shiftId), "operator_id": .text(r.operatorId),
                    "business_date": .text(r.businessDate), "started_at_ms": .int(r.startedAt.millisecondsSinceEpoch),
                    "ended_at_ms": .int(r.endedAt.millisecondsSinceEpoch), "reference": .optional(r.reference), "total_cents": .int(r.total.cents),
                    "catalog_version": .optional(r.catalogVersion),
                ])
            for (i, line) in r.lines.enumerated() {
                row(
                    "sale_lines",
                    [
                        "line_no": .int(i + 1), "item_code": .text(line.itemCode), "name": .text(line.name), "variant": .optional(line.variant),
                        "quantity": .int(Int64(line.quantity)), "unit_price_cents": .int(line.unitPrice.cents), "amount_cents": .int(line.amount.cents),
                        "sachkonto": .text(line.sachkonto), "produkt": .optional(line.produkt), "kostenstelle": .optional(line.kostenstelle),
                        "tax_note": .text(line.taxNote), "tax_treatment": .optional(line.tax?.treatment.code),
                        "tax_rate": .optional(line.tax?.rateKey?.rawValue), "tax_rate_bp": .optional(taxRateBasisPoints(line)),
                        "tax_vat_cents": .optional(line.tax.map { _ in line.vatAmount.cents }), "tax_legal_basis": .optional(taxLegalBasis(line)),
                    ])
            }
            for (i, line) in r.lines.enumerated() {
                for (j, share) in line.shares.enumerated() {
                    row(
                        "line_shares",
                        [
                            "line_no": .int(i + 1), "share_no": .int(j + 1), "account": .text(share.account), "produkt": .optional(share.produkt),
                            "kostenstelle": .optional(share.kostenstelle), "amount_cents": .int(share.amount.cents),
                            "pass_through": .boolean(share.passThrough), "label": .text(share.label),
                        ])
                }
            }
            for (i, p) in r.payments.enumerated() {
                row(
                    "payments",
                    [
                        "payment_no": .int(i + 1), "method": .text(p.method.rawValue), "amount_cents": .int(p.amount.cents),
                        "tendered_cents": .optional(p.tendered?.cents), "change_cents": .optional(p.change?.cents),
                        "cheque_number": .optional(p.chequeNumber), "cheque_bank": .optional(p.chequeBank), "cheque_drawer": .optional(p.chequeDrawer),
                        "card_terminal_id": .optional(p.card?.terminalId), "card_trace": .optional(p.card?.traceNumber),
                        "card_receipt_number": .optional(p.card?.receiptNumber), "card_name": .optional(p.card?.cardName),
                        "card_masked_pan": .optional(p.card?.maskedPAN), "card_auth_code": .optional(p.card?.authorizationCode),
                        "card_turnover_number": .optional(p.card?.turnoverNumber), "card_approved_cents": .optional(p.card?.approvedAmount?.cents),
                        "card_pending_id": .optional(p.cardPendingId), "card_receipt_text": .optional(receiptText(p.card)),
                        "card_receipt_attributes": .optional(receiptAttributes(p.card)),
                        "card_merchant_receipt_text": .optional(p.card.flatMap(CardDetails.storedMerchantReceiptText)),
                        "card_merchant_receipt_attributes": .optional(merchantReceiptAttributes(p.card)),
                    ])
            }
        case .storno(let r):
            row(
                "stornos",
                [
                    "id": .text(r.id), "sale_id": .text(r.saleId), "receipt_number": .int(r.receiptNumber), "shift_id": .text(r.shiftId),
                    "operator_id": .text(r.operatorId), "approved_by": .optional(r.approvedBy), "reason": .text(r.reason),
                    "business_date": .text(r.businessDate), "at_ms": .int(r.at.millisecondsSinceEpoch), "total_cents": .int(r.total.cents),
                ])
            for (i, f) in r.refunds.enumerated() {
                row(
                    "storno_refunds",
                    [
                        "refund_no": .int(i + 1), "method": .text(f.method.rawValue), "amount_cents": .int(f.amount.cents),
                        "card_terminal_id": .optional(f.cardReversal?.terminalId), "card_trace": .optional(f.cardReversal?.traceNumber),
                        "card_receipt_number": .optional(f.cardReversal?.receiptNumber), "card_name": .optional(f.cardReversal?.cardName),
                        "card_masked_pan": .optional(f.cardReversal?.maskedPAN), "card_auth_code": .optional(f.cardReversal?.authorizationCode),
                        "card_turnover_number": .optional(f.cardReversal?.turnoverNumber),
                        "card_approved_cents": .optional(f.cardReversal?.approvedAmount?.cents), "not_reversed_reason": .optional(f.notReversedReason),
                        "card_receipt_text": .optional(receiptText(f.cardReversal)), "card_receipt_attributes": .optional(receiptAttributes(f.cardReversal)),
                        "card_merchant_receipt_text": .optional(f.cardReversal.flatMap(CardDetails.storedMerchantReceiptText)),
                        "card_merchant_receipt_attributes": .optional(merchantReceiptAttributes(f.cardReversal)),
                    ])
            }
        case .cashMovement(let r):
            row(
                "cash_movements",
                [
                    "id": .text(r.id), "receipt_number": .int(r.receiptNumber), "shift_id": .text(r.shiftId), "operator_id": .text(r.operatorId),
                    "approved_by": .optional(r.approvedBy), "kind": .text(r.kind.rawValue), "amount_cents": .int(r.amount.cents),
                    "reason": .text(r.reason), "business_date": .text(r.businessDate), "at_ms": .int(r.at.millisecondsSinceEpoch),
                    "received_by": .optional(r.transfer?.receivedBy), "received_by_operator": .optional(r.transfer?.receivedByOperator),
                    "counted_pieces": .optional(r.transfer?.countedPiecesText),
                ])
        case .dayClose(let r):
            let t = r.totals
            row(
                "day_closes",
                [
                    "id": .text(r.id), "z_number": .int(r.zNumber), "shift_id": .text(r.shiftId), "operator_id": .text(r.operatorId),
                    "approved_by": .optional(r.approvedBy), "business_date": .text(r.businessDate), "closed_at_ms": .int(r.closedAt.millisecondsSinceEpoch),
                    "after_seq": .int(r.afterSeq), "first_receipt": .optional(t.firstReceipt), "last_receipt": .optional(t.lastReceipt),
                    "sale_count": .int(t.saleCount), "storno_count": .int(t.stornoCount), "float_cents": .int(t.float.cents),
                    "sales_cents": .int(t.sales.cents), "cash_cents": .int(t.cash.cents), "cheque_cents": .int(t.cheque.cents),
                    "card_cents": .int(t.card.cents), "storno_cents": .int(t.stornos.cents), "storno_cash_cents": .int(t.stornoCash.cents),
                    "storno_cheque_cents": .int(t.stornoCheque.cents), "storno_card_cents": .int(t.stornoCard.cents),
                    "einlagen_cents": .int(t.einlagen.cents), "entnahmen_cents": .int(t.entnahmen.cents),
                    "abschoepfungen_cents": .int(t.abschoepfungen.cents), "expected_cash_cents": .int(r.expectedCash.cents),
                    "counted_cash_cents": .int(r.countedCash.cents), "difference_cents": .int(r.difference.cents),
                ])
        case .cardPending(let r):
            row(
                "card_pending",
                [
                    "id": .text(r.id), "sale_id": .text(r.saleId), "amount_cents": .int(r.amount.cents), "terminal": .text(r.terminal),
                    "created_at_ms": .int(r.createdAt.millisecondsSinceEpoch), "draft": .text(r.draft),
                ])
        case .cardResolved(let r):
            row(
                "card_resolutions",
                [
                    "pending_id": .text(r.pendingId), "outcome": .text(r.outcome.rawValue), "sale_id": .optional(r.saleId), "detail": .text(r.detail),
                    "resolved_at_ms": .int(r.resolvedAt.millisecondsSinceEpoch), "at_startup": .boolean(r.atStartup),
                ])
        case .export(let r):
            row(
                "exports",
                [
                    "id": .text(r.id), "format": .text(r.format), "scope": .text(r.scope), "after_seq": .int(r.afterSeq),
                    "through_seq": .int(r.throughSeq), "file_name": .text(r.fileName), "record_count": .int(r.recordCount),
                    "total_cents": .int(r.total.cents), "file_sha256": .text(r.fileSHA256), "is_repeat": .boolean(r.isRepeat),
                    "operator_id": .optional(r.operatorId), "at_ms": .int(r.at.millisecondsSinceEpoch),
                ])
        case .audit(let r):
            row(
                "audit_events",
                [
                    "id": .text(r.id), "kind": .text(r.kind), "operator_id": .optional(r.operatorId), "detail": .text(r.detail),
                    "at_ms": .int(r.at.millisecondsSinceEpoch),
                ])
        case .tseTransaction(let r):
            row(
                "tse_transactions",
                [
                    "id": .text(r.id), "booking_kind": .text(r.booking.rawValue), "booking_id": .optional(r.bookingId), "client_id": .text(r.clientId),
                    "tse_serial": .optional(r.serial), "tse_tanr": .optional(r.transactionNumber),
                    "tse_ta_start_ms": .optional(r.startedAt?.millisecondsSinceEpoch), "tse_ta_ende_ms": .optional(r.endedAt?.millisecondsSinceEpoch),
                    "tse_ta_vorgangsart": .text(r.processType), "tse_vorgangsdaten": .text(r.processData), "tse_ta_sigz": .optional(r.signatureCounter),
                    "tse_ta_sig": .optional(r.signature), "tse_sig_algo": .optional(r.signatureAlgorithm), "tse_zeitformat": .optional(r.logTimeFormat),
                    "tse_public_key": .optional(r.publicKey), "tse_ta_fehler": .optional(r.error), "at_ms": .int(r.at.millisecondsSinceEpoch),
                ])
        }
        return out
    }
}

/// The customer receipt of a card payment or reversal as the ledger hashes it (`card_receipt_text`,
/// Sources/Ledger/Chain/CanonicalEncoding.swift): its lines joined by line feeds; nil without a card.
private func receiptText(_ card: CardDetails?) -> String? { card.map { CardDetails.joinReceiptLines($0.receiptLines) } }

/// The print attributes of the customer receipt's lines (`card_receipt_attributes`); nil when plain.
private func receiptAttributes(_ card: CardDetails?) -> String? { card.flatMap { CardDetails.receiptAttributes($0.customerReceipt) } }

/// The print attributes of the merchant receipt's lines (`card_merchant_receipt_attributes`).
private func merchantReceiptAttributes(_ card: CardDetails?) -> String? { card.flatMap { CardDetails.receiptAttributes($0.merchantReceipt) } }

/// The rate of a taxable line in basis points, as the ledger hashes it (`line.N.tax_rate_bp`,
/// docs/ledger.md "Umsatzsteuer"); nil for a fee or an exempt line.
private func taxRateBasisPoints(_ line: SaleLine) -> Int64? {
    guard let tax = line.tax, tax.rateKey != nil else { return nil }
    return tax.rateBasisPoints
}

/// The legal basis of an exempt line (`line.N.tax_legal_basis`); nil otherwise.
private func taxLegalBasis(_ line: SaleLine) -> String? {
    guard case .steuerfrei(let basis)? = line.tax?.treatment else { return nil }
    return basis
}

extension PostgreSQLValue {
    /// A boolean in PostgreSQL's text output form (`t`, `f`).
    static func boolean(_ value: Bool) -> PostgreSQLValue { .text(value ? "t" : "f") }
}
