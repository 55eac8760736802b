import Access
import Foundation
import KasseCore
import Ledger

/// Cancelling a whole sale (Storno) with its own receipt. The card part is reversed on the
/// terminal first (ZVT 06 30) through the card settlement, or — if that is impossible — the
/// reason is recorded.
struct Stornos: Sendable {
    let context: BookingContext
    let booking: StornoBooking
    let settlement: CardSettlement
    let receipts: ReceiptDelivery

    func cancel(
        receiptNumber: Int64, stornoId: String, operatorId: String, reason: String, approvedBy: String?, cardReversal: CardReversalChoice
    ) throws -> StornoOutcome {
        try context.guarded {
            let ledger = context.ledger
            if let existing = try ledger.storno(id: stornoId), let original = try ledger.sale(id: existing.saleId) {
                return StornoOutcome(
                    storno: existing, original: original, alreadyBooked: true, delivery: try receipts.alreadyDelivered(existing.receiptNumber))
            }
            guard let booked = try ledger.receipt(number: receiptNumber) else { throw CounterError.receiptNotFound(receiptNumber) }
            guard case .sale(let sale) = booked else { throw CounterError.notASaleReceipt(receiptNumber) }
            if let storno = try ledger.storno(ofSale: sale.id) {
                throw CounterError.alreadyCancelled(receiptNumber: receiptNumber, stornoReceipt: storno.receiptNumber)
            }
            let shift = try context.requireShift()
            try context.requireOperator(operatorId)
            if let approvedBy { try context.requireOperator(approvedBy) }
            try context.accessGuard?.check(.requestStorno, operatorId: operatorId, approval: .storno, approvedBy: approvedBy)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Grund des Stornos") }
            let cashBack = try Money.sum(sale.payments.filter { $0.method == .cash }.map(\.amount))
            let available = try ledger.periodTotals().totals.expectedCash
            if cashBack > available { throw CounterError.insufficientCash(available: available, requested: cashBack) }
            var refunds: [StornoRefund] = []
            var reversal: (amount: Money, card: CardDetails)?
            for payment in sale.payments {
                guard payment.method == .card, let card = payment.card else {
                    refunds.append(StornoRefund(method: payment.method, amount: payment.amount))
                    continue
                }
                switch cardReversal {
                case .notPossible(let why):
                    guard !why.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw CounterError.missingDetail("der Grund, warum nicht am Terminal storniert wird")
                    }
                    refunds.append(StornoRefund(method: .card, amount: payment.amount, notReversedReason: why))
                case .onTerminal:
                    guard settlement.terminal != nil else { throw CounterError.noTerminal }
                    reversal = (payment.amount, card)
                }
            }
            let draft = StornoDraft(
                stornoId: stornoId, saleId: sale.id, operatorId: operatorId, approvedBy: approvedBy, reason: reason,
                refunds: refunds, terminalReceiptNumber: reversal?.card.receiptNumber)
            if let reversal {
                let (storno, recovered) = try reverseOnTerminal(draft, amount: reversal.amount, original: reversal.card, shift: shift)
                // A storno booked by the recovery had its receipt delivered there.
                let delivery = recovered ? try receipts.alreadyDelivered(storno.receiptNumber) : receipts.deliver(booked: storno.receiptNumber, copy: false)
                return StornoOutcome(storno: storno, original: sale, alreadyBooked: false, delivery: delivery)
            }
            let storno = try booking.book(draft, shift: shift, reversal: nil, pending: nil, atStartup: false)
            return StornoOutcome(storno: storno, original: sale, alreadyBooked: false, delivery: receipts.deliver(booked: storno.receiptNumber, copy: false))
        }
    }

    /// The reversal 06 30 through the card settlement: the storno and the resolution are booked
    /// in one transaction; a lost answer is settled by asking the terminal.
    /// `recovered`: the answer was lost and the recovery booked the storno.
    private func reverseOnTerminal(_ draft: StornoDraft, amount: Money, original: CardDetails, shift: ShiftRecord) throws
        -> (storno: StornoRecord, recovered: Bool)
    {
        var draft = draft
        let answer = try settlement.settle(
            .reversal(terminalReceiptNumber: original.receiptNumber), amount: amount, saleId: draft.saleId,
            draft: { previousTrace in
                draft.previousTrace = previousTrace
                return try draft.encoded()
            },
            book: { details, pending in try booking.book(draft, shift: shift, reversal: details, pending: pending, atStartup: false) })
        switch answer {
        case .committed(let storno): return (storno, false)
        case .notCommitted(.declined(let text)), .notCommitted(.aborted(let text)): throw CounterError.reversalFailed(text)
        case .notCommitted(.unreachable(let why)): throw CounterError.reversalFailed("\(CardTerminalError.unreachable(why))")
        case .notCommitted(.failed(let why)): throw CounterError.reversalFailed("\(CardTerminalError.failed(why))")
        case .unknown(_, let why, .booked), .unknown(_, let why, .alreadyBooked):
            guard let storno = try context.ledger.storno(id: draft.stornoId) else { throw CounterError.reversalFailed(why) }
            return (storno, true)
        case .unknown(_, let why, .notPaid): throw CounterError.reversalFailed("\(why); laut Terminal nicht storniert")
        case .unknown(let pendingId, let why, .stillPending(let reason)):
            throw CounterError.cardOutcomeUnknown(pendingId: pendingId, reason: "\(why); auf Nachfrage: \(reason)")
        }
    }
}
