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
