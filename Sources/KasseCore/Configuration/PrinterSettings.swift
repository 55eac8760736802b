import Foundation

/// The receipt printer and the cash drawer of the `[printer]` section, and the customer display
/// of `[display]` (docs/printer.md, "Configuration"). KasseCore knows nothing of ESC/POS: the
/// counter turns these values into the encoder's and the devices' settings.
public struct PrinterSettings: Sendable, Equatable {
    /// The keys of `[printer]` (`printer.<key>`, environment `WEBKASSE_PRINTER_<KEY>`).
    public enum Key: String, CaseIterable, Sendable {
        case device, codepage, width, cut, drawer
        case drawerPulseMs = "drawer_pulse_ms"
    }

    /// Where the receipts go.
    public enum Device: Sendable, Equatable {
        /// No `[printer]` device: receipts only as files (and `register.printer_command`).
        case none
        /// `tcp://HOST:PORT` (raw port, 9100 unless given).
        case tcp(host: String, port: Int)
        /// Any device file, e.g. `/dev/usb/lp0` (opened read-write for the status replies).
        case deviceFile(String)
        /// `file:PATH`: the ESC/POS bytes are appended to a file (tests, a spool for later).
        case file(String)
        /// `command:CMD`: the receipt's text on the command's standard input, as
        /// `register.printer_command` does (e.g. `command:lp -d bon`); no status, no drawer.
        case command(String)

        /// Parses a `device =` value; nil when it has none of the forms.
        public init?(parsing value: String) {
            if value.isEmpty {
                self = .none
            } else if value.hasPrefix("tcp://") {
                let rest = value.dropFirst("tcp://".count)
                if let colon = rest.lastIndex(of: ":") {
                    guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port), !rest[..<colon].isEmpty else { return nil }
                    self = .tcp(host: String(rest[..<colon]), port: port)
                } else {
                    guard !rest.isEmpty, !rest.contains("/") else { return nil }
                    self = .tcp(host: String(rest), port: 9100)
                }
            } else if value.hasPrefix("file:") {
                let path = String(value.dropFirst("file:".count))
                guard !path.isEmpty else { return nil }
                self = .file(path)
            } else if value.hasPrefix("command:") {
                let command = String(value.dropFirst("command:".count)).trimmingCharacters(in: .whitespaces)
                guard !command.isEmpty else { return nil }
                self = .command(command)
            } else if value.hasPrefix("/") {
                self = .deviceFile(value)
            } else {
                return nil
            }
        }

        /// As the config file writes it.
        public var text: String {
            switch self {
            case .none: "(kein Drucker; nur Belegdateien)"
            case .tcp(let host, let port): "tcp://\(host):\(port)"
            case .deviceFile(let path): path
            case .file(let path): "file:\(path)"
            case .command(let command): "command:\(command)"
            }
        }
    }

    /// The printer's character table (`ESC t n`).
    public enum CodePage: String, CaseIterable, Sendable {
        case cp858, cp1252
        case iso885915 = "iso-8859-15"
    }

    public enum Cut: String, CaseIterable, Sendable { case partial, full, none }

    /// The drawer's pin on the printer's drawer port (`ESC p m`: pin 2 = 0, pin 5 = 1).
    public enum Drawer: String, CaseIterable, Sendable { case pin2, pin5, none }

    public var device = Device.none
    public var codePage = CodePage.cp858
    /// Characters per line in the normal font: 42 (80 mm paper, font A on a TM-T20) or 48.
    public var width = 42
    public var cut = Cut.partial
    public var drawer = Drawer.pin2
    /// The drawer pulse: on time, off time in milliseconds (50,500 is `ESC p 0 19 FA`).
    public var drawerOnMs = 50
    public var drawerOffMs = 500

    public init() {}

    public struct ValueError: Error, Equatable {
        public let reason: String
    }

    /// Sets `key` from its text; either the whole value is taken or nothing changes.
    public mutating func set(_ key: Key, _ value: String) throws(ValueError) {
        func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type, _ what: String) throws(ValueError) -> Choice where Choice.RawValue == String {
            guard let chosen = Choice(rawValue: value.lowercased()) else {
                throw ValueError(reason: "»\(value)« ist \(what) (erlaubt: \(Choice.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            return chosen
        }
        switch key {
        case .device:
            guard let parsed = Device(parsing: value) else {
                throw ValueError(
                    reason: "»\(value)« ist kein Druckeranschluss (tcp://HOST[:9100], ein Gerät wie /dev/usb/lp0, file:PFAD oder command:BEFEHL).")
            }
            device = parsed
        case .codepage: codePage = try choice(CodePage.self, "keine unterstützte Codepage")
        case .width:
            guard let n = Int(value), n == 42 || n == 48 else { throw ValueError(reason: "»\(value)« ist keine Zeilenbreite (erlaubt: 42, 48).") }
            width = n
        case .cut: cut = try choice(Cut.self, "keine Schnittart")
        case .drawer: drawer = try choice(Drawer.self, "kein Schubladenanschluss")
        case .drawerPulseMs:
            let parts = value.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let on = parts[0], let off = parts[1], (2...510).contains(on), (2...510).contains(off) else {
                throw ValueError(reason: "»\(value)« sind keine zwei Pulszeiten in ms von 2 bis 510 (Einschalt-, Ausschaltzeit, z. B. 50,500).")
            }
            drawerOnMs = on
            drawerOffMs = off
        }
    }

    /// `key`'s value as the config file writes it, for `webkasse config check`.
    public func text(_ key: Key) -> String {
        switch key {
        case .device: device.text
        case .codepage: codePage.rawValue
        case .width: String(width)
        case .cut: cut.rawValue
        case .drawer: drawer.rawValue
        case .drawerPulseMs: "\(drawerOnMs),\(drawerOffMs)"
        }
    }
}

/// The customer display of `[display]`: 2 × 20 characters on a serial or USB line.
public struct DisplaySettings: Sendable, Equatable {
    public enum Key: String, CaseIterable, Sendable { case device, codepage, greeting }

    /// The display's line: `/dev/ttyUSB0[?baud=9600]`; empty = no display.
    public var device = ""
    public var baudRate = 9600
    public var codePage = PrinterSettings.CodePage.cp858
    /// The idle text (first row; the office's name is the second).
    public var greeting = "Willkommen"

    public init() {}

    public mutating func set(_ key: Key, _ value: String) throws(PrinterSettings.ValueError) {
        switch key {
        case .device:
            if value.isEmpty {
                device = ""
                return
            }
            let parts = value.split(separator: "?", maxSplits: 1)
            guard value.hasPrefix("/"), let path = parts.first else {
                throw PrinterSettings.ValueError(reason: "»\(value)« ist kein Anschluss (ein Gerät wie /dev/ttyUSB0, optional ?baud=9600).")
            }
            var baud = 9600
            if parts.count == 2 {
                guard parts[1].hasPrefix("baud="), let n = Int(parts[1].dropFirst(5)), [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].contains(n) else {
                    throw PrinterSettings.ValueError(reason: "»\(parts[1])« ist keine Übertragungsrate (baud=1200 … 115200).")
                }
                baud = n
            }
            device = String(path)
            baudRate = baud
        case .codepage:
            guard let page = PrinterSettings.CodePage(rawValue: value.lowercased()) else {
                throw PrinterSettings.ValueError(
                    reason:
                        "»\(value)« ist keine unterstützte Codepage (erlaubt: \(PrinterSettings.CodePage.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            codePage = page
        case .greeting: greeting = value
        }
    }

    public func text(_ key: Key) -> String {
        switch key {
        case .device: device.isEmpty ? "(keine Kundenanzeige)" : "\(device)?baud=\(baudRate)"
        case .codepage: codePage.rawValue
        case .greeting: greeting
        }
    }
}
