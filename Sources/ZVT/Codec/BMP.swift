/// How the value of a BMP field is laid out on the wire (ZVT 13.08 §13, PA00P016 §5.2.8).
public enum BMPFormat: Equatable, Sendable {
    /// A fixed number of bytes.
    case fixed(Int)
    /// Two length bytes `Fx Fy` (decimal xy bytes), then the data.
    case llvar
    /// Three length bytes `Fx Fy Fz`, then the data.
    case lllvar
    /// BMP 06: a BER length (`LL`, `81 LL`, `82 HH LL`), then TLV objects (§9.2).
    case tlv
    /// A BMP the spec names without giving its format (BMP 92, docs/zvt-field-notes.md). Its value
    /// is taken as `likely` bytes if the rest of the data then reads to its end as known fields,
    /// else as the fewest bytes after which it does (at most the whole rest): it never stops decoding.
    case undefined(likely: Int)
}

/// What the value bytes mean, for display and typed accessors.
public enum BMPKind: Equatable, Sendable {
    case binary, bcd, ascii, text, cardData, tlv
}

/// One entry of the BMP table: number, format, meaning, a stable key (JSON) and a German label.
public struct BMPDefinition: Sendable {
    public let number: UInt8
    public let format: BMPFormat
    public let kind: BMPKind
    public let key: String
    public let label: String
}

/// The BMP table (ZVT 13.08 §13). A parser must know every BMP it meets: the number
/// alone defines the length, so an unknown number ends parsing and the rest is kept raw.
public enum BMPTable {
    public static let definitions: [BMPDefinition] = {
        var list: [BMPDefinition] = [
            .init(number: 0x01, format: .fixed(1), kind: .binary, key: "timeoutSeconds", label: "Zeitlimit (s)"),
            .init(number: 0x02, format: .fixed(1), kind: .binary, key: "maxStatusInfos", label: "Max. Status-Informationen"),
            .init(number: 0x03, format: .fixed(1), kind: .binary, key: "serviceByte", label: "Servicebyte"),
            .init(number: 0x04, format: .fixed(6), kind: .bcd, key: "amountCents", label: "Betrag"),
            .init(number: 0x05, format: .fixed(1), kind: .binary, key: "pumpNumber", label: "Zapfsäule"),
            .init(number: 0x06, format: .tlv, kind: .tlv, key: "tlv", label: "TLV-Container"),
            .init(number: 0x0B, format: .fixed(3), kind: .bcd, key: "trace", label: "Tracenummer"),
            .init(number: 0x0C, format: .fixed(3), kind: .bcd, key: "time", label: "Uhrzeit"),
            .init(number: 0x0D, format: .fixed(2), kind: .bcd, key: "date", label: "Datum (MMTT)"),
            .init(number: 0x0E, format: .fixed(2), kind: .bcd, key: "expiry", label: "Verfallsdatum (MM/JJ)"),
            .init(number: 0x17, format: .fixed(2), kind: .bcd, key: "cardSequenceNumber", label: "Kartenfolgenummer"),
            .init(number: 0x19, format: .fixed(1), kind: .binary, key: "paymentType", label: "Zahlart / Statusbyte"),
            .init(number: 0x22, format: .llvar, kind: .cardData, key: "pan", label: "PAN (maskiert)"),
            .init(number: 0x23, format: .llvar, kind: .cardData, key: "track2", label: "Spur 2"),
            .init(number: 0x24, format: .lllvar, kind: .cardData, key: "track3", label: "Spur 3"),
            .init(number: 0x27, format: .fixed(1), kind: .binary, key: "resultCode", label: "Ergebniscode"),
            .init(number: 0x29, format: .fixed(4), kind: .bcd, key: "terminalId", label: "Terminal-ID"),
            .init(number: 0x2A, format: .fixed(15), kind: .ascii, key: "vuNumber", label: "VU-Nummer"),
            .init(number: 0x2D, format: .llvar, kind: .ascii, key: "track1", label: "Spur 1"),
            .init(number: 0x2E, format: .lllvar, kind: .binary, key: "syncChipData", label: "Synchrone Chipdaten"),
            .init(number: 0x37, format: .fixed(3), kind: .bcd, key: "originalTrace", label: "Original-Tracenummer"),
            .init(number: 0x3A, format: .fixed(2), kind: .bcd, key: "cvv", label: "Prüfziffer"),
            .init(number: 0x3B, format: .fixed(8), kind: .ascii, key: "aid", label: "Autorisierungsmerkmal"),
            .init(number: 0x3C, format: .lllvar, kind: .text, key: "additionalText", label: "Zusatztext"),
            .init(number: 0x3D, format: .fixed(3), kind: .bcd, key: "password", label: "Passwort"),
            .init(number: 0x49, format: .fixed(2), kind: .bcd, key: "currency", label: "Währung"),
            .init(number: 0x4C, format: .llvar, kind: .binary, key: "blockedGoodsGroups", label: "Gesperrte Warengruppen"),
            .init(number: 0x60, format: .lllvar, kind: .binary, key: "individualTotals", label: "Einzelsummen"),
            .init(number: 0x87, format: .fixed(2), kind: .bcd, key: "receiptNumber", label: "Belegnummer"),
            .init(number: 0x88, format: .fixed(3), kind: .bcd, key: "turnoverNumber", label: "Umsatznummer"),
            .init(number: 0x8A, format: .fixed(1), kind: .binary, key: "cardType", label: "Kartenart (ZVT)"),
            .init(number: 0x8B, format: .llvar, kind: .ascii, key: "cardName", label: "Kartenname"),
            .init(number: 0x8C, format: .fixed(1), kind: .binary, key: "networkCardType", label: "Kartenart (Netzbetreiber)"),
            // Named in ZVT 13.08 §3.1.1 only as the offline counterpart of BA (AID parameter), absent from
            // the format table of §12: likely 5 bytes as BA, else read as ``BMPFormat/undefined(likely:)`` says.
            .init(number: 0x92, format: .undefined(likely: 5), kind: .binary, key: "offlineAIDParameter", label: "AID-Parameter (Offline)"),
            .init(number: 0x9A, format: .lllvar, kind: .binary, key: "geldKarteRecord", label: "GeldKarte-Datensatz"),
            .init(number: 0xA0, format: .fixed(1), kind: .binary, key: "hostResultCode", label: "Host-Ergebniscode"),
            .init(number: 0xA7, format: .llvar, kind: .binary, key: "chipDataEFID", label: "Chipdaten EF_ID"),
            .init(number: 0xAA, format: .fixed(3), kind: .bcd, key: "dateYYMMDD", label: "Datum (JJMMTT)"),
            .init(number: 0xAF, format: .lllvar, kind: .binary, key: "efInfo", label: "EF_Info"),
            .init(number: 0xBA, format: .fixed(5), kind: .binary, key: "aidParameter", label: "AID-Parameter"),
            .init(number: 0xD0, format: .fixed(1), kind: .binary, key: "bmpD0", label: "BMP D0"),
            .init(number: 0xD1, format: .llvar, kind: .binary, key: "bmpD1", label: "BMP D1"),
            .init(number: 0xD2, format: .fixed(1), kind: .binary, key: "cardOutputDirection", label: "Kartenausgabe"),
            .init(number: 0xD3, format: .fixed(1), kind: .binary, key: "bmpD3", label: "BMP D3"),
            .init(number: 0xFA, format: .fixed(1), kind: .binary, key: "cardReaderActivation", label: "Kartenleser"),
            .init(number: 0xFC, format: .fixed(1), kind: .binary, key: "dialogControl", label: "Dialogsteuerung"),
            .init(number: 0xEB, format: .fixed(8), kind: .binary, key: "bmpEB", label: "BMP EB"),
        ]
        for number: UInt8 in [0xF0, 0xF9, 0xFB, 0xFD, 0xE0, 0xE9, 0xEA] {
            list.append(
                .init(
                    number: number, format: .fixed(1), kind: .binary, key: "display\(Hex.string([number]))", label: "Anzeigesteuerung \(Hex.string([number]))"))
        }
        for number: UInt8 in Array(0xF1...0xF8) + Array(0xE1...0xE8) {
            list.append(
                .init(number: number, format: .llvar, kind: .text, key: "displayText\(Hex.string([number]))", label: "Anzeigetext \(Hex.string([number]))"))
        }
        return list
    }()

    static let byNumber: [UInt8: BMPDefinition] = Dictionary(uniqueKeysWithValues: definitions.map { ($0.number, $0) })

    public static func definition(_ number: UInt8) -> BMPDefinition? { byNumber[number] }
}

/// One BMP field: number and value bytes (without the LLVAR/LLLVAR/BER length prefix).
public struct BMPField: Equatable, Sendable {
    public var number: UInt8
    public var value: [UInt8]
    /// For BMP 06 received with a longer BER length than needed (e.g. `81 05`): its size, so that
    /// re-encoding gives the same bytes. `nil` = shortest form.
    public var berLengthSize: Int?

    public init(_ number: UInt8, _ value: [UInt8], berLengthSize: Int? = nil) {
        self.number = number
        self.value = value
        self.berLengthSize = berLengthSize
    }

    /// A TLV container field (BMP 06).
    public init(tlv objects: [TLVObject]) {
        self.number = 0x06
        self.value = TLV.encode(objects)
        self.berLengthSize = nil
    }

    public var definition: BMPDefinition? { BMPTable.definition(number) }

    /// The wire bytes: number, length prefix as the format demands, value.
    public var bytes: [UInt8] {
        var out: [UInt8] = [number]
        switch definition?.format {
        case .llvar: out += LengthPrefix.encode(value.count, digits: 2)
        case .lllvar: out += LengthPrefix.encode(value.count, digits: 3)
        case .tlv:
            let minimal = TLV.encodeLength(value.count)
            switch berLengthSize {
            case 2? where minimal.count < 2: out += [0x81, UInt8(value.count)]
            case 3? where minimal.count < 3: out += [0x82, UInt8(value.count >> 8), UInt8(value.count & 0xFF)]
            default: out += minimal
            }
        case .fixed, .undefined, nil: break
        }
        return out + value
    }

    /// The value as BCD number (amount, trace, receipt number …), `nil` if not BCD.
    public var bcdNumber: Int64? { BCD.number(value) }
    /// The value's first byte (binary one-byte fields).
    public var byte: UInt8? { value.first }
    /// The TLV objects of BMP 06; `nil` if the container is malformed.
    public var tlv: [TLVObject]? { try? TLV.decode(value) }
}

/// The `Fx Fy [Fz]` length prefix of LLVAR/LLLVAR fields (PA00P016 §5.2.8).
public enum LengthPrefix {
    public static func encode(_ count: Int, digits: Int) -> [UInt8] {
        precondition(count >= 0 && count < (digits == 2 ? 100 : 1000), "LLVAR length out of range")
        var out: [UInt8] = []
        var rest = count
        for _ in 0..<digits {
            out.insert(0xF0 | UInt8(rest % 10), at: 0)
            rest /= 10
        }
        return out
    }

    /// The length, or `nil` if a byte's high nibble is not F or its low nibble is not a digit.
    public static func decode<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        var count = 0
        for byte in bytes {
            guard byte & 0xF0 == 0xF0, byte & 0x0F <= 9 else { return nil }
            count = count * 10 + Int(byte & 0x0F)
        }
        return count
    }
}

/// A sequence of BMP fields as in the data block of most ZVT commands (ZVT 13.08 §1.1, §13).
///
/// Decoding stops at the first unknown BMP number or malformed field: what is left is kept in
/// ``unparsed`` (and the reason in ``problem``), so nothing is lost in a log.
public struct BMPList: Equatable, Sendable {
    public var fields: [BMPField]
    /// Bytes after the last field that could be parsed.
    public var unparsed: [UInt8]
    /// Why parsing stopped before the end, if it did.
    public var problem: ZVTCodecError?

    public init(_ fields: [BMPField] = [], unparsed: [UInt8] = []) {
        self.fields = fields
        self.unparsed = unparsed
        self.problem = nil
    }

    /// Parses `bytes`; `offset` is where they start in the APDU data (for error messages).
    public init(decoding bytes: [UInt8], offset: Int = 0) {
        fields = []
        unparsed = []
        problem = nil
        var index = 0
        while index < bytes.count {
            do {
                let (field, next) = try Self.field(in: bytes, at: index, offset: offset)
                fields.append(field)
                index = next
            } catch let error as ZVTCodecError {
                problem = error
                break
            } catch {
                break
            }
        }
        if index < bytes.count { unparsed = Array(bytes[index...]) }
    }

    /// Decodes the field starting at `index`; returns it and the index after it.
    static func field(in bytes: [UInt8], at index: Int, offset: Int) throws -> (BMPField, Int) {
        let number = bytes[index]
        let name = "BMP \(Hex.string([number]))"
        guard let definition = BMPTable.definition(number) else {
            throw ZVTCodecError.malformed(field: name, offset: offset + index, reason: "unbekannte BMP-Nummer")
        }
        var start = index + 1
        let length: Int
        var berLengthSize: Int? = nil
        switch definition.format {
        case .fixed(let count):
            length = count
        case .llvar, .lllvar:
            let digits = definition.format == .llvar ? 2 : 3
            guard start + digits <= bytes.count else { throw ZVTCodecError.truncated(field: name, offset: offset + index) }
            guard let count = LengthPrefix.decode(bytes[start..<start + digits]) else {
                throw ZVTCodecError.malformed(field: name, offset: offset + start, reason: "Längenbytes ohne F-Halbbyte")
            }
            length = count
            start += digits
        case .tlv:
            let (count, size) = try TLV.decodeLength(bytes, at: start, offset: offset, tag: TLVTag(0x06))
            length = count
            if size != TLV.encodeLength(count).count { berLengthSize = size }
            start += size
        case .undefined(let likely):
            length = undefinedLength(in: bytes, from: start, likely: likely, offset: offset)
        }
        guard start + length <= bytes.count else { throw ZVTCodecError.truncated(field: name, offset: offset + index) }
        var value = Array(bytes[start..<start + length])
        // A full card number never gets past the codec (``CardNumberMask``).
        if number == 0x22 { value = CardNumberMask.maskedBCD(value) }
        return (BMPField(number, value, berLengthSize: berLengthSize), start + length)
    }

    /// The value length of a field of ``BMPFormat/undefined(likely:)`` starting at `start`: `likely`
    /// if the rest then decodes to its end, else the fewest bytes after which it does (at most all).
    static func undefinedLength(in bytes: [UInt8], from start: Int, likely: Int, offset: Int) -> Int {
        let remaining = bytes.count - start
        func restDecodes(after count: Int) -> Bool {
            let rest = Array(bytes[(start + count)...])
            return BMPList(decoding: rest, offset: offset + start + count).problem == nil
        }
        if likely <= remaining, restDecodes(after: likely) { return likely }
        // The empty rest always reads: at most the field takes all of it.
        return (0..<remaining).first(where: restDecodes) ?? remaining
    }

    public var bytes: [UInt8] { fields.flatMap(\.bytes) + unparsed }

    /// Whether `bytes` begins with a known BMP number.
    static func startsWithKnownField(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first else { return true }
        return BMPTable.definition(first) != nil
    }

    /// The first field with `number`.
    public subscript(number: UInt8) -> BMPField? { fields.first { $0.number == number } }

    public mutating func append(_ field: BMPField) { fields.append(field) }

    // MARK: Typed accessors (ZVT 13.08 §3.1.1)

    /// BMP 04: amount in cents.
    public var amountCents: Int64? { self[0x04]?.bcdNumber }
    /// BMP 0B: trace number.
    public var trace: Int? { self[0x0B]?.bcdNumber.map { Int($0) } }
    /// BMP 37: trace number of the original transaction.
    public var originalTrace: Int? { self[0x37]?.bcdNumber.map { Int($0) } }
    /// BMP 87: receipt number (`nil` also for `FFFF` = none).
    public var receiptNumber: Int? { self[0x87]?.bcdNumber.map { Int($0) } }
    /// BMP 88: turnover record number.
    public var turnoverNumber: Int? { self[0x88]?.bcdNumber.map { Int($0) } }
    /// BMP 27: result code.
    public var resultCode: ResultCode? { self[0x27]?.byte.map(ResultCode.init(rawValue:)) }
    /// BMP 29: terminal id, 8 digits.
    public var terminalId: String? { self[0x29].flatMap { BCD.digits($0.value) } }
    /// BMP 49: ISO 4217 numeric currency code (978 = EUR).
    public var currencyCode: Int? { self[0x49]?.bcdNumber.map { Int($0) } }
    /// BMP 0C: time `HH:MM:SS`.
    public var time: String? {
        guard let d = self[0x0C].flatMap({ BCD.digits($0.value) }), d.count == 6 else { return nil }
        let c = Array(d)
        return "\(c[0])\(c[1]):\(c[2])\(c[3]):\(c[4])\(c[5])"
    }
    /// BMP 0D: date as month and day.
    public var monthDay: (month: Int, day: Int)? {
        guard let v = self[0x0D]?.bcdNumber else { return nil }
        return (Int(v / 100), Int(v % 100))
    }
    /// BMP 0E: expiry `YYMM`.
    public var expiry: String? { self[0x0E].flatMap { BCD.digits($0.value) } }
    /// BMP 22: the PAN, `*` for masked digits; at most the first six and the last four digits
    /// are shown, whatever the terminal sent (``CardNumberMask``).
    public var maskedPAN: String? { self[0x22].map { BCD.cardDigits($0.value) } }
    /// BMP 8A: ZVT card-type id.
    public var cardType: UInt8? { self[0x8A]?.byte }
    /// BMP 8B: card name without the terminating NUL.
    public var cardName: String? { self[0x8B].map { ZVTCharacterSet.ascii.decode(stripNUL($0.value)) } }
    /// BMP 2A: VU number without padding.
    public var vuNumber: String? { self[0x2A].map { ZVTCharacterSet.ascii.decode($0.value).trimmingSpaces() } }
    /// BMP 3B: authorisation attribute without NUL padding.
    public var authorisationAttribute: String? { self[0x3B].map { ZVTCharacterSet.ascii.decode(stripNUL($0.value)) } }
    /// BMP 3C: additional text (lines separated by CR in some terminals).
    public func additionalText(_ charset: ZVTCharacterSet = .cp437) -> String? { self[0x3C].map { charset.decode($0.value) } }
    /// BMP 19: payment type / status byte.
    public var paymentType: UInt8? { self[0x19]?.byte }
    /// BMP 06: the TLV objects (empty if absent or malformed).
    public var tlv: [TLVObject] { self[0x06]?.tlv ?? [] }
    /// BMP 60 as End-of-Day totals (§3.1.3).
    public var individualTotals: EndOfDayTotals.Individual? { self[0x60].flatMap { EndOfDayTotals.Individual(bmp60: $0.value) } }
}

func stripNUL(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    while out.last == 0 { out.removeLast() }
    return out
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.last == " " { scalars.removeLast() }
        while scalars.first == " " { scalars.removeFirst() }
        return String(scalars)
    }
}
