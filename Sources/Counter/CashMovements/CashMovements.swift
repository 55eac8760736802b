import Access
import Fiscal
import Foundation
import KasseCore
import Ledger

/// Einlage, Entnahme and Abschöpfung an die Stadtkasse, each with its reason and receipt; an
/// Abschöpfung handed over at the counter also with who received it and the count
/// (docs/dayclose.md, "Abschöpfung an die Stadtkasse").
struct CashMovements: Sendable {
    let context: BookingContext
    let receipts: ReceiptDelivery

    func record(
        id: String, kind: CashMovementKind, amount: Money, reason: String, operatorId: String, approvedBy: String?,
        transfer: StadtkasseTransfer? = nil
    ) throws -> (movement: CashMovementRecord, receipt: DeliveredReceipt) {
        try context.guarded {
            let ledger = context.ledger
            if let existing = try ledger.cashMovement(id: id) {
                return (existing, try receipts.alreadyDelivered(existing.receiptNumber).wait())
            }
            let shift = try context.requireShift()
            try context.requireOperator(operatorId)
            if let approvedBy { try context.requireOperator(approvedBy) }
            try context.accessGuard?.check(
                kind == .einlage ? .depositCash : .withdrawCash, operatorId: operatorId, approval: kind == .einlage ? nil : .cashWithdrawal(amount),
                approvedBy: approvedBy)
            guard amount.cents > 0, amount <= Money.maximumEntry else {
                throw CounterError.invalidAmount("Der Betrag muss größer als 0,00 € und höchstens \(Money.maximumEntry.formatted) sein.")
            }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Grund der \(kind.label)") }
            if let transfer {
                guard !transfer.receivedBy.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw CounterError.missingDetail("wer die Abschöpfung für die Stadtkasse empfängt")
                }
                if let receiver = transfer.receivedByOperator { try context.requireOperator(receiver) }
                if !transfer.pieces.isEmpty, transfer.countedTotal != amount {
                    throw CounterError.invalidAmount(
                        "Die Zählung \(transfer.countedTotal?.formatted ?? "(zu groß)") passt nicht zum Betrag \(amount.formatted).")
                }
            }
            if kind != .einlage {  // checked again in the transaction; here so that the TSE signs no refused movement
                let available = try ledger.periodTotals().totals.expectedCash
                if amount > available { throw CounterError.insufficientCash(available: available, requested: amount) }
            }
            // Geldtransit and the other cash movements: AVTransfer with the signed cash amount (docs/fiscal.md).
            let signature = context.sign(
                DSFinVKProcessData(type: .transfer, payments: [.bar: kind.signed(amount).cents]), key: id, booking: .cashMovement)
            let movement = try ledger.transaction {
                if kind != .einlage {
                    let available = try ledger.periodTotals().totals.expectedCash
                    if amount > available { throw CounterError.insufficientCash(available: available, requested: amount) }
                }
                let now = context.clock.now()
                let record = CashMovementRecord(
                    id: id, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: operatorId,
                    approvedBy: approvedBy, kind: kind, amount: amount, reason: reason, businessDate: try context.currentBusinessDate(),
                    at: now, transfer: transfer)
                let entry = try ledger.append(.cashMovement(record), at: now)
                try context.appendSignature(signature, operatorId: operatorId, at: now)
                if let approvedBy, kind != .einlage {
                    try context.accessGuard?.recordApprovalUse(
                        .cashWithdrawal(amount), operatorId: operatorId, approvedBy: approvedBy, bookingSeq: entry.seq, mustBook: false)
                }
                return record
            }
            return (movement, receipts.deliver(booked: movement.receiptNumber, copy: false).wait())
        }
    }
}
