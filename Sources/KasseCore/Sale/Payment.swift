public enum PaymentMethod: String, Sendable, Codable, CaseIterable {
    case cash, cheque, card
    /// German UI term (`girocard` for card payments).
    public var label: String {
        switch self {
        case .cash: return "Bar"
        case .cheque: return "Scheck"
        case .card: return "girocard"
        }
    }

    /// `Bar`, `Karte`, `Scheck`: the reports' and exports' name (Z report, CSV Zahlweg, journal).
    public var germanName: String {
        switch self {
        case .cash: return "Bar"
        case .card: return "Karte"
        case .cheque: return "Scheck"
        }
    }
}

/// What the terminal reported for a card payment or reversal. Never a full card number: the
/// masked PAN is kept exactly as the terminal gave it.
public struct CardDetails: Equatable, Sendable, Codable {
    public let terminalId: String
    public let traceNumber: String
    /// The terminal's receipt number (BMP 87), needed for a reversal (06 30).
    public let receiptNumber: String
    public let cardName: String
    public let maskedPAN: String
    public let authorizationCode: String?
    public let turnoverNumber: String?
    /// The terminal's own receipt lines, if it sent any.
    public let receiptLines: [String]
    public init(
        terminalId: String, traceNumber: String, receiptNumber: String, cardName: String, maskedPAN: String,
        authorizationCode: String? = nil, turnoverNumber: String? = nil, receiptLines: [String] = []
    ) {
        self.terminalId = terminalId
        self.traceNumber = traceNumber
        self.receiptNumber = receiptNumber
        self.cardName = cardName
        self.maskedPAN = maskedPAN
        self.authorizationCode = authorizationCode
        self.turnoverNumber = turnoverNumber
        self.receiptLines = receiptLines
    }
}

/// One payment of a sale. For cash, ``amount`` = tendered − change.
public struct PaymentRecord: Equatable, Sendable, Codable {
    public let method: PaymentMethod
    public let amount: Money
    public let tendered: Money?
    public let change: Money?
    public let chequeNumber: String?
    public let chequeBank: String?
    public let chequeDrawer: String?
    public let card: CardDetails?
    /// The pending card payment this payment resolved.
    public let cardPendingId: String?

    public init(
        method: PaymentMethod, amount: Money, tendered: Money? = nil, change: Money? = nil, chequeNumber: String? = nil,
        chequeBank: String? = nil, chequeDrawer: String? = nil, card: CardDetails? = nil, cardPendingId: String? = nil
    ) {
        self.method = method
        self.amount = amount
        self.tendered = tendered
        self.change = change
        self.chequeNumber = chequeNumber
        self.chequeBank = chequeBank
        self.chequeDrawer = chequeDrawer
        self.card = card
        self.cardPendingId = cardPendingId
    }

    public static func cash(tendered: Money, change: Money) throws(MoneyError) -> PaymentRecord {
        PaymentRecord(method: .cash, amount: try tendered.subtracting(change), tendered: tendered, change: change)
    }
}
