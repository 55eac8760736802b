import Foundation
import KasseCore
import Ledger

/// What the counter service needs from an EC terminal: pay, reverse, and ask what happened last.
/// The ZVT driver implements it (``ZVTCardTerminal``); tests and demos use ``FakeCardTerminal``.
public protocol CardTerminal: AnyObject {
    /// How the ledger names this terminal (e.g. `host:port`).
    var terminalName: String { get }

    /// Authorises a payment of `amount` (ZVT 06 01). Throws ``CardTerminalError``; a declined
    /// or aborted payment is a normal result, not an error.
    func authorize(amount: Money) throws(CardTerminalError) -> CardResult

    /// Reverses the payment with the terminal's receipt number (ZVT 06 30).
    func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult

    /// The terminal's last transaction (ZVT 06 20 repeat receipt / status information), for
    /// recovery; `nil` only if the terminal says it has none. An answer that does not name the
    /// last transaction (no `04 0F`, as some terminals answer) throws: it settles nothing.
    func lastTransaction() throws(CardTerminalError) -> TerminalTransaction?

    /// The terminal's receipt number and trace for the last payment or reversal whose result
    /// arrived but whose sequence did not end (its acknowledgement may have been lost, ZVT 13.08
    /// §2.2.8); the recovery matches the terminal's last transaction by them. `nil` otherwise.
    var attemptSeen: CardAttemptSeen? { get }

    /// Shows `text` to the current status listener (e.g. the recovery's retries).
    func announce(_ text: String)

    /// Sends the terminal's intermediate texts (ZVT 04 FF) to `listener` until it is replaced
    /// or removed (`nil`). Called from any thread.
    func listenForStatus(_ listener: (@Sendable (String) -> Void)?)

    /// Asks the terminal to abort the running command (ZVT 13.08 §2.23); the terminal decides,
    /// and the command's result still comes from it. Called from any thread.
    func abortRunningCommand()
}

extension CardTerminal {
    /// A terminal without intermediate texts.
    public func listenForStatus(_ listener: (@Sendable (String) -> Void)?) {}
    public func announce(_ text: String) {}
    /// A terminal that tells nothing of an attempt whose sequence broke off.
    public var attemptSeen: CardAttemptSeen? { nil }
    /// A terminal that cannot be interrupted.
    public func abortRunningCommand() {}
}

/// The answer of the terminal to a payment or reversal.
public enum CardResult: Equatable, Sendable {
    case approved(CardDetails)
    /// Declined by the card issuer or the terminal, with its result text.
    case declined(String)
    /// Aborted at the terminal or by the clerk before approval.
    case aborted(String)
}

/// What the terminal said of an attempt before its sequence broke off.
public struct CardAttemptSeen: Equatable, Sendable {
    public let receiptNumber: Int
    public let trace: Int
    public init(receiptNumber: Int, trace: Int) {
        self.receiptNumber = receiptNumber
        self.trace = trace
    }
}

/// The terminal's record of its last transaction.
public struct TerminalTransaction: Equatable, Sendable {
    public enum Kind: String, Sendable { case payment, reversal }
    public let kind: Kind
    public let approved: Bool
    public let amount: Money
    public let details: CardDetails
    public init(kind: Kind, approved: Bool, amount: Money, details: CardDetails) {
        self.kind = kind
        self.approved = approved
        self.amount = amount
        self.details = details
    }
}

public enum CardTerminalError: Error, Equatable, CustomStringConvertible {
    /// Nothing was sent: the terminal could not be reached. The payment did not happen.
    case unreachable(String)
    /// The request was sent but no result arrived (connection dropped, timeout): the outcome is unknown.
    case outcomeUnknown(String)
    /// The terminal broke the protocol or refused the command.
    case failed(String)

    public var description: String {
        switch self {
        case .unreachable(let why): return "Das Kartenterminal ist nicht erreichbar (\(why))."
        case .outcomeUnknown(let why): return "Das Ergebnis der Kartenzahlung ist unbekannt (\(why))."
        case .failed(let why): return "Das Kartenterminal meldet einen Fehler: \(why)."
        }
    }
}

/// An in-memory terminal for tests and demos: approves by default, can be told to decline,
/// drop the connection after approving, or be unreachable. Keeps a journal like a real terminal.
public final class FakeCardTerminal: CardTerminal {
    public enum Behaviour: Equatable, Sendable {
        case approve
        case decline(String)
        case abort
        case unreachable
        /// The terminal approves and stores the payment, but the answer never arrives.
        case approveThenDrop
        /// The request is lost before the terminal acts.
        case dropBeforeApproval
    }

    public let terminalName: String
    public var behaviour: Behaviour = .approve
    /// Behaviours used once each, before ``behaviour``.
    public var nextBehaviours: [Behaviour] = []
    public var reachable = true
    public private(set) var journal: [TerminalTransaction] = []
    /// Where the current End-of-Day batch starts in ``journal`` (see CardTerminalEndOfDay.swift).
    public internal(set) var endOfDayBatchStart = 0
    private var nextReceipt = 1
    private var nextTrace = 1

    public init(terminalName: String = "fake:20007") { self.terminalName = terminalName }

    private func details(_ amount: Money, receipt: Int) -> CardDetails {
        let trace = String(format: "%06d", nextTrace)
        nextTrace += 1
        return CardDetails(
            terminalId: "29001234", traceNumber: trace, receiptNumber: String(format: "%04d", receipt), cardName: "girocard",
            maskedPAN: "672559XXXXXXXXX1234", authorizationCode: String(format: "%06d", receipt * 7 % 1_000_000),
            turnoverNumber: String(receipt),
            receiptLines: ["  Kartenzahlung girocard", "  Betrag EUR \(amount.formattedNumber)", "  Zahlung erfolgt"])
    }

    public func authorize(amount: Money) throws(CardTerminalError) -> CardResult {
        let now = nextBehaviours.isEmpty ? behaviour : nextBehaviours.removeFirst()
        guard reachable, now != .unreachable else { throw .unreachable("Verbindung abgelehnt") }
        switch now {
        case .approve, .approveThenDrop:
            let d = details(amount, receipt: nextReceipt)
            nextReceipt += 1
            journal.append(TerminalTransaction(kind: .payment, approved: true, amount: amount, details: d))
            if now == .approveThenDrop { throw .outcomeUnknown("Verbindung nach dem Senden getrennt") }
            return .approved(d)
        case .decline(let text):
            return .declined(text)
        case .abort:
            return .aborted("Abbruch am Terminal")
        case .dropBeforeApproval:
            throw .outcomeUnknown("Verbindung nach dem Senden getrennt")
        case .unreachable:
            throw .unreachable("Verbindung abgelehnt")
        }
    }

    public func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        guard reachable else { throw .unreachable("Verbindung abgelehnt") }
        guard let original = journal.last(where: { $0.kind == .payment && $0.details.receiptNumber == receiptNumber }) else {
            return .declined("Storno nicht möglich (Beleg \(receiptNumber) unbekannt)")
        }
        if journal.contains(where: { $0.kind == .reversal && $0.details.authorizationCode == "R" + receiptNumber }) {
            return .declined("Bereits storniert")
        }
        let base = details(original.amount, receipt: nextReceipt)
        nextReceipt += 1
        let d = CardDetails(
            terminalId: base.terminalId, traceNumber: base.traceNumber, receiptNumber: base.receiptNumber,
            cardName: base.cardName, maskedPAN: base.maskedPAN, authorizationCode: "R" + receiptNumber,
            turnoverNumber: base.turnoverNumber, receiptLines: ["  Storno girocard", "  Betrag EUR \(amount.formattedNumber)"])
        journal.append(TerminalTransaction(kind: .reversal, approved: true, amount: amount, details: d))
        return .approved(d)
    }

    public func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? {
        guard reachable else { throw .unreachable("Verbindung abgelehnt") }
        return journal.last
    }
}
