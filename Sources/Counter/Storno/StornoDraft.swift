import Foundation
import KasseCore
import Ledger

/// A storno whose card part is being reversed on the terminal, kept with its pending record.
struct StornoDraft: Codable, Equatable {
    let stornoId: String
    let saleId: String
    let operatorId: String
    let approvedBy: String?
    let reason: String
    /// The refunds other than the card reversal.
    let refunds: [StornoRefund]
    let terminalReceiptNumber: String?
    /// The trace of the terminal's last transaction before the reversal was asked, if known.
    var previousTrace: String? = nil

    private struct Envelope: Codable { let reversal: StornoDraft }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Envelope(reversal: self)), as: UTF8.self)
    }

    /// The draft, if `text` is a reversal draft (sale drafts have no `reversal` key).
    static func decode(_ text: String) -> StornoDraft? {
        try? JSONDecoder().decode(Envelope.self, from: Data(text.utf8)).reversal
    }
}
