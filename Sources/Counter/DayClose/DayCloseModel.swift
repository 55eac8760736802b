import Access
import Foundation
import KasseCore
import Ledger

/// The office's rules for the day close: the four-eyes rules (whose threshold comes from
/// `[thresholds] day_close_difference_approval`) and the accounts of `[accounts]`.
public struct DayCloseSettings: Equatable, Sendable {
    /// Which difference needs a supervisor's approval.
    public let fourEyes: FourEyesRules
    /// Where an Überschuss / a Fehlbetrag is booked.
    public let surplusAccount: String
    public let shortfallAccount: String

    public init(configuration: Configuration) {
        fourEyes = FourEyesRules(configuration: configuration)
        surplusAccount = configuration.surplusAccount
        shortfallAccount = configuration.shortfallAccount
    }

    /// A difference whose magnitude is above this needs a supervisor's approval.
    public var approvalThreshold: Money { fourEyes.dayCloseDifferenceThreshold }

    /// The rules for the counting screen's draft.
    public func policy(blindCount: Bool) -> DayClosePolicy {
        DayClosePolicy(approvalThreshold: approvalThreshold, reasonRequired: true, blindCount: blindCount)
    }
}

/// A cheque taken in the period, as the close lists it.
public struct ChequeEntry: Equatable, Sendable {
    public let receiptNumber: Int64
    public let chequeNumber: String
    public let drawer: String
    public let amount: Money
    public var bank: String = ""

    /// `Nr. 4711, Sparkasse, Erika Muster (Beleg 12)` for the Z report.
    public var reportLabel: String {
        ["Nr. \(chequeNumber)", bank, drawer].filter { !$0.isEmpty }.joined(separator: ", ") + " (Beleg \(receiptNumber))"
    }
}

/// The open period (or a closed one) as read from the ledger: what the count is compared with and
/// what the X and Z reports list. Built from booked records only.
public struct DayClosePeriod: Sendable {
    /// The period holds the journal entries after this sequence number.
    public let afterSeq: Int64
    public let shift: ShiftRecord?
    /// float + cash received − change − storno payouts ± movements.
    public let expected: ExpectedCash
    /// Totals per item, account, pass-through share, payment method; stornos; sales per hour.
    public let totals: DayCloseTotals
    /// The ledger's own period totals (the figures `verify` recomputes).
    public let dayTotals: DayTotals
    /// Cheques of sales not cancelled.
    public let cheques: [ChequeEntry]
    /// Card payments and reversals the terminal approved with another amount than asked.
    public internal(set) var cardAmountMismatches: [CardAmountMismatch] = []
    /// Card payments not reversed on the terminal: what the terminal's End-of-Day must show.
    public let cardTotal: Money
    public let cardCount: Int
    public let firstBookingAt: Instant?
    public let lastBookingAt: Instant?
    /// The ledger's last receipt number when the period was read: a booking since gives a new one.
    let lastReceiptNumber: Int64

    public var chequesTotal: Money { get throws(MoneyError) { try Money.sum(cheques.map(\.amount)) } }
}

/// A day close being prepared: the ledger's period and the draft the counting screen edits.
public struct DayClosePreparation: Sendable {
    /// The Z number the close will get.
    public let zNumber: Int64
    public let businessDate: String
    public let period: DayClosePeriod
    /// Count, reason and approver go here; ``DayCloseDraft/expectedForDisplay()`` hides the
    /// Sollbestand during a blind count until the first count.
    public var draft: DayCloseDraft
    /// The float the shift started with: the usual amount to keep for tomorrow.
    public let floatSuggestion: Money
}

/// What the clerk counted and decided: the one request of a close, for
/// ``DayCloseService/close(_:operatorId:approvedBy:)``. Who closes and who approved are the
/// caller's (the session's logged-in operator and approver).
public struct DayCloseRequest: Equatable, Sendable {
    /// The count by denomination (with ``totalOnly``, a stand-in whose total is the entered sum).
    public var count: CashCount
    /// The clerk entered only the sum (the Summe field), not the pieces.
    public var totalOnly: Bool
    public var blindCount: Bool
    /// The first count's total when the clerk counted again.
    public var firstCountedCash: Money?
    public var countSubmissions: Int
    /// Why counted and expected differ (required when they do).
    public var reason: String
    /// Cash left in the drawer for tomorrow; the rest of the counted cash goes to the Stadtkasse.
    public var floatKept: Money
    /// The Sollbestand the clerk saw (or the preparation computed): the close is refused if it changed.
    public var expectedSeen: Money?

    public init(
        count: CashCount, totalOnly: Bool = false, blindCount: Bool = false, firstCountedCash: Money? = nil, countSubmissions: Int = 1,
        reason: String = "", floatKept: Money, expectedSeen: Money? = nil
    ) {
        self.count = count
        self.totalOnly = totalOnly
        self.blindCount = blindCount
        self.firstCountedCash = firstCountedCash
        self.countSubmissions = countSubmissions
        self.reason = reason
        self.floatKept = floatKept
        self.expectedSeen = expectedSeen
    }

    /// The request for a prepared draft that has been counted.
    public init(preparation: DayClosePreparation, floatKept: Money, totalOnly: Bool = false) {
        let draft = preparation.draft
        self.init(
            count: draft.count ?? .empty, totalOnly: totalOnly, blindCount: draft.policy.blindCount,
            firstCountedCash: draft.countSubmissions > 1 ? draft.firstCount?.total : nil,
            countSubmissions: max(1, draft.countSubmissions), reason: draft.reason, floatKept: floatKept,
            expectedSeen: try? draft.expected.total())
    }
}

/// A booked day close with its Z report.
public struct DayCloseOutcome: Sendable {
    public let record: DayCloseRecord
    public let detail: DayCloseDetail
    /// The Z report as written to its file and sent to the printer.
    public let reportText: String
    /// `<register>/receipts/Z-000007.txt`, or nil if it could not be written (see ``fileProblem``).
    public let reportFile: String?
    public let fileProblem: String?
    /// Recorded, not blocking: terminal totals missing or not matching.
    public let warnings: [DayCloseWarning]
    /// The card terminal's own End-of-Day receipt (Kassenschnittbeleg), if it printed one.
    public var terminalReceiptText: String? = nil
    /// `<register>/receipts/Z-000007-Terminal.txt`, where ``terminalReceiptText`` was written.
    public var terminalReceiptFile: String? = nil
}

/// Why a day close was refused. One German sentence with the fix; nothing was booked.
public enum DayCloseError: Error, Equatable, CustomStringConvertible {
    case problem(DayCloseProblem)
    case expectedChanged(seen: Money, now: Money)
    case floatKeptTooLarge(floatKept: Money, counted: Money)
    case approverIsOperator
    case notCountedByDenomination
    case unknownZNumber(Int64)

    public var description: String {
        switch self {
        case .problem(let problem): return problem.description
        case .expectedChanged(let seen, let now):
            return "Tagesabschluss: Der Sollbestand hat sich seit der Zählung geändert (\(seen.formatted) → \(now.formatted)); bitte neu zählen."
        case .floatKeptTooLarge(let kept, let counted):
            return "Tagesabschluss: Das Wechselgeld für morgen (\(kept.formatted)) ist größer als der gezählte Bestand (\(counted.formatted))."
        case .approverIsOperator:
            return "Tagesabschluss: Wer gezählt hat, kann die Differenz nicht selbst freigeben (Vier-Augen-Prinzip)."
        case .notCountedByDenomination:
            return "Tagesabschluss: Die Stückelung ergibt nicht die eingegebene Summe; bitte die Zählung prüfen."
        case .unknownZNumber(let z): return "Einen Tagesabschluss mit der Z-Nummer \(z) gibt es nicht."
        }
    }
}
