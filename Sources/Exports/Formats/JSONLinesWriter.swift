import KasseCore

/// JSON Lines: one object per booking, keys in a fixed order, UTF-8, LF line ends.
///
/// Amounts appear twice: `amountCents` (signed integer, the exact value) and `amount` (a decimal
/// string); `debitAccount`/`creditAccount` spell out the posting. `zNumber` is `null` and
/// `provisional` is `true` for bookings of days still open.
public struct JSONLinesWriter: BookingWriter {
    let context: ExportContext

    public init(context: ExportContext) { self.context = context }

    public mutating func begin(into out: inout [UInt8]) throws {}

    public mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        var text = "{\"sequence\":\(line.sequence),\"kind\":\(json(line.kind.rawValue)),\"businessDate\":\(json(line.businessDate.iso))"
        text += ",\"register\":\(json(line.register)),\"zNumber\":\(line.zNumber.map(String.init) ?? "null")"
        text += ",\"provisional\":\(line.isProvisional),\"receiptNumber\":\(json(line.receiptNumber)),\"saleId\":\(json(line.saleID))"
        text += ",\"line\":\(line.lineNumber),\"share\":\(line.shareNumber),\"itemCode\":\(json(line.itemCode)),\"text\":\(json(line.text))"
        text += ",\"account\":\(json(line.account)),\"product\":\(json(line.product)),\"costCenter\":\(json(line.costCenter))"
        text += ",\"cashReference\":\(json(line.cashReference)),\"amountCents\":\(line.amount.cents)"
        text += ",\"amount\":\(json(MoneyFormat.plain(line.amount))),\"currency\":\"EUR\""
        text += ",\"paymentMethod\":\(json(line.paymentMethod.rawValue)),\"paymentAccount\":\(json(line.paymentAccount))"
        text += ",\"debitAccount\":\(json(line.debitAccount)),\"creditAccount\":\(json(line.creditAccount))"
        text += ",\"passThrough\":\(line.passThrough),\"stornoReference\":\(json(line.stornoReference))"
        text += ",\"operator\":\(json(line.operatorName))}\n"
        out.append(contentsOf: text.utf8)
    }

    public mutating func finish(into out: inout [UInt8]) throws {}
}

/// A JSON string literal (RFC 8259 escapes; non-ASCII left as UTF-8).
func json(_ text: String) -> String {
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        return "\"" + text + "\""
    }
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
