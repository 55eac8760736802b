import KasseCore

/// The 12 fields of the receipt's QR code for a signed transaction (DSFinV-K Anhang I; the order of
/// fiskaltrust's and fiskaly's `qr_code_data`):
/// `V0;client;processType;processData;tanr;sigz;start;end;alg;logTimeFormat;sigBase64;pubKeyBase64`.
///
/// Built from the TSE's answer exactly as signed (times in ISO 8601 UTC with milliseconds, the
/// process data as signed). The receipt's QR code comes from `QRCodeString.swift` once it is on
/// main; until then this is the one place that joins the fields.
public enum TSEQRCodeFields {
    public static func string(clientId: String, answer: TSELogAnswer) -> String {
        [
            "V0", clientId, answer.processType, String(decoding: answer.processData, as: UTF8.self), String(answer.transactionNumber),
            String(answer.signatureCounter), BusinessCalendar.iso8601UTC(answer.startTime), BusinessCalendar.iso8601UTC(answer.logTime),
            answer.signatureAlgorithm, answer.logTimeFormat, base64(answer.signature), base64(answer.publicKey),
        ].joined(separator: ";")
    }

    /// RFC 4648 Base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[Int(value >> (18 - 6 * UInt32(position)) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
