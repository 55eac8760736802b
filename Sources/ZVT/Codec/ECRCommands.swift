/// Commands the cash register (ECR) sends to the terminal (ZVT 13.08 §2). Each type encodes to an
/// ``APDU`` and decodes from one, so the simulator can read what the driver writes.
public protocol ZVTMessage: Equatable, Sendable {
    /// The control field this message uses, e.g. `0x0601`.
    static var command: UInt16 { get }
    init(apdu: APDU) throws
    var apdu: APDU { get }
}

extension ZVTMessage {
    static func check(_ apdu: APDU) throws {
        guard apdu.command == command else {
            throw ZVTCodecError.wrongMessage(expected: Hex.string([UInt8(command >> 8), UInt8(command & 0xFF)]), got: [apdu.commandClass, apdu.instruction])
        }
    }
    static func make(_ data: [UInt8]) -> APDU { APDU(UInt8(command >> 8), UInt8(command & 0xFF), data: data) }
}

/// Reads the positional 3-byte password at the start of `data`.
func positionalPassword(_ data: [UInt8], command: String) throws -> Password {
    guard data.count >= 3 else { throw ZVTCodecError.truncated(field: "Passwort (\(command))", offset: data.count) }
    return Password(bytes: Array(data[0..<3]))
}

/// Registration `06 00` (ZVT 13.08 §2.1):
/// `<password:3> <config:1> [<CC:2> [03 <service>] [06 <TLV>]]`.
public struct Registration: ZVTMessage {
    public static let command: UInt16 = 0x0600
    public var password: Password
    /// Config byte (§2.1 table 1); see the `Config` constants.
    public var config: UInt8
    /// Positional currency code (mandatory if a service byte or TLV follows).
    public var currencyCode: Int?
    /// BMP 03 and BMP 06.
    public var fields: BMPList

    public enum Config {
        /// ECR prints payment receipts.
        public static let ecrPrintsPaymentReceipts: UInt8 = 0x02
        /// ECR prints administration receipts.
        public static let ecrPrintsAdminReceipts: UInt8 = 0x04
        /// ECR wants Intermediate Status `04 FF`.
        public static let intermediateStatus: UInt8 = 0x08
        /// ECR controls payments (no amount entry on the PT).
        public static let ecrControlsPayment: UInt8 = 0x10
        /// ECR controls administration.
        public static let ecrControlsAdministration: UInt8 = 0x20
        /// Receipts come as print commands (`06 D1`/`06 D3`).
        public static let printViaCommands: UInt8 = 0x80
    }

    public init(password: Password, config: UInt8, currencyCode: Int? = 978, serviceByte: UInt8? = nil, tlv: [TLVObject]? = nil) {
        self.password = password
        self.config = config
        self.currencyCode = currencyCode
        var fields = BMPList()
        if let serviceByte { fields.append(BMPField(0x03, [serviceByte])) }
        if let tlv { fields.append(BMPField(tlv: tlv)) }
        self.fields = fields
        if currencyCode == nil && !fields.fields.isEmpty { self.currencyCode = 978 }
    }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        let data = apdu.data
        password = try positionalPassword(data, command: "06 00")
        guard data.count >= 4 else { throw ZVTCodecError.truncated(field: "Konfigurationsbyte (06 00)", offset: 3) }
        config = data[3]
        if data.count >= 6 {
            guard let cc = BCD.number(data[4..<6]) else {
                throw ZVTCodecError.malformed(field: "Währung (06 00)", offset: 4, reason: "kein BCD")
            }
            currencyCode = Int(cc)
            fields = BMPList(decoding: Array(data[6...]), offset: 6)
        } else {
            guard data.count == 4 else { throw ZVTCodecError.truncated(field: "Währung (06 00)", offset: 4) }
            currencyCode = nil
            fields = BMPList()
        }
    }

    public var apdu: APDU {
        var data = password.bytes + [config]
        if let currencyCode { data += BCD.encode(Int64(currencyCode), byteCount: 2) ?? [0x09, 0x78] }
        return Self.make(data + fields.bytes)
    }

    public var serviceByte: UInt8? { fields[0x03]?.byte }
    public var tlv: [TLVObject] { fields.tlv }
}

/// Authorisation (payment) `06 01` (ZVT 13.08 §2.2): BMP fields only.
public struct Authorization: ZVTMessage {
    public static let command: UInt16 = 0x0601
    public var fields: BMPList

    public init(fields: BMPList) { self.fields = fields }

    /// `04 <amount> [49 <CC>] [19 <payment type>] [06 <TLV>]`.
    public init(amountCents: Int64, currencyCode: Int? = 978, paymentType: UInt8? = nil, tlv: [TLVObject]? = nil) throws {
        var fields = BMPList()
        fields.append(try amountField(amountCents))
        if let currencyCode { fields.append(try currencyField(currencyCode)) }
        if let paymentType { fields.append(BMPField(0x19, [paymentType])) }
        if let tlv { fields.append(BMPField(tlv: tlv)) }
        self.fields = fields
    }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        fields = BMPList(decoding: apdu.data)
    }

    public var apdu: APDU { Self.make(fields.bytes) }
    public var amountCents: Int64? { fields.amountCents }
}

/// BMP 04 for `cents` (12 BCD digits).
public func amountField(_ cents: Int64) throws -> BMPField {
    guard let bytes = BCD.encode(cents, byteCount: 6) else { throw ZVTCodecError.valueOutOfRange(field: "Betrag", value: String(cents)) }
    return BMPField(0x04, bytes)
}

func currencyField(_ code: Int) throws -> BMPField {
    guard let bytes = BCD.encode(Int64(code), byteCount: 2) else { throw ZVTCodecError.valueOutOfRange(field: "Währung", value: String(code)) }
    return BMPField(0x49, bytes)
}

func receiptField(_ number: Int) throws -> BMPField {
    guard let bytes = BCD.encode(Int64(number), byteCount: 2) else { throw ZVTCodecError.valueOutOfRange(field: "Belegnummer", value: String(number)) }
    return BMPField(0x87, bytes)
}

/// The layout shared by `06 30`, `06 31`, `06 50`, `06 20`, `06 10`: positional password, then BMP fields.
public protocol PasswordCommand: ZVTMessage {
    var password: Password { get }
    var fields: BMPList { get }
    init(password: Password, fields: BMPList)
}

extension PasswordCommand {
    public init(apdu: APDU) throws {
        try Self.check(apdu)
        let password = try positionalPassword(apdu.data, command: Hex.string([apdu.commandClass, apdu.instruction]))
        self.init(password: password, fields: BMPList(decoding: Array(apdu.data[3...]), offset: 3))
    }
    public var apdu: APDU { Self.make(password.bytes + fields.bytes) }
}

/// Reversal `06 30` (ZVT 13.08 §2.9): `<password> 87 <receipt> [04 <amount>] [49 <CC>] …`.
public struct Reversal: PasswordCommand {
    public static let command: UInt16 = 0x0630
    public var password: Password
    public var fields: BMPList
    public init(password: Password, fields: BMPList) {
        self.password = password
        self.fields = fields
    }
    public init(password: Password, receiptNumber: Int, amountCents: Int64? = nil, currencyCode: Int? = nil) throws {
        var fields = BMPList([try receiptField(receiptNumber)])
        if let amountCents { fields.append(try amountField(amountCents)) }
        if let currencyCode { fields.append(try currencyField(currencyCode)) }
        self.init(password: password, fields: fields)
    }
    public var receiptNumber: Int? { fields.receiptNumber }
}

/// Refund `06 31` (ZVT 13.08 §2.15): `<password> [04 <amount>] [49 <CC>] …`.
public struct Refund: PasswordCommand {
    public static let command: UInt16 = 0x0631
    public var password: Password
    public var fields: BMPList
    public init(password: Password, fields: BMPList) {
        self.password = password
        self.fields = fields
    }
    public init(password: Password, amountCents: Int64, currencyCode: Int? = 978) throws {
        var fields = BMPList([try amountField(amountCents)])
        if let currencyCode { fields.append(try currencyField(currencyCode)) }
        self.init(password: password, fields: fields)
    }
    public var amountCents: Int64? { fields.amountCents }
}

/// End-of-Day `06 50` (ZVT 13.08 §2.16): `<password> [06 <TLV>]`.
public struct EndOfDay: PasswordCommand {
    public static let command: UInt16 = 0x0650
    public var password: Password
    public var fields: BMPList
    public init(password: Password, fields: BMPList = BMPList()) {
        self.password = password
        self.fields = fields
    }
}

/// Send Turnover Totals `06 10` (ZVT 13.08 §2.43): `<password> [03 <service>] [06 <TLV>]`.
public struct TurnoverTotals: PasswordCommand {
    public static let command: UInt16 = 0x0610
    public var password: Password
    public var fields: BMPList
    public init(password: Password, fields: BMPList = BMPList()) {
        self.password = password
        self.fields = fields
    }
}

/// Repeat Receipt `06 20` (ZVT 13.08 §2.20): `<password> [03 <service>] [06 <TLV 1F01…>]`.
/// Service byte 01 = also send the Status-Information of the last transaction; 02 = do not print.
public struct RepeatReceipt: PasswordCommand {
    public static let command: UInt16 = 0x0620
    public var password: Password
    public var fields: BMPList
    public init(password: Password, fields: BMPList) {
        self.password = password
        self.fields = fields
    }
    public init(password: Password, serviceByte: UInt8? = nil) {
        self.init(password: password, fields: BMPList(serviceByte.map { [BMPField(0x03, [$0])] } ?? []))
    }
    public var serviceByte: UInt8? { fields[0x03]?.byte }
}

/// Log-Off `06 02` (ZVT 13.08 §2.24): no data; answered by `80 00 00` alone.
public struct LogOff: ZVTMessage {
    public static let command: UInt16 = 0x0602
    public var data: [UInt8]
    public init() { data = [] }
    public init(apdu: APDU) throws {
        try Self.check(apdu)
        data = apdu.data
    }
    public var apdu: APDU { Self.make(data) }
}

/// Abort `06 B0` sent by the ECR (ZVT 13.08 §2.23): `[D2 <direction>] [FA <reader>]`; answered by
/// `80 00 00` or `84 <rc> 00` alone.
public struct AbortCommand: ZVTMessage {
    public static let command: UInt16 = 0x06B0
    public var fields: BMPList
    public init(fields: BMPList = BMPList()) { self.fields = fields }
    public init(apdu: APDU) throws {
        try Self.check(apdu)
        fields = BMPList(decoding: apdu.data)
    }
    public var apdu: APDU { Self.make(fields.bytes) }
}

/// Diagnosis `06 70` (ZVT 13.08 §2.17): `[06 <TLV 1B <type>>]`.
public struct Diagnosis: ZVTMessage {
    public static let command: UInt16 = 0x0670
    public var fields: BMPList
    public init(fields: BMPList = BMPList()) { self.fields = fields }
    /// With `type` (01 line, 02 extended, 03 configuration, 04 EMV configuration, 05 EP2) as TLV 1B.
    public init(type: UInt8) { fields = BMPList([BMPField(tlv: [TLVObject(0x1B, [type])])]) }
    public init(apdu: APDU) throws {
        try Self.check(apdu)
        fields = BMPList(decoding: apdu.data)
    }
    public var apdu: APDU { Self.make(fields.bytes) }
    public var diagnosisType: UInt8? { TLV.first(0x1B, in: fields.tlv)?.value.first }
}

/// Status Enquiry `05 01` (ZVT 13.08 §2.56): `[<password> [03 <service>] [06 <TLV>]]`.
/// The Completion that answers it is positional (see ``Completion``).
public struct StatusEnquiry: ZVTMessage {
    public static let command: UInt16 = 0x0501
    public var password: Password?
    public var fields: BMPList
    public init(password: Password? = nil, serviceByte: UInt8? = nil) {
        self.password = password ?? (serviceByte == nil ? nil : .zero)
        fields = BMPList(serviceByte.map { [BMPField(0x03, [$0])] } ?? [])
    }
    public init(apdu: APDU) throws {
        try Self.check(apdu)
        if apdu.data.isEmpty {
            password = nil
            fields = BMPList()
        } else {
            password = try positionalPassword(apdu.data, command: "05 01")
            fields = BMPList(decoding: Array(apdu.data[3...]), offset: 3)
        }
    }
    public var apdu: APDU { Self.make((password?.bytes ?? []) + fields.bytes) }
    public var serviceByte: UInt8? { fields[0x03]?.byte }
}
