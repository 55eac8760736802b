/// Whether the terminal's last transaction (Repeat Receipt with Status-Information, ZVT 13.08
/// §2.20) is an attempt whose outcome was lost: matched by the receipt number and trace the
/// terminal sent for the attempt (its `04 0F`, §3.1.1), else by the trace of the transaction known
/// before the attempt, else — only when that earlier transaction is known — by amount and kind.
///
/// Pure: the counter's card settlement decides with it from the facts it has (the one recovery
/// algorithm, docs/ledger.md "Card payments").
public enum LastTransactionMatch {
    /// What is known of the attempt.
    public struct Attempt: Equatable, Sendable {
        public var amountCents: Int64?
        /// `true` for a reversal (06 30), `false` for a payment; `nil` if not to be compared.
        public var isReversal: Bool?
        /// From a `04 0F` of the attempt that arrived (its acknowledgement may have been lost).
        public var receiptNumber: Int?
        public var trace: Int?
        /// Whether the caller knows the transactions before the attempt (so that a transaction
        /// that is none of them and has the attempt's amount can only be the attempt).
        public var earlierTransactionsKnown: Bool

        public init(amountCents: Int64?, isReversal: Bool? = nil, receiptNumber: Int? = nil, trace: Int? = nil, earlierTransactionsKnown: Bool) {
            self.amountCents = amountCents
            self.isReversal = isReversal
            self.receiptNumber = receiptNumber
            self.trace = trace
            self.earlierTransactionsKnown = earlierTransactionsKnown
        }
    }

    /// The terminal's last transaction as it reported it.
    public struct LastTransaction: Equatable, Sendable {
        public var approved: Bool
        public var amountCents: Int64?
        public var isReversal: Bool?
        public var receiptNumber: Int?
        public var trace: Int?
        /// The terminal's result text (e.g. "Autostorno").
        public var resultText: String

        public init(approved: Bool, amountCents: Int64?, isReversal: Bool? = nil, receiptNumber: Int?, trace: Int?, resultText: String) {
            self.approved = approved
            self.amountCents = amountCents
            self.isReversal = isReversal
            self.receiptNumber = receiptNumber
            self.trace = trace
            self.resultText = resultText
        }
    }

    public enum Verdict: Equatable, Sendable {
        /// The last transaction is the attempt; `approved` is the terminal's word on it.
        case isTheAttempt(approved: Bool)
        /// The last transaction is one known from before: the attempt did not go through.
        case earlierTransaction(String)
        /// The answer does not settle it.
        case undetermined(String)
    }

    /// - Parameter lastIsKnownEarlier: whether the caller knows the last transaction from before
    ///   the attempt (its trace is the previous one, or it is already booked).
    public static func verdict(_ attempt: Attempt, last: LastTransaction, lastIsKnownEarlier: Bool) -> Verdict {
        if let receipt = attempt.receiptNumber {
            if last.receiptNumber == receipt, last.trace == attempt.trace { return .isTheAttempt(approved: last.approved) }
            return .undetermined("Letzte Transaktion am Terminal ist Beleg \(last.receiptNumber.map(String.init) ?? "?"), erwartet \(receipt)")
        }
        if lastIsKnownEarlier {
            return .earlierTransaction(
                "Die letzte Transaktion am Terminal ist die vorherige (Trace \(last.trace.map(String.init) ?? "?")): der Versuch wurde nicht gebucht")
        }
        let sameKind = attempt.isReversal == nil || last.isReversal == nil || attempt.isReversal == last.isReversal
        if let amount = attempt.amountCents, last.amountCents == amount, sameKind, attempt.earlierTransactionsKnown {
            return .isTheAttempt(approved: last.approved)
        }
        return .undetermined("Die letzte Transaktion am Terminal lässt sich dem Versuch nicht sicher zuordnen")
    }
}
