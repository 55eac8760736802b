/// Packed BCD, two digits per byte, high nibble first (ZVT 13.08 §1.2, PA00P016 §5.2.8).
public enum BCD {
    /// The digits of `bytes` as a string; `nil` if a nibble is above 9.
    public static func digits<S: Sequence>(_ bytes: S) -> String? where S.Element == UInt8 {
        var text = ""
        for byte in bytes {
            let high = byte >> 4
            let low = byte & 0x0F
            guard high <= 9, low <= 9 else { return nil }
            text.unicodeScalars.append(Unicode.Scalar(48 + high))
            text.unicodeScalars.append(Unicode.Scalar(48 + low))
        }
        return text
    }

    /// The number encoded by `bytes`; `nil` if a nibble is above 9 or it overflows.
    public static func number<S: Sequence>(_ bytes: S) -> Int64? where S.Element == UInt8 {
        var value: Int64 = 0
        for byte in bytes {
            let high = Int64(byte >> 4)
            let low = Int64(byte & 0x0F)
            guard high <= 9, low <= 9 else { return nil }
            let (a, o1) = value.multipliedReportingOverflow(by: 100)
            guard !o1 else { return nil }
            value = a + high * 10 + low
        }
        return value
    }

    /// `value` as `byteCount` BCD bytes, left-padded with zeros; `nil` if negative or too long.
    public static func encode(_ value: Int64, byteCount: Int) -> [UInt8]? {
        guard value >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        var rest = value
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            let low = UInt8(rest % 10)
            rest /= 10
            let high = UInt8(rest % 10)
            rest /= 10
            bytes[index] = high << 4 | low
        }
        return rest == 0 ? bytes : nil
    }

    /// A digit string (even count after left-padding with `0`) as BCD bytes; `nil` on non-digits.
    public static func encode(digits: String, byteCount: Int) -> [UInt8]? {
        let scalars = Array(digits.unicodeScalars)
        guard scalars.count <= byteCount * 2, scalars.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        let padded = [UInt8](repeating: 0, count: byteCount * 2 - scalars.count) + scalars.map { UInt8($0.value - 48) }
        return stride(from: 0, to: padded.count, by: 2).map { padded[$0] << 4 | padded[$0 + 1] }
    }

    /// Card-data nibbles: digits 0–9, `D` separator, `E` masked digit (shown as `*`), `F` padding (dropped)
    /// (ZVT 13.08 §13, BMP 22/23/24).
    public static func cardDigits<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var text = ""
        for byte in bytes {
            for nibble in [byte >> 4, byte & 0x0F] {
                switch nibble {
                case 0...9: text.unicodeScalars.append(Unicode.Scalar(48 + nibble))
                case 0x0D: text.append("=")
                case 0x0E: text.append("*")
                case 0x0F: continue
                default: text.append("?")
                }
            }
        }
        return text
    }
}
