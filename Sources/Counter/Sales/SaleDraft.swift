import Foundation
import KasseCore
import Ledger

/// The sale as it will be booked, kept with a pending card payment so that recovery can book it.
struct SaleDraft: Codable, Equatable {
    let saleId: String
    let operatorId: String
    let shiftId: String
    let startedAt: Instant
    let reference: String?
    let lines: [SaleLine]
    /// Payments other than the card part (the cash part of a split payment).
    let payments: [PaymentRecord]
    /// The trace of the terminal's last transaction before the payment was asked, if known.
    var previousTrace: String? = nil
    /// The catalogue version the lines were priced with; absent from drafts written before.
    var catalogVersion: String? = nil

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> SaleDraft {
        try JSONDecoder().decode(SaleDraft.self, from: Data(text.utf8))
    }
}
