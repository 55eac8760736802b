/// An approved card payment, refund or reversal with what the terminal reported (ZVT 13.08 §3.1.1).
/// Only the masked PAN exactly as sent is kept; a full card number is never derived.
public struct ApprovedTransaction: Equatable, Sendable {
    public var amountCents: Int64?
    public var receiptNumber: Int?
    public var trace: Int?
    public var terminalId: String?
    public var cardName: String?
    public var cardType: UInt8?
    /// PAN as the terminal sent it (`*` for masked digits).
    public var maskedPAN: String?
    /// `MM-DD` from BMP 0D.
    public var date: String?
    /// `HH:MM:SS` from BMP 0C.
    public var time: String?
    public var vuNumber: String?
    public var authorisationAttribute: String?
    /// The receipts the terminal sent for printing.
    public var receipts: [PrintedReceipt]
    /// Whether the terminal ended the sequence with `06 0F`. Without it an approval is reported only
    /// when no receipts could follow the `04 0F` (registration without ECR receipts, ZVT 13.08 §2.2.8);
    /// otherwise the outcome is unknown until the terminal is asked.
    public var completed: Bool
    public var statusInformation: StatusInformation

    public init(_ info: StatusInformation, receipts: [PrintedReceipt], completed: Bool) {
        let f = info.fields
        amountCents = f.amountCents
        receiptNumber = f.receiptNumber
        trace = f.trace
        terminalId = f.terminalId
        cardName = f.cardName ?? f.cardType.flatMap(CardTypeName.name)
        cardType = f.cardType
        maskedPAN = f.maskedPAN
        date = f.monthDay.map { String(format2($0.month)) + "-" + String(format2($0.day)) }
        time = f.time
        vuNumber = f.vuNumber
        authorisationAttribute = f.authorisationAttribute
        self.receipts = receipts
        self.completed = completed
        statusInformation = info
    }
}

func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

/// A declined or aborted transaction: result code and the German text to show.
public struct TransactionFailure: Equatable, Sendable {
    public var resultCode: ResultCode
    public var text: String
    public var statusInformation: StatusInformation?
    public var receipts: [PrintedReceipt]
}

/// A transaction whose outcome nobody can tell yet: recovery is needed (ZVT 13.08 §2.2.9, §2.20).
public struct UnknownOutcome: Equatable, Sendable {
    /// The command that was running (`0x0601` payment, `0x0631` refund, `0x0630` reversal).
    public var command: UInt16
    public var amountCents: Int64?
    /// For a reversal: the receipt number being reversed.
    public var receiptNumber: Int?
    public var problem: SessionProblem
    /// A `04 0F` that arrived but whose acknowledgement may not have reached the terminal.
    public var statusInformation: StatusInformation?
    public var text: String
}

/// The result of a payment, refund or reversal.
public enum PaymentOutcome: Equatable, Sendable {
    case approved(ApprovedTransaction)
    case declined(TransactionFailure)
    /// Result 6C: aborted at the terminal or at the clerk's request.
    case aborted(TransactionFailure)
    /// Money may have moved: ask the terminal for its last transaction (``ZVTDriver/lastTransaction()``,
    /// `webkasse zvt repeat-receipt`); the counter's card settlement does (docs/ledger.md, "Card payments").
    case outcomeUnknown(UnknownOutcome)
    /// Nothing was started (no connection, protocol error before the terminal accepted the command).
    case error(String)

    /// A German one-line summary for the clerk.
    public var text: String {
        switch self {
        case .approved(let t):
            return "Genehmigt" + (t.receiptNumber.map { ", Beleg \($0)" } ?? "")
        case .declined(let f): return "Abgelehnt: \(f.text)"
        case .aborted(let f): return "Abgebrochen: \(f.text)"
        case .outcomeUnknown(let u): return u.text
        case .error(let text): return text
        }
    }
}
