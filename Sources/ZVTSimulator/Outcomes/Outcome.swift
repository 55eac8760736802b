import ZVT

/// What the simulated customer, card and host do in one transaction.
///
/// Chosen per transaction by a control command, a per-connection script, a sticky setting or,
/// by default, the amount's last two digits (``AmountRules``) — like payment providers' test cards.
public enum Outcome: String, CaseIterable, Sendable, Codable {
    /// Host approves (result 00).
    case approve
    /// Host declines with network code 05 "do not honour" (BMP 27 = 05).
    case decline05 = "decline-05"
    /// Host declines with network code 51 "insufficient funds" (BMP 27 = 0x33).
    case decline51 = "decline-51"
    /// Host declines with network code 61 "exceeds withdrawal limit" (BMP 27 = 0x3D).
    case decline61 = "decline-61"
    /// The chip cannot be read (result 64).
    case cardUnreadable = "card-unreadable"
    /// Customer enters a wrong PIN, then the right one; approved (intermediate status 15 "Geheimzahl falsch").
    case pinRetry = "pin-retry"
    /// Wrong PIN reported by the host in a first Status-Information (`04 0F 27 37`), then PIN entry
    /// again and a second `04 0F` with 00 in the same sequence (§2.2.6): the last one counts.
    case pinRetryStatus = "pin-retry-status"
    /// No card is presented; the PT waits until the register sends Abort `06 B0` (or the card
    /// wait runs out) and ends with result 6C.
    case clerkAbort = "clerk-abort"
    /// The customer never finishes PIN entry; the PIN pad times out (result 6C).
    case pinTimeout = "pin-timeout"
    /// The terminal is busy: the command is refused with `84 9C 00`.
    case busy
    /// The host cannot be reached: the command is refused with `84 7D 00` (CCV profile: `84 1E 01 7D`).
    case hostUnreachable = "host-unreachable"
    /// An End-of-Day is overdue: the payment is refused with `06 1E 01 F0` (no Status-Information).
    case endOfDayRequired = "eod-required"

    /// BMP 27 result code for the Status-Information, `nil` where no `04 0F` is sent.
    var resultCode: UInt8? {
        switch self {
        case .approve, .pinRetry, .pinRetryStatus: return 0x00
        case .decline05: return 0x05
        case .decline51: return 0x33
        case .decline61: return 0x3D
        case .cardUnreadable: return 0x64
        case .clerkAbort, .pinTimeout: return 0x6C
        case .busy, .hostUnreachable, .endOfDayRequired: return nil
        }
    }

    /// Additional text (BMP 3C) that a real PT sends with host declines.
    var declineText: String? {
        switch self {
        case .decline05: return "Karte abgelehnt"
        case .decline51: return "Guthaben nicht ausreichend"
        case .decline61: return "Limit überschritten"
        default: return nil
        }
    }
}

/// A deliberate misbehaviour of the simulated terminal, to prove a register copes with it.
public enum Fault: String, CaseIterable, Sendable, Codable {
    /// The `80 00 00` to the command comes later than T3 (after 2 × T3).
    case slowAck = "slow-ack"
    /// The Status-Information comes after half of T4, with no intermediate status in between.
    case slowWithinT4 = "slow-t4"
    /// The Status-Information comes after 1.5 × T4; `04 FF` every T4/2 restart the register's
    /// T4 (needs config bit 08; without it the register's T4 runs out, which is the test).
    case slowExtended = "slow-t4-extended"
    /// The connection is closed after `80 00 00`, before the Status-Information.
    case dropBeforeStatus = "drop-before-status"
    /// The connection is closed right after the register acknowledged the Status-Information
    /// (the payment stands, no receipts, no Completion).
    case dropAfterStatus = "drop-after-status"
    /// Approved, the register acknowledged the Status-Information and the merchant receipt, then the
    /// connection is closed before the customer receipt and the Completion. The terminal misses
    /// acknowledgements it needs (§2.2.8) and reverses (`autoReversed`; `booked` with auto-reversal
    /// off). With no receipts via the register it is closed before the Completion and the payment stands.
    case dropDuringReceipts = "drop-during-receipts"
    /// Every APDU of the PT is written one byte at a time.
    case splitBytes = "split-bytes"
    /// The PT's `80 00 00` and its first message go out in one write.
    case mergeWrites = "merge-writes"
    /// Non-ZVT bytes are written when the register connects (a banner).
    case banner
    /// Garbage bytes follow the Completion, before the register's next command.
    case garbage
    /// The command is refused with `84 9A 00` (protocol error) instead of `80 00 00`.
    case nack
    /// After an error Status-Information no Completion follows (CCV A920 behaviour); the PT is idle again.
    case noCompletionAfterError = "no-completion-after-error"
    /// The Status-Information is sent twice (a retransmission), each needing its own acknowledgement.
    case duplicateStatus = "duplicate-status"
    /// Serial line only (PA00P016 §3.2.2, §3.5): the terminal answers the frame of the register's
    /// acknowledgement of the Status-Information with NAK once, as if it arrived damaged; the register repeats it.
    case serialNAK = "serial-nak"
    /// Serial line only (§3.4.2): the terminal takes the register's acknowledgement of the
    /// Status-Information but its ACK is lost; the terminal's next frame shows the register it arrived.
    case serialNoACK = "serial-no-ack"
    /// Serial line only (§3.3, §3.5): the Status-Information goes out once with a wrong CRC; the
    /// register must answer NAK, and the terminal repeats it.
    case serialBadCRC = "serial-bad-crc"
    /// Serial line only (§3.4.2): the frame of the Status-Information is lost once; the terminal
    /// repeats it when T2 passes without ACK.
    case serialLostFrame = "serial-lost-frame"
}

/// One scripted step: an outcome and any number of faults, written `outcome[+fault…]`,
/// e.g. `approve+split-bytes`, or just a fault (`drop-after-status` = approve + that fault).
public struct Scenario: Sendable, Equatable, CustomStringConvertible {
    public var outcome: Outcome
    public var faults: Set<Fault>

    public init(_ outcome: Outcome = .approve, faults: Set<Fault> = []) {
        self.outcome = outcome
        self.faults = faults
    }

    /// Parses `outcome[+fault…]`; throws a German sentence naming the unknown word.
    public init(parsing text: String) throws {
        var outcome: Outcome? = nil
        var faults: Set<Fault> = []
        for word in text.split(separator: "+").map(String.init) {
            if let parsed = Outcome(rawValue: word) {
                guard outcome == nil else { throw ScenarioError.twoOutcomes(text) }
                outcome = parsed
            } else if let fault = Fault(rawValue: word) {
                faults.insert(fault)
            } else {
                throw ScenarioError.unknownWord(word)
            }
        }
        guard outcome != nil || !faults.isEmpty else { throw ScenarioError.unknownWord(text) }
        self.init(outcome ?? (faults.contains(.noCompletionAfterError) ? .decline05 : .approve), faults: faults)
    }

    public var description: String {
        ([outcome.rawValue] + faults.map(\.rawValue).sorted()).joined(separator: "+")
    }
}

/// A scenario text that cannot be parsed.
public enum ScenarioError: Error, CustomStringConvertible, Equatable {
    case unknownWord(String)
    case twoOutcomes(String)

    public var description: String {
        switch self {
        case .unknownWord(let word):
            return "Unbekanntes Ergebnis oder unbekannter Fehler »\(word)«. Möglich sind: "
                + (Outcome.allCases.map(\.rawValue) + Fault.allCases.map(\.rawValue)).joined(separator: ", ") + "."
        case .twoOutcomes(let text):
            return "»\(text)« nennt zwei Ergebnisse; erlaubt ist eines, dazu beliebig viele Fehler."
        }
    }
}

/// The default rules: the amount's cents choose the scenario (documented in docs/zvt-sim.md).
public enum AmountRules {
    /// Cents → scenario; every other amount is approved.
    public static let table: [(cents: Int, scenario: Scenario)] = [
        (13, Scenario(.decline05)),
        (14, Scenario(.decline51)),
        (15, Scenario(.decline61)),
        (21, Scenario(.cardUnreadable)),
        (22, Scenario(.pinRetry)),
        (27, Scenario(.pinRetryStatus)),
        (23, Scenario(.clerkAbort)),
        (24, Scenario(.pinTimeout)),
        (25, Scenario(.busy)),
        (26, Scenario(.endOfDayRequired)),
        (28, Scenario(.hostUnreachable)),
        (51, Scenario(faults: [.slowAck])),
        (52, Scenario(faults: [.slowWithinT4])),
        (53, Scenario(faults: [.slowExtended])),
        (61, Scenario(faults: [.dropBeforeStatus])),
        (62, Scenario(faults: [.dropAfterStatus])),
        (63, Scenario(faults: [.dropDuringReceipts])),
        (71, Scenario(faults: [.splitBytes])),
        (72, Scenario(faults: [.mergeWrites])),
        (73, Scenario(faults: [.garbage])),
        (74, Scenario(faults: [.nack])),
        (75, Scenario(.decline05, faults: [.noCompletionAfterError])),
        (76, Scenario(faults: [.duplicateStatus])),
        (81, Scenario(faults: [.serialNAK])),
        (82, Scenario(faults: [.serialNoACK])),
        (83, Scenario(faults: [.serialBadCRC])),
        (84, Scenario(faults: [.serialLostFrame])),
    ]

    private static let byCents: [Int: Scenario] = Dictionary(uniqueKeysWithValues: table.map { ($0.cents, $0.scenario) })

    /// The scenario for an amount in cents (amounts without cents rule are approved).
    public static func scenario(forAmountCents amount: Int64) -> Scenario {
        byCents[Int(amount % 100)] ?? Scenario()
    }
}

/// Quirks of real terminals seen in the field (docs/zvt-field-notes.md, vendor deviations), switched on for all commands.
/// How the terminal reports the totals of an End-of-Day (ZVT 13.08 §2.16).
public enum EndOfDayReport: String, CaseIterable, Sendable {
    /// One `04 0F` with the total and BMP 60.
    case single
    /// One `04 0F` per card group that has payments (as terminals with several acquirers do), each
    /// with its own total; the register must add them up.
    case perGroup = "per-group"
    /// No `04 0F`: the totals come in the `06 0F`.
    case inCompletion = "in-completion"
}

/// How the terminal answers a Registration `06 00` that carries BMP 06 (TLV), as terminals do
/// that refuse the TLV request (docs/zvt.md, "Terminal settings"); one without BMP 06 is taken.
public enum TLVRegistrationRefusal: String, CaseIterable, Sendable {
    /// Taken, as the spec says (§2.1).
    case off
    /// Refused with `84 83 00` (profile `ccv`: `84 1E 01 83`): the terminal does not start it.
    case on
    /// Taken with `80 00 00`, then ended with `06 1E 01 83` (function not possible).
    case abort
}

/// How the terminal sends its receipt lines as `06 D1` (when the register did not ask for `06 D3`).
public enum PrintLineLayout: String, CaseIterable, Sendable {
    /// `<attribute> <text>` (ZVT 13.08 §3.5).
    case standard
    /// As before ZVT 13.08 (§0 History, 14.08.2013): a TLV container after the text with the
    /// receipt type (1F07) and, with ``PrintCharacterSetTag``, the character set (14). Such a
    /// terminal knows no `06 D3`: it prints with `06 D1` even when the register asked for blocks.
    case pre2013 = "pre-2013"
}

/// Whether the receipt messages name their character set in TLV tag 14 (ZVT 13.08 §3.6,
/// §9.4.2.1) — `06 D3`, and `06 D1` in the pre-2013 layout — and encode their lines in it.
public enum PrintCharacterSetTag: String, CaseIterable, Sendable {
    /// No tag 14: the profile's character set (CP437, Latin-1 for `valina`).
    case off
    /// Tag 14 = 01, lines in ISO 8859-1.
    case latin1
    /// Tag 14 = FE, lines in UTF-8.
    case utf8

    /// The tag 14 value, `nil` for ``off``.
    var tagValue: UInt8? {
        switch self {
        case .off: return nil
        case .latin1: return 0x01
        case .utf8: return 0xFE
        }
    }
}

/// How receipt lines are laid out.
public enum ReceiptLayout: String, CaseIterable, Sendable {
    /// Every line attribute `00`; headings centred with leading spaces.
    case plain
    /// Headings and the result line with attribute `40` (centred), the amount line `10` (double
    /// height) — ZVT 13.08 §3.5, Table 16.
    case attributes
}

/// The layout of BMP 60 in the End-of-Day's totals (ZVT 13.08 §3.1.3).
public enum IndividualTotalsLayout: String, CaseIterable, Sendable {
    /// The receipt range and the seven card groups of §3.1.3 (53 bytes).
    case standard
    /// The card groups after the last one with payments left off (at least one group).
    case short
    /// An eighth group after the seven (count 0, total 0), as terminals with more schemes send.
    case long
}

public enum VendorProfile: String, CaseIterable, Sendable, Codable {
    /// As the spec says.
    case standard
    /// Feig cVEND: receipts close with tag `09 01 FF` instead of `09 01 81`, and BMP 22 carries the
    /// full card number (as in `Tests/ZVTTests/Traces/feig-cvend/1682066249.409078000_pt_ecr.blob`),
    /// which its receipts print too.
    case feig
    /// DCE/Worldline Valina: texts (receipts, display texts, BMP 3C) in ISO 8859-1 without negotiation.
    case valina
    /// CCV: refusals as `84 1E 01 <rc>` (result code in the data) instead of `84 <rc> 00`.
    case ccv
    /// PAX A80: Repeat Receipt is answered with `06 0F 00` only, never with the Status-Information.
    case pax

    /// Whether BMP 22 carries the full card number instead of a masked one.
    var sendsFullCardNumber: Bool { self == .feig }

    /// The character set of texts the terminal sends.
    var charset: ZVTCharacterSet { self == .valina ? .latin1 : .cp437 }
}
