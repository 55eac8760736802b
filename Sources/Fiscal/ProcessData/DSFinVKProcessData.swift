import KasseCore

/// The process data a receipt is signed with, exactly as the DSFinV-K (§ 1.7.1, process type
/// `Kassenbeleg-V1`) defines it:
///
///     <Vorgangstyp>^<19 %>_<7 %>_<10,7 %>_<5,5 %>_<0 %>^<Betrag>:<Bar|Unbar>[_<Betrag>:<Zahlart>]
///
/// Gross amounts per VAT rate, then the payments summed per type (`Bar` before `Unbar`); every
/// amount with a dot decimal, two places and no grouping (3020.00, -2.55). Fees outside VAT and
/// exempt items count as 0 %. docs/fiscal.md lists which booking gets which Vorgangstyp.
public struct DSFinVKProcessData: Equatable, Sendable {
    /// BON_TYP / Vorgangstyp (DSFinV-K Anhang: Beleg, AVTransfer, AVTraining, AVBelegstorno, AVBelegabbruch, …).
    public enum ReceiptType: String, Sendable, CaseIterable {
        case beleg = "Beleg"
        case transfer = "AVTransfer"
        case training = "AVTraining"
        case storno = "AVBelegstorno"
        case abbruch = "AVBelegabbruch"
        case sonstige = "AVSonstige"
    }

    /// The five rate fields in their order (USt-Schlüssel 1–5).
    public enum RateField: Int, Sendable, CaseIterable {
        case normal, reduced, average10_7, average5_5, zero
    }

    /// ZAHLART of the process data: cash, or anything else.
    public enum PaymentType: String, Sendable, CaseIterable {
        case bar = "Bar"
        case unbar = "Unbar"

        public init(_ method: PaymentMethod) { self = method == .cash ? .bar : .unbar }
    }

    public var type: ReceiptType
    /// Gross cents per rate field, index = ``RateField/rawValue``.
    public var grossCents: [Int64]
    /// Cents per payment type; a type with nothing paid is left out.
    public var payments: [PaymentType: Int64]

    public init(type: ReceiptType, grossCents: [Int64] = [0, 0, 0, 0, 0], payments: [PaymentType: Int64] = [:]) {
        precondition(grossCents.count == RateField.allCases.count)
        self.type = type
        self.grossCents = grossCents
        self.payments = payments
    }

    /// The process data of a sale (or, with `sign` −1, of its counter-booking) from its lines and payments.
    public init(type: ReceiptType, lines: [SaleLine], payments: [PaymentRecord], sign: Int64 = 1) {
        var gross: [Int64] = [0, 0, 0, 0, 0]
        for line in lines { gross[Self.field(of: line.lineTax).rawValue] += sign * line.amount.cents }
        var paid: [PaymentType: Int64] = [:]
        for payment in payments { paid[PaymentType(payment.method), default: 0] += sign * payment.amount.cents }
        self.init(type: type, grossCents: gross, payments: paid)
    }

    /// The rate field of a line: 19 % and 7 % by their key, everything outside VAT or exempt 0 %.
    public static func field(of tax: LineTax) -> RateField {
        switch tax.rateKey {
        case .normal: .normal
        case .reduced1: .reduced
        case nil: .zero
        }
    }

    /// The text that is signed and printed in the QR code.
    public var text: String {
        let rates = grossCents.map(Self.amount).joined(separator: "_")
        let paid = PaymentType.allCases.compactMap { type in payments[type].map { "\(Self.amount($0)):\(type.rawValue)" } }
        return "\(type.rawValue)^\(rates)^\(paid.joined(separator: "_"))"
    }

    public var bytes: [UInt8] { Array(text.utf8) }

    /// `3020.00`, `-2.55`, `0.00`: dot decimal, two places, no grouping.
    public static func amount(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return "\(cents < 0 ? "-" : "")\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
