import Foundation
import KasseCore

/// What a Status Enquiry (ZVT 05 01, §2.56) says of the terminal: its status byte (ZVT 13.08 §11)
/// in German, and what to do about it.
public struct TerminalStatusReport: Equatable, Sendable {
    /// The terminal status byte of the `06 0F`: `00` ready, `F0` End-of-Day required, ….
    public let code: UInt8
    /// "Terminal bereit", "Kassenschnitt erforderlich", ….
    public let text: String
    /// What to do, when the table names something.
    public let remedy: String?
    public let softwareVersion: String?

    public init(code: UInt8, text: String, remedy: String? = nil, softwareVersion: String? = nil) {
        self.code = code
        self.text = text
        self.remedy = remedy
        self.softwareVersion = softwareVersion
    }

    /// Whether a payment can start: status `00`, or `DC` (a card is already inserted: the terminal
    /// takes it for the payment; ZVT 13.08 §11 "PT ready").
    public var allowsPayment: Bool { code == 0x00 || code == 0xDC }

    /// `F0`: the terminal wants its End-of-Day (Kassenschnitt) first.
    public var needsEndOfDay: Bool { code == 0xF0 }
}

/// How a Status Enquiry is asked.
public enum StatusEnquiryMode: Sendable {
    /// The idle poll: only when no other command runs (answers `nil` then), normal timers.
    case idlePoll
    /// The check before a payment: waits for a running poll, short timers.
    case beforePayment
    /// Asked by the supervisor in the terminal menu: waits, normal timers.
    case onRequest
}

/// A terminal that can say how it is (ZVT 05 01). Separate from ``CardTerminal`` so that a
/// terminal without it still pays; the counter then polls nothing and checks nothing first.
public protocol TerminalStatusQuery: CardTerminal {
    /// Status Enquiry 05 01 (ZVT 13.08 §2.56). `nil` only in ``StatusEnquiryMode/idlePoll`` while
    /// another command runs. Throws ``CardTerminalError/unreachable(_:)`` when the terminal does
    /// not answer, ``CardTerminalError/failed(_:)`` when it refuses.
    func statusEnquiry(_ mode: StatusEnquiryMode) throws(CardTerminalError) -> TerminalStatusReport?
}

/// The answer of a terminal function of the menu: a result sentence and the lines to show
/// (receipt lines, diagnosis slip).
public struct TerminalCommandReport: Equatable, Sendable {
    public let succeeded: Bool
    /// The terminal's result in German ("Diagnose erfolgreich", "Funktion nicht möglich").
    public let text: String
    /// The receipt lines the terminal sent with it (`06 D1`/`06 D3`), if any.
    public let lines: [String]

    public init(succeeded: Bool, text: String, lines: [String] = []) {
        self.succeeded = succeeded
        self.text = text
        self.lines = lines
    }
}

/// The supervisor's terminal functions (docs/ui.md, "Terminal-Menü"): besides the status and the
/// End-of-Day, Diagnosis (06 70, §2.17), Repeat Receipt (06 20, §2.20) and Registration (06 00, §2.1).
public protocol TerminalMaintenance: TerminalStatusQuery, EndOfDayTerminal {
    /// Diagnosis 06 70 (ZVT 13.08 §2.17): the terminal checks its host connection and configuration.
    func diagnosis() throws(CardTerminalError) -> TerminalCommandReport
    /// Repeat Receipt 06 20 (ZVT 13.08 §2.20): the terminal sends (or prints) its last receipt again.
    func repeatReceipt() throws(CardTerminalError) -> TerminalCommandReport
    /// Registration 06 00 (ZVT 13.08 §2.1) again, e.g. after the terminal was restarted or configured.
    func registerAgain() throws(CardTerminalError) -> TerminalCommandReport
    /// Where the terminal is (`HOST:PORT`) and how it is registered, for the menu's head.
    var connectionDescription: String { get }
}
