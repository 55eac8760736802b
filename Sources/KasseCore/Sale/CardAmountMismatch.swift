/// A card payment or reversal whose amount the terminal approved is not the amount the counter
/// asked for (BMP 04 of the terminal's `04 0F`, ZVT 13.08 §3.1.1). The booking keeps what the
/// counter asked for — the sale's payments cover its total — and the terminal's amount beside it;
/// the difference is for the supervisor to clear (docs/ledger.md "Card payments").
public struct CardAmountMismatch: Equatable, Sendable, CustomStringConvertible {
    /// The counter's receipt number of the sale, or of the storno for a reversal.
    public let receiptNumber: Int64
    public let isReversal: Bool
    /// What the counter asked the terminal for (the payment's or refund's amount).
    public let requested: Money
    /// What the terminal says it approved or reversed.
    public let approved: Money

    public init(receiptNumber: Int64, isReversal: Bool, requested: Money, approved: Money) {
        self.receiptNumber = receiptNumber
        self.isReversal = isReversal
        self.requested = requested
        self.approved = approved
    }

    /// The mismatch of a card payment or refund of `amount` with the terminal's `card` data, if any.
    public init?(receiptNumber: Int64, isReversal: Bool, amount: Money, card: CardDetails?) {
        guard let approved = card?.approvedAmount, approved != amount else { return nil }
        self.init(receiptNumber: receiptNumber, isReversal: isReversal, requested: amount, approved: approved)
    }

    /// `Kartenzahlung Beleg 12: Terminal genehmigte 37,00 € statt 37,50 € – bitte prüfen`.
    public var description: String {
        isReversal
            ? "Kartenstorno Beleg \(receiptNumber): Terminal stornierte \(approved.formatted) statt \(requested.formatted) – bitte prüfen"
            : "Kartenzahlung Beleg \(receiptNumber): Terminal genehmigte \(approved.formatted) statt \(requested.formatted) – bitte prüfen"
    }

    /// The clerk's notice after a booking with `mismatches`: booked, the supervisor is to check; nil without any.
    public static func notice(_ mismatches: [CardAmountMismatch]) -> String? {
        guard !mismatches.isEmpty else { return nil }
        return "Gebucht. " + mismatches.map(\.description).joined(separator: "; ") + " (Kassenaufsicht informieren)."
    }
}
