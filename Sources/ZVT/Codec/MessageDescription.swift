/// A decoded value for display and JSON, keeping field order (for `webkasse zvt decode` and logs).
public indirect enum FieldValue: Equatable, Sendable {
    case int(Int64)
    case string(String)
    case bool(Bool)
    case null
    case array([FieldValue])
    case object([Member])

    public struct Member: Equatable, Sendable {
        public let key: String
        public let value: FieldValue
        public init(_ key: String, _ value: FieldValue) {
            self.key = key
            self.value = value
        }
    }

    public static func hex(_ bytes: [UInt8]) -> FieldValue { .string(Hex.string(bytes)) }

    public subscript(key: String) -> FieldValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// Compact JSON (keys in order, strings escaped per RFC 8259).
    public var json: String {
        switch self {
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .string(let text): return Self.quote(text)
        case .array(let values): return "[" + values.map(\.json).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { Self.quote($0.key) + ":" + $0.value.json }.joined(separator: ",") + "}"
        }
    }

    public static func quote(_ text: String) -> String {
        // Most texts need no escaping.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + text + "\"" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let digits = Array("0123456789abcdef")
                    out += "\\u00" + String(digits[Int(scalar.value >> 4)]) + String(digits[Int(scalar.value & 0xF)])
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Field-by-field description of APDUs (ZVT 13.08 §3, §9, §13). Card data beyond the masked PAN
/// (tracks 1–3) is never shown, only its length.
public enum MessageDescription {
    public static func describe(_ apdu: APDU, pendingCommand: UInt16? = nil, charset: ZVTCharacterSet = .cp437) -> FieldValue {
        var members: [FieldValue.Member] = [
            .init("command", .hex([apdu.commandClass, apdu.instruction])),
            .init("name", .string(Message.name(of: apdu))),
            .init("length", .int(Int64(apdu.data.count))),
        ]
        let message: Message
        do {
            message = try Message.decode(apdu, pendingCommand: pendingCommand)
        } catch {
            members.append(.init("error", .string(String(describing: error))))
            members.append(.init("data", .hex(apdu.data)))
            return .object(members)
        }
        switch message {
        case .registration(let m):
            members += [
                .init("password", .string("******")), .init("config", .hex([m.config])),
                .init("currencyCode", m.currencyCode.map { .int(Int64($0)) } ?? .null),
            ]
            members += describe(m.fields, charset: charset)
        case .authorization(let m):
            members += describe(m.fields, charset: charset)
        case .reversal(let m as any PasswordCommand), .refund(let m as any PasswordCommand), .endOfDay(let m as any PasswordCommand),
            .turnoverTotals(let m as any PasswordCommand), .repeatReceipt(let m as any PasswordCommand):
            members.append(.init("password", .string("******")))
            members += describe(m.fields, charset: charset)
        case .logOff(let m):
            if !m.data.isEmpty { members.append(.init("data", .hex(m.data))) }
        case .abortCommand(let m):
            members += describe(m.fields, charset: charset)
        case .diagnosis(let m):
            members += describe(m.fields, charset: charset)
        case .statusEnquiry(let m):
            if m.password != nil { members.append(.init("password", .string("******"))) }
            members += describe(m.fields, charset: charset)
        case .acknowledgement(let m):
            members.append(.init("positive", .bool(m.isPositive)))
            if let refusal = m.refusal { members.append(.init("resultCode", describe(refusal))) }
            if !m.data.isEmpty {
                let list = BMPList(decoding: m.data)
                if list.problem == nil { members += describe(list, charset: charset) } else { members.append(.init("data", .hex(m.data))) }
            }
        case .intermediateStatus(let m):
            members.append(
                .init(
                    "status",
                    .object([
                        .init("code", .hex([m.status.rawValue])), .init("text", .string(m.status.text)), .init("known", .bool(m.status.isKnown)),
                    ])))
            members.append(.init("timeoutMinutes", m.timeoutMinutes.map { .int(Int64($0)) } ?? .null))
            let lines = m.displayLines(charset)
            if !lines.isEmpty { members.append(.init("displayLines", .array(lines.map { .string($0) }))) }
            members += describe(m.fields, charset: charset)
        case .statusInformation(let m):
            members += describe(m.fields, charset: charset)
        case .printLine(let m):
            let line = m.line(charset)
            members += [.init("attribute", .hex([m.attribute])), .init("text", .string(line.text)), .init("closesReceipt", .bool(line.closesReceipt))]
            if let type = m.receiptType { members.append(.init("receiptType", .int(Int64(type)))) }
            members += describe(m.fields, charset: charset)
        case .printTextBlock(let m):
            members.append(.init("receiptType", m.receiptType.map { .int(Int64($0)) } ?? .null))
            members.append(.init("lines", .array(m.lines(charset).map { .string($0.text) })))
            members.append(.init("closesReceipt", .bool(m.closesReceipt)))
            members += describe(m.fields, charset: charset)
        case .completion(let m):
            switch m.content {
            case .fields(let list):
                members += describe(list, charset: charset)
            case .statusEnquiry(_, let status, let fields):
                if let version = m.softwareVersion { members.append(.init("softwareVersion", .string(version))) }
                members.append(.init("terminalStatus", .object([.init("code", .hex([status.rawValue])), .init("text", .string(status.text))])))
                members += describe(fields, charset: charset)
            case .raw(let bytes):
                members.append(.init("data", .hex(bytes)))
                members.append(.init("text", .string(charset.decode(bytes))))
            }
        case .terminalAbort(let m):
            members.append(.init("resultCode", describe(m.resultCode)))
            if let cc = m.bareCurrency { members.append(.init("currencyCode", BCD.number(cc).map { .int($0) } ?? .hex(cc))) }
            members += describe(m.fields, charset: charset)
        case .other(let apdu):
            let list = BMPList(decoding: apdu.data)
            if apdu.commandClass == 0x06 || apdu.commandClass == 0x04 || apdu.commandClass == 0x08, list.problem == nil, !apdu.data.isEmpty {
                members += describe(list, charset: charset)
            } else if !apdu.data.isEmpty {
                members.append(.init("data", .hex(apdu.data)))
            }
        }
        return .object(members)
    }

    static func describe(_ code: ResultCode) -> FieldValue {
        .object([.init("code", .hex([code.rawValue])), .init("text", .string(code.text))])
    }

    /// The BMP fields (as `fields`), with raw rest and the reason parsing stopped.
    public static func describe(_ list: BMPList, charset: ZVTCharacterSet) -> [FieldValue.Member] {
        var members: [FieldValue.Member] = []
        if !list.fields.isEmpty {
            members.append(.init("fields", .array(list.fields.map { describe($0, charset: charset) })))
        }
        if !list.unparsed.isEmpty {
            members.append(.init("unparsed", .hex(list.unparsed)))
        }
        if let problem = list.problem {
            members.append(.init("problem", .string(problem.description)))
        }
        return members
    }

    public static func describe(_ field: BMPField, charset: ZVTCharacterSet) -> FieldValue {
        let definition = field.definition
        var members: [FieldValue.Member] = [
            .init("bmp", .hex([field.number])),
            .init("key", .string(definition?.key ?? "unknown")),
            .init("label", .string(definition?.label ?? "Unbekannt")),
        ]
        members.append(.init("value", value(of: field, charset: charset)))
        return .object(members)
    }

    static func value(of field: BMPField, charset: ZVTCharacterSet) -> FieldValue {
        let v = field.value
        switch field.number {
        case 0x04, 0x0B, 0x37, 0x87, 0x88, 0x17, 0x49:
            if field.number == 0x87, v == [0xFF, 0xFF] { return .string("keine") }
            return BCD.number(v).map { .int($0) } ?? .hex(v)
        case 0x0C:
            return BMPList([field]).time.map { .string($0) } ?? .hex(v)
        case 0x0D:
            guard let d = BCD.digits(v), d.count == 4 else { return .hex(v) }
            return .string(String(d.prefix(2)) + "-" + String(d.suffix(2)))
        case 0xAA:
            guard let d = BCD.digits(v), d.count == 6 else { return .hex(v) }
            return .string("20" + String(d.prefix(2)) + "-" + String(d.dropFirst(2).prefix(2)) + "-" + String(d.suffix(2)))
        case 0x0E:
            guard let d = BCD.digits(v), d.count == 4 else { return .hex(v) }
            return .string(String(d.suffix(2)) + "/" + String(d.prefix(2)))
        case 0x29:
            return BCD.digits(v).map { .string($0) } ?? .hex(v)
        case 0x3D:
            return .string("******")
        case 0x27:
            return describe(ResultCode(rawValue: v.first ?? 0))
        case 0xA0:
            // Result-code-AS: the authorisation system's own code where it cannot be sent as BCD
            // (ZVT 13.08 §3.1.1, §12). Information beside BMP 27, which alone says approved or not.
            return .object([
                .init("code", .hex(v)),
                .init("text", .string("Ergebniscode des Autorisierungssystems (nicht BCD-darstellbar); das Ergebnis steht in BMP 27")),
            ])
        case 0x8A:
            let id = v.first ?? 0
            return .object([.init("id", .int(Int64(id))), .init("name", CardTypeName.name(id).map { .string($0) } ?? .null)])
        case 0x22:
            return .string(BCD.cardDigits(v))
        case 0x23, 0x24, 0x2D, 0x2E, 0x3A:
            return .string("<\(v.count) Byte Kartendaten, nicht angezeigt>")
        case 0x8B, 0x3B:
            return .string(ZVTCharacterSet.ascii.decode(stripNUL(v)))
        case 0x2A:
            return .string(ZVTCharacterSet.ascii.decode(v).trimmingSpaces())
        case 0x3C:
            return .string(charset.decode(v))
        case 0x60:
            guard let totals = EndOfDayTotals.Individual(bmp60: v) else { return .hex(v) }
            return .object([
                .init("firstReceipt", .int(Int64(totals.firstReceipt))), .init("lastReceipt", .int(Int64(totals.lastReceipt))),
                .init(
                    "groups",
                    .array(
                        totals.groups.map {
                            .object([.init("name", .string($0.name)), .init("count", .int(Int64($0.count))), .init("amountCents", .int($0.amountCents))])
                        })),
            ])
        case 0x06:
            guard let objects = try? TLV.decode(v) else { return .hex(v) }
            return .array(objects.map { describe($0, charset: charset) })
        default:
            if let definition = field.definition {
                switch definition.kind {
                case .text: return .string(charset.decode(v))
                case .ascii: return .string(ZVTCharacterSet.ascii.decode(v))
                case .binary where v.count == 1: return .hex(v)
                default: return .hex(v)
                }
            }
            return .hex(v)
        }
    }

    /// A TLV object: tag, then children or the raw value (with text for text tags).
    public static func describe(_ object: TLVObject, charset: ZVTCharacterSet) -> FieldValue {
        var members: [FieldValue.Member] = [.init("tag", .string(object.tag.description))]
        switch object.content {
        case .constructed(let children):
            members.append(.init("children", .array(children.map { describe($0, charset: charset) })))
        case .primitive(let value):
            members.append(.init("value", .hex(value)))
            if [0x07, 0x1F17, 0x42, 0x44, 0x46, 0x47, 0x1F40, 0x1F41, 0x1F62, 0x1F63, 0x15].contains(object.tag.value) {
                members.append(.init("text", .string(charset.decode(value))))
            }
        }
        return .object(members)
    }
}
