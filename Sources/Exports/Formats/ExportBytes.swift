import KasseCore

/// Appending export fields straight into the writer's byte buffer, without building a `String`
/// per field or per line (exports write millions of lines).
///
/// Each escaping function has a byte-level fast path for the ordinary text and otherwise falls
/// back to the `String` function that defines the format (``quoted(_:)``, ``clip(_:_:)``,
/// ``json(_:)``, ``oneLine(_:)``, ``JournalWriter/accountPart(_:)``), so the bytes are the same.
extension Array where Element == UInt8 {
    @inline(__always) mutating func appendLiteral(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    @inline(__always) mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// The decimal digits of `value` (a leading `-` when negative), left-padded with zeros to `width` digits.
    mutating func appendDecimal(_ value: Int64, width: Int = 1) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDigits(value < 0 ? UInt64(bitPattern: 0 &- value) : UInt64(value), width: width)
    }

    @inline(__always) mutating func appendDecimal(_ value: Int, width: Int = 1) { appendDecimal(Int64(value), width: width) }

    mutating func appendDigits(_ magnitude: UInt64, width: Int) {
        var count = 1
        var rest = magnitude / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        count = Swift.max(count, width)
        let start = self.count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        withUnsafeMutableBufferPointer { buffer in
            var index = start + count - 1
            var value = magnitude
            repeat {
                buffer[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
                value /= 10
                index -= 1
            } while value > 0
        }
    }

    /// ``MoneyFormat/plain(_:decimalSeparator:)``: `-1234.56` (or with a decimal comma).
    mutating func appendMoney(_ cents: Int64, separator: UInt8) {
        let negative = cents < 0
        let magnitude = negative ? UInt64(bitPattern: 0 &- cents) : UInt64(cents)
        if negative { append(UInt8(ascii: "-")) }
        appendDigits(magnitude / 100, width: 1)
        append(separator)
        appendDigits(magnitude % 100, width: 2)
    }

    /// `DD.MM.YYYY` (``BusinessDate/german``).
    mutating func appendGerman(_ date: BookingDate) {
        appendDigits(UInt64(date.day), width: 2)
        append(UInt8(ascii: "."))
        appendDigits(UInt64(date.month), width: 2)
        append(UInt8(ascii: "."))
        appendDigits(UInt64(date.year), width: 1)
    }

    /// `YYYY-MM-DD` (``BusinessDate/iso``).
    mutating func appendISO(_ date: BookingDate) {
        appendDigits(UInt64(date.year), width: 4)
        append(UInt8(ascii: "-"))
        appendDigits(UInt64(date.month), width: 2)
        append(UInt8(ascii: "-"))
        appendDigits(UInt64(date.day), width: 2)
    }

    /// A CSV field: as is, or ``quoted(_:)`` when it holds `;`, `"` or a line break.
    mutating func appendCSVField(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var needsQuotes = false
            for byte in bytes where byte == UInt8(ascii: ";") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
                needsQuotes = true
                break
            }
            guard needsQuotes else { return append(contentsOf: bytes) }
            append(UInt8(ascii: "\""))
            for byte in bytes {
                append(byte)
                if byte == UInt8(ascii: "\"") { append(byte) }
            }
            append(UInt8(ascii: "\""))
        }
    }

    /// ``json(_:)``: a JSON string literal. Escaping works on bytes: every byte of a multi-byte
    /// UTF-8 sequence is ≥ 0x80 and passes unchanged, as the scalars they encode do.
    mutating func appendJSONString(_ text: String) {
        var text = text
        append(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            var plain = true
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                plain = false
                break
            }
            guard !plain else { return append(contentsOf: bytes) }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): appendLiteral("\\\"")
                case UInt8(ascii: "\\"): appendLiteral("\\\\")
                case 10: appendLiteral("\\n")
                case 13: appendLiteral("\\r")
                case 9: appendLiteral("\\t")
                case 0..<0x20:
                    appendLiteral("\\u00")
                    append(Self.hexDigit(byte >> 4))
                    append(Self.hexDigit(byte & 15))
                default: append(byte)
                }
            }
        }
        append(UInt8(ascii: "\""))
    }

    @inline(__always) static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 48 + value : 87 + value }

    /// ``oneLine(_:)``: as is unless the text holds a line break, a tab or `;` (then the `String` rule).
    mutating func appendOneLine(_ text: String) {
        if Self.isOneLine(text) { appendUTF8(text) } else { appendUTF8(oneLine(text)) }
    }

    /// No control character, no `;`, no U+0085 (C2 85), U+2028 or U+2029 (E2 80 A8/A9): the
    /// characters ``oneLine(_:)`` and ``JournalWriter/accountPart(_:)`` replace are absent.
    static func isOneLine(_ text: String, spaceAllowed: Bool = true) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x20 || byte == UInt8(ascii: ";") || (!spaceAllowed && byte == 0x20) { return false }
                if byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0x85 { return false }
                if byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9) {
                    return false
                }
                index += 1
            }
            return true
        }
    }

    /// `"text"` in Windows-1252, clipped to `limit` characters first: `quoted(clip(text, limit))`
    /// through ``Windows1252/append(_:to:)``; `Int.max` = not clipped (nor normalised): `quoted(text)`.
    mutating func appendWindows1252Quoted(_ text: String, clippedTo limit: Int) {
        var text = text
        let plainASCII = text.withUTF8 { bytes in
            bytes.count <= limit && !bytes.contains { $0 >= 0x80 || $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") }
        }
        append(UInt8(ascii: "\""))
        if plainASCII {
            text.withUTF8 { append(contentsOf: $0) }
        } else if let scalarCount = Self.plainScalarCount(text) {
            var left = text.utf8.count <= limit || scalarCount <= limit ? scalarCount : limit
            for scalar in text.unicodeScalars {
                guard left > 0 else { break }
                let byte = Windows1252.byte(for: scalar)
                append(byte)
                if byte == UInt8(ascii: "\"") { append(byte) }
                left -= 1
            }
        } else {
            removeLast()
            Windows1252.append(quoted(limit == Int.max ? text : clip(text, limit)), to: &self)
            return
        }
        append(UInt8(ascii: "\""))
    }

    /// The number of characters of `text` when each Unicode scalar is one character and
    /// canonical composition (NFC) leaves the text as it is; `nil` otherwise (then ``clip(_:_:)``
    /// decides). Holds for scalars below U+0300 (no combining marks yet) other than CR (CR LF is
    /// one character), and for the punctuation U+2010…U+205E and currency signs U+20A0…U+20BF,
    /// none of which decomposes, composes or extends a character.
    static func plainScalarCount(_ text: String) -> Int? {
        var count = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            guard (v < 0x300 && v != 13) || (0x2010...0x205E).contains(v) || (0x20A0...0x20BF).contains(v) else { return nil }
            count += 1
        }
        return count
    }
}
