import Access
import Foundation
import KasseCore
import Ledger

/// Selling: checks a sale request, has the card part settled on the terminal, books, and hands
/// the receipt to the delivery. The booking returns at its commit; the receipt follows.
struct Sales: Sendable {
    let context: BookingContext
    let booking: SaleBooking
    let settlement: CardSettlement
    let receipts: ReceiptDelivery
    /// Asks the terminal how it is before a card payment's intent is written (ZVT 05 01).
    let terminalMonitor: TerminalStatusMonitor?

    /// Booking the same `saleId` again returns the booked sale (`alreadyBooked`) without booking
    /// or charging again.
    func book(_ request: SaleRequest) throws -> SaleOutcome {
        try context.guarded {
            let ledger = context.ledger
            if let existing = try alreadyBooked(request) { return existing }
            // A card payment for this sale may be pending from an earlier attempt: settle it first.
            var settled = false
            for pending in try settlement.unresolved() where pending.saleId == request.saleId {
                _ = try settlement.resolve(pending, atStartup: false)
                settled = true
            }
            if settled, let existing = try alreadyBooked(request) { return existing }

            let shift = try context.requireShift()
            try context.requireOperator(request.operatorId)
            try context.accessGuard?.check(.sell, operatorId: request.operatorId)
            guard !request.lines.isEmpty else { throw CounterError.emptySale }
            for line in request.lines where line.quantity <= 0 || line.unitPrice.isNegative {
                throw CounterError.invalidAmount("Position \(line.itemCode): Menge und Preis müssen positiv sein.")
            }
            let total = try Money.sum(request.lines.map(\.amount))
            guard total <= Money.maximumEntry else {
                throw CounterError.invalidAmount("Die Summe \(total.formatted) ist größer als \(Money.maximumEntry.formatted).")
            }
            let plan = try PaymentPlan(request.payment, total: total)
            var draft = SaleDraft(
                saleId: request.saleId, operatorId: request.operatorId, shiftId: shift.id, startedAt: request.startedAt,
                reference: request.reference, lines: request.lines, payments: plan.payments, catalogVersion: request.catalogVersion)
            if plan.cardAmount.isZero {
                let (sale, entry) = try booking.book(draft, shift: shift, card: nil, pending: nil, atStartup: false)
                return SaleOutcome(sale: sale, alreadyBooked: false, delivery: receipts.deliver(committed: .sale(sale), checkValue: entry.hash))
            }
            // The quick check before the payment: a terminal that cannot pay is told to the clerk
            // now, before an intent is written (the pending-first protocol starts only after it).
            try terminalMonitor?.checkBeforePayment()
            let answer = try settlement.settle(
                .payment, amount: plan.cardAmount, saleId: draft.saleId,
                draft: { previousTrace in
                    draft.previousTrace = previousTrace
                    return try draft.encoded()
                },
                book: { card, pending in try booking.book(draft, shift: shift, card: card, pending: pending, atStartup: false) })
            switch answer {
            case .committed(let (sale, entry)):
                return SaleOutcome(sale: sale, alreadyBooked: false, delivery: receipts.deliver(committed: .sale(sale), checkValue: entry.hash))
            case .notCommitted(.declined(let text)): throw CounterError.cardDeclined(text)
            case .notCommitted(.aborted(let text)): throw CounterError.cardAborted(text)
            case .notCommitted(.unreachable(let why)): throw CounterError.terminal(.unreachable(why))
            case .notCommitted(.failed(let why)): throw CounterError.terminal(.failed(why))
            case .unknown(_, _, .booked), .unknown(_, _, .alreadyBooked):
                guard let sale = try ledger.sale(id: draft.saleId) else { throw CounterError.saleNotFound(draft.saleId) }
                // The recovery delivered the receipt; this is the booked one as the clerk sees it.
                return SaleOutcome(sale: sale, alreadyBooked: false, delivery: try receipts.alreadyDelivered(sale.receiptNumber))
            case .unknown(_, let why, .notPaid):
                throw CounterError.terminal(.outcomeUnknown("\(why); laut Terminal nicht bezahlt"))
            case .unknown(let pendingId, let why, .stillPending(let reason)):
                throw CounterError.cardOutcomeUnknown(pendingId: pendingId, reason: "\(why); auf Nachfrage: \(reason)")
            }
        }
    }

    private func alreadyBooked(_ request: SaleRequest) throws -> SaleOutcome? {
        guard let sale = try context.ledger.sale(id: request.saleId) else { return nil }
        guard sale.lines == request.lines else {
            throw CounterError.idConflict("Die Vorgangsnummer \(request.saleId) gehört zu einem anderen Verkauf (Beleg \(sale.receiptNumber)).")
        }
        return SaleOutcome(sale: sale, alreadyBooked: true, delivery: try receipts.alreadyDelivered(sale.receiptNumber))
    }
}
