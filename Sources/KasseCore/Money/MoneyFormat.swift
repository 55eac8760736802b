/// The one place that turns ``Money`` into text.
public enum MoneyFormat {
    /// `1.234,56 €` — dot as thousands separator, comma as decimal separator,
    /// a non-breaking-free plain space before `€`, a leading `-` for negatives.
    public static func german(_ money: Money, withSymbol: Bool = true) -> String {
        let negative = money.cents < 0
        // Int64.min has no positive counterpart: work in UInt64.
        var magnitude = negative ? UInt64(bitPattern: 0 &- money.cents) : UInt64(money.cents)
        // Written from the right into a small buffer (reports and screens format thousands of
        // amounts): ` €`, two cent digits, `,`, the euros in groups of three, the sign.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            var at = buffer.count
            func put(_ byte: UInt8) {
                at -= 1
                buffer[at] = byte
            }
            if withSymbol { for byte in [0xAC, 0x82, 0xE2, 0x20] as [UInt8] { put(byte) } }  // " €" backwards
            put(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
            put(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
            put(UInt8(ascii: ","))
            var digits = 0
            repeat {
                if digits > 0, digits % 3 == 0 { put(UInt8(ascii: ".")) }
                put(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
                digits += 1
            } while magnitude > 0
            if negative { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeMutableBufferPointer(rebasing: buffer[at...]), as: UTF8.self)
        }
    }

    /// Plain machine format with a decimal point and two decimals: `1234.56`, `-0.50`.
    public static func plain(_ money: Money, decimalSeparator: Character = ".") -> String {
        let negative = money.cents < 0
        let magnitude = negative ? UInt64(bitPattern: 0 &- money.cents) : UInt64(money.cents)
        let cents = magnitude % 100
        return (negative ? "-" : "") + String(magnitude / 100) + String(decimalSeparator) + (cents < 10 ? "0\(cents)" : "\(cents)")
    }
}
