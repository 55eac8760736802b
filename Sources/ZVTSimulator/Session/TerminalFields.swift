import Foundation
import ZVT

/// Builders for the BMP fields the terminal sends (ZVT 13.08 §3.1.1, §13), on top of the codec's
/// ``BMPField``. Values that do not fit trap: they come from the simulator itself, never from input.
enum TerminalFields {
    static func bcd(_ number: UInt8, _ value: Int64, bytes: Int) -> BMPField {
        BMPField(number, BCD.encode(value, byteCount: bytes)!)
    }

    static func amount(_ cents: Int64) -> BMPField { bcd(0x04, cents, bytes: 6) }
    static func trace(_ trace: Int) -> BMPField { bcd(0x0B, Int64(trace), bytes: 3) }
    static func originalTrace(_ trace: Int) -> BMPField { bcd(0x37, Int64(trace), bytes: 3) }
    static func receipt(_ receipt: Int) -> BMPField { bcd(0x87, Int64(receipt), bytes: 2) }
    static func currency(_ code: Int) -> BMPField { bcd(0x49, Int64(code), bytes: 2) }
    static func result(_ code: UInt8) -> BMPField { BMPField(0x27, [code]) }
    static func terminalID(_ digits: String) -> BMPField { BMPField(0x29, BCD.encode(digits: digits, byteCount: 4)!) }

    /// BMP 0C time HHMMSS and BMP 0D date MMDD.
    static func timeAndDate(_ stamp: Timestamp) -> [BMPField] {
        [
            bcd(0x0C, Int64(stamp.hour * 10_000 + stamp.minute * 100 + stamp.second), bytes: 3),
            bcd(0x0D, Int64(stamp.month * 100 + stamp.day), bytes: 2),
        ]
    }

    /// BMP 22: PAN with `E` for masked digits and `F` padding (§13).
    static func maskedPAN(_ pan: String) -> BMPField {
        var nibbles: [UInt8] = pan.unicodeScalars.map { $0 == "*" ? 0x0E : UInt8($0.value - 48) }
        if nibbles.count % 2 == 1 { nibbles.append(0x0F) }
        let bytes = stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
        return BMPField(0x22, bytes)
    }

    /// The card fields of an approved Status-Information: 0E, 17, 19, 22 (in §3.1.1 order, before
    /// 29); BMP 22 with the full (made-up) card number when `fullCardNumber`.
    static func cardFields(_ card: SimulatedCard, fullCardNumber: Bool = false) -> [BMPField] {
        [
            BMPField(0x0E, BCD.encode(digits: card.expiry, byteCount: 2)!),
            bcd(0x17, Int64(card.sequenceNumber), bytes: 2),
            BMPField(0x19, [0x70]),
            maskedPAN(fullCardNumber ? card.testCardNumber : card.maskedPAN),
        ]
    }

    /// BMP 3B: 8 ASCII bytes, NUL-padded.
    static func approvalCode(_ code: String) -> BMPField {
        BMPField(0x3B, Array(code.utf8.prefix(8)) + [UInt8](repeating: 0, count: max(0, 8 - code.utf8.count)))
    }

    /// BMP 2A: 15 ASCII bytes, space-padded.
    static func vuNumber(_ text: String) -> BMPField {
        BMPField(0x2A, Array(text.utf8.prefix(15)) + [UInt8](repeating: 0x20, count: max(0, 15 - text.utf8.count)))
    }

    /// BMP 8B: card name, NUL-terminated; the LLVAR length includes the NUL (ZVT 13.08 §15).
    static func cardName(_ name: String) -> BMPField { BMPField(0x8B, Array(name.utf8) + [0]) }

    /// BMP 3C: additional text (CP437, or the profile's character set).
    static func additionalText(_ text: String, charset: ZVTCharacterSet) -> BMPField { BMPField(0x3C, charset.encode(text)) }

    /// BMP 60: the 53-byte individual totals (§3.1.3).
    /// `layout` ``IndividualTotalsLayout/short`` leaves off the groups after the last one with
    /// payments, ``IndividualTotalsLayout/long`` adds an empty eighth.
    static func individualTotals(_ totals: BatchTotals, layout: IndividualTotalsLayout = .standard) -> BMPField {
        var value = BCD.encode(Int64(totals.firstReceipt ?? 0), byteCount: 2)! + BCD.encode(Int64(totals.lastReceipt ?? 0), byteCount: 2)!
        let groups: Int
        switch layout {
        case .standard: groups = 7
        case .short: groups = max(1, (totals.counts.lastIndex { $0 > 0 } ?? 0) + 1)
        case .long: groups = 8
        }
        for slot in 0..<groups {
            value.append(UInt8(min(slot < 7 ? totals.counts[slot] : 0, 255)))
            value += BCD.encode(slot < 7 ? totals.amounts[slot] : 0, byteCount: 6)!
        }
        return BMPField(0x60, value)
    }
}

/// A calendar moment in the terminal's time zone.
struct Timestamp: Sendable {
    let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// `2026-11-27T01:02:03Z` (UTC) for the journal.
    let iso: String

    init(_ date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        year = c.year ?? 2000
        month = c.month ?? 1
        day = c.day ?? 1
        hour = c.hour ?? 0
        minute = c.minute ?? 0
        second = c.second ?? 0
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let u = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        iso = "\(u.year ?? 2000)-\(format2(u.month ?? 1))-\(format2(u.day ?? 1))T\(format2(u.hour ?? 0)):\(format2(u.minute ?? 0)):\(format2(u.second ?? 0))Z"
    }

    /// `27.11.26 01:02:03` for receipts.
    var receiptText: String {
        "\(format2(day)).\(format2(month)).\(format2(year % 100)) \(format2(hour)):\(format2(minute)):\(format2(second))"
    }
}

/// Receipt texts the terminal prints (German, encoded in the profile's character set when sent).
enum ReceiptText {
    static let width = 24

    static func line(_ left: String, _ right: String) -> String {
        let gap = max(1, width - left.count - right.count)
        return left + String(repeating: " ", count: gap) + right
    }

    static func centered(_ text: String) -> String {
        let pad = max(0, (width - text.count) / 2)
        return String(repeating: " ", count: pad) + text
    }

    /// Print attributes (ZVT 13.08 §3.5, Table 16).
    static let centredAttribute: UInt8 = 0x40
    static let doubleHeightAttribute: UInt8 = 0x10

    /// A plain line.
    static func plain(_ text: String) -> PrintedLine { PrintedLine(attribute: 0x00, text: text) }
    /// A centred line (attribute `40`).
    static func centred(_ text: String) -> PrintedLine { PrintedLine(attribute: centredAttribute, text: text) }

    /// `lines` laid out as `layout` says: with ``ReceiptLayout/plain`` every attribute is `00`,
    /// a centred line centred with spaces instead.
    static func laidOut(_ lines: [PrintedLine], _ layout: ReceiptLayout) -> [PrintedLine] {
        guard layout == .plain else { return lines }
        return lines.map { plain($0.attribute == centredAttribute ? centered($0.text) : $0.text) }
    }

    static func euros(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        let rest = value % 100
        return "\(sign)\(value / 100),\(rest < 10 ? "0" : "")\(rest) EUR"
    }

    /// Lines of a payment / reversal / refund receipt, with the card number `cardNumber` as
    /// printed (the masked one, or the full one for a profile that sends it).
    static func transaction(
        title: String, copy: String, terminalID: String, stamp: Timestamp, trace: Int?, receipt: Int?,
        card: SimulatedCard?, cardNumber: String?, amountCents: Int64, resultLine: String
    ) -> [PrintedLine] {
        var lines = [centred(title), centred(copy), plain(""), plain(line("Terminal-ID", terminalID)), plain(stamp.receiptText)]
        if let trace { lines.append(plain(line("Trace-Nr.", String(trace)))) }
        if let receipt { lines.append(plain(line("Beleg-Nr.", format4(receipt)))) }
        if let card {
            lines.append(plain(card.name))
            lines.append(plain(cardNumber ?? card.maskedPAN))
            lines.append(plain(line("gültig bis", String(card.expiry.suffix(2)) + "/" + String(card.expiry.prefix(2)))))
            lines.append(plain(line("Genehmigung", card.approvalCode)))
        }
        lines.append(PrintedLine(attribute: doubleHeightAttribute, text: line("Betrag", euros(amountCents))))
        lines.append(plain(""))
        lines.append(centred(resultLine))
        return lines
    }
}
