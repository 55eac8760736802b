import Foundation
import KasseCore
import Ledger

/// Writes a sale to the ledger: the record, and the resolution of its card payment if it has one,
/// in one transaction. Used by ``Sales`` and by the card recovery.
struct SaleBooking: Sendable {
    let context: BookingContext

    /// Books the sale of `draft` (with the terminal's `card` data, if any) and resolves `pending`;
    /// returns the record as committed with its journal entry, from which the receipt is rendered.
    /// `resolution` replaces the resolution's detail, `inTransaction` runs inside the same write
    /// transaction with the sale's entry (a settlement by hand records its approval there).
    func book(
        _ draft: SaleDraft, shift: ShiftRecord, card: CardDetails?, pending: PendingCardPayment?, atStartup: Bool, resolution: String? = nil,
        inTransaction: ((JournalEntry) throws -> Void)? = nil
    ) throws -> (sale: SaleRecord, entry: JournalEntry) {
        var payments = draft.payments
        if let card, let pending {
            payments.append(PaymentRecord(method: .card, amount: pending.amount, card: card, cardPendingId: pending.id))
        }
        let total = try Money.sum(draft.lines.map(\.amount))
        let ledger = context.ledger
        return try ledger.transaction {
            let now = context.clock.now()
            let sale = SaleRecord(
                id: draft.saleId, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: draft.operatorId,
                businessDate: try context.currentBusinessDate(), startedAt: min(draft.startedAt, now), endedAt: now,
                reference: draft.reference, total: total, lines: draft.lines, payments: payments, catalogVersion: draft.catalogVersion)
            let entry = try ledger.append(.sale(sale), at: now)
            if let pending {
                try ledger.append(
                    .cardResolved(
                        CardResolution(
                            pendingId: pending.id, outcome: .approved, saleId: sale.id,
                            detail: resolution ?? "genehmigt, Terminal-Beleg \(card?.receiptNumber ?? "")", resolvedAt: now,
                            atStartup: atStartup)),
                    at: now)
            }
            try context.auditInTransaction(sale.cardAmountMismatches, operatorId: draft.operatorId, at: now)
            try inTransaction?(entry)
            return (sale, entry)
        }
    }
}
