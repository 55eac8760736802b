/// A pure encoder and decoder of ASN.1 DER (ITU-T X.690 § 10) for what the TSE's log messages
/// use: single-byte tags, definite lengths, INTEGER, OBJECT IDENTIFIER, OCTET STRING,
/// PrintableString, SEQUENCE and context-specific implicit tags (TR-03151 § 5.3; docs/fiscal.md).
public enum DER {
    public static let integerTag: UInt8 = 0x02
    public static let octetStringTag: UInt8 = 0x04
    public static let objectIdentifierTag: UInt8 = 0x06
    public static let printableStringTag: UInt8 = 0x13
    public static let sequenceTag: UInt8 = 0x30

    /// The tag of `[number] IMPLICIT` of a primitive type (context-specific class).
    public static func contextTag(_ number: UInt8) -> UInt8 {
        precondition(number < 31)
        return 0x80 | number
    }

    /// One TLV: `tag`, the DER length of `value`, `value`.
    public static func encode(tag: UInt8, _ value: [UInt8]) -> [UInt8] {
        var out = [tag]
        out.append(contentsOf: lengthBytes(value.count))
        out.append(contentsOf: value)
        return out
    }

    /// A SEQUENCE of already encoded elements.
    public static func sequence(_ elements: [[UInt8]]) -> [UInt8] {
        encode(tag: sequenceTag, Array(elements.joined()))
    }

    /// The content octets of a non-negative INTEGER: big-endian, minimal, a leading zero when the
    /// top bit is set (X.690 § 8.3).
    public static func integerValue(_ number: UInt64) -> [UInt8] {
        var bytes = withUnsafeBytes(of: number.bigEndian) { Array($0) }
        while bytes.count > 1 && bytes[0] == 0 && bytes[1] & 0x80 == 0 { bytes.removeFirst() }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return bytes
    }

    /// The content octets of an OBJECT IDENTIFIER in dotted form (X.690 § 8.19), e.g. `0.4.0.127.0.7.3.7.1.1`.
    public static func objectIdentifierValue(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").map { UInt64($0)! }
        precondition(arcs.count >= 2 && arcs[0] <= 2)
        var out: [UInt8] = []
        for arc in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            out.append(contentsOf: chunk)
        }
        return out
    }

    /// The dotted form of OBJECT IDENTIFIER content octets; nil if they are malformed.
    public static func objectIdentifier(fromValue value: [UInt8]) -> String? {
        var arcs: [UInt64] = []
        var current: UInt64 = 0
        var inArc = false
        for byte in value {
            if !inArc && byte == 0x80 { return nil }  // not minimal
            guard current >> 57 == 0 else { return nil }
            current = current << 7 | UInt64(byte & 0x7F)
            inArc = byte & 0x80 != 0
            if !inArc {
                arcs.append(current)
                current = 0
            }
        }
        guard !inArc, let first = arcs.first else { return nil }
        let head: [UInt64] = first < 80 ? [first / 40, first % 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }

    /// A non-negative INTEGER's value; nil if it is negative, not minimal or wider than 64 bits.
    public static func unsignedInteger(fromValue value: [UInt8]) -> UInt64? {
        guard let first = value.first, first & 0x80 == 0 else { return nil }
        if value.count > 1 && first == 0 && value[1] & 0x80 == 0 { return nil }
        let digits = first == 0 ? Array(value.dropFirst()) : value
        guard digits.count <= 8 else { return nil }
        return digits.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func lengthBytes(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        var bytes: [UInt8] = []
        var rest = length
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    /// Decodes `bytes` as a list of TLVs that must fill it exactly.
    public static func decodeAll(_ bytes: [UInt8]) throws(DERError) -> [DERElement] {
        var offset = 0
        var elements: [DERElement] = []
        while offset < bytes.count { elements.append(try decode(bytes, at: &offset)) }
        return elements
    }

    /// Decodes the one TLV at `offset` and moves `offset` past it. Refuses what DER forbids
    /// (indefinite or non-minimal lengths) and multi-byte tags.
    public static func decode(_ bytes: [UInt8], at offset: inout Int) throws(DERError) -> DERElement {
        let start = offset
        guard offset + 2 <= bytes.count else { throw .truncated(at: start) }
        let tag = bytes[offset]
        guard tag & 0x1F != 0x1F else { throw .unsupportedTag(tag, at: start) }
        let first = bytes[offset + 1]
        offset += 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count > 0 else { throw .indefiniteLength(at: start) }
            guard count <= 4, offset + count <= bytes.count else { throw .truncated(at: start) }
            for byte in bytes[offset..<offset + count] { length = length << 8 | Int(byte) }
            guard length >= 0x80, bytes[offset] != 0 else { throw .nonMinimalLength(at: start) }
            offset += count
        }
        guard offset + length <= bytes.count else { throw .truncated(at: start) }
        let value = Array(bytes[offset..<offset + length])
        offset += length
        return DERElement(tag: tag, value: value)
    }
}

/// One decoded TLV; `children` decodes a constructed one's content.
public struct DERElement: Equatable, Sendable {
    public var tag: UInt8
    public var value: [UInt8]

    public init(tag: UInt8, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// Whether the constructed bit is set (SEQUENCE, SET, explicit tags).
    public var isConstructed: Bool { tag & 0x20 != 0 }

    /// The TLVs inside a constructed element.
    public func children() throws(DERError) -> [DERElement] { try DER.decodeAll(value) }

    /// The element encoded again.
    public var encoded: [UInt8] { DER.encode(tag: tag, value) }
}

/// Why bytes are not the DER we expect; `at` is the offset of the TLV's first byte.
public enum DERError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(at: Int)
    case indefiniteLength(at: Int)
    case nonMinimalLength(at: Int)
    case unsupportedTag(UInt8, at: Int)
    case unexpected(String)

    public var description: String {
        switch self {
        case .truncated(let at): "DER: abgeschnitten bei Byte \(at)"
        case .indefiniteLength(let at): "DER: unbestimmte Länge bei Byte \(at)"
        case .nonMinimalLength(let at): "DER: Länge nicht minimal bei Byte \(at)"
        case .unsupportedTag(let tag, let at): "DER: Tag 0x\(String(tag, radix: 16)) bei Byte \(at) nicht unterstützt"
        case .unexpected(let what): "DER: \(what)"
        }
    }
}
