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

/// One line of a receipt the card terminal sent for printing, with its print attribute as the
/// terminal gave it (ZVT 13.08 §3.5, Table 16). The text never holds a full card number: the ZVT
/// codec masks every run of twelve or more digits.
public struct TerminalReceiptLine: Equatable, Sendable, Codable {
    public let text: String
    /// `01xx nnnn` centred, `0x1x nnnn` double width, `0xx1 nnnn` double height, `nnnn` indent;
    /// `00` plain. A value with bit 8 set (the last line of a receipt) has no layout.
    public let attribute: UInt8

    public init(_ text: String, attribute: UInt8 = 0) {
        self.text = text
        self.attribute = attribute
    }

    public var isCentred: Bool { attribute & 0xC0 == 0x40 }
    public var isDoubleWidth: Bool { attribute & 0xA0 == 0x20 }
    public var isDoubleHeight: Bool { attribute & 0x90 == 0x10 }
    /// Characters to indent from the left (0–15).
    public var indent: Int { attribute & 0x80 == 0 ? Int(attribute & 0x0F) : 0 }
}

/// What the terminal reported for a card payment or reversal. Never a full card number: the
/// masked PAN is kept exactly as the terminal gave it, and the terminal's receipt lines with every
/// long digit run masked.
public struct CardDetails: Equatable, Sendable, Codable {
    public let terminalId: String
    public let traceNumber: String
    /// The terminal's receipt number (BMP 87), needed for a reversal (06 30).
    public let receiptNumber: String
    public let cardName: String
    public let maskedPAN: String
    public let authorizationCode: String?
    public let turnoverNumber: String?
    /// The terminal's customer copy (Kundenbeleg), if it sent one: printed for the citizen.
    public let customerReceipt: [TerminalReceiptLine]
    /// The terminal's merchant copy (Händlerbeleg), kept with the sale for disputes; never printed
    /// for the citizen, only reprinted on request (`webkasse receipts merchant`).
    public let merchantReceipt: [TerminalReceiptLine]
    /// The amount the terminal approved or reversed (BMP 04 of its `04 0F`, ZVT 13.08 §3.1.1), as
    /// it said; nil where it named none (and in entries booked before it was kept). The payment's
    /// own amount is what the counter asked for: a different approved amount is booked as it is and
    /// flagged (``CardAmountMismatch``, docs/ledger.md "Card payments").
    public let approvedAmount: Money?

    /// The customer copy's text, line by line.
    public var receiptLines: [String] { customerReceipt.map(\.text) }
    /// The merchant copy's text, line by line.
    public var merchantReceiptLines: [String] { merchantReceipt.map(\.text) }

    /// `receiptLines`: a customer copy without layout; `customerReceipt`, if given, replaces it.
    public init(
        terminalId: String, traceNumber: String, receiptNumber: String, cardName: String, maskedPAN: String,
        authorizationCode: String? = nil, turnoverNumber: String? = nil, receiptLines: [String] = [],
        customerReceipt: [TerminalReceiptLine]? = nil, merchantReceipt: [TerminalReceiptLine] = [], approvedAmount: Money? = nil
    ) {
        self.terminalId = terminalId
        self.traceNumber = traceNumber
        self.receiptNumber = receiptNumber
        self.cardName = cardName
        self.maskedPAN = maskedPAN
        self.authorizationCode = authorizationCode
        self.turnoverNumber = turnoverNumber
        self.customerReceipt = customerReceipt ?? receiptLines.map { TerminalReceiptLine($0) }
        self.merchantReceipt = merchantReceipt
        self.approvedAmount = approvedAmount
    }

    /// These details with the terminal's approved amount `amount`.
    public func approving(_ amount: Money?) -> CardDetails {
        CardDetails(
            terminalId: terminalId, traceNumber: traceNumber, receiptNumber: receiptNumber, cardName: cardName, maskedPAN: maskedPAN,
            authorizationCode: authorizationCode, turnoverNumber: turnoverNumber, customerReceipt: customerReceipt,
            merchantReceipt: merchantReceipt, approvedAmount: amount)
    }

    // JSON as before the merchant copy and the layout were kept (`receiptLines`), the new parts
    // only when there are any.
    private enum CodingKeys: String, CodingKey {
        case terminalId, traceNumber, receiptNumber, cardName, maskedPAN, authorizationCode, turnoverNumber, receiptLines
        case receiptAttributes, merchantReceiptLines, merchantReceiptAttributes, approvedAmountCents
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func lines(_ text: CodingKeys, _ attributes: CodingKeys) throws -> [TerminalReceiptLine] {
            let texts = try c.decodeIfPresent([String].self, forKey: text) ?? []
            let attributes = try c.decodeIfPresent([UInt8].self, forKey: attributes) ?? []
            return texts.enumerated().map { TerminalReceiptLine($1, attribute: $0 < attributes.count ? attributes[$0] : 0) }
        }
        self.init(
            terminalId: try c.decode(String.self, forKey: .terminalId), traceNumber: try c.decode(String.self, forKey: .traceNumber),
            receiptNumber: try c.decode(String.self, forKey: .receiptNumber), cardName: try c.decode(String.self, forKey: .cardName),
            maskedPAN: try c.decode(String.self, forKey: .maskedPAN), authorizationCode: try c.decodeIfPresent(String.self, forKey: .authorizationCode),
            turnoverNumber: try c.decodeIfPresent(String.self, forKey: .turnoverNumber),
            customerReceipt: try lines(.receiptLines, .receiptAttributes),
            merchantReceipt: try lines(.merchantReceiptLines, .merchantReceiptAttributes),
            approvedAmount: try c.decodeIfPresent(Int64.self, forKey: .approvedAmountCents).map { Money(cents: $0) })
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(terminalId, forKey: .terminalId)
        try c.encode(traceNumber, forKey: .traceNumber)
        try c.encode(receiptNumber, forKey: .receiptNumber)
        try c.encode(cardName, forKey: .cardName)
        try c.encode(maskedPAN, forKey: .maskedPAN)
        try c.encodeIfPresent(authorizationCode, forKey: .authorizationCode)
        try c.encodeIfPresent(turnoverNumber, forKey: .turnoverNumber)
        try c.encode(receiptLines, forKey: .receiptLines)
        if customerReceipt.contains(where: { $0.attribute != 0 }) { try c.encode(customerReceipt.map(\.attribute), forKey: .receiptAttributes) }
        if !merchantReceipt.isEmpty {
            try c.encode(merchantReceiptLines, forKey: .merchantReceiptLines)
            if merchantReceipt.contains(where: { $0.attribute != 0 }) {
                try c.encode(merchantReceipt.map(\.attribute), forKey: .merchantReceiptAttributes)
            }
        }
        try c.encodeIfPresent(approvedAmount?.cents, forKey: .approvedAmountCents)
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
