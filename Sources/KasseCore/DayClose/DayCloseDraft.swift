/// Rules for closing a day that the office configures.
public struct DayClosePolicy: Equatable, Sendable {
    /// A difference whose magnitude is above this needs a supervisor's approval.
    public var approvalThreshold: Money
    /// Whether every non-zero difference needs a written reason.
    public var reasonRequired: Bool
    /// Whether the clerk counts before the expected amount is shown (Blindzählung).
    public var blindCount: Bool

    public init(approvalThreshold: Money, reasonRequired: Bool = true, blindCount: Bool = false) {
        self.approvalThreshold = approvalThreshold
        self.reasonRequired = reasonRequired
        self.blindCount = blindCount
    }
}

/// A day close being prepared at the counter: count, difference, reason, approval.
///
/// Pure state; the counter service feeds it from the ledger, shows ``expectedForDisplay``, and
/// books the close only when ``problems`` is empty. With a blind count the expected amount stays
/// hidden until the first count is submitted, and that first count is kept even after a recount.
public struct DayCloseDraft: Equatable, Sendable {
    public let register: String
    public let operatorName: String
    public let policy: DayClosePolicy
    public let expected: ExpectedCash
    /// The count the close will use (the latest one submitted).
    public private(set) var count: CashCount?
    /// The first count submitted (for a blind count, the one made without knowing the Sollbestand).
    public private(set) var firstCount: CashCount?
    public private(set) var countSubmissions = 0
    /// Why there is a difference (required when there is one and the policy says so).
    public var reason = ""
    /// The supervisor who approved a difference above the threshold.
    public var approver: String?
    /// Card payments whose outcome is still open: they block the close.
    public var pendingCardPayments = 0
    /// The card totals comparison, once the terminal's End-of-Day has run (or failed).
    public var cardTotals: CardTotalsComparison?
    /// Cheques taken (listed with their sum in the report).
    public var cheques: [Money] = []
    /// Each cheque's number, bank and drawer as the Z report lists it (same order as ``cheques``).
    public var chequeLabels: [String] = []
    /// Card payments and reversals the terminal approved with another amount than asked: booked,
    /// shown as warnings for the supervisor.
    public var cardAmountMismatches: [CardAmountMismatch] = []
    /// The TSE's outage in the period (bookings without a signature), for the supervisor; empty without one.
    public var tseNotes: [String] = []

    public init(register: String, operatorName: String, policy: DayClosePolicy, expected: ExpectedCash) {
        self.register = register
        self.operatorName = operatorName
        self.policy = policy
        self.expected = expected
    }

    /// Records a count. The first one is kept as ``firstCount``.
    public mutating func submitCount(_ newCount: CashCount) {
        if firstCount == nil { firstCount = newCount }
        count = newCount
        countSubmissions += 1
    }

    /// The Sollbestand to show now: `nil` during a blind count until a count has been submitted.
    public func expectedForDisplay() throws(MoneyError) -> Money? {
        if policy.blindCount && count == nil { return nil }
        return try expected.total()
    }

    /// Counted − expected, once counted.
    public func difference() throws(MoneyError) -> CashDifference? {
        guard let count else { return nil }
        return try CashDifference(expected: expected.total(), counted: count.total)
    }

    public var chequesTotal: Money { get throws(MoneyError) { try Money.sum(cheques) } }

    /// What still prevents the close (empty: the close may be booked).
    public func problems() -> [DayCloseProblem] {
        var problems: [DayCloseProblem] = []
        if pendingCardPayments > 0 { problems.append(.pendingCardPayments(pendingCardPayments)) }
        let difference: CashDifference?
        do { difference = try self.difference() } catch { return problems + [.overflow] }
        guard let difference else { return problems + [.notCounted] }
        if difference.kind != .none {
            if policy.reasonRequired && reason.trimmingSpaces().isEmpty { problems.append(.reasonMissing(difference)) }
            if difference.needsApproval(threshold: policy.approvalThreshold) {
                let who = approver?.trimmingSpaces() ?? ""
                if who.isEmpty {
                    problems.append(.approvalMissing(difference, threshold: policy.approvalThreshold))
                } else if who == operatorName {
                    problems.append(.approverIsOperator(who))
                }
            }
        }
        return problems
    }

    /// What the close records and shows but does not block on.
    public func warnings() -> [DayCloseWarning] {
        let amounts = cardAmountMismatches.map(DayCloseWarning.cardAmountMismatch)
        guard let cardTotals, cardTotals.terminalAvailable else { return [.terminalTotalsMissing] + amounts }
        return (cardTotals.isMismatch ? [.terminalMismatch(cardTotals)] : []) + amounts
    }
}

/// Why a day cannot be closed yet. The description is one German sentence with the fix.
public enum DayCloseProblem: Equatable, Sendable, CustomStringConvertible {
    case notCounted
    case pendingCardPayments(Int)
    case reasonMissing(CashDifference)
    case approvalMissing(CashDifference, threshold: Money)
    case approverIsOperator(String)
    case overflow

    public var description: String {
        switch self {
        case .notCounted:
            return "Tagesabschluss: Die Kasse ist noch nicht gezählt; bitte den Bestand nach Stückelung erfassen."
        case .pendingCardPayments(let n):
            return "Tagesabschluss: \(n) Kartenzahlung(en) mit offenem Ergebnis; bitte zuerst klären (Belegwiederholung am Terminal)."
        case .reasonMissing(let d):
            return "Tagesabschluss: \(d.kind.germanName) von \(d.amount.magnitude.formatted); bitte einen Grund angeben."
        case .approvalMissing(let d, let threshold):
            return
                "Tagesabschluss: \(d.kind.germanName) von \(d.amount.magnitude.formatted) liegt über \(threshold.formatted); eine Vorgesetzte oder ein Vorgesetzter muss freigeben."
        case .approverIsOperator(let who):
            return "Tagesabschluss: »\(who)« hat selbst gezählt und kann die Differenz nicht freigeben (Vier-Augen-Prinzip)."
        case .overflow:
            return "Tagesabschluss: Die Beträge liegen außerhalb des darstellbaren Bereichs."
        }
    }
}

/// A fact the close records and shows without blocking it.
public enum DayCloseWarning: Equatable, Sendable, CustomStringConvertible {
    case terminalTotalsMissing
    case terminalMismatch(CardTotalsComparison)
    /// The terminal approved or reversed another amount than asked (booked as asked).
    case cardAmountMismatch(CardAmountMismatch)

    public var description: String {
        switch self {
        case .terminalTotalsMissing:
            return "Kassenschnitt am Kartenterminal nicht verfügbar; die Kartensummen sind nicht abgeglichen."
        case .terminalMismatch(let c):
            return
                "Kartensummen weichen ab: Kasse \(c.ledgerTotal.formatted) (\(c.ledgerCount)), Terminal \(c.terminalTotal?.formatted ?? "–") (\(c.terminalCount.map(String.init) ?? "–"))."
        case .cardAmountMismatch(let m):
            return m.description + "."
        }
    }
}
