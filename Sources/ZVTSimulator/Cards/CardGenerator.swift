/// The simulated card a customer presents: scheme, masked PAN, expiry and so on.
///
/// The card keeps only its masked PAN (first six and last four digits), in the simulator's journal
/// too. A profile that sends full card numbers (``VendorProfile/sendsFullCardNumber``) sends
/// ``testCardNumber``, a made-up number derived from it.
public struct SimulatedCard: Sendable, Equatable, Codable {
    /// ZVT card-type ID (BMP 8A, ZVT 13.08 §12): 5 girocard, 6 Mastercard, 8 Amex, 10 Visa, 13 V PAY.
    public let cardType: UInt8
    /// Card name as sent in BMP 8B, e.g. "girocard".
    public let name: String
    /// `672559******1234` style: first six, `*` for masked digits, last four.
    public let maskedPAN: String
    /// Expiry `YYMM`.
    public let expiry: String
    /// Card sequence number (BMP 17).
    public let sequenceNumber: Int
    /// Authorisation attribute / approval code (BMP 3B), 6 digits.
    public let approvalCode: String

    /// The masked PAN with its masked digits filled in, one of them chosen so that the Luhn check
    /// holds: a number that looks like a real card's, for the terminals that send the full number.
    public var testCardNumber: String {
        let scalars = Array(maskedPAN.unicodeScalars)
        var digits = scalars.enumerated().map { index, scalar in scalar == "*" ? index % 10 : Int(scalar.value) - 48 }
        guard let adjustable = scalars.lastIndex(of: "*") else { return maskedPAN }
        func luhnHolds() -> Bool {
            var sum = 0
            for (position, digit) in digits.reversed().enumerated() {
                let value = position % 2 == 1 ? digit * 2 : digit
                sum += value > 9 ? value - 9 : value
            }
            return sum % 10 == 0
        }
        for candidate in 0...9 {
            digits[adjustable] = candidate
            if luhnHolds() { break }
        }
        return digits.map(String.init).joined()
    }

    /// The slot in End-of-Day BMP 60 (ZVT 13.08 §3.1.3): 0 girocard, 1 JCB,
    /// 2 Eurocard/Mastercard, 3 Amex, 4 VISA, 5 Diners, 6 remaining cards.
    public var totalsSlot: Int {
        switch cardType {
        case 5: return 0
        case 14: return 1
        case 6: return 2
        case 8: return 3
        case 10: return 4
        case 12: return 5
        default: return 6
        }
    }
}

/// Deterministic card data: the same seed and trace number always give the same card.
///
/// SplitMix64 over `seed` and the trace number, so a restarted simulator with the same seed
/// produces the same cards for the same traces regardless of what happened in between.
public struct CardGenerator: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    private struct Scheme {
        let cardType: UInt8
        let name: String
        let prefix: String
        let length: Int
        let weight: UInt64
    }

    private static let schemes: [Scheme] = [
        Scheme(cardType: 5, name: "girocard", prefix: "672559", length: 19, weight: 50),
        Scheme(cardType: 6, name: "Mastercard", prefix: "552089", length: 16, weight: 20),
        Scheme(cardType: 10, name: "VISA", prefix: "417666", length: 16, weight: 20),
        Scheme(cardType: 8, name: "American Express", prefix: "374245", length: 15, weight: 5),
        Scheme(cardType: 13, name: "V PAY", prefix: "482217", length: 16, weight: 5),
    ]

    /// The card for the transaction with `trace`.
    public func card(forTrace trace: Int) -> SimulatedCard {
        var state = seed ^ (UInt64(truncatingIfNeeded: trace) &* 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let totalWeight = Self.schemes.reduce(0) { $0 + $1.weight }
        var pick = next() % totalWeight
        var scheme = Self.schemes[0]
        for candidate in Self.schemes {
            if pick < candidate.weight {
                scheme = candidate
                break
            }
            pick -= candidate.weight
        }
        let last4 = String(format4(Int(next() % 10000)))
        let masked = scheme.prefix + String(repeating: "*", count: scheme.length - 10) + last4
        let year = 27 + Int(next() % 5)
        let month = 1 + Int(next() % 12)
        let expiry = format2(year) + format2(month)
        let approval = format2(Int(next() % 100)) + format4(Int(next() % 10000))
        return SimulatedCard(
            cardType: scheme.cardType, name: scheme.name, maskedPAN: masked, expiry: expiry,
            sequenceNumber: Int(next() % 3), approvalCode: approval)
    }
}

func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
func format4(_ value: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
}
