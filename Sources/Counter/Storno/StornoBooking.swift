import Fiscal
import Foundation
import KasseCore
import Ledger

/// Writes a storno to the ledger: the record, and the resolution of its card reversal if it has
/// one, in one transaction. Used by ``Stornos`` and by the card recovery.
struct StornoBooking: Sendable {
    let context: BookingContext

    /// Books the storno of `draft` (with the terminal's reversal data, if any) and resolves `pending`.
    /// `resolution` replaces the resolution's detail, `inTransaction` runs inside the same write
    /// transaction with the storno's entry (a settlement by hand records its approval there).
    func book(
        _ draft: StornoDraft, shift: ShiftRecord, reversal: CardDetails?, pending: PendingCardPayment?, atStartup: Bool, resolution: String? = nil,
        inTransaction: ((JournalEntry) throws -> Void)? = nil
    ) throws -> StornoRecord {
        let ledger = context.ledger
        guard let sale = try ledger.sale(id: draft.saleId) else { throw CounterError.saleNotFound(draft.saleId) }
        var refunds = draft.refunds
        if let reversal, let pending {
            refunds.append(StornoRefund(method: .card, amount: pending.amount, cardReversal: reversal))
        }
        // The counter-booking: the original's lines and the refunds, negative (docs/fiscal.md).
        let signature = context.sign(
            DSFinVKProcessData(
                type: .storno, lines: sale.lines, payments: refunds.map { PaymentRecord(method: $0.method, amount: $0.amount) }, sign: -1),
            key: draft.stornoId, booking: .storno)
        return try ledger.transaction {
            let now = context.clock.now()
            let record = StornoRecord(
                id: draft.stornoId, saleId: sale.id, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id,
                operatorId: draft.operatorId, approvedBy: draft.approvedBy, reason: draft.reason,
                businessDate: try context.currentBusinessDate(), at: now, total: sale.total, refunds: refunds)
            let entry = try ledger.append(.storno(record), at: now)
            try context.appendSignature(signature, operatorId: draft.operatorId, at: now)
            if let approvedBy = draft.approvedBy {
                // Once the terminal has reversed the card part the storno is booked in any case.
                try context.accessGuard?.recordApprovalUse(
                    .storno, operatorId: draft.operatorId, approvedBy: approvedBy, bookingSeq: entry.seq, mustBook: reversal != nil)
            }
            if let pending {
                try ledger.append(
                    .cardResolved(
                        CardResolution(
                            pendingId: pending.id, outcome: .reversed, saleId: sale.id,
                            detail: resolution ?? "am Terminal storniert, Terminal-Beleg \(reversal?.receiptNumber ?? "")", resolvedAt: now,
                            atStartup: atStartup)), at: now)
            }
            try context.auditInTransaction(record.cardAmountMismatches, operatorId: draft.operatorId, at: now)
            try inTransaction?(entry)
            return record
        }
    }
}
