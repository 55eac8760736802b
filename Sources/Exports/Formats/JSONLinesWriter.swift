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
        out.appendLiteral("{\"sequence\":")
        out.appendDecimal(line.sequence)
        out.appendLiteral(",\"kind\":")
        out.appendJSONString(line.kind.rawValue)
        out.appendLiteral(",\"businessDate\":\"")
        out.appendISO(line.businessDate)
        out.appendLiteral("\",\"register\":")
        out.appendJSONString(line.register)
        out.appendLiteral(",\"zNumber\":")
        if let z = line.zNumber { out.appendDecimal(z) } else { out.appendLiteral("null") }
        out.appendLiteral(line.isProvisional ? ",\"provisional\":true,\"receiptNumber\":" : ",\"provisional\":false,\"receiptNumber\":")
        out.appendJSONString(line.receiptNumber)
        out.appendLiteral(",\"saleId\":")
        out.appendJSONString(line.saleID)
        out.appendLiteral(",\"line\":")
        out.appendDecimal(line.lineNumber)
        out.appendLiteral(",\"share\":")
        out.appendDecimal(line.shareNumber)
        out.appendLiteral(",\"itemCode\":")
        out.appendJSONString(line.itemCode)
        out.appendLiteral(",\"text\":")
        out.appendJSONString(line.text)
        out.appendLiteral(",\"account\":")
        out.appendJSONString(line.account)
        out.appendLiteral(",\"product\":")
        out.appendJSONString(line.product)
        out.appendLiteral(",\"costCenter\":")
        out.appendJSONString(line.costCenter)
        out.appendLiteral(",\"cashReference\":")
        out.appendJSONString(line.cashReference)
        out.appendLiteral(",\"amountCents\":")
        out.appendDecimal(line.amount.cents)
        out.appendLiteral(",\"amount\":\"")
        out.appendMoney(line.amount.cents, separator: UInt8(ascii: "."))
        out.appendLiteral("\",\"currency\":\"EUR\",\"paymentMethod\":")
        out.appendJSONString(line.paymentMethod.rawValue)
        out.appendLiteral(",\"paymentAccount\":")
        out.appendJSONString(line.paymentAccount)
        out.appendLiteral(",\"debitAccount\":")
        out.appendJSONString(line.debitAccount)
        out.appendLiteral(",\"creditAccount\":")
        out.appendJSONString(line.creditAccount)
        out.appendLiteral(line.passThrough ? ",\"passThrough\":true,\"stornoReference\":" : ",\"passThrough\":false,\"stornoReference\":")
        out.appendJSONString(line.stornoReference)
        out.appendLiteral(",\"operator\":")
        out.appendJSONString(line.operatorName)
        out.appendLiteral(",\"approver\":")
        out.appendJSONString(line.approverName)
        if let tax = line.tax {
            // Only for taxable and exempt lines, so a fee's record is what it always was.
            out.appendLiteral(",\"taxTreatment\":")
            out.appendJSONString(tax.treatment.code)
            if let key = tax.rateKey {
                out.appendLiteral(",\"vatRate\":")
                out.appendJSONString(key.rawValue)
                out.appendLiteral(",\"vatRateBasisPoints\":")
                out.appendDecimal(Int(tax.rateBasisPoints))
            }
            out.appendLiteral(",\"taxPart\":")
            out.appendJSONString(line.taxPart.rawValue)
        }
        out.appendLiteral("}\n")
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
