/// Counted minus expected cash: an Überschuss (surplus), a Fehlbetrag (shortage) or none.
///
/// KommHV §72 (Bavaria): Fehlbeträge and Überschüsse are booked to special accounts.
public struct CashDifference: Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        case none
        /// More cash than expected (Überschuss).
        case surplus
        /// Less cash than expected (Fehlbetrag).
        case shortage

        public var germanName: String {
            switch self {
            case .none: return "keine Differenz"
            case .surplus: return "Überschuss"
            case .shortage: return "Fehlbetrag"
            }
        }
    }

    public let expected: Money
    public let counted: Money
    /// `counted − expected`: positive for a surplus, negative for a shortage.
    public let amount: Money

    public init(expected: Money, counted: Money) throws(MoneyError) {
        self.expected = expected
        self.counted = counted
        self.amount = try counted.subtracting(expected)
    }

    public var kind: Kind { amount.isZero ? .none : (amount.isNegative ? .shortage : .surplus) }

    /// Whether a supervisor must approve this difference: its magnitude is above `threshold`.
    public func needsApproval(threshold: Money) -> Bool { amount.magnitude > threshold }
}

/// The register's card total compared with the terminal's End-of-Day totals (ZVT 06 50).
public struct CardTotalsComparison: Equatable, Sendable {
    /// Card payments the ledger holds for the period.
    public let ledgerTotal: Money
    public let ledgerCount: Int
    /// What the terminal reported, or `nil` when its End-of-Day could not be run.
    public let terminalTotal: Money?
    public let terminalCount: Int?

    public init(ledgerTotal: Money, ledgerCount: Int, terminalTotal: Money?, terminalCount: Int?) {
        self.ledgerTotal = ledgerTotal
        self.ledgerCount = ledgerCount
        self.terminalTotal = terminalTotal
        self.terminalCount = terminalCount
    }

    public var terminalAvailable: Bool { terminalTotal != nil }
    /// The totals or counts disagree (only when the terminal answered).
    public var isMismatch: Bool {
        guard let terminalTotal else { return false }
        return terminalTotal != ledgerTotal || (terminalCount.map { $0 != ledgerCount } ?? false)
    }
    /// `terminal − ledger`, when the terminal answered.
    public var difference: Money? {
        get throws(MoneyError) {
            guard let terminalTotal else { return nil }
            return try terminalTotal.subtracting(ledgerTotal)
        }
    }
}
