import Foundation
import KasseCore
import Ledger

/// How the citizen pays a sale.
public enum PaymentRequest: Equatable, Sendable, Codable {
    /// Cash: `tendered` ≥ total; the change is computed.
    case cash(tendered: Money)
    /// A cheque (Scheck) over the total.
    case cheque(number: String, bank: String, drawer: String)
    /// girocard through the terminal over the total.
    case card
    /// Part cash, the rest by card: `cash` is the cash part, `tendered` what was handed over for it.
    case split(cash: Money, tendered: Money)
    /// A cheque over `cheque`, the rest by card (a cheque and the card together).
    case chequeAndCard(cheque: Money, number: String, bank: String, drawer: String)
    /// Nothing to pay (a line of 0,00 €).
    case none
}

/// A sale as the UI (or simulate, or a test) asks for it.
public struct SaleRequest: Equatable, Sendable {
    /// Client-generated, unique per sale: booking the same id twice books it once.
    public let saleId: String
    public let operatorId: String
    public let lines: [SaleLine]
    public let payment: PaymentRequest
    /// Kassenzeichen or other reference.
    public let reference: String?
    /// When the clerk started the sale (first item); the end is the booking time.
    public let startedAt: Instant
    /// The version of the catalogue the lines were priced with (``TariffCatalog/version``).
    public let catalogVersion: String?

    public init(
        saleId: String, operatorId: String, lines: [SaleLine], payment: PaymentRequest, reference: String? = nil, startedAt: Instant,
        catalogVersion: String? = nil
    ) {
        self.saleId = saleId
        self.operatorId = operatorId
        self.lines = lines
        self.payment = payment
        self.reference = reference
        self.startedAt = startedAt
        self.catalogVersion = catalogVersion
    }

    /// A request for the lines of `basket`, priced with the basket's catalogue version.
    public init(saleId: String, operatorId: String, basket: Basket, payment: PaymentRequest, reference: String? = nil, startedAt: Instant) {
        self.init(
            saleId: saleId, operatorId: operatorId, lines: SaleLine.lines(basket: basket.lines), payment: payment,
            reference: reference, startedAt: startedAt, catalogVersion: basket.catalogVersion)
    }

    public var total: Money { get throws(MoneyError) { try Money.sum(lines.map(\.amount)) } }
}

/// A booked sale and what happened around it.
public struct SaleOutcome: Sendable {
    public let sale: SaleRecord
    /// `true` if the sale id was booked before (a second "pay"): nothing new was booked.
    public let alreadyBooked: Bool
    /// Total change handed back.
    public var change: Money { get throws(MoneyError) { try Money.sum(sale.payments.compactMap(\.change)) } }
    let delivery: ReceiptTicket
    /// The receipt as written to its file and handed to the printer; waits for the delivery,
    /// which runs after the booking's commit (``ReceiptDelivery``).
    public var receipt: DeliveredReceipt { delivery.wait() }
    /// For the clerk when the terminal approved another amount than asked: the sale is booked, the
    /// supervisor is to check it (``CardAmountMismatch``); nil otherwise.
    public var cardAmountNotice: String? { CardAmountMismatch.notice(sale.cardAmountMismatches) }
}

/// How the card part of a storno goes back.
public enum CardReversalChoice: Equatable, Sendable {
    /// Reverse on the terminal (ZVT 06 30 with the terminal's receipt number).
    case onTerminal
    /// The terminal cannot reverse (e.g. after its end-of-day); the reason is recorded and the
    /// money goes back outside the till.
    case notPossible(reason: String)
}

public struct StornoOutcome: Sendable {
    public let storno: StornoRecord
    public let original: SaleRecord
    public let alreadyBooked: Bool
    let delivery: ReceiptTicket
    /// The storno receipt as delivered; waits for the delivery (``ReceiptDelivery``).
    public var receipt: DeliveredReceipt { delivery.wait() }
    /// For the clerk when the terminal reversed another amount than asked (``CardAmountMismatch``); nil otherwise.
    public var cardAmountNotice: String? { CardAmountMismatch.notice(storno.cardAmountMismatches) }
}

/// Results of the start-up recovery of one pending card payment.
public struct RecoveryOutcome: Equatable, Sendable, CustomStringConvertible {
    public enum Result: Equatable, Sendable {
        /// The terminal had approved: the sale was booked now.
        case booked(receiptNumber: Int64)
        /// The terminal has no approval for it: closed as not paid.
        case notPaid
        /// The sale was already booked (resolution completed now).
        case alreadyBooked(receiptNumber: Int64)
        /// The terminal could not be asked: still pending.
        case stillPending(reason: String)
    }
    public let pending: PendingCardPayment
    public let result: Result

    /// Whether this was the reversal of a storno rather than a payment.
    public var isReversal: Bool { pending.isReversal }

    public var description: String {
        let what =
            (isReversal ? "Kartenstorno" : "Kartenzahlung")
            + " über \(pending.amount.formatted) vom \(BusinessCalendar.iso8601UTC(pending.createdAt))"
        switch result {
        case .booked(let n):
            return isReversal
                ? "\(what): vom Terminal storniert – Storno nachgebucht, Beleg \(n)."
                : "\(what): vom Terminal genehmigt – Verkauf nachgebucht, Beleg \(n)."
        case .notPaid:
            return isReversal
                ? "\(what): am Terminal nicht storniert – Storno nicht gebucht, bitte erneut stornieren."
                : "\(what): am Terminal nicht bezahlt – als nicht bezahlt abgeschlossen."
        case .alreadyBooked(let n): return "\(what): war bereits gebucht (Beleg \(n))."
        case .stillPending(let reason): return "\(what): weiterhin offen – \(reason)"
        }
    }
}

/// A supervisor's word on a card payment whose outcome the terminal cannot tell, read from the
/// terminal's own journal or slip (docs/ledger.md, "Card payments").
public enum CardSettlementByHand: Equatable, Sendable {
    /// The terminal approved it: booked with the terminal's receipt number (Beleg-Nr.) from its slip or journal.
    case paid(terminalReceiptNumber: String)
    /// The terminal did not: closed as not paid, nothing booked.
    case notPaid
}

/// A card payment or reversal settled by hand.
public struct CardSettledByHand: Equatable, Sendable, CustomStringConvertible {
    public let pending: PendingCardPayment
    public let decision: CardSettlementByHand
    /// The receipt booked (sale or storno) when it was paid.
    public let receiptNumber: Int64?

    public var description: String {
        let isReversal = pending.isReversal
        let what = (isReversal ? "Kartenstorno" : "Kartenzahlung") + " über \(pending.amount.formatted)"
        switch decision {
        case .paid:
            return isReversal
                ? "\(what): von Hand als storniert geklärt – Storno gebucht, Beleg \(receiptNumber.map(String.init) ?? "?")."
                : "\(what): von Hand als bezahlt geklärt – Verkauf gebucht, Beleg \(receiptNumber.map(String.init) ?? "?")."
        case .notPaid:
            return isReversal
                ? "\(what): von Hand als nicht storniert geklärt – Storno nicht gebucht."
                : "\(what): von Hand als nicht bezahlt geklärt – nichts gebucht."
        }
    }
}

extension PendingCardPayment {
    /// Whether it is the card part of a storno (a reversal, ZVT 06 30) rather than a payment.
    public var isReversal: Bool { StornoDraft.decode(draft) != nil }
}

/// Interim (X) totals: nothing is closed.
public struct InterimReport: Sendable {
    public let businessDate: String
    public let shift: ShiftRecord?
    public let totals: DayTotals
    public let unresolvedCardPayments: Int
    public var expectedCash: Money { get throws(MoneyError) { try totals.expectedCash } }
}

/// Why the counter service refused. One German sentence for the clerk.
public enum CounterError: Error, CustomStringConvertible {
    case noOpenShift
    case shiftAlreadyOpen(openedAt: String)
    case unknownOperator(String)
    case emptySale
    case invalidAmount(String)
    case tenderedTooLow(total: Money, tendered: Money)
    case missingDetail(String)
    case noTerminal
    case cardDeclined(String)
    case cardAborted(String)
    case terminal(CardTerminalError)
    /// The check before a payment (ZVT 05 01): the terminal answers but cannot pay now; nothing was written.
    case terminalNotReady(TerminalStatusReport)
    /// The card payment's outcome is unknown and the terminal cannot say: it stays pending.
    case cardOutcomeUnknown(pendingId: String, reason: String)
    case unresolvedCardPayment(count: Int)
    /// No unresolved card payment has this id (settled meanwhile, or never made).
    case noSuchPendingCardPayment(String)
    case saleNotFound(String)
    case receiptNotFound(Int64)
    case notASaleReceipt(Int64)
    case alreadyCancelled(receiptNumber: Int64, stornoReceipt: Int64)
    case reversalFailed(String)
    case insufficientCash(available: Money, requested: Money)
    case idConflict(String)
    case ledger(Error)

    public var description: String {
        switch self {
        case .noOpenShift: return "Keine Schicht geöffnet: bitte zuerst die Kasse mit dem Wechselgeld öffnen."
        case .shiftAlreadyOpen(let at): return "Die Schicht ist bereits geöffnet (seit \(at))."
        case .unknownOperator(let id): return "Unbekannter Bediener »\(id)«."
        case .emptySale: return "Der Warenkorb ist leer."
        case .invalidAmount(let why): return why
        case .tenderedTooLow(let total, let tendered):
            return "Gegeben \(tendered.formatted) ist weniger als der zu zahlende Betrag \(total.formatted)."
        case .missingDetail(let what): return "Es fehlt: \(what)."
        case .noTerminal: return "Es ist kein Kartenterminal eingerichtet."
        case .cardDeclined(let text): return "Kartenzahlung abgelehnt: \(text). Es wurde nichts gebucht."
        case .cardAborted(let text): return "Kartenzahlung abgebrochen: \(text). Es wurde nichts gebucht."
        case .terminal(let error): return error.description + " Es wurde nichts gebucht."
        case .terminalNotReady(let report):
            let remedy: String
            switch report.code {
            case 0xF0: remedy = "Die Kassenaufsicht führt ihn im Menü aus (F9, T Terminal, 3 Kassenschnitt)."
            case 0xC2: remedy = "Die Kassenaufsicht startet sie im Menü (F9, T Terminal, 2 Diagnose)."
            default: remedy = report.remedy.map { "Abhilfe: \($0)." } ?? "Bitte später erneut versuchen oder den Support rufen."
            }
            return "Das Kartenterminal ist nicht bereit: \(report.text). \(remedy) Es wurde nichts gebucht."
        case .cardOutcomeUnknown(_, let reason):
            return
                "Das Ergebnis der Kartenzahlung ist unbekannt (\(reason)). Die Zahlung bleibt offen, bis das Terminal es nennt oder die Kassenaufsicht sie von Hand klärt; bitte nicht erneut kassieren."
        case .unresolvedCardPayment(let count):
            return
                "\(count == 1 ? "Eine Kartenzahlung ist" : "\(count) Kartenzahlungen sind") noch ungeklärt: bitte zuerst klären (Menü F9, »Ungeklärte Kartenzahlungen«)."

        case .noSuchPendingCardPayment(let id): return "Die Kartenzahlung \(id) ist nicht mehr offen (inzwischen geklärt?)."
        case .saleNotFound(let id): return "Der Verkauf \(id) ist nicht gebucht."
        case .receiptNotFound(let n): return "Beleg \(n) gibt es nicht."
        case .notASaleReceipt(let n): return "Beleg \(n) ist kein Verkaufsbeleg und kann nicht storniert werden."
        case .alreadyCancelled(let n, let s): return "Beleg \(n) wurde bereits storniert (Stornobeleg \(s))."
        case .reversalFailed(let why):
            return "Der Kartenbetrag konnte am Terminal nicht storniert werden (\(why)). Erneut versuchen oder den Storno mit Grund ohne Terminal buchen."
        case .insufficientCash(let available, let requested):
            return "In der Kasse sind nur \(available.formatted), benötigt werden \(requested.formatted)."
        case .idConflict(let what): return what
        case .ledger(let error): return "\(error)"
        }
    }
}
