/// Card numbers are masked on the way in, as card slips print them: at most the first six and
/// the last four digits stay visible (PCI DSS requirement 3.4; docs/zvt.md, "Card numbers").
/// Some terminals send the full number in BMP 22 (the Feig trace
/// `Tests/ZVTTests/Traces/feig-cvend/1682066249.409078000_pt_ecr.blob` carries 19 digits); nothing
/// behind the codec's decoders ever sees it.
public enum CardNumberMask {
    /// Digits shown at the start and at the end of a masked number.
    public static let visibleFirst = 6
    public static let visibleLast = 4

    /// BMP 22's value (BCD digits, `E` for a masked digit, `F` padding) with every digit but the
    /// first six and the last four replaced by `E`; a value that shows ten digits or fewer is
    /// returned unchanged.
    public static func maskedBCD(_ value: [UInt8]) -> [UInt8] {
        var nibbles = value.flatMap { [$0 >> 4, $0 & 0x0F] }
        let digitPositions = nibbles.indices.filter { nibbles[$0] <= 9 }
        guard digitPositions.count > visibleFirst + visibleLast else { return value }
        for position in digitPositions[visibleFirst..<(digitPositions.count - visibleLast)] { nibbles[position] = 0x0E }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// Runs of at least this many digits in a text are taken for card numbers.
    public static let textRunMinimum = 12

    /// `text` with every run of twelve or more digits masked: the first six and the last four
    /// stay, the digits between become `*`. A run may be written in groups of four separated by
    /// one space (`6725 5900 0000 0012 34`), as receipts print card numbers. For the print lines of
    /// `06 D1` / `06 D3` (ZVT 13.08 §3.5, §3.6), whose text the terminal composes freely: nothing
    /// there says which digits are a card number, so every run that long is treated as one —
    /// except digits that continue a word (`A0000000041010`, an application id in hex, as the
    /// Feig trace `1680728215.585561000_pt_ecr.blob` prints it).
    public static func maskedText(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        func isDigit(_ index: Int) -> Bool { index < scalars.count && ("0"..."9").contains(scalars[index]) }
        var index = 0
        while index < scalars.count {
            guard isDigit(index) else {
                index += 1
                continue
            }
            let continuesWord = index > 0 && scalars[index - 1].properties.isAlphabetic
            // The run from `index`: digit groups, joined by one space when the group before has four digits.
            var digitPositions: [Int] = []
            var end = index
            var groupLength = 0
            while end < scalars.count {
                if isDigit(end) {
                    digitPositions.append(end)
                    groupLength += 1
                    end += 1
                } else if scalars[end] == " ", groupLength == 4, isDigit(end + 1) {
                    groupLength = 0
                    end += 1
                } else {
                    break
                }
            }
            // A run too short has no part long enough either.
            if digitPositions.count >= textRunMinimum, !continuesWord {
                for position in digitPositions[visibleFirst..<(digitPositions.count - visibleLast)] { scalars[position] = "*" }
            }
            index = end
        }
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars)
        return out
    }

    /// `bytes` (whole APDUs as they were received or sent) with every BMP 22 masked as by
    /// ``maskedBCD(_:)``: a `22` followed by an LLVAR length and that many bytes. For traces, which
    /// are written byte for byte: a `22` that only looks like the field is masked too.
    public static func maskedTrace(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var index = 0
        while index + 2 < out.count {
            guard out[index] == 0x22, let length = LengthPrefix.decode(out[index + 1...index + 2]), index + 3 + length <= out.count else {
                index += 1
                continue
            }
            let start = index + 3
            out.replaceSubrange(start..<start + length, with: maskedBCD(Array(out[start..<start + length])))
            index = start + length
        }
        return out
    }
}
