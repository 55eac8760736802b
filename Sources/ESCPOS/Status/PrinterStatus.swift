/// The printer's state as its real-time status replies tell it (`DLE EOT n`), asked before each
/// print job (docs/printer.md, "Status").
///
/// Each reply is one byte of the form `0xx1xx10` (FISCAL-DEVICES-CENTRAL-NOTES §2, "Status
/// replies"; Epson ESC/POS reference, `DLE EOT`):
/// - `DLE EOT 1` (printer status): bit 3 = offline;
/// - `DLE EOT 2` (offline cause): bit 2 = cover open, bit 5 = stopped at paper end, bit 6 = error;
/// - `DLE EOT 4` (roll paper sensor): bits 2–3 = paper near end, bits 5–6 = paper end
///   (0x12 OK, 0x1E near end, 0x72 no paper).
public struct PrinterStatus: Sendable, Equatable, Hashable {
    public var offline = false
    public var coverOpen = false
    public var paperOut = false
    public var paperNearEnd = false
    /// A mechanical, cutter or unrecoverable error (DLE EOT 2 bit 6).
    public var error = false

    public init(offline: Bool = false, coverOpen: Bool = false, paperOut: Bool = false, paperNearEnd: Bool = false, error: Bool = false) {
        self.offline = offline
        self.coverOpen = coverOpen
        self.paperOut = paperOut
        self.paperNearEnd = paperNearEnd
        self.error = error
    }

    public static let ready = PrinterStatus()

    /// Whether a receipt can be printed now (near end still prints).
    public var canPrint: Bool { !offline && !coverOpen && !paperOut && !error }

    /// The three queries, in the order they are sent: `10 04 01`, `10 04 02`, `10 04 04`.
    public static let queries: [[UInt8]] = [[0x10, 0x04, 0x01], [0x10, 0x04, 0x02], [0x10, 0x04, 0x04]]

    /// Whether `byte` has the fixed bits of a status reply (`0xx1xx10`).
    public static func isReply(_ byte: UInt8) -> Bool { byte & 0x93 == 0x12 }

    /// A status byte that is not a reply to `DLE EOT` (e.g. a stray byte from the line).
    public struct InvalidReply: Error, Equatable, CustomStringConvertible {
        public let byte: UInt8
        public var description: String {
            "Der Drucker antwortete auf die Statusabfrage mit 0x\(String(byte, radix: 16, uppercase: true)) statt mit einem Statusbyte (0xx1xx10)."
        }
    }

    /// The status from the replies to ``queries`` (printer, offline cause, paper sensor).
    public static func decode(printer: UInt8, offlineCause: UInt8, paper: UInt8) throws(InvalidReply) -> PrinterStatus {
        for byte in [printer, offlineCause, paper] where !isReply(byte) { throw InvalidReply(byte: byte) }
        return PrinterStatus(
            offline: printer & 0x08 != 0, coverOpen: offlineCause & 0x04 != 0,
            paperOut: paper & 0x60 != 0 || offlineCause & 0x20 != 0, paperNearEnd: paper & 0x0C != 0,
            error: offlineCause & 0x40 != 0)
    }

    /// The reply a printer in this state gives to `DLE EOT n` (n = 1, 2, 4; nil for others): what
    /// the test stand-in answers.
    public func reply(to n: UInt8) -> UInt8? {
        switch n {
        case 1: return 0x12 | (offline || coverOpen || paperOut || error ? 0x08 : 0)
        case 2: return 0x12 | (coverOpen ? 0x04 : 0) | (paperOut ? 0x20 : 0) | (error ? 0x40 : 0)
        case 4: return 0x12 | (paperNearEnd || paperOut ? 0x0C : 0) | (paperOut ? 0x60 : 0)
        default: return nil
        }
    }

    /// The state in German for the status line, nil when all is well.
    public var problem: String? {
        if coverOpen { return "Deckel offen" }
        if paperOut { return "Papier leer" }
        if error { return "Störung" }
        if offline { return "offline" }
        if paperNearEnd { return "Papier fast leer" }
        return nil
    }
}
