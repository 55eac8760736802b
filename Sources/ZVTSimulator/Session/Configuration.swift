import Foundation
import ZVT

/// Timers of the simulated terminal, in milliseconds. Tests shrink them; delays are off by default.
public struct SimulatorTiming: Sendable, Equatable {
    /// T3: how long the terminal waits for the register's acknowledgement of each of its
    /// messages, and how long the pieces of one APDU may take (PA00P016 §5.2.5).
    public var t3Ms = 5_000
    /// T4 of the register (used only to size the slow faults).
    public var t4Ms = 180_000
    /// A pause before each message of the terminal (card reading, PIN entry, host). 0 = off.
    public var stepDelayMs = 0
    /// How long the terminal waits for a card in the `clerk-abort` outcome before it gives up with 6C.
    public var cardWaitMs = 30_000
    /// How long the PIN pad waits in the `pin-timeout` outcome before it gives up with 6C.
    public var pinTimeoutMs = 0
    /// How long the customer takes to enter the PIN again after the host reported it wrong
    /// (`pin-retry-status`), between `04 FF 01` "PIN erneut eingeben" and the host. 0 = at once.
    public var pinRetryMs = 0
    /// Pause before repeating a `04 0F` the register answered with `84 9C 00` (§2.2.6: 2 s).
    public var goodsRetryMs = 2_000
    /// T1, T2 and the repeats on a serial line (PA00P016 §3.4, §3.5).
    public var serialLink = SerialLink.Timing()

    public init() {}

    /// Short timers for tests: T3 `t3Ms`, T4 `t4Ms`, card wait 2 s, goods retry 10 ms, serial T2 1 s.
    public static func fast(t3Ms: Int = 500, t4Ms: Int = 1_200) -> SimulatorTiming {
        var timing = SimulatorTiming()
        timing.t3Ms = t3Ms
        timing.t4Ms = t4Ms
        timing.cardWaitMs = 2_000
        timing.goodsRetryMs = 10
        timing.serialLink.acknowledgementMs = 1_000
        return timing
    }
}

/// How much the simulator tells about its work (on the log sink, by default standard error).
public enum SimulatorLogLevel: Int, Sendable, Comparable {
    case quiet, transactions, apdus
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// How registers reach the simulated terminal.
public enum SimulatorLine: Sendable, Equatable {
    /// ZVT over TCP/IP on ``SimulatorConfiguration/listen``: bare APDUs (PA00P016 §4).
    case tcp
    /// The serial transport protocol (§3) on ``SimulatorConfiguration/listen``, as a LAN-serial
    /// converter passes it through (the register's `framed:HOST:PORT`).
    case framedTCP
    /// The serial transport protocol on a new pseudo-terminal pair; the register opens its slave
    /// side (``TerminalSimulator/serialDevicePath``) as `serial:PATH`.
    case pseudoTerminal
    /// The serial transport protocol on an existing serial device.
    case device(path: String, baudRate: Int)
}

/// Everything that configures one simulator instance.
public struct SimulatorConfiguration: Sendable {
    /// How registers reach the terminal: TCP (default), framed TCP, a pseudo-terminal or a serial device.
    public var line = SimulatorLine.tcp
    /// Where registers connect (port 0 = any free port, see ``TerminalSimulator/address``); not used on a serial line.
    public var listen = SocketAddress(host: "127.0.0.1", port: 20007)
    /// The control port (text commands), `nil` = none.
    public var control: SocketAddress? = nil
    /// The journal file, `nil` = in memory only.
    public var journalPath: String? = nil
    /// `fsync` the journal after every line.
    public var syncJournal = false
    /// Seed of the card-data generator.
    public var seed: UInt64 = 0
    /// Terminal ID (BMP 29), 8 digits.
    public var terminalID = "52999001"
    /// The merchant password (6 digits) commands must carry (ZVT 13.08 §1.2); `nil` accepts any.
    public var password: String? = nil
    /// The only currency the terminal accepts (ISO 4217 numeric; 978 = EUR).
    public var currencyCode = 978
    /// What the terminal does when the register does not accept a host-approved result (docs/zvt-field-notes.md, inconsistency 1):
    /// `true` = reverse it (spec §2.2.8, the default); `false` = keep it booked (§4.2 reading).
    public var autoReversal = true
    public var timing = SimulatorTiming()
    /// The text of the `banner` fault (written on connect).
    public var bannerText = "ZVT-SIM v1 ready\r\n"
    /// Software version reported in the Status Enquiry Completion.
    public var softwareVersion = "webkasse-zvt-sim 1.0"
    public var logLevel = SimulatorLogLevel.quiet
    /// Where log lines go (default: standard error).
    public var log: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    /// The clock for dates and times in messages and journal (tests pin it).
    public var now: @Sendable () -> Date = { Date() }
    /// Time zone of the dates and times the terminal prints.
    public var timeZone = TimeZone.current

    public init() {}
}
