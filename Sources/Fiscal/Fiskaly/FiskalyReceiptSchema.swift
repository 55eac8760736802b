import Foundation

/// The `schema` of a fiskaly SIGN DE v2 transaction body (docs/fiscal.md, "fiskaly SIGN DE"):
/// a sale (`Kassenbeleg-V1`) goes as `standard_v1` receipt with the amounts per VAT rate and per
/// payment type, from which fiskaly builds the `Beleg^…` process data it signs; every other
/// process type goes as `raw` with the process type and the Base64 of the process data.
///
/// Pure: process data in, JSON-ready dictionary out.
public enum FiskalyReceiptSchema {
    /// The DSFinV-K's five VAT fields of `Beleg^a_b_c_d_e^…` (DSFinV-K § 1.7.1) in their order,
    /// as fiskaly's `vat_rate` names them.
    public static let vatRates = ["NORMAL", "REDUCED_1", "SPECIAL_RATE_1", "SPECIAL_RATE_2", "NULL"]

    /// One amount of a receipt: a fiskaly name (`NORMAL`, `CASH` …) and the decimal as written.
    public struct Amount: Equatable, Sendable {
        public var name: String
        public var amount: String
        public var currencyCode: String?
    }

    /// A sale's process data, split into what `standard_v1` carries.
    public struct Receipt: Equatable, Sendable {
        public var amountsPerVATRate: [Amount]
        public var amountsPerPaymentType: [Amount]
    }

    /// The `schema` object for `processType` and `processData`.
    public static func schema(processType: String, processData: [UInt8]) throws(TSEError) -> [String: Any] {
        guard processType == TSEProcessType.receipt.rawValue else {
            return ["raw": ["process_type": processType, "process_data": Data(processData).base64EncodedString()]]
        }
        let receipt = try parseReceipt(String(decoding: processData, as: UTF8.self))
        return [
            "standard_v1": [
                "receipt": [
                    "receipt_type": "RECEIPT",
                    "amounts_per_vat_rate": receipt.amountsPerVATRate.map { ["vat_rate": $0.name, "amount": $0.amount] },
                    "amounts_per_payment_type": receipt.amountsPerPaymentType.map { payment -> [String: String] in
                        var entry = ["payment_type": payment.name, "amount": payment.amount]
                        if let code = payment.currencyCode { entry["currency_code"] = code }
                        return entry
                    },
                ]
            ]
        ]
    }

    /// Splits `Beleg^<19%>_<7%>_<10,7%>_<5,5%>_<0%>^<amount>:<Bar|Unbar>[:<currency>][_…]`
    /// (DSFinV-K § 1.7.1). VAT fields that are zero are left out, as fiskaly fills them in.
    public static func parseReceipt(_ text: String) throws(TSEError) -> Receipt {
        let parts = text.split(separator: "^", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "Beleg" else {
            throw .refused("Prozessdaten »\(text)« sind kein Kassenbeleg-V1 (erwartet Beleg^…^…)")
        }
        let vatFields = parts[1].split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        guard vatFields.count == vatRates.count else {
            throw .refused("Prozessdaten »\(text)«: \(vatFields.count) statt \(vatRates.count) Steuerbeträge")
        }
        var perRate: [Amount] = []
        for (rate, amount) in zip(vatRates, vatFields) {
            guard isDecimal(amount) else { throw .refused("Prozessdaten »\(text)«: Betrag »\(amount)« ist keine Zahl mit zwei Nachkommastellen") }
            if !isZero(amount) { perRate.append(Amount(name: rate, amount: amount)) }
        }
        var perPayment: [Amount] = []
        for payment in parts[2].split(separator: "_") {
            let fields = payment.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2 || fields.count == 3, isDecimal(fields[0]) else {
                throw .refused("Prozessdaten »\(text)«: Zahlung »\(payment)« ist nicht Betrag:Zahlart")
            }
            let type: String
            switch fields[1] {
            case "Bar": type = "CASH"
            case "Unbar": type = "NON_CASH"
            default: throw .refused("Prozessdaten »\(text)«: Zahlart »\(fields[1])« ist weder Bar noch Unbar")
            }
            perPayment.append(Amount(name: type, amount: fields[0], currencyCode: fields.count == 3 ? fields[2] : nil))
        }
        return Receipt(amountsPerVATRate: perRate, amountsPerPaymentType: perPayment)
    }

    /// `-?digits.dd`: a dot decimal with two places and no grouping (DSFinV-K § 1.7.1).
    private static func isDecimal(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let halves = digits.split(separator: ".", omittingEmptySubsequences: false)
        return halves.count == 2 && !halves[0].isEmpty && halves[1].count == 2
            && halves.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    private static func isZero(_ text: String) -> Bool { text.allSatisfy { $0 == "0" || $0 == "." || $0 == "-" } }
}
