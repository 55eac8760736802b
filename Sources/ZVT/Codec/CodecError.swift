/// Why bytes could not be decoded as ZVT. The description is one German sentence naming the place.
public enum ZVTCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bytes before an APDU that cannot start one (no known class byte); they were dropped.
    case unexpectedBytes([UInt8])
    /// The data of an APDU ended inside a field.
    case truncated(field: String, offset: Int)
    /// A field's value breaks its format (e.g. a BCD nibble above 9, an LLVAR byte without F nibble).
    case malformed(field: String, offset: Int, reason: String)
    /// The APDU is not the message type the caller asked for.
    case wrongMessage(expected: String, got: [UInt8])
    /// A value is out of range for encoding (e.g. an amount with more than 12 digits).
    case valueOutOfRange(field: String, value: String)
    /// A serial frame failed its CRC or framing.
    case badFrame(String)

    public var description: String {
        switch self {
        case .unexpectedBytes(let bytes):
            return "\(bytes.count) Byte ohne gültigen ZVT-Anfang verworfen (\(Hex.string(bytes.prefix(16))))."
        case .truncated(let field, let offset):
            return "Die Daten enden mitten im Feld \(field) (Byte \(offset))."
        case .malformed(let field, let offset, let reason):
            return "Feld \(field) bei Byte \(offset) ist ungültig: \(reason)."
        case .wrongMessage(let expected, let got):
            return "Erwartet war \(expected), empfangen wurde \(Hex.string(got.prefix(2)))."
        case .valueOutOfRange(let field, let value):
            return "Der Wert »\(value)« passt nicht in das Feld \(field)."
        case .badFrame(let reason):
            return "Serieller Rahmen ungültig: \(reason)."
        }
    }
}

/// Hex formatting and parsing helpers (upper-case, space-separated).
public enum Hex {
    /// `[0x06, 0x01]` → `"06 01"`.
    public static func string<S: Sequence>(_ bytes: S, separator: String = " ") -> String where S.Element == UInt8 {
        // Built as ASCII bytes: traces, journals and the fuzzer format every APDU this way.
        let separatorBytes = Array(separator.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * (2 + separatorBytes.count))
        for byte in bytes {
            if !out.isEmpty { out.append(contentsOf: separatorBytes) }
            out.append(upperDigits[Int(byte >> 4)])
            out.append(upperDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Parses hex digits, ignoring whitespace, `:` and `-`; `nil` if a character is not hex or the count is odd.
    public static func bytes(_ text: String) -> [UInt8]? {
        var result: [UInt8] = []
        var high: UInt8? = nil
        for scalar in text.unicodeScalars {
            let value: UInt8
            switch scalar {
            case "0"..."9": value = UInt8(scalar.value - 48)
            case "a"..."f": value = UInt8(scalar.value - 87)
            case "A"..."F": value = UInt8(scalar.value - 55)
            case " ", "\n", "\t", "\r", ":", "-": continue
            default: return nil
            }
            if let h = high {
                result.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return high == nil ? result : nil
    }
}
