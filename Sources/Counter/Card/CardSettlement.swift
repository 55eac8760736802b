import Access
import Foundation
import KasseCore
import Ledger
import ZVT

/// Books what the terminal committed, and only that: the pending-first card protocol
/// (docs/ledger.md, "Card payments"), one for the payment of a sale and the reversal of a storno.
///
/// 1. The intent — a ``PendingCardPayment`` with the draft of what will be booked — is durable
///    before the terminal is asked.
/// 2. The terminal committed (approved): the booking and the intent's resolution in one transaction.
/// 3. The terminal did not commit (declined, aborted, unreachable, refused): the intent is closed,
///    nothing is booked.
/// 4. The outcome is unknown: the terminal's last transaction decides (``LastTransactionMatch``),
///    matched by the receipt number and trace the terminal sent for the attempt if its result
///    arrived, asked again after a growing pause while the terminal cannot say. An answer that
///    does not name the last transaction settles nothing: the intent stays pending until the
///    terminal says, or a supervisor settles it by hand with a note (``settleByHand``).
// @unchecked Sendable: every stored property is a constant except `lastSeen`, `knownSettled` and `intentsMade`, which are only touched under `lock`.
final class CardSettlement: @unchecked Sendable {
    /// What the terminal is asked to do.
    enum Operation: Equatable, Sendable {
        /// Payment 06 01 (ZVT 13.08 §2.2).
        case payment
        /// Reversal 06 30 of the payment with the terminal's receipt number (ZVT 13.08 §2.9).
        case reversal(terminalReceiptNumber: String)

        var isReversal: Bool { if case .reversal = self { return true } else { return false } }
    }

    /// Why the terminal did not commit; the intent is closed by then.
    enum NotCommitted: Equatable, Sendable {
        case declined(String)
        case aborted(String)
        case unreachable(String)
        case failed(String)
    }

    /// How a settlement ended.
    enum Answer<Booked> {
        /// Committed and booked.
        case committed(Booked)
        case notCommitted(NotCommitted)
        /// The answer was lost; `recovery` is what the terminal's last transaction said of `pendingId`.
        case unknown(pendingId: String, why: String, recovery: RecoveryOutcome.Result)
    }

    let context: BookingContext
    let terminal: CardTerminal?
    let sales: SaleBooking
    let stornos: StornoBooking
    let receipts: ReceiptDelivery
    /// The pauses before the terminal is asked again about an attempt whose answer was lost
    /// (waited on the counter's clock).
    let recoveryRetryDelaysMs: [Int]

    /// The trace of the terminal's last transaction as last heard from it (`known(nil)`: it has
    /// none); unknown at start and after an answer that carries no trace (a decline).
    private enum LastSeen {
        case unknown
        case known(String?)
    }
    private var lastSeen = LastSeen.unknown
    /// Whether the ledger is known to hold no unresolved intent. Intents are made only here (one
    /// counter per register's ledger), so once none is found, none appears unless this makes one.
    private var knownSettled = false
    /// Counts the intents made, so that a look that raced with a new intent does not count.
    private var intentsMade = 0
    private let lock = NSLock()

    init(
        context: BookingContext, terminal: CardTerminal?, sales: SaleBooking, stornos: StornoBooking, receipts: ReceiptDelivery,
        recoveryRetryDelaysMs: [Int] = [500, 1_000, 2_000]
    ) {
        self.context = context
        self.terminal = terminal
        self.sales = sales
        self.stornos = stornos
        self.receipts = receipts
        self.recoveryRetryDelaysMs = recoveryRetryDelaysMs
    }

    private var ledger: Ledger { context.ledger }

    // MARK: Settling

    /// Runs `operation` over `amount` with the pending-first protocol. `draft` is what recovery
    /// books if the answer is lost (given the terminal's previous trace); `book` books the
    /// committed result and resolves `pending` in one transaction.
    func settle<Booked>(
        _ operation: Operation, amount: Money, saleId: String, draft: (_ previousTrace: String?) throws -> String,
        book: (CardDetails, PendingCardPayment) throws -> Booked
    ) throws -> Answer<Booked> {
        guard let terminal else { throw CounterError.noTerminal }
        try resolveOthersFirst()
        // 1. Durable before the terminal is asked.
        lock.withLock {
            knownSettled = false
            intentsMade += 1
        }
        let now = context.clock.now()
        let pending = PendingCardPayment(
            id: BookingContext.newId(), saleId: saleId, amount: amount, terminal: terminal.terminalName, createdAt: now,
            draft: try draft(previousTrace(of: terminal)))
        try ledger.transaction { try ledger.append(.cardPending(pending), at: now) }

        // 2. Ask the terminal.
        let result: CardResult
        do {
            switch operation {
            case .payment: result = try terminal.authorize(amount: amount)
            case .reversal(let number): result = try terminal.reverse(receiptNumber: number, amount: amount)
            }
        } catch .outcomeUnknown(let why) {
            forgetLastSeen()
            return .unknown(pendingId: pending.id, why: why, recovery: try recover(pending, from: terminal))
        } catch .unreachable(let why) {
            return try close(pending, operation, .unreachable(why))
        } catch .failed(let why) {
            return try close(pending, operation, .failed(why))
        }
        // 3. Book and resolve in one transaction, or close unbooked.
        switch result {
        case .approved(let details):
            lock.withLock { lastSeen = .known(details.traceNumber) }
            return .committed(try book(details, pending))
        case .declined(let text): return try close(pending, operation, .declined(text))
        case .aborted(let text): return try close(pending, operation, .aborted(text))
        }
    }

    /// Asks the terminal about the attempt whose answer was lost, again after each pause while it
    /// cannot say; the clerk sees each new try.
    private func recover(_ pending: PendingCardPayment, from terminal: CardTerminal) throws -> RecoveryOutcome.Result {
        let seen = terminal.attemptSeen
        var result = try resolve(pending, atStartup: false, seen: seen).result
        for (index, delay) in recoveryRetryDelaysMs.enumerated() {
            guard case .stillPending = result else { break }
            terminal.announce("Ergebnis unklar – das Terminal wird erneut gefragt (Versuch \(index + 2) von \(recoveryRetryDelaysMs.count + 1)) …")
            context.clock.pause(milliseconds: delay)
            result = try resolve(pending, atStartup: false, seen: seen).result
        }
        return result
    }

    /// A card job waits for every earlier intent to be settled: the terminal's last transaction
    /// can only answer for the latest one.
    private func resolveOthersFirst() throws {
        guard try !unresolved().isEmpty else { return }
        _ = try resolveAll(atStartup: false)
        let still = try ledger.unresolvedCardPayments()
        if !still.isEmpty { throw CounterError.unresolvedCardPayment(count: still.count) }
    }

    /// The terminal's last trace before an attempt, asked once after a start or an answer without a trace.
    private func previousTrace(of terminal: CardTerminal) -> String? {
        if case .known(let trace) = lock.withLock({ lastSeen }) { return trace }
        do {
            let trace = try terminal.lastTransaction()?.details.traceNumber
            lock.withLock { lastSeen = .known(trace) }
            return trace
        } catch {
            return nil  // recovery then relies on what the ledger knows
        }
    }

    /// The unresolved intents, without asking the ledger again once it had none.
    func unresolved() throws -> [PendingCardPayment] {
        let (settled, made) = lock.withLock { (knownSettled, intentsMade) }
        if settled { return [] }
        let open = try ledger.unresolvedCardPayments()
        if open.isEmpty { lock.withLock { if intentsMade == made { knownSettled = true } } }
        return open
    }

    private func forgetLastSeen() { lock.withLock { lastSeen = .unknown } }

    private func close<Booked>(_ pending: PendingCardPayment, _ operation: Operation, _ why: NotCommitted) throws -> Answer<Booked> {
        forgetLastSeen()
        let detail: String
        if operation.isReversal {
            switch why {
            case .unreachable(let text): detail = "Storno am Terminal: \(CardTerminalError.unreachable(text))"
            case .failed(let text): detail = "Storno am Terminal: \(CardTerminalError.failed(text))"
            case .declined(let text), .aborted(let text): detail = "Storno am Terminal: \(text)"
            }
        } else {
            switch why {
            case .unreachable(let text): detail = "Terminal nicht erreichbar: \(text)"
            case .failed(let text): detail = "Terminalfehler: \(text)"
            case .declined(let text), .aborted(let text): detail = text
            }
        }
        let saleId = operation.isReversal ? pending.saleId : nil
        try resolveUnbooked(pending, outcome: .declined, saleId: saleId, detail: detail, atStartup: false)
        return .notCommitted(why)
    }

    private func resolveUnbooked(_ pending: PendingCardPayment, outcome: CardOutcome, saleId: String?, detail: String, atStartup: Bool) throws {
        let now = context.clock.now()
        try ledger.transaction {
            try ledger.append(
                .cardResolved(
                    CardResolution(pendingId: pending.id, outcome: outcome, saleId: saleId, detail: detail, resolvedAt: now, atStartup: atStartup)),
                at: now)
        }
    }

    // MARK: Recovery

    /// Asks the terminal about every unresolved intent; what was settled is audited.
    func resolveAll(atStartup: Bool) throws -> [RecoveryOutcome] {
        var outcomes: [RecoveryOutcome] = []
        for pending in try ledger.unresolvedCardPayments() {
            outcomes.append(try resolve(pending, atStartup: atStartup))
        }
        let done = outcomes.filter { if case .stillPending = $0.result { return false } else { return true } }
        if !done.isEmpty {
            try context.audit(
                atStartup ? .cardRecoveryAtStartup : .cardRecovery, operatorId: nil, detail: done.map(\.description).joined(separator: "\n"))
        }
        return outcomes
    }

    /// Settles one intent by the terminal's last transaction; `seen` is what the terminal said of
    /// the attempt before its sequence broke off, if anything.
    func resolve(_ pending: PendingCardPayment, atStartup: Bool, seen: CardAttemptSeen? = nil) throws -> RecoveryOutcome {
        let reversal = StornoDraft.decode(pending.draft)
        if let reversal {
            if let storno = try ledger.storno(ofSale: reversal.saleId) {
                try resolveUnbooked(pending, outcome: .reversed, saleId: reversal.saleId, detail: "bereits gebucht", atStartup: atStartup)
                return RecoveryOutcome(pending: pending, result: .alreadyBooked(receiptNumber: storno.receiptNumber))
            }
        } else if let sale = try ledger.sale(id: pending.saleId), sale.payments.contains(where: { $0.cardPendingId == pending.id }) {
            try resolveUnbooked(pending, outcome: .approved, saleId: sale.id, detail: "bereits gebucht", atStartup: atStartup)
            return RecoveryOutcome(pending: pending, result: .alreadyBooked(receiptNumber: sale.receiptNumber))
        }
        guard let terminal else {
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: "kein Kartenterminal eingerichtet"))
        }
        let last: TerminalTransaction?
        do {
            last = try terminal.lastTransaction()
        } catch {
            let reason: String
            switch error {
            case .failed(let why), .outcomeUnknown(let why): reason = why
            case .unreachable(let why): reason = "Terminal nicht erreichbar (\(why))"
            }
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: reason))
        }
        lock.withLock { lastSeen = .known(last?.details.traceNumber) }
        let previousTrace = reversal?.previousTrace ?? (try? SaleDraft.decode(pending.draft))?.previousTrace
        let verdict = try last.map { try self.verdict(pending, isReversal: reversal != nil, previousTrace: previousTrace, seen: seen, last: $0) }
        switch verdict {
        case .isTheAttempt(approved: true)?:
            guard let last, let shift = try ledger.openShift() else {
                return RecoveryOutcome(pending: pending, result: .stillPending(reason: "keine offene Schicht zum Nachbuchen"))
            }
            if let reversal {
                let storno = try stornos.book(reversal, shift: shift, reversal: last.details, pending: pending, atStartup: atStartup)
                _ = receipts.deliver(booked: storno.receiptNumber, copy: false)
                return RecoveryOutcome(pending: pending, result: .booked(receiptNumber: storno.receiptNumber))
            }
            let (sale, entry) = try sales.book(try SaleDraft.decode(pending.draft), shift: shift, card: last.details, pending: pending, atStartup: atStartup)
            _ = receipts.deliver(committed: .sale(sale), checkValue: entry.hash)
            return RecoveryOutcome(pending: pending, result: .booked(receiptNumber: sale.receiptNumber))
        case .undetermined(let why)?:
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: why))
        case .isTheAttempt(approved: false)?, .earlierTransaction?, nil:
            if let reversal {
                try resolveUnbooked(
                    pending, outcome: .notPaid, saleId: reversal.saleId, detail: "Storno am Terminal nicht erfolgt; Storno nicht gebucht",
                    atStartup: atStartup)
            } else {
                let what =
                    last.map {
                        "letzte Transaktion am Terminal: \($0.kind == .payment ? "Zahlung" : "Storno") \($0.amount.formatted), Beleg \($0.details.receiptNumber)"
                    } ?? "das Terminal kennt keine Transaktion"
                try resolveUnbooked(pending, outcome: .notPaid, saleId: nil, detail: "nicht bezahlt (\(what))", atStartup: atStartup)
            }
            return RecoveryOutcome(pending: pending, result: .notPaid)
        }
    }

    // MARK: Settling by hand

    /// Settles `pendingId` as a supervisor read it from the terminal's own journal or slip, when
    /// the terminal cannot say (docs/ledger.md, "Card payments"): the resolution records the
    /// decision, the note and the approver, and uses the approval in the same transaction.
    func settleByHand(_ pendingId: String, _ decision: CardSettlementByHand, note: String, operatorId: String, approvedBy: String) throws
        -> CardSettledByHand
    {
        guard let pending = try ledger.unresolvedCardPayments().first(where: { $0.id == pendingId }) else {
            throw CounterError.noSuchPendingCardPayment(pendingId)
        }
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty else { throw CounterError.missingDetail("eine Notiz, woran die Kassenaufsicht das Ergebnis erkannt hat") }
        try context.requireOperator(approvedBy)
        try context.accessGuard?.check(.sell, operatorId: operatorId, approval: .cardSettlementByHand, approvedBy: approvedBy)
        let useApproval: (JournalEntry) throws -> Void = { entry in
            try self.context.accessGuard?.recordApprovalUse(
                .cardSettlementByHand, operatorId: operatorId, approvedBy: approvedBy, bookingSeq: entry.seq, mustBook: false)
        }
        let reversal = StornoDraft.decode(pending.draft)
        let by = "von Hand geklärt durch \(try ledger.operatorRecord(id: approvedBy)?.login ?? approvedBy): \(note)"
        switch decision {
        case .notPaid:
            let now = context.clock.now()
            try ledger.transaction {
                let entry = try ledger.append(
                    .cardResolved(
                        CardResolution(
                            pendingId: pending.id, outcome: .notPaid, saleId: reversal?.saleId,
                            detail: (reversal != nil ? "nicht storniert, " : "nicht bezahlt, ") + by, resolvedAt: now, atStartup: false)),
                    at: now)
                try useApproval(entry)
            }
            forgetLastSeen()
            return CardSettledByHand(pending: pending, decision: decision, receiptNumber: nil)
        case .paid(let number):
            let number = number.trimmingCharacters(in: .whitespaces)
            guard !number.isEmpty, number.count <= 6, number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw CounterError.invalidAmount("Die Terminal-Belegnummer »\(number)« ist ungültig: 1 bis 6 Ziffern, wie auf dem Terminalbeleg.")
            }
            guard let shift = try ledger.openShift() else { throw CounterError.noOpenShift }
            let card = CardDetails(
                terminalId: "", traceNumber: "", receiptNumber: String(repeating: "0", count: max(0, 4 - number.count)) + number,
                cardName: "girocard", maskedPAN: "", authorizationCode: nil, turnoverNumber: nil,
                receiptLines: ["Kartenzahlung von Hand geklärt", "Terminal-Beleg \(number)"])
            forgetLastSeen()
            if let reversal {
                let storno = try stornos.book(
                    reversal, shift: shift, reversal: card, pending: pending, atStartup: false, resolution: "storniert, Terminal-Beleg \(number), " + by,
                    inTransaction: useApproval)
                _ = receipts.deliver(booked: storno.receiptNumber, copy: false)
                return CardSettledByHand(pending: pending, decision: decision, receiptNumber: storno.receiptNumber)
            }
            let (sale, entry) = try sales.book(
                try SaleDraft.decode(pending.draft), shift: shift, card: card, pending: pending, atStartup: false,
                resolution: "bezahlt, Terminal-Beleg \(number), " + by, inTransaction: useApproval)
            _ = receipts.deliver(committed: .sale(sale), checkValue: entry.hash)
            return CardSettledByHand(pending: pending, decision: decision, receiptNumber: sale.receiptNumber)
        }
    }

    /// The counter's facts for ``LastTransactionMatch``: the transactions before the attempt are
    /// the terminal's previous trace and everything the ledger booked.
    private func verdict(_ pending: PendingCardPayment, isReversal: Bool, previousTrace: String?, seen: CardAttemptSeen?, last: TerminalTransaction) throws
        -> LastTransactionMatch.Verdict
    {
        let d = last.details
        let knownEarlier =
            try (previousTrace != nil && d.traceNumber == previousTrace)
            || ledger.isCardPaymentBooked(terminalId: d.terminalId, receiptNumber: d.receiptNumber, traceNumber: d.traceNumber)
            || ledger.isCardReversalBooked(terminalId: d.terminalId, receiptNumber: d.receiptNumber, traceNumber: d.traceNumber)
        return LastTransactionMatch.verdict(
            LastTransactionMatch.Attempt(
                amountCents: pending.amount.cents, isReversal: isReversal, receiptNumber: seen?.receiptNumber, trace: seen?.trace,
                earlierTransactionsKnown: true),
            last: LastTransactionMatch.LastTransaction(
                approved: last.approved, amountCents: last.amount.cents, isReversal: last.kind == .reversal,
                receiptNumber: Int(d.receiptNumber), trace: Int(d.traceNumber), resultText: last.approved ? "genehmigt" : "nicht genehmigt"),
            lastIsKnownEarlier: knownEarlier)
    }
}
