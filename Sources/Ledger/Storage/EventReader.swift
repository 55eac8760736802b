import KasseCore

/// The receipts table's row for an entry (an index that must agree with the record).
struct ReceiptIndexRow: Equatable, Sendable {
    let number: Int64
    let kind: String
    let ref: String
}

/// What the reader finds, in journal order.
enum ReadItem: Sendable {
    /// A journal entry with its decoded record (`nil`: the record's main row is missing or the kind unknown).
    case entry(JournalEntry, LedgerEvent?, receiptIndex: ReceiptIndexRow?)
    /// A row whose `seq` has no journal entry of its kind (inserted, or its entry was deleted).
    case orphan(table: String, seq: Int64)
}

/// Decodes every entry of the merge (``MergeReader``) into its record.
struct EventReader {
    let db: SQLiteConnection

    /// The tables that hold the records of `kind`.
    static func tables(of kind: EntryKind) -> Set<String> {
        switch kind {
        case .register: return ["register"]
        case .operatorAdded: return ["operators"]
        case .shiftOpened: return ["shifts"]
        case .sale: return ["receipts", "sales", "sale_lines", "line_shares", "payments"]
        case .storno: return ["receipts", "stornos", "storno_refunds"]
        case .cashMovement: return ["receipts", "cash_movements"]
        case .dayClose: return ["day_closes"]
        case .cardPending: return ["card_pending"]
        case .cardResolved: return ["card_resolutions"]
        case .export: return ["exports"]
        case .audit: return ["audit_events"]
        }
    }

    /// Reads `range` in journal order. `tables`, if given, limits which record tables are read
    /// (for single records; orphans are then not reported for the others).
    func read(range: ClosedRange<Int64> = 1...Int64.max, tables: Set<String>? = nil, _ body: (ReadItem) throws -> Void) throws {
        let merge = try MergeReader(db, range: range, tables: tables)
        while try merge.next(orphan: { try body(.orphan(table: $0, seq: $1)) }) {
            try body(try Self.entry(merge))
        }
    }

    /// The merge's current entry with its record and receipt index row (consumed).
    static func entry(_ merge: MergeReader) throws(SQLiteError) -> ReadItem {
        var j = ColumnReader(merge.journal)
        let entry = JournalEntry(
            seq: j.int64(), kind: j.text(), ref: j.text(), recordedAt: j.instant(), previousHash: j.text(), hash: j.text())
        let receiptIndex = try merge.cursors.receiptIndex(at: entry.seq)
        let event = try merge.cursors.event(EntryKind(rawValue: entry.kind), at: entry.seq)
        return .entry(entry, event, receiptIndex: receiptIndex)
    }
}

extension RecordCursors {
    /// The receipts table's row at `s`, if any (consumed).
    func receiptIndex(at s: Int64) throws(SQLiteError) -> ReceiptIndexRow? {
        guard receipts.at(s) else { return nil }
        var r = receipts.row
        let row = ReceiptIndexRow(number: r.int64(), kind: r.text(), ref: r.text())
        try receipts.advance()
        return row
    }

    /// The record of `kind` at `s` with its child rows (consumed); nil when its main row is missing.
    func event(_ kind: EntryKind?, at s: Int64) throws(SQLiteError) -> LedgerEvent? {
        var event: LedgerEvent?
        switch kind {
        case .register:
            if register.at(s) {
                var r = register.row
                event = .register(RegisterRecord(id: r.text(), name: r.text(), createdAt: r.instant()))
                try register.advance()
            }
        case .operatorAdded:
            if operators.at(s) {
                var r = operators.row
                event = .operatorAdded(r.operatorRecord())
                try operators.advance()
            }
        case .shiftOpened:
            if shifts.at(s) {
                var r = shifts.row
                event = .shiftOpened(
                    ShiftRecord(
                        id: r.text(), operatorId: r.text(), businessDate: r.text(), openedAt: r.instant(),
                        float: r.money()))
                try shifts.advance()
            }
        case .sale:
            if sales.at(s) {
                var r = sales.row
                let id = r.text()
                let receiptNumber = r.int64()
                let shiftId = r.text()
                let operatorId = r.text()
                let businessDate = r.text()
                let startedAt = r.instant()
                let endedAt = r.instant()
                let reference = r.optionalText()
                let total = r.money()
                let catalogVersion = r.optionalText()
                try sales.advance()
                var saleLines: [SaleLine] = []
                while lines.at(s) {
                    var l = lines.row
                    let lineNo = l.int64()
                    let itemCode = l.text()
                    let name = l.text()
                    let variant = l.optionalText()
                    let quantity = l.int64()
                    let unitPrice = l.money()
                    let amount = l.money()
                    let sachkonto = l.text()
                    let produkt = l.optionalText()
                    let kostenstelle = l.optionalText()
                    let taxNote = l.text()
                    let (tax, vat) = l.lineTax()
                    try lines.advance()
                    var lineShares: [LineShare] = []
                    while shares.at(s) {
                        var h = shares.row
                        guard h.int64() == lineNo else { break }
                        _ = h.int64()
                        lineShares.append(
                            LineShare(
                                account: h.text(), produkt: h.optionalText(), kostenstelle: h.optionalText(),
                                amount: h.money(), passThrough: h.bool(), label: h.text()))
                        try shares.advance()
                    }
                    saleLines.append(
                        SaleLine(
                            itemCode: itemCode, name: name, variant: variant, quantity: quantity, unitPrice: unitPrice,
                            amount: amount, sachkonto: sachkonto, produkt: produkt, kostenstelle: kostenstelle,
                            taxNote: taxNote, shares: lineShares, tax: tax, vat: vat))
                }
                // Shares of a line that no longer exists stay behind as orphans.
                var salePayments: [PaymentRecord] = []
                while payments.at(s) {
                    var p = payments.row
                    _ = p.int64()
                    let method = PaymentMethod(rawValue: p.text()) ?? .cash
                    salePayments.append(
                        PaymentRecord(
                            method: method, amount: p.money(), tendered: p.optionalMoney(), change: p.optionalMoney(),
                            chequeNumber: p.optionalText(), chequeBank: p.optionalText(), chequeDrawer: p.optionalText(),
                            card: p.card(), cardPendingId: p.optionalText()))
                    try payments.advance()
                }
                event = .sale(
                    SaleRecord(
                        id: id, receiptNumber: receiptNumber, shiftId: shiftId, operatorId: operatorId,
                        businessDate: businessDate, startedAt: startedAt, endedAt: endedAt, reference: reference,
                        total: total, lines: saleLines, payments: salePayments, catalogVersion: catalogVersion))
            }
        case .storno:
            if stornos.at(s) {
                var r = stornos.row
                let id = r.text()
                let saleId = r.text()
                let receiptNumber = r.int64()
                let shiftId = r.text()
                let operatorId = r.text()
                let approvedBy = r.optionalText()
                let reason = r.text()
                let businessDate = r.text()
                let at = r.instant()
                let total = r.money()
                try stornos.advance()
                var stornoRefunds: [StornoRefund] = []
                while refunds.at(s) {
                    var f = refunds.row
                    _ = f.int64()
                    let method = PaymentMethod(rawValue: f.text()) ?? .cash
                    stornoRefunds.append(
                        StornoRefund(method: method, amount: f.money(), cardReversal: f.card(), notReversedReason: f.optionalText()))
                    try refunds.advance()
                }
                event = .storno(
                    StornoRecord(
                        id: id, saleId: saleId, receiptNumber: receiptNumber, shiftId: shiftId, operatorId: operatorId,
                        approvedBy: approvedBy, reason: reason, businessDate: businessDate, at: at, total: total,
                        refunds: stornoRefunds))
            }
        case .cashMovement:
            if movements.at(s) {
                var r = movements.row
                event = .cashMovement(r.cashMovementRecord())
                try movements.advance()
            }
        case .dayClose:
            if closes.at(s) {
                var r = closes.row
                let id = r.text()
                let zNumber = r.int64()
                let shiftId = r.text()
                let operatorId = r.text()
                let approvedBy = r.optionalText()
                let businessDate = r.text()
                let closedAt = r.instant()
                let afterSeq = r.int64()
                var t = DayTotals()
                t.firstReceipt = r.optionalInt64()
                t.lastReceipt = r.optionalInt64()
                t.saleCount = r.int64()
                t.stornoCount = r.int64()
                t.float = r.money()
                t.sales = r.money()
                t.cash = r.money()
                t.cheque = r.money()
                t.card = r.money()
                t.stornos = r.money()
                t.stornoCash = r.money()
                t.stornoCheque = r.money()
                t.stornoCard = r.money()
                t.einlagen = r.money()
                t.entnahmen = r.money()
                t.abschoepfungen = r.money()
                event = .dayClose(
                    DayCloseRecord(
                        id: id, zNumber: zNumber, shiftId: shiftId, operatorId: operatorId, approvedBy: approvedBy,
                        businessDate: businessDate, closedAt: closedAt, afterSeq: afterSeq, totals: t,
                        expectedCash: r.money(), countedCash: r.money(), difference: r.money()))
                try closes.advance()
            }
        case .cardPending:
            if pending.at(s) {
                var r = pending.row
                event = .cardPending(
                    PendingCardPayment(
                        id: r.text(), saleId: r.text(), amount: r.money(), terminal: r.text(), createdAt: r.instant(),
                        draft: r.text()))
                try pending.advance()
            }
        case .cardResolved:
            if resolutions.at(s) {
                var r = resolutions.row
                let pendingId = r.text()
                let outcomeText = r.text()
                event = .cardResolved(
                    CardResolution(
                        pendingId: pendingId, outcome: CardOutcome(rawValue: outcomeText) ?? .declined,
                        saleId: r.optionalText(), detail: r.text(), resolvedAt: r.instant(), atStartup: r.bool()))
                try resolutions.advance()
            }
        case .export:
            if exports.at(s) {
                var r = exports.row
                event = .export(
                    ExportRecord(
                        id: r.text(), format: r.text(), scope: r.text(), afterSeq: r.int64(), throughSeq: r.int64(),
                        fileName: r.text(), recordCount: r.int64(), total: r.money(), fileSHA256: r.text(),
                        isRepeat: r.bool(), operatorId: r.optionalText(), at: r.instant()))
                try exports.advance()
            }
        case .audit:
            if audits.at(s) {
                var r = audits.row
                event = .audit(
                    AuditRecord(id: r.text(), kind: r.text(), operatorId: r.optionalText(), detail: r.text(), at: r.instant()))
                try audits.advance()
            }
        case nil:
            event = nil
        }
        return event
    }
}

extension ColumnReader {
    /// An `operators` row after its `seq` (``Columns/operators``).
    mutating func operatorRecord() -> OperatorRecord {
        OperatorRecord(id: text(), login: text(), name: text(), createdAt: instant())
    }

    /// A `cash_movements` row after its `seq` (``Columns/cashMovements``).
    mutating func cashMovementRecord() -> CashMovementRecord {
        let id = text()
        let receiptNumber = int64()
        let shiftId = text()
        let operatorId = text()
        let approvedBy = optionalText()
        let kindText = text()
        let amount = money()
        let reason = text()
        let businessDate = text()
        let at = instant()
        let receivedBy = optionalText()
        let receivedByOperator = optionalText()
        let countedPieces = optionalText()
        return CashMovementRecord(
            id: id, receiptNumber: receiptNumber, shiftId: shiftId, operatorId: operatorId, approvedBy: approvedBy,
            kind: CashMovementKind(rawValue: kindText) ?? .einlage, amount: amount, reason: reason, businessDate: businessDate,
            at: at,
            transfer: receivedBy.map {
                StadtkasseTransfer(
                    receivedBy: $0, receivedByOperator: receivedByOperator, pieces: StadtkasseTransfer.pieces(fromText: countedPieces))
            })
    }

    mutating func money() -> Money { Money(cents: int64()) }
    mutating func optionalMoney() -> Money? { optionalInt64().map { Money(cents: $0) } }
    mutating func instant() -> Instant { Instant(millisecondsSinceEpoch: int64()) }
    /// The tax columns of a sale line (see ``SQLiteValue/tax(_:)``); nil for a sovereign fee.
    mutating func lineTax() -> (LineTax?, Money?) {
        let treatment = optionalText()
        let rate = optionalText()
        let basisPoints = optionalInt64()
        let vat = optionalMoney()
        let basis = optionalText()
        switch treatment {
        case "steuerpflichtig":
            guard let key = rate.flatMap(VATRateKey.init(rawValue:)) else { return (nil, nil) }
            return (LineTax(treatment: .steuerpflichtig(key), rateBasisPoints: basisPoints ?? 0), vat)
        case "steuerfrei": return (LineTax(treatment: .steuerfrei(legalBasis: basis ?? "")), vat)
        default: return (nil, nil)
        }
    }
    /// The card columns (see ``Columns/card``); nil when the terminal id is NULL.
    mutating func card() -> CardDetails? {
        let terminalId = optionalText()
        let trace = optionalText()
        let receipt = optionalText()
        let name = optionalText()
        let pan = optionalText()
        let auth = optionalText()
        let turnover = optionalText()
        let text = optionalText()
        let attributes = optionalText()
        let merchantText = optionalText()
        let merchantAttributes = optionalText()
        let approved = optionalMoney()
        guard let terminalId else { return nil }
        return CardDetails(
            terminalId: terminalId, traceNumber: trace ?? "", receiptNumber: receipt ?? "", cardName: name ?? "",
            maskedPAN: pan ?? "", authorizationCode: auth, turnoverNumber: turnover,
            customerReceipt: CardDetails.receiptLines(text: text ?? "", attributes: attributes),
            merchantReceipt: CardDetails.receiptLines(text: merchantText ?? "", attributes: merchantAttributes), approvedAmount: approved)
    }
}
