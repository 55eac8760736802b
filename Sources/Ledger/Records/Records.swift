import KasseCore

/// The register (Kasse) a ledger belongs to. One ledger file per register.
public struct RegisterRecord: Equatable, Sendable {
    public let id: String
    public let name: String
    public let createdAt: Instant
    public init(id: String, name: String, createdAt: Instant) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// An operator (Bediener). PINs and roles live in separate tables added by the security issue.
public struct OperatorRecord: Equatable, Sendable {
    public let id: String
    public let login: String
    public let name: String
    public let createdAt: Instant
    public init(id: String, login: String, name: String, createdAt: Instant) {
        self.id = id
        self.login = login
        self.name = name
        self.createdAt = createdAt
    }
}

/// A shift opened with a counted float (Wechselgeld). It ends with the day close.
public struct ShiftRecord: Equatable, Sendable {
    public let id: String
    public let operatorId: String
    public let businessDate: String
    public let openedAt: Instant
    public let float: Money
    public init(id: String, operatorId: String, businessDate: String, openedAt: Instant, float: Money) {
        self.id = id
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.openedAt = openedAt
        self.float = float
    }
}

/// A booked sale with its receipt number.
public struct SaleRecord: Equatable, Sendable {
    /// Client-generated id: booking the same id twice books once.
    public let id: String
    public let receiptNumber: Int64
    public let shiftId: String
    public let operatorId: String
    public let businessDate: String
    public let startedAt: Instant
    public let endedAt: Instant
    /// Kassenzeichen or other reference the clerk entered.
    public let reference: String?
    public let total: Money
    public let lines: [SaleLine]
    public let payments: [PaymentRecord]
    /// The version of the fee catalogue the lines were priced with (``TariffCatalog/version``,
    /// migration 12); nil for sales booked before, and for sales booked without a catalogue.
    public let catalogVersion: String?
    public init(
        id: String, receiptNumber: Int64, shiftId: String, operatorId: String, businessDate: String, startedAt: Instant,
        endedAt: Instant, reference: String?, total: Money, lines: [SaleLine], payments: [PaymentRecord],
        catalogVersion: String? = nil
    ) {
        self.catalogVersion = catalogVersion
        self.id = id
        self.receiptNumber = receiptNumber
        self.shiftId = shiftId
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.reference = reference
        self.total = total
        self.lines = lines
        self.payments = payments
    }
}

/// How the money of one payment method went back to the customer in a storno.
public struct StornoRefund: Equatable, Sendable, Codable {
    public let method: PaymentMethod
    public let amount: Money
    /// For card: the terminal's data of the reversal (06 30), if it succeeded.
    public let cardReversal: CardDetails?
    /// For card: why the terminal did not reverse (then the refund happens outside the till).
    public let notReversedReason: String?
    public init(method: PaymentMethod, amount: Money, cardReversal: CardDetails? = nil, notReversedReason: String? = nil) {
        self.method = method
        self.amount = amount
        self.cardReversal = cardReversal
        self.notReversedReason = notReversedReason
    }
}

/// The cancellation of a whole sale; it has its own receipt.
public struct StornoRecord: Equatable, Sendable {
    public let id: String
    public let saleId: String
    public let receiptNumber: Int64
    public let shiftId: String
    public let operatorId: String
    /// The supervisor who approved (four-eyes, docs/access.md).
    public let approvedBy: String?
    public let reason: String
    public let businessDate: String
    public let at: Instant
    public let total: Money
    public let refunds: [StornoRefund]
    public init(
        id: String, saleId: String, receiptNumber: Int64, shiftId: String, operatorId: String, approvedBy: String?,
        reason: String, businessDate: String, at: Instant, total: Money, refunds: [StornoRefund]
    ) {
        self.id = id
        self.saleId = saleId
        self.receiptNumber = receiptNumber
        self.shiftId = shiftId
        self.operatorId = operatorId
        self.approvedBy = approvedBy
        self.reason = reason
        self.businessDate = businessDate
        self.at = at
        self.total = total
        self.refunds = refunds
    }
}

public struct CashMovementRecord: Equatable, Sendable {
    public let id: String
    public let receiptNumber: Int64
    public let shiftId: String
    public let operatorId: String
    public let approvedBy: String?
    public let kind: CashMovementKind
    /// Always positive; the direction comes from ``kind``.
    public let amount: Money
    public let reason: String
    public let businessDate: String
    public let at: Instant
    /// Who at the Stadtkasse received an Abschöpfung, and the count handed over (migration 10);
    /// nil for an Einlage, an Entnahme and an Abschöpfung booked before.
    public let transfer: StadtkasseTransfer?
    public init(
        id: String, receiptNumber: Int64, shiftId: String, operatorId: String, approvedBy: String?, kind: CashMovementKind,
        amount: Money, reason: String, businessDate: String, at: Instant, transfer: StadtkasseTransfer? = nil
    ) {
        self.id = id
        self.receiptNumber = receiptNumber
        self.shiftId = shiftId
        self.operatorId = operatorId
        self.approvedBy = approvedBy
        self.kind = kind
        self.amount = amount
        self.reason = reason
        self.businessDate = businessDate
        self.at = at
        self.transfer = transfer
    }
}

/// The handing over of an Abschöpfung to the Stadtkasse (docs/dayclose.md, "Abschöpfung an die
/// Stadtkasse"): the clerk (``CashMovementRecord/operatorId``) hands over, a person of the
/// Stadtkasse receives. Stored in the columns `received_by`, `received_by_operator` and
/// `counted_pieces` of `cash_movements`.
public struct StadtkasseTransfer: Equatable, Sendable {
    /// The receiver's name: as typed, or the operator's name when they confirmed with Kennung and PIN.
    public let receivedBy: String
    /// The receiver's operator id when they confirmed with Kennung and PIN; nil for a name only.
    public let receivedByOperator: String?
    /// The count by denomination (cents → pieces); empty when only the sum was given.
    public let pieces: [Int64: Int]
    public init(receivedBy: String, receivedByOperator: String?, pieces: [Int64: Int]) {
        self.receivedBy = receivedBy
        self.receivedByOperator = receivedByOperator
        self.pieces = pieces.filter { $0.value > 0 }
    }

    /// The count as stored: `pieces×cents` per denomination, largest first, separated by spaces
    /// (`2×5000 1×2000`); nil when only the sum was given.
    public var countedPiecesText: String? {
        pieces.isEmpty ? nil : pieces.sorted { $0.key > $1.key }.map { "\($0.value)×\($0.key)" }.joined(separator: " ")
    }

    /// The count of a stored `counted_pieces` text (an unreadable part is skipped; ``RecordChecks``
    /// compares the count with the amount).
    public static func pieces(fromText text: String?) -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for part in (text ?? "").split(separator: " ") {
            let halves = part.split(separator: "×")
            guard halves.count == 2, let count = Int(halves[0]), let cents = Int64(halves[1]) else { continue }
            out[cents, default: 0] += count
        }
        return out
    }

    /// The sum of the count; nil when only the sum was given or on overflow.
    public var countedTotal: Money? {
        guard !pieces.isEmpty else { return nil }
        var total: Int64 = 0
        for (cents, count) in pieces {
            let (product, o1) = cents.multipliedReportingOverflow(by: Int64(count))
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return nil }
            total = sum
        }
        return Money(cents: total)
    }
}

/// Totals of a period (since the last day close), recomputed by `verify`.
public struct DayTotals: Equatable, Sendable {
    public var float = Money.zero
    public var saleCount: Int64 = 0
    public var stornoCount: Int64 = 0
    public var sales = Money.zero
    public var cash = Money.zero
    public var cheque = Money.zero
    public var card = Money.zero
    public var stornos = Money.zero
    public var stornoCash = Money.zero
    public var stornoCheque = Money.zero
    public var stornoCard = Money.zero
    public var einlagen = Money.zero
    public var entnahmen = Money.zero
    public var abschoepfungen = Money.zero
    public var firstReceipt: Int64?
    public var lastReceipt: Int64?
    public init() {}

    /// float + cash received − change given (already netted in ``cash``) − cash paid back by stornos
    /// + Einlagen − Entnahmen − Abschöpfungen.
    public var expectedCash: Money {
        get throws(MoneyError) {
            try ExpectedCash.sollbestand(
                float: float, netCash: cash, stornoPayouts: stornoCash, deposits: einlagen,
                withdrawals: entnahmen.adding(abschoepfungen))
        }
    }

    func money(_ method: PaymentMethod) -> Money {
        switch method {
        case .cash: return cash
        case .cheque: return cheque
        case .card: return card
        }
    }
}

/// The day close (Tagesabschluss) of a register: closes the shift and the business date.
/// The count by denomination and the Z report are in extra tables keyed by `id` (docs/dayclose.md).
public struct DayCloseRecord: Equatable, Sendable {
    public let id: String
    public let zNumber: Int64
    public let shiftId: String
    public let operatorId: String
    public let approvedBy: String?
    public let businessDate: String
    public let closedAt: Instant
    /// The period covers journal entries after this sequence number (the previous close) up to this close.
    public let afterSeq: Int64
    public let totals: DayTotals
    public let expectedCash: Money
    public let countedCash: Money
    /// counted − expected (Überschuss > 0, Fehlbetrag < 0).
    public let difference: Money
    public init(
        id: String, zNumber: Int64, shiftId: String, operatorId: String, approvedBy: String?, businessDate: String,
        closedAt: Instant, afterSeq: Int64, totals: DayTotals, expectedCash: Money, countedCash: Money, difference: Money
    ) {
        self.id = id
        self.zNumber = zNumber
        self.shiftId = shiftId
        self.operatorId = operatorId
        self.approvedBy = approvedBy
        self.businessDate = businessDate
        self.closedAt = closedAt
        self.afterSeq = afterSeq
        self.totals = totals
        self.expectedCash = expectedCash
        self.countedCash = countedCash
        self.difference = difference
    }
}

/// A card payment recorded durably *before* the terminal is asked.
public struct PendingCardPayment: Equatable, Sendable {
    public let id: String
    /// The client-generated id of the sale it pays (part of).
    public let saleId: String
    public let amount: Money
    /// Which terminal (e.g. `host:port` or its terminal id).
    public let terminal: String
    public let createdAt: Instant
    /// The sale as it would be booked (Counter's JSON), so recovery can book it without the clerk.
    public let draft: String
    public init(id: String, saleId: String, amount: Money, terminal: String, createdAt: Instant, draft: String) {
        self.id = id
        self.saleId = saleId
        self.amount = amount
        self.terminal = terminal
        self.createdAt = createdAt
        self.draft = draft
    }
}

public enum CardOutcome: String, Sendable, Codable {
    /// The terminal approved and the sale was booked.
    case approved
    /// The terminal declined or the clerk aborted before approval.
    case declined
    /// Recovery found no approval at the terminal: not paid.
    case notPaid = "not_paid"
    /// The terminal approved but the booking was not wanted (e.g. recovery after the clerk gave up): reversed.
    case reversed
}

/// The end of a pending card payment. One per pending payment.
public struct CardResolution: Equatable, Sendable {
    public let pendingId: String
    public let outcome: CardOutcome
    public let saleId: String?
    public let detail: String
    public let resolvedAt: Instant
    /// Resolved by the start-up recovery rather than at the counter.
    public let atStartup: Bool
    public init(pendingId: String, outcome: CardOutcome, saleId: String?, detail: String, resolvedAt: Instant, atStartup: Bool) {
        self.pendingId = pendingId
        self.outcome = outcome
        self.saleId = saleId
        self.detail = detail
        self.resolvedAt = resolvedAt
        self.atStartup = atStartup
    }
}

/// An export run (docs/exports.md): what was exported, where, and the file's SHA-256.
public struct ExportRecord: Equatable, Sendable {
    public let id: String
    public let format: String
    /// Human-readable scope, e.g. `2026-11-27..2026-11-27` or `Z 12` or `neu`.
    public let scope: String
    /// Journal entries covered: after `afterSeq` up to and including `throughSeq`.
    public let afterSeq: Int64
    public let throughSeq: Int64
    public let fileName: String
    public let recordCount: Int64
    public let total: Money
    public let fileSHA256: String
    public let isRepeat: Bool
    public let operatorId: String?
    public let at: Instant
    public init(
        id: String, format: String, scope: String, afterSeq: Int64, throughSeq: Int64, fileName: String, recordCount: Int64,
        total: Money, fileSHA256: String, isRepeat: Bool, operatorId: String?, at: Instant
    ) {
        self.id = id
        self.format = format
        self.scope = scope
        self.afterSeq = afterSeq
        self.throughSeq = throughSeq
        self.fileName = fileName
        self.recordCount = recordCount
        self.total = total
        self.fileSHA256 = fileSHA256
        self.isRepeat = isRepeat
        self.operatorId = operatorId
        self.at = at
    }
}

/// An audit event (kinds: ``AuditEventType``, docs/access.md): log-in, storno approval, reprint, recovery, …
public struct AuditRecord: Equatable, Sendable {
    public let id: String
    public let kind: String
    public let operatorId: String?
    public let detail: String
    public let at: Instant
    public init(id: String, kind: String, operatorId: String?, detail: String, at: Instant) {
        self.id = id
        self.kind = kind
        self.operatorId = operatorId
        self.detail = detail
        self.at = at
    }
}

/// Every kind of booked event. Each becomes one journal entry in the hash chain.
public enum LedgerEvent: Equatable, Sendable {
    case register(RegisterRecord)
    case operatorAdded(OperatorRecord)
    case shiftOpened(ShiftRecord)
    case sale(SaleRecord)
    case storno(StornoRecord)
    case cashMovement(CashMovementRecord)
    case dayClose(DayCloseRecord)
    case cardPending(PendingCardPayment)
    case cardResolved(CardResolution)
    case export(ExportRecord)
    case audit(AuditRecord)

    public var kind: EntryKind {
        switch self {
        case .register: return .register
        case .operatorAdded: return .operatorAdded
        case .shiftOpened: return .shiftOpened
        case .sale: return .sale
        case .storno: return .storno
        case .cashMovement: return .cashMovement
        case .dayClose: return .dayClose
        case .cardPending: return .cardPending
        case .cardResolved: return .cardResolved
        case .export: return .export
        case .audit: return .audit
        }
    }

    /// The id of the record (the journal's `ref`).
    public var ref: String {
        switch self {
        case .register(let r): return r.id
        case .operatorAdded(let r): return r.id
        case .shiftOpened(let r): return r.id
        case .sale(let r): return r.id
        case .storno(let r): return r.id
        case .cashMovement(let r): return r.id
        case .dayClose(let r): return r.id
        case .cardPending(let r): return r.id
        case .cardResolved(let r): return r.pendingId
        case .export(let r): return r.id
        case .audit(let r): return r.id
        }
    }

    /// The receipt number, for events that have a receipt.
    public var receiptNumber: Int64? {
        switch self {
        case .sale(let r): return r.receiptNumber
        case .storno(let r): return r.receiptNumber
        case .cashMovement(let r): return r.receiptNumber
        default: return nil
        }
    }
}

/// The journal's `kind` column.
public enum EntryKind: String, Sendable, CaseIterable {
    case register
    case operatorAdded = "operator"
    case shiftOpened = "shift"
    case sale
    case storno
    case cashMovement = "cash_movement"
    case dayClose = "day_close"
    case cardPending = "card_pending"
    case cardResolved = "card_resolution"
    case export
    case audit

    /// German name for messages.
    public var label: String {
        switch self {
        case .register: return "Kasse"
        case .operatorAdded: return "Bediener"
        case .shiftOpened: return "Schichtbeginn"
        case .sale: return "Verkauf"
        case .storno: return "Storno"
        case .cashMovement: return "Geldbewegung"
        case .dayClose: return "Tagesabschluss"
        case .cardPending: return "offene Kartenzahlung"
        case .cardResolved: return "Abschluss Kartenzahlung"
        case .export: return "Export"
        case .audit: return "Protokolleintrag"
        }
    }
}

/// One row of the journal: the chain link of one event.
public struct JournalEntry: Equatable, Sendable {
    public let seq: Int64
    public let kind: String
    public let ref: String
    public let recordedAt: Instant
    public let previousHash: String
    public let hash: String
    public init(seq: Int64, kind: String, ref: String, recordedAt: Instant, previousHash: String, hash: String) {
        self.seq = seq
        self.kind = kind
        self.ref = ref
        self.recordedAt = recordedAt
        self.previousHash = previousHash
        self.hash = hash
    }
    /// The `previousHash` of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)
}

extension SaleRecord {
    /// Its card payments whose approved amount the terminal gave otherwise than asked (``CardAmountMismatch``).
    public var cardAmountMismatches: [CardAmountMismatch] {
        payments.compactMap { $0.method == .card ? CardAmountMismatch(receiptNumber: receiptNumber, isReversal: false, amount: $0.amount, card: $0.card) : nil }
    }
}

extension StornoRecord {
    /// Its card reversals whose amount the terminal gave otherwise than asked (``CardAmountMismatch``).
    public var cardAmountMismatches: [CardAmountMismatch] {
        refunds.compactMap { CardAmountMismatch(receiptNumber: receiptNumber, isReversal: true, amount: $0.amount, card: $0.cardReversal) }
    }
}
