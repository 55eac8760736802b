/// A BER-TLV tag: class bits, constructed bit, number; `1F` in the low bits means more tag bytes
/// follow, each further byte with bit 8 set when yet another follows (ZVT 13.08 §9.3).
public struct TLVTag: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(!bytes.isEmpty, "empty TLV tag")
        self.bytes = bytes
    }

    /// `0x24` → `[24]`, `0x1F07` → `[1F 07]`.
    public init(_ value: UInt32) {
        var out: [UInt8] = []
        var rest = value
        repeat {
            out.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        } while rest != 0
        bytes = out
    }

    public init(integerLiteral value: UInt32) { self.init(value) }

    /// The tag bytes as one big-endian number, e.g. `0x1F07`.
    public var value: UInt32 { bytes.reduce(0) { $0 << 8 | UInt32($1) } }

    /// Whether the class bits say constructed (bit 6 of the first byte).
    public var constructedBit: Bool { bytes[0] & 0x20 != 0 }

    /// Tags whose constructed bit is set but that carry raw bytes (Feig FF40/FF41, ZVT 13.08 §9).
    static let primitiveDespiteBit: Set<UInt32> = [0xFF40, 0xFF41]

    /// Whether a parser should look for nested objects inside (D6: tag table first, class bit as fallback;
    /// 4C/4D are treated as primitive, docs/zvt-field-notes.md, inconsistency 11).
    public var isConstructed: Bool { constructedBit && !Self.primitiveDespiteBit.contains(value) }

    public var description: String { Hex.string(bytes, separator: "") }
}

/// One TLV data object. Unknown tags are kept with their raw value, never dropped.
public struct TLVObject: Equatable, Sendable {
    public enum Content: Equatable, Sendable {
        case primitive([UInt8])
        case constructed([TLVObject])
    }

    public var tag: TLVTag
    public var content: Content

    public init(_ tag: TLVTag, _ value: [UInt8]) {
        self.tag = tag
        self.content = .primitive(value)
    }

    public init(_ tag: TLVTag, children: [TLVObject]) {
        self.tag = tag
        self.content = .constructed(children)
    }

    /// The value bytes (for constructed objects: the encoded children).
    public var value: [UInt8] {
        switch content {
        case .primitive(let bytes): return bytes
        case .constructed(let children): return TLV.encode(children)
        }
    }

    public var children: [TLVObject] {
        if case .constructed(let children) = content { return children }
        return []
    }

    /// The first object with `tag` below this one (depth first), not including itself.
    public func first(_ tag: TLVTag) -> TLVObject? { TLV.first(tag, in: children) }
}

/// BER-TLV encoding and decoding as used inside BMP 06 (ZVT 13.08 §9.2–9.3).
public enum TLV {
    /// Decodes a list of objects that fills `bytes` exactly.
    /// - Parameter offset: position of `bytes` in the APDU data, for error messages.
    public static func decode(_ bytes: [UInt8], offset: Int = 0) throws -> [TLVObject] {
        var objects: [TLVObject] = []
        var index = 0
        while index < bytes.count {
            let tagStart = index
            var tagBytes = [bytes[index]]
            index += 1
            if tagBytes[0] & 0x1F == 0x1F {
                while true {
                    guard index < bytes.count else {
                        throw ZVTCodecError.truncated(field: "TLV-Tag", offset: offset + tagStart)
                    }
                    tagBytes.append(bytes[index])
                    index += 1
                    if tagBytes.last! & 0x80 == 0 { break }
                    guard tagBytes.count < 4 else {
                        throw ZVTCodecError.malformed(field: "TLV-Tag", offset: offset + tagStart, reason: "mehr als 4 Tag-Bytes")
                    }
                }
            }
            let tag = TLVTag(bytes: tagBytes)
            let (length, lengthSize) = try decodeLength(bytes, at: index, offset: offset, tag: tag)
            index += lengthSize
            guard index + length <= bytes.count else {
                throw ZVTCodecError.truncated(field: "TLV \(tag)", offset: offset + tagStart)
            }
            let value = Array(bytes[index..<index + length])
            if tag.isConstructed, let children = try? decode(value, offset: offset + index) {
                objects.append(TLVObject(tag, children: children))
            } else {
                objects.append(TLVObject(tag, value))
            }
            index += length
        }
        return objects
    }

    /// BER length: `00`–`7F`, `81 LL`, `82 HH LL` big-endian (ZVT 13.08 §9.3; docs/zvt-field-notes.md, inconsistency 7).
    static func decodeLength(_ bytes: [UInt8], at index: Int, offset: Int, tag: TLVTag) throws -> (Int, Int) {
        guard index < bytes.count else { throw ZVTCodecError.truncated(field: "Länge von TLV \(tag)", offset: offset + index) }
        let first = bytes[index]
        switch first {
        case 0x00...0x7F:
            return (Int(first), 1)
        case 0x81:
            guard index + 1 < bytes.count else { throw ZVTCodecError.truncated(field: "Länge von TLV \(tag)", offset: offset + index) }
            return (Int(bytes[index + 1]), 2)
        case 0x82:
            guard index + 2 < bytes.count else { throw ZVTCodecError.truncated(field: "Länge von TLV \(tag)", offset: offset + index) }
            return (Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]), 3)
        default:
            throw ZVTCodecError.malformed(
                field: "Länge von TLV \(tag)", offset: offset + index, reason: "Längenbyte \(Hex.string([first])) ist nicht erlaubt")
        }
    }

    /// The shortest BER length for `count` (at most 65 535).
    public static func encodeLength(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= 0xFFFF, "TLV length out of range")
        if count <= 0x7F { return [UInt8(count)] }
        if count <= 0xFF { return [0x81, UInt8(count)] }
        return [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
    }

    public static func encode(_ objects: [TLVObject]) -> [UInt8] {
        var out: [UInt8] = []
        for object in objects {
            let value = object.value
            out += object.tag.bytes
            out += encodeLength(value.count)
            out += value
        }
        return out
    }

    /// The first object with `tag` in `objects` or below them (depth first).
    public static func first(_ tag: TLVTag, in objects: [TLVObject]) -> TLVObject? {
        for object in objects {
            if object.tag == tag { return object }
            if let found = first(tag, in: object.children) { return found }
        }
        return nil
    }

    /// Every object with `tag` in `objects` or below them, in order.
    public static func all(_ tag: TLVTag, in objects: [TLVObject]) -> [TLVObject] {
        var result: [TLVObject] = []
        for object in objects {
            if object.tag == tag { result.append(object) }
            result += all(tag, in: object.children)
        }
        return result
    }
}
