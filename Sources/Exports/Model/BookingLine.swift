import KasseCore
import Ledger

extension PaymentMethod {
    /// The order exports list payment methods in: cash, card, cheque.
    public static let exportOrder: [PaymentMethod] = [.cash, .card, .cheque]

    var exportRank: Int { PaymentMethod.exportOrder.firstIndex(of: self)! }
}

/// One double-entry posting for the treasury: one per sale line and split share, per storno
/// counter-entry, per cash movement and per cash difference.
///
/// The posting is always between the **payment account** (cash, card clearing, cheques) and the
/// **Sachkonto** (revenue, pass-through/Verwahr, Geldtransit, cash differences). ``amount`` is
/// signed from the payment account's side: positive means money came in (payment account in
/// debit/Soll, Sachkonto in credit/Haben), negative means money went out — a storno's
/// counter-entry, a withdrawal, a shortage. Each line therefore balances on its own, and so does
/// every export made of them.
public struct BookingLine: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A share of a sold line (revenue or a third party's pass-through share).
        case sale
        /// The counter-entry of a cancelled sale's share.
        case storno
        /// Cash put into or taken out of the drawer (Einlage, Entnahme, Abschöpfung).
        case cashMovement
        /// Überschuss or Fehlbetrag at the day close.
        case cashDifference

        /// `Verkauf`, `Storno`, `Bargeldbewegung`, `Kassendifferenz`.
        public var germanName: String {
            switch self {
            case .sale: return "Verkauf"
            case .storno: return "Storno"
            case .cashMovement: return "Bargeldbewegung"
            case .cashDifference: return "Kassendifferenz"
            }
        }
    }

    /// The booking's position in the ledger (ascending); `--new` exports resume after it.
    public let sequence: Int64
    public let kind: Kind
    public let businessDate: BookingDate
    public let register: String
    /// The day close's Z number; `nil` while the day is open (the booking is provisional).
    public let zNumber: Int?
    public let receiptNumber: String
    public let saleID: String
    /// 1-based line of the sale and share of that line; 0 for movements and differences.
    public let lineNumber: Int
    public let shareNumber: Int
    public let itemCode: String
    /// What the booking is (item name, share, reason), as the receipt and report say it.
    public let text: String
    /// The Sachkonto (revenue, Verwahr, Geldtransit, difference account).
    public let account: String
    /// Produkt (doppic product) and Kostenstelle, for cost accounting (DATEV KOST2 / KOST1).
    public let product: String
    public let costCenter: String
    /// The Kassenzeichen the citizen paid against, if any.
    public let cashReference: String
    /// Signed from the payment account's side (see the type's documentation).
    public let amount: Money
    public let paymentMethod: PaymentMethod
    /// The payment's own account (cash, card clearing, cheques).
    public let paymentAccount: String
    /// For a storno: the receipt number it cancels.
    public let stornoReference: String
    public let operatorName: String
    /// Who approved the booking (four eyes: a storno, an Entnahme or Abschöpfung); empty if nobody.
    public let approverName: String
    /// A third party's share (e.g. the Bundeskasse's 3/5 of a Führungszeugnis).
    public let passThrough: Bool
    /// The VAT treatment and rate of the sold line; nil for a fee (and for movements).
    public let tax: LineTax?
    /// What part of a taxable line this posting is: its net on the revenue account or its VAT on
    /// the rate's VAT account; ``TaxPart/gross`` for everything else.
    public let taxPart: TaxPart

    public enum TaxPart: String, Sendable {
        case gross, net, vat
    }

    public init(
        sequence: Int64, kind: Kind, businessDate: BookingDate, register: String, zNumber: Int?,
        receiptNumber: String, saleID: String, lineNumber: Int = 0, shareNumber: Int = 0, itemCode: String = "",
        text: String, account: String, product: String = "", costCenter: String = "", cashReference: String = "",
        amount: Money, paymentMethod: PaymentMethod, paymentAccount: String, stornoReference: String = "",
        operatorName: String, approverName: String = "", passThrough: Bool = false, tax: LineTax? = nil,
        taxPart: TaxPart = .gross
    ) {
        self.tax = tax
        self.taxPart = taxPart
        self.sequence = sequence
        self.kind = kind
        self.businessDate = businessDate
        self.register = register
        self.zNumber = zNumber
        self.receiptNumber = receiptNumber
        self.saleID = saleID
        self.lineNumber = lineNumber
        self.shareNumber = shareNumber
        self.itemCode = itemCode
        self.text = text
        self.account = account
        self.product = product
        self.costCenter = costCenter
        self.cashReference = cashReference
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.paymentAccount = paymentAccount
        self.stornoReference = stornoReference
        self.operatorName = operatorName
        self.approverName = approverName
        self.passThrough = passThrough
    }

    /// Whether the day is still open (no Z number yet).
    public var isProvisional: Bool { zNumber == nil }
    /// The account in debit (Soll) and the one in credit (Haben).
    public var debitAccount: String { amount.isNegative ? account : paymentAccount }
    public var creditAccount: String { amount.isNegative ? paymentAccount : account }
}

/// Anything that yields booking lines in ledger order, one at a time (constant memory).
public protocol BookingSource {
    /// How many lines ``forEachBooking(_:)`` will yield, if known cheaply (for the progress bar).
    var expectedCount: Int? { get }
    /// Calls `body` for each line in order; stops at the first error.
    func forEachBooking(_ body: (BookingLine) throws -> Void) throws
}

extension Array: BookingSource where Element == BookingLine {
    public var expectedCount: Int? { count }
    public func forEachBooking(_ body: (BookingLine) throws -> Void) throws {
        for line in self { try body(line) }
    }
}
