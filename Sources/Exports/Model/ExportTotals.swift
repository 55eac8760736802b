import KasseCore
import Ledger

/// Running totals of an export: counts, debit/credit sums, nets per account and payment method.
///
/// Memory is bounded by the number of accounts and methods, not by the number of bookings.
public struct ExportTotals: Equatable, Sendable {
    public private(set) var recordCount = 0
    /// Sum of all debits (Soll) and of all credits (Haben), in cents; equal when balanced.
    public private(set) var debitCents: Int64 = 0
    public private(set) var creditCents: Int64 = 0
    /// Net per account (debit − credit), over payment accounts and Sachkonten alike.
    public private(set) var netByAccount: [String: Int64] = [:]
    /// Net money in per payment method (positive = received).
    public private(set) var netByPaymentMethod: [PaymentMethod: Int64] = [:]
    public private(set) var firstDate: BookingDate?
    public private(set) var lastDate: BookingDate?
    public private(set) var firstSequence: Int64?
    public private(set) var lastSequence: Int64?
    public private(set) var provisionalCount = 0

    public init() {}

    public mutating func add(_ line: BookingLine) {
        recordCount += 1
        let magnitude = line.amount.magnitude.cents
        debitCents += magnitude
        creditCents += magnitude
        netByAccount[line.debitAccount, default: 0] += magnitude
        netByAccount[line.creditAccount, default: 0] -= magnitude
        netByPaymentMethod[line.paymentMethod, default: 0] += line.amount.cents
        if firstDate.map({ line.businessDate < $0 }) ?? true { firstDate = line.businessDate }
        if lastDate.map({ line.businessDate > $0 }) ?? true { lastDate = line.businessDate }
        if firstSequence.map({ line.sequence < $0 }) ?? true { firstSequence = line.sequence }
        if lastSequence.map({ line.sequence > $0 }) ?? true { lastSequence = line.sequence }
        if line.isProvisional { provisionalCount += 1 }
    }

    /// Debits equal credits and every account's nets add up to zero.
    public var isBalanced: Bool { debitCents == creditCents && netByAccount.values.reduce(0, +) == 0 }
    public var debitTotal: Money { Money(cents: debitCents) }

    /// `Bar 46,00 €, Karte 13,00 €` — for the export log and the command's summary.
    public var paymentSummary: String {
        PaymentMethod.exportOrder.compactMap { method in
            netByPaymentMethod[method].map { "\(method.germanName) \(Money(cents: $0).formatted)" }
        }.joined(separator: ", ")
    }
}
