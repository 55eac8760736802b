/// Windows-1252 (the encoding DATEV ASCII files use), written byte by byte.
///
/// Latin-1 characters map to themselves; the 0x80…0x9F block holds €, „, “, ”, –, — and
/// friends; anything else becomes `?` (DATEV cannot carry it). Control characters become spaces.
enum Windows1252 {
    private static let high: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
        0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91,
        0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98,
        0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]

    static func byte(for scalar: Unicode.Scalar) -> UInt8 {
        let value = scalar.value
        if value < 0x20 || value == 0x7F { return 0x20 }
        if value < 0x80 || (value >= 0xA0 && value <= 0xFF) { return UInt8(value) }
        return high[value] ?? UInt8(ascii: "?")
    }

    static func append(_ text: String, to out: inout [UInt8]) {
        var ascii = true
        for byte in text.utf8 where byte >= 0x80 || byte < 0x20 || byte == 0x7F {
            ascii = false
            break
        }
        if ascii {
            out.append(contentsOf: text.utf8)
        } else {
            for scalar in text.unicodeScalars { out.append(byte(for: scalar)) }
        }
    }

    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out)
        return out
    }
}
