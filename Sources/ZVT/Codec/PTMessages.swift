/// Application acknowledgement `80 00 [data]` or negative `84 xx [data]` (PA00P016 §5.2.3,
/// ZVT 13.08 §2.66). Both sides send these.
public struct Acknowledgement: Equatable, Sendable {
    /// `80` (positive) or `84`.
    public var commandClass: UInt8
    /// APRC: `00` for `80`; the result/refusal code for `84`.
    public var code: UInt8
    public var data: [UInt8]

    public init(commandClass: UInt8 = 0x80, code: UInt8 = 0x00, data: [UInt8] = []) {
        self.commandClass = commandClass
        self.code = code
        self.data = data
    }

    /// `80 00 00`.
    public static let positive = Acknowledgement()
    /// `84 83 00`: command or BMP unknown (§2.66).
    public static let unknownCommand = Acknowledgement(commandClass: 0x84, code: 0x83)
    /// `84 9C 00`: ECR asks the PT to repeat the `04 0F` (§2.2.6).
    public static let pleaseRepeat = Acknowledgement(commandClass: 0x84, code: 0x9C)
    /// `84 CC 00`: ECR printer not ready (§3.5).
    public static let printerNotReady = Acknowledgement(commandClass: 0x84, code: 0xCC)

    public init(apdu: APDU) throws {
        guard apdu.commandClass == 0x80 || apdu.commandClass == 0x84 else {
            throw ZVTCodecError.wrongMessage(expected: "80 00 / 84 xx", got: [apdu.commandClass, apdu.instruction])
        }
        commandClass = apdu.commandClass
        code = apdu.instruction
        data = apdu.data
    }

    public var apdu: APDU { APDU(commandClass, code, data: data) }

    /// `80 xx` and `84 00` are acceptance (ZVT 13.08 §2.66).
    public var isPositive: Bool { commandClass == 0x80 || code == 0x00 }

    /// For a refusal, the result code: `data[0]` for `84 1E` with data, else `xx` (ZVT 13.08 §2.66; docs/zvt-field-notes.md, inconsistency 12).
    public var refusal: ResultCode? {
        guard !isPositive else { return nil }
        if code == 0x1E, let first = data.first { return ResultCode(rawValue: first) }
        return ResultCode(rawValue: code)
    }
}

/// Intermediate Status Information `04 FF` (ZVT 13.08 §3.7):
/// `<status> [<timeout: BCD minutes>] [06 <TLV 24 display texts>]`.
public struct IntermediateStatusInformation: ZVTMessage {
    public static let command: UInt16 = 0x04FF
    public var status: IntermediateStatus
    /// The raw timeout byte (BCD minutes), if present; it replaces T4.
    public var timeoutByte: UInt8?
    public var fields: BMPList

    public init(status: IntermediateStatus, timeoutMinutes: Int? = nil, texts: [String]? = nil, charset: ZVTCharacterSet = .cp437) {
        self.status = status
        timeoutByte = timeoutMinutes.flatMap { BCD.encode(Int64($0), byteCount: 1)?.first }
        if let texts {
            let lines = texts.map { TLVObject(0x07, charset.encode($0)) }
            fields = BMPList([BMPField(tlv: [TLVObject(0x24, children: lines)])])
        } else {
            fields = BMPList()
        }
    }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        let data = apdu.data
        guard let first = data.first else { throw ZVTCodecError.truncated(field: "Zwischenstatus (04 FF)", offset: 0) }
        status = IntermediateStatus(rawValue: first)
        let rest = Array(data.dropFirst())
        if rest.isEmpty {
            timeoutByte = nil
            fields = BMPList()
            return
        }
        // docs/zvt-field-notes.md, inconsistency 4: a TLV container right after the status means there is no timeout byte.
        if rest[0] == 0x06 {
            let list = BMPList(decoding: rest, offset: 1)
            if list.problem == nil, list.fields.count == 1 {
                timeoutByte = nil
                fields = list
                return
            }
        }
        timeoutByte = rest[0]
        fields = BMPList(decoding: Array(rest.dropFirst()), offset: 2)
    }

    public var apdu: APDU { Self.make([status.rawValue] + (timeoutByte.map { [$0] } ?? []) + fields.bytes) }

    /// The timeout in minutes (BCD), if present.
    public var timeoutMinutes: Int? { timeoutByte.flatMap { BCD.number([$0]) }.map { Int($0) } }

    /// Display lines from TLV 24/07 (each `07` split at LF), in the given character set.
    public func displayLines(_ charset: ZVTCharacterSet = .cp437) -> [String] {
        guard let container = TLV.first(0x24, in: fields.tlv) else { return [] }
        return container.children.filter { $0.tag == 0x07 }.flatMap {
            charset.decode($0.value).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// What to show: the terminal's own text if it sent one, else the table text (ZVT 13.08 §3.7 table 17).
    public func displayText(_ charset: ZVTCharacterSet = .cp437) -> String {
        let lines = displayLines(charset)
        return lines.isEmpty ? status.text : lines.joined(separator: "\n")
    }
}

/// Status-Information `04 0F` (ZVT 13.08 §3.1): the result of a transaction (BMP 27)
/// and its data. The ECR's `80 00 00` to it is the commit point (§2.2.8).
public struct StatusInformation: ZVTMessage {
    public static let command: UInt16 = 0x040F
    public var fields: BMPList

    public init(fields: BMPList) { self.fields = fields }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        fields = BMPList(decoding: apdu.data)
    }

    public var apdu: APDU { Self.make(fields.bytes) }

    public var resultCode: ResultCode? { fields.resultCode }
    /// BMP 3C text (host text for codes 01–63) or the table text.
    public func resultText(_ charset: ZVTCharacterSet = .cp437) -> String? {
        guard let code = resultCode else { return nil }
        if !code.isSuccess, let text = fields.additionalText(charset), !text.isEmpty { return text }
        return code.text
    }
    /// End-of-Day totals, when this answers `06 50` / `06 10`.
    public var totals: EndOfDayTotals { EndOfDayTotals(fields) }
}

/// One printed line with its attribute (ZVT 13.08 §3.5, Table 16).
public struct PrintedLine: Equatable, Sendable {
    public var attribute: UInt8
    public var text: String
    public init(attribute: UInt8, text: String) {
        self.attribute = attribute
        self.text = text
    }
    /// Attribute `1xxx xxxx` other than `80` ends a receipt (§3.5, docs/zvt-field-notes.md,
    /// inconsistency 8), except `FF`: a line feed, which may come anywhere in a receipt (§3.5, Table 16).
    public var closesReceipt: Bool { attribute & 0x80 != 0 && attribute != 0x80 && attribute != 0xFF }

    // Table 16: `01xx nnnn` centred, `0x1x nnnn` double width, `0xx1 nnnn` double height,
    // `nnnn` the indent from the left (0–15). An attribute with bit 8 set (last line, line feed,
    // RFU) says nothing about the layout.

    /// `01xx nnnn`: centred.
    public var isCentred: Bool { attribute & 0xC0 == 0x40 }
    /// `0x1x nnnn`: double width.
    public var isDoubleWidth: Bool { attribute & 0xA0 == 0x20 }
    /// `0xx1 nnnn`: double height.
    public var isDoubleHeight: Bool { attribute & 0x90 == 0x10 }
    /// `nnnn`: characters to indent from the left.
    public var indent: Int { attribute & 0x80 == 0 ? Int(attribute & 0x0F) : 0 }

    /// A line as the terminal's bytes decode: control bytes (below 20, and 7F) dropped — the
    /// text of a print line contains none (§3.5, §3.6) — and every run of twelve or more digits
    /// masked like a card number (``CardNumberMask/maskedText(_:)``).
    static func decoded(attribute: UInt8, bytes: [UInt8], charset: ZVTCharacterSet) -> PrintedLine {
        var text = ""
        for scalar in charset.decode(bytes).unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            text.unicodeScalars.append(scalar)
        }
        return PrintedLine(attribute: attribute, text: CardNumberMask.maskedText(text))
    }
}

/// Print Line `06 D1` (ZVT 13.08 §3.5): `<attribute> <text>`.
///
/// Terminals built before 13.08 append a TLV container (`06 <length> <TLV>`, e.g. tag 1F07, the
/// receipt type) after the text: the spec had it until its change of 14.08.2013 (§0 History,
/// "Removed TLV container from command Print Line 06 D1 due to parsing problems"). The text has no
/// length of its own and contains no control bytes (§3.5), so a `06` after which the rest of the
/// data is exactly one well-formed TLV container starts that container (docs/zvt-field-notes.md,
/// inconsistency 15).
public struct PrintLine: ZVTMessage {
    public static let command: UInt16 = 0x06D1
    public var attribute: UInt8
    public var textBytes: [UInt8]
    /// The pre-2013 TLV container after the text; empty for the 13.08 layout.
    public var fields: BMPList

    /// A line; with `tlv` in the pre-2013 layout (the container after the text).
    public init(attribute: UInt8, text: String, charset: ZVTCharacterSet = .cp437, tlv: [TLVObject]? = nil) {
        self.attribute = attribute
        textBytes = charset.encode(text)
        fields = tlv.map { BMPList([BMPField(tlv: $0)]) } ?? BMPList()
    }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        guard let first = apdu.data.first else { throw ZVTCodecError.truncated(field: "Druckattribut (06 D1)", offset: 0) }
        attribute = first
        let rest = Array(apdu.data.dropFirst())
        if let start = Self.containerStart(in: rest) {
            textBytes = Array(rest[..<start])
            fields = BMPList(decoding: Array(rest[start...]), offset: 1 + start)
        } else {
            textBytes = rest
            fields = BMPList()
        }
    }

    /// Where a trailing TLV container starts in the bytes after the attribute: the first `06`
    /// after which the rest is one BMP 06 whose TLV objects fill it exactly.
    static func containerStart(in bytes: [UInt8]) -> Int? {
        for index in bytes.indices where bytes[index] == 0x06 {
            let list = BMPList(decoding: Array(bytes[index...]))
            if list.problem == nil, list.unparsed.isEmpty, list.fields.count == 1, let tlv = list.fields[0].tlv, !tlv.isEmpty {
                return index
            }
        }
        return nil
    }

    public var apdu: APDU { Self.make([attribute] + textBytes + fields.bytes) }

    /// TLV 1F07 of the pre-2013 layout: 01 merchant, 02 customer, 03 administration receipt.
    public var receiptType: UInt8? { TLV.first(0x1F07, in: fields.tlv)?.value.first }

    /// TLV 14 of the pre-2013 layout: the character set of the text (ZVT 13.08 §9.4.2.1).
    public var characterSet: ZVTCharacterSet? { TLV.first(0x14, in: fields.tlv)?.value.first.map(ZVTCharacterSet.init(tag14:)) }

    /// The line in the set of tag 14, else in `charset`. Attribute `FF` means line feeds; the
    /// count is the text byte.
    public func line(_ charset: ZVTCharacterSet = .cp437) -> PrintedLine {
        if attribute == 0xFF { return PrintedLine(attribute: attribute, text: "") }
        return PrintedLine.decoded(attribute: attribute, bytes: textBytes, charset: characterSet ?? charset)
    }

    /// For attribute `FF`: the number of line feeds (one when the text is missing, §3.5).
    public var lineFeedCount: Int { attribute == 0xFF ? Int(textBytes.first ?? 1) : 0 }
}

/// Print Text-Block `06 D3` (ZVT 13.08 §3.6): TLV `[1F07 type] [14 character set] 25 { 09 attr | 07 line }*`.
public struct PrintTextBlock: ZVTMessage {
    public static let command: UInt16 = 0x06D3
    public var fields: BMPList

    public init(fields: BMPList) { self.fields = fields }

    /// A block of `lines` of receipt `type` (01 merchant, 02 customer, 03 administration), closed
    /// with `09 81` if `closes`; with `characterSetTag` its lines are encoded in that set and tag
    /// 14 says so (§3.6, §9.4.2.1), else in `charset`.
    public init(receiptType: UInt8?, lines: [PrintedLine], closes: Bool, charset: ZVTCharacterSet = .cp437, characterSetTag: UInt8? = nil) {
        let encoding = characterSetTag.map(ZVTCharacterSet.init(tag14:)) ?? charset
        var body: [TLVObject] = []
        var attribute: UInt8 = 0
        for line in lines {
            if line.attribute != attribute {
                body.append(TLVObject(0x09, [line.attribute]))
                attribute = line.attribute
            }
            body.append(TLVObject(0x07, encoding.encode(line.text)))
        }
        if closes { body.append(TLVObject(0x09, [0x81])) }
        var objects: [TLVObject] = []
        if let receiptType { objects.append(TLVObject(0x1F07, [receiptType])) }
        if let characterSetTag { objects.append(TLVObject(0x14, [characterSetTag])) }
        objects.append(TLVObject(0x25, children: body))
        fields = BMPList([BMPField(tlv: objects)])
    }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        fields = BMPList(decoding: apdu.data)
    }

    public var apdu: APDU { Self.make(fields.bytes) }

    /// TLV 1F07: 01 merchant, 02 customer, 03 administration receipt.
    public var receiptType: UInt8? { TLV.first(0x1F07, in: fields.tlv)?.value.first }

    /// TLV 14 beside tag 25: the character set of the block's lines (§3.6, §9.4.2.1).
    public var characterSet: ZVTCharacterSet? {
        fields.tlv.first { $0.tag == 0x14 }?.value.first.map(ZVTCharacterSet.init(tag14:))
    }

    /// The lines of tag 25 with the attribute in force (tag 09 applies to following lines), in the
    /// set of tag 14, else in `charset`.
    public func lines(_ charset: ZVTCharacterSet = .cp437) -> [PrintedLine] {
        guard let body = TLV.first(0x25, in: fields.tlv) else { return [] }
        let encoding = characterSet ?? charset
        var attribute: UInt8 = 0
        var out: [PrintedLine] = []
        for object in body.children {
            switch object.tag {
            case 0x09: attribute = object.value.first ?? 0
            case 0x07: out.append(PrintedLine.decoded(attribute: attribute, bytes: object.value, charset: encoding))
            default: continue
            }
        }
        return out
    }

    /// Whether a tag 09 with a value ≥ 81 ends the receipt in this block (docs/zvt-field-notes.md, inconsistency 8).
    public var closesReceipt: Bool {
        guard let body = TLV.first(0x25, in: fields.tlv) else { return false }
        return body.children.contains { $0.tag == 0x09 && ($0.value.first ?? 0) >= 0x81 }
    }
}

/// Completion `06 0F` (ZVT 13.08 §3.2, §2.56.5): hands master rights back to the ECR.
/// Its layout depends on the command it ends (docs/zvt-field-notes.md, inconsistency 14): BMP fields for most, positional
/// `[<SW version LLLVAR>] <terminal status> [06 <TLV>]` after Status Enquiry, vendor bytes after class 0F.
public struct Completion: ZVTMessage {
    public static let command: UInt16 = 0x060F

    public enum Content: Equatable, Sendable {
        case fields(BMPList)
        case statusEnquiry(softwareVersion: [UInt8]?, terminalStatus: TerminalStatus, fields: BMPList)
        case raw([UInt8])
    }

    public var content: Content

    public init(content: Content = .fields(BMPList())) { self.content = content }

    public init(apdu: APDU) throws { try self.init(apdu: apdu, pendingCommand: nil) }

    /// Decodes knowing which command the Completion ends (`nil` = guess from the bytes).
    public init(apdu: APDU, pendingCommand: UInt16?) throws {
        try Self.check(apdu)
        let data = apdu.data
        switch pendingCommand {
        case StatusEnquiry.command?:
            content = try Self.statusEnquiryContent(data)
        case let command? where command >> 8 == 0x0F:
            content = .raw(data)
        case .some:
            content = .fields(BMPList(decoding: data))
        case nil:
            if data.isEmpty {
                content = .fields(BMPList())
            } else if data.count == 1 || Self.startsWithLLLVAR(data) {
                content = try Self.statusEnquiryContent(data)
            } else {
                let list = BMPList(decoding: data)
                content = list.problem == nil ? .fields(list) : .raw(data)
            }
        }
    }

    static func startsWithLLLVAR(_ data: [UInt8]) -> Bool {
        guard data.count >= 4, let count = LengthPrefix.decode(data[0..<3]) else { return false }
        return 3 + count < data.count
    }

    static func statusEnquiryContent(_ data: [UInt8]) throws -> Content {
        var index = 0
        var version: [UInt8]? = nil
        if startsWithLLLVAR(data), let count = LengthPrefix.decode(data[0..<3]) {
            version = Array(data[3..<3 + count])
            index = 3 + count
        }
        guard index < data.count else { throw ZVTCodecError.truncated(field: "Terminalstatus (06 0F)", offset: index) }
        let status = TerminalStatus(rawValue: data[index])
        let fields = BMPList(decoding: Array(data[(index + 1)...]), offset: index + 1)
        return .statusEnquiry(softwareVersion: version, terminalStatus: status, fields: fields)
    }

    public var apdu: APDU {
        switch content {
        case .fields(let list):
            return Self.make(list.bytes)
        case .statusEnquiry(let version, let status, let fields):
            var data: [UInt8] = []
            if let version { data += LengthPrefix.encode(version.count, digits: 3) + version }
            return Self.make(data + [status.rawValue] + fields.bytes)
        case .raw(let bytes):
            return Self.make(bytes)
        }
    }

    public var fields: BMPList {
        switch content {
        case .fields(let list): return list
        case .statusEnquiry(_, _, let fields): return fields
        case .raw: return BMPList()
        }
    }

    public var terminalStatus: TerminalStatus? {
        if case .statusEnquiry(_, let status, _) = content { return status }
        return nil
    }

    public var softwareVersion: String? {
        if case .statusEnquiry(let version?, _, _) = content { return ZVTCharacterSet.cp437.decode(version) }
        return nil
    }
}

/// Abort `06 1E` sent by the PT (ZVT 13.08 §3.3, §2.2.9):
/// `<rc> [<CC> (with 6F, bare or as BMP 49)] [87 <receipt> (with B8)] [06 <TLV 1F16 1F17 23>]`.
public struct TerminalAbort: ZVTMessage {
    public static let command: UInt16 = 0x061E
    public var resultCode: ResultCode
    /// A currency code sent without BMP number (the spec's layout for 6F).
    public var bareCurrency: [UInt8]?
    public var fields: BMPList

    public init(resultCode: ResultCode, fields: BMPList = BMPList()) {
        self.resultCode = resultCode
        bareCurrency = nil
        self.fields = fields
    }

    public init(apdu: APDU) throws {
        try Self.check(apdu)
        let data = apdu.data
        guard let first = data.first else { throw ZVTCodecError.truncated(field: "Ergebniscode (06 1E)", offset: 0) }
        resultCode = ResultCode(rawValue: first)
        var index = 1
        if data.count >= 3, BMPTable.definition(data[1]) == nil, BCD.number(data[1..<3]) != nil {
            bareCurrency = Array(data[1..<3])
            index = 3
        } else {
            bareCurrency = nil
        }
        fields = BMPList(decoding: Array(data[index...]), offset: index)
    }

    public var apdu: APDU { Self.make([resultCode.rawValue] + (bareCurrency ?? []) + fields.bytes) }

    /// TLV 1F17 extended error text, if sent.
    public func errorText(_ charset: ZVTCharacterSet = .cp437) -> String? {
        TLV.first(0x1F17, in: fields.tlv).map { charset.decode($0.value) }
    }
}

/// Any APDU decoded to its type (ZVT 13.08 §2, §3). Unknown commands stay as ``other(_:)``.
public enum Message: Equatable, Sendable {
    // ECR → PT
    case registration(Registration)
    case authorization(Authorization)
    case reversal(Reversal)
    case refund(Refund)
    case endOfDay(EndOfDay)
    case turnoverTotals(TurnoverTotals)
    case repeatReceipt(RepeatReceipt)
    case logOff(LogOff)
    case abortCommand(AbortCommand)
    case diagnosis(Diagnosis)
    case statusEnquiry(StatusEnquiry)
    // either direction
    case acknowledgement(Acknowledgement)
    // PT → ECR
    case intermediateStatus(IntermediateStatusInformation)
    case statusInformation(StatusInformation)
    case printLine(PrintLine)
    case printTextBlock(PrintTextBlock)
    case completion(Completion)
    case terminalAbort(TerminalAbort)
    case other(APDU)

    /// Decodes `apdu`; `pendingCommand` (e.g. `0x0501`) selects the Completion layout.
    public static func decode(_ apdu: APDU, pendingCommand: UInt16? = nil) throws -> Message {
        if apdu.commandClass == 0x80 || apdu.commandClass == 0x84 { return .acknowledgement(try Acknowledgement(apdu: apdu)) }
        switch apdu.command {
        case Registration.command: return .registration(try Registration(apdu: apdu))
        case Authorization.command: return .authorization(try Authorization(apdu: apdu))
        case Reversal.command: return .reversal(try Reversal(apdu: apdu))
        case Refund.command: return .refund(try Refund(apdu: apdu))
        case EndOfDay.command: return .endOfDay(try EndOfDay(apdu: apdu))
        case TurnoverTotals.command: return .turnoverTotals(try TurnoverTotals(apdu: apdu))
        case RepeatReceipt.command: return .repeatReceipt(try RepeatReceipt(apdu: apdu))
        case LogOff.command: return .logOff(try LogOff(apdu: apdu))
        case AbortCommand.command: return .abortCommand(try AbortCommand(apdu: apdu))
        case Diagnosis.command: return .diagnosis(try Diagnosis(apdu: apdu))
        case StatusEnquiry.command: return .statusEnquiry(try StatusEnquiry(apdu: apdu))
        case IntermediateStatusInformation.command: return .intermediateStatus(try IntermediateStatusInformation(apdu: apdu))
        case StatusInformation.command: return .statusInformation(try StatusInformation(apdu: apdu))
        case PrintLine.command: return .printLine(try PrintLine(apdu: apdu))
        case PrintTextBlock.command: return .printTextBlock(try PrintTextBlock(apdu: apdu))
        case Completion.command: return .completion(try Completion(apdu: apdu, pendingCommand: pendingCommand))
        case TerminalAbort.command: return .terminalAbort(try TerminalAbort(apdu: apdu))
        default: return .other(apdu)
        }
    }

    public var apdu: APDU {
        switch self {
        case .registration(let m): return m.apdu
        case .authorization(let m): return m.apdu
        case .reversal(let m): return m.apdu
        case .refund(let m): return m.apdu
        case .endOfDay(let m): return m.apdu
        case .turnoverTotals(let m): return m.apdu
        case .repeatReceipt(let m): return m.apdu
        case .logOff(let m): return m.apdu
        case .abortCommand(let m): return m.apdu
        case .diagnosis(let m): return m.apdu
        case .statusEnquiry(let m): return m.apdu
        case .acknowledgement(let m): return m.apdu
        case .intermediateStatus(let m): return m.apdu
        case .statusInformation(let m): return m.apdu
        case .printLine(let m): return m.apdu
        case .printTextBlock(let m): return m.apdu
        case .completion(let m): return m.apdu
        case .terminalAbort(let m): return m.apdu
        case .other(let apdu): return apdu
        }
    }

    /// A short name for logs and `webkasse zvt decode`.
    public var name: String { Message.name(of: apdu) }

    /// The name of a control field, known or not.
    public static func name(of apdu: APDU) -> String {
        if apdu.commandClass == 0x80 { return "Positive Quittung" }
        if apdu.commandClass == 0x84 { return apdu.instruction == 0 ? "Positive Quittung (84 00)" : "Negative Quittung" }
        return commandNames[apdu.command] ?? "Unbekannter Befehl"
    }

    static let commandNames: [UInt16: String] = [
        0x0600: "Anmeldung (Registration)", 0x0601: "Autorisierung (Zahlung)", 0x0602: "Abmeldung (Log-Off)",
        0x0610: "Summen senden (Turnover Totals)", 0x0620: "Belegwiederholung (Repeat Receipt)",
        0x0622: "Vorautorisierung", 0x0623: "Buchung Vorautorisierung", 0x0625: "Storno Vorautorisierung",
        0x0630: "Storno (Reversal)", 0x0631: "Gutschrift (Refund)", 0x0650: "Kassenschnitt (End-of-Day)",
        0x0670: "Diagnose", 0x06B0: "Abbruch (ECR)", 0x06C0: "Karte lesen", 0x0501: "Statusabfrage",
        0x04FF: "Zwischenstatus", 0x040F: "Status-Information", 0x06D1: "Druckzeile", 0x06D3: "Druck-Textblock",
        0x060F: "Abschluss (Completion)", 0x061E: "Abbruch (PT)", 0x040C: "Write-File-Anforderung",
        0x0401: "Datum/Uhrzeit setzen", 0x0814: "Write File", 0x0813: "Konfiguration ändern",
    ]
}
