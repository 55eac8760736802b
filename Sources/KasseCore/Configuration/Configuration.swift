import Foundation

/// The office's settings: read from a config file (format in `docs/webkasse.conf.example`),
/// then overridden by environment variables, then by command-line flags.
public struct Configuration: Sendable, Equatable {
    // [office]
    public var officeName = "Bürgeramt"
    public var officeAddress = ""
    /// Steuernummer and USt-IdNr. of the municipality, for the DSFinV-K (docs/dsfinvk.md); empty if not set.
    public var taxNumber = ""
    public var vatID = ""
    /// The zone that defines the business day (Tagesdatum) of a booking.
    public var timeZone = BusinessCalendar.defaultTimeZoneIdentifier
    // [register]
    public var registerID = "K1"
    /// Catalogue file or directory; empty = default (see ``CatalogLocation``).
    public var catalogPath = ""
    /// A shell command that gets each receipt's text on standard input, e.g. `lp -d bon`; empty = none.
    public var printerCommand = ""
    /// The screen locks after this many minutes without a key (0 = never).
    public var idleLockMinutes = 5
    /// A Unix group that may read and write the data directory (0770/0660); empty = owner only (0700/0600).
    public var fileGroup = ""
    /// A regular expression every reference (Kassenzeichen) typed or scanned at the counter must
    /// match as a whole; empty = any (``SaleReferenceRule``).
    public var referencePattern = ""
    /// How the office writes its references, shown when one does not match (e.g. `KZ-2026-000123`).
    public var referenceExample = ""
    // [terminal]
    /// The EC terminal: `HOST:PORT`, `serial:DEVICE[?baud=N]` or `framed:HOST:PORT`; empty = start the simulated terminal.
    public var terminalAddress = ""
    /// Password, character set, config byte, TLV, timers … (``TerminalSettings``).
    public var terminal = TerminalSettings()
    // [printer], [display]
    /// The receipt printer and its cash drawer (``PrinterSettings``).
    public var printer = PrinterSettings()
    /// The customer display (``DisplaySettings``).
    public var display = DisplaySettings()
    // [fiscal]
    /// The TSE and the tax office's notification (``FiscalSettings``); `tse = none` by default.
    public var fiscal = FiscalSettings()
    // [thresholds]
    /// A day-close difference above this amount needs a supervisor's approval.
    public var dayCloseDifferenceApproval = Money(cents: 500)
    /// `[thresholds] change_confirmation`: change above this is asked about once before a cash
    /// sale is booked (a mistyped 5000 for 50); zero never asks.
    public var changeConfirmation = Money(cents: 20000)
    /// After this many wrong PINs an operator is locked.
    public var maximumPINAttempts = 5
    /// How long a locked operator stays locked.
    public var lockoutMinutes = 15
    // [accounts] — where the payment side of bookings goes (each town sets its own numbers).
    public var cashAccount = "181000"
    public var cardAccount = "182100"
    public var chequeAccount = "182200"
    /// Cash handed to the Stadtkasse (Geldtransit).
    public var transferAccount = "189000"
    public var shortfallAccount = "549100"
    public var surplusAccount = "459100"
    // [central] — the office's central PostgreSQL database (docs/central.md); empty = none.
    /// `postgresql://user@host:port/db` (libpq URI, `sslmode` as a query parameter).
    public var centralURL = ""
    /// A file holding the password (must be 0600); empty = `WEBKASSE_CENTRAL_PASSWORD` or `PGPASSWORD`.
    public var centralPasswordFile = ""
    /// The Umsatzsteuer account per rate (VAT postings of the exports, docs/exports.md) and the
    /// DATEV BU-Schlüssel per rate (empty: none). Examples, to be set from the town's chart.
    public var vatAccounts: [VATRateKey: String] = [.normal: "376110", .reduced1: "376120"]
    public var datevTaxKeys: [VATRateKey: String] = [:]

    public init() {}

    /// The environment variables that override file settings; each key of ``TerminalSettings``
    /// as `WEBKASSE_TERMINAL_<KEY>` (e.g. `WEBKASSE_TERMINAL_CHARSET`).
    public static let environmentKeys: [String: String] = [
        "WEBKASSE_REGISTER": "register.id",
        "WEBKASSE_CATALOG": "register.catalog",
        "WEBKASSE_PRINTER": "register.printer_command",
        "WEBKASSE_TERMINAL": "terminal.address",
        "WEBKASSE_TIME_ZONE": "office.time_zone",
        "WEBKASSE_CENTRAL_URL": "central.url",
    ].merging(TerminalSettings.Key.allCases.map { ("WEBKASSE_TERMINAL_" + $0.rawValue.uppercased(), "terminal." + $0.rawValue) }) { first, _ in first }
        .merging(PrinterSettings.Key.allCases.map { ("WEBKASSE_PRINTER_" + $0.rawValue.uppercased(), "printer." + $0.rawValue) }) { first, _ in first }
        .merging(DisplaySettings.Key.allCases.map { ("WEBKASSE_DISPLAY_" + $0.rawValue.uppercased(), "display." + $0.rawValue) }) { first, _ in first }
        .merging(FiscalSettings.Key.allCases.map { ("WEBKASSE_FISCAL_" + $0.rawValue.uppercased(), "fiscal." + $0.rawValue) }) { first, _ in first }

    /// Reads `path` (if given and present) and applies `environment` on top.
    /// Throws ``ConfigurationError`` naming file, line and key.
    ///
    /// `centralCopy`: where a counter with `[central]` keeps the centre's `[office]` and
    /// `[accounts]` (docs/central.md, "Dienststelle und Konten aus der Zentrale"), given the
    /// settings read so far; what that copy sets wins over the file, the environment over both.
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment, centralCopy: (Configuration) -> String? = { _ in nil }
    ) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        if let path { try configuration.apply(text: try readText(path, missing: "Konfigurationsdatei nicht gefunden oder nicht lesbar."), file: path) }
        try configuration.applyEnvironment(environment)
        if !configuration.centralURL.isEmpty, let copy = centralCopy(configuration), FileManager.default.fileExists(atPath: copy) {
            try configuration.apply(text: try readText(copy, missing: "Die Kopie der Zentrale ist nicht lesbar."), file: copy, sections: centralSections)
            try configuration.applyEnvironment(environment)
        }
        return configuration
    }

    /// The sections the centre sets for every counter (`webkasse central settings publish`).
    public static let centralSections = ["office", "accounts"]

    /// Checks `text` as the centre's `[office]` and `[accounts]` (nothing else); the settings it
    /// gives, applied to the defaults.
    public static func checkCentral(text: String, file: String) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        try configuration.apply(text: text, file: file, sections: centralSections)
        return configuration
    }

    private static func readText(_ path: String, missing: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError(file: path, line: 0, reason: missing) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: 0, reason: "Die Datei ist nicht in UTF-8 kodiert.")
        }
        return text
    }

    private mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        for (variable, key) in Self.environmentKeys.sorted(by: { $0.key < $1.key }) {
            if let value = environment[variable] {
                try set(key, value, file: "Umgebungsvariable \(variable)", line: 0)
            }
        }
    }

    /// Applies the `[section]` / `key = value` lines of `text`; a section outside `sections` is refused.
    public mutating func apply(text: String, file: String, sections: [String] = Configuration.sections) throws(ConfigurationError) {
        var section = ""
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = number + 1
            var content = Substring(raw)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw ConfigurationError(file: file, line: line, reason: "Abschnitt ohne »]«.") }
                section = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard sections.contains(section) else {
                    throw ConfigurationError(
                        file: file, line: line,
                        reason: (Self.sections.contains(section) ? "Abschnitt [\(section)] ist hier nicht erlaubt" : "Unbekannter Abschnitt [\(section)]")
                            + " (erlaubt: \(sections.map { "[\($0)]" }.joined(separator: ", "))).")
                }
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError(file: file, line: line, reason: "Erwartet wird »Schlüssel = Wert«.")
            }
            guard !section.isEmpty else { throw ConfigurationError(file: file, line: line, reason: "Einstellung vor dem ersten Abschnitt (z. B. [office]).") }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            try set("\(section).\(key)", value, file: file, line: line)
        }
    }

    public static let sections = ["office", "register", "terminal", "printer", "display", "fiscal", "thresholds", "accounts", "central"]

    /// Sets one `section.key`.
    public mutating func set(_ key: String, _ value: String, file: String, line: Int) throws(ConfigurationError) {
        func fail(_ reason: String) -> ConfigurationError { ConfigurationError(file: file, line: line, reason: "\(key): \(reason)") }
        func integer(_ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard let n = Int(value), range.contains(n) else { throw fail("»\(value)« ist keine ganze Zahl von \(range.lowerBound) bis \(range.upperBound).") }
            return n
        }
        func account() throws(ConfigurationError) -> String {
            guard !value.isEmpty, value.count <= 9, value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw fail("»\(value)« ist keine Kontonummer (1 bis 9 Ziffern).")
            }
            return value
        }
        switch key {
        case "office.name": officeName = value
        case "office.address": officeAddress = value
        case "office.tax_number": taxNumber = value
        case "office.vat_id": vatID = value
        case "office.time_zone":
            guard TimeZone(identifier: value) != nil else { throw fail("Unbekannte Zeitzone »\(value)« (z. B. Europe/Berlin).") }
            timeZone = value
        case "register.id":
            guard !value.isEmpty, value.count <= 16, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw fail("»\(value)« ist keine gültige Kassen-ID (1–16 Zeichen A–Z, 0–9, - und _).")
            }
            registerID = value
        case "register.catalog": catalogPath = value
        case "register.printer_command": printerCommand = value
        case "register.idle_lock_minutes": idleLockMinutes = try integer(0...240)
        case "register.file_group":
            guard value.count <= 32, value.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw fail("»\(value)« ist kein Gruppenname (a–z, 0–9, _ und -).")
            }
            fileGroup = value
        case "register.reference_pattern":
            guard SaleReferenceRule.isValidPattern(value) else { throw fail("»\(value)« ist kein gültiger regulärer Ausdruck.") }
            referencePattern = value
        case "register.reference_example": referenceExample = value
        case "terminal.address":
            // The rest of `serial:…` and `framed:…` is checked by ZVT's address parser where the
            // terminal is built and by `webkasse config check` (docs/zvt.md, "Addresses").
            if !value.isEmpty, !value.hasPrefix("serial:"), !value.hasPrefix("framed:") {
                guard let colon = value.lastIndex(of: ":"), !value[..<colon].isEmpty, let port = Int(value[value.index(after: colon)...]),
                    (1...65535).contains(port)
                else {
                    throw fail("»\(value)« ist keine Adresse der Form HOST:PORT (z. B. 192.168.1.50:20007), serial:GERÄT[?baud=9600] oder framed:HOST:PORT.")
                }
            }
            terminalAddress = value
        case "thresholds.day_close_difference_approval":
            do { dayCloseDifferenceApproval = try Money.parse(value) } catch { throw fail(error.description) }
        case "thresholds.change_confirmation":
            do { changeConfirmation = try Money.parse(value) } catch { throw fail(error.description) }
        case "thresholds.max_pin_attempts": maximumPINAttempts = try integer(1...20)
        case "thresholds.lockout_minutes": lockoutMinutes = try integer(1...1440)
        case "accounts.cash": cashAccount = try account()
        case "accounts.card": cardAccount = try account()
        case "accounts.cheque": chequeAccount = try account()
        case "accounts.transfer": transferAccount = try account()
        case "accounts.shortfall": shortfallAccount = try account()
        case "accounts.surplus": surplusAccount = try account()
        case "central.url":
            guard value.isEmpty || value.hasPrefix("postgresql://") || value.hasPrefix("postgres://") || value.contains("=") else {
                throw fail("»\(value)« ist keine PostgreSQL-Adresse (z. B. postgresql://kasse@zentrale.example:5432/webkasse?sslmode=verify-full).")
            }
            guard !Self.urlHasPassword(value) else {
                throw fail("Das Passwort gehört nicht in die Adresse, sondern in central.password_file oder WEBKASSE_CENTRAL_PASSWORD.")
            }
            centralURL = value
        case "central.password_file": centralPasswordFile = value
        case "accounts.vat_normal": vatAccounts[.normal] = try account()
        case "accounts.vat_reduced_1": vatAccounts[.reduced1] = try account()
        case "accounts.datev_bu_normal", "accounts.datev_bu_reduced_1":
            guard value.isEmpty || (value.count <= 4 && value.allSatisfy({ $0.isASCII && $0.isNumber })) else {
                throw fail("»\(value)« ist kein BU-Schlüssel (1 bis 4 Ziffern, leer: keiner).")
            }
            datevTaxKeys[key == "accounts.datev_bu_normal" ? .normal : .reduced1] = value.isEmpty ? nil : value
        default:
            if key.hasPrefix("printer.") {
                guard let setting = PrinterSettings.Key(rawValue: String(key.dropFirst("printer.".count))) else {
                    throw ConfigurationError(file: file, line: line, reason: "Unbekannte Einstellung »\(key)«.")
                }
                do { try printer.set(setting, value) } catch { throw fail(error.reason) }
                return
            }
            if key.hasPrefix("fiscal.") {
                guard let setting = FiscalSettings.Key(rawValue: String(key.dropFirst("fiscal.".count))) else {
                    throw ConfigurationError(file: file, line: line, reason: "Unbekannte Einstellung »\(key)«.")
                }
                do { try fiscal.set(setting, value) } catch { throw fail(error.reason) }
                return
            }
            if key.hasPrefix("display.") {
                guard let setting = DisplaySettings.Key(rawValue: String(key.dropFirst("display.".count))) else {
                    throw ConfigurationError(file: file, line: line, reason: "Unbekannte Einstellung »\(key)«.")
                }
                do { try display.set(setting, value) } catch { throw fail(error.reason) }
                return
            }
            guard key.hasPrefix("terminal."), let setting = TerminalSettings.Key(rawValue: String(key.dropFirst("terminal.".count))) else {
                throw ConfigurationError(file: file, line: line, reason: "Unbekannte Einstellung »\(key)«.")
            }
            do { try terminal.set(setting, value) } catch { throw fail(error.reason) }
        }
    }

    /// Whether a `postgresql://user:password@…` URL carries a password.
    static func urlHasPassword(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return url.contains("password=") }
        let rest = url[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return false }
        return rest[..<at].contains(":")
    }

    /// The office's time zone (valid: checked when set).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? BusinessCalendar.defaultTimeZone }
}

/// A config problem, naming file and line.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String
    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}

/// Where the config file is found.
public enum ConfigurationLocation {
    /// `explicit` (`--config`), else `$WEBKASSE_CONFIG`, else `<data dir>/webkasse.conf` if it
    /// exists, else none (defaults and environment only).
    public static func resolve(explicit: String?, dataDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["WEBKASSE_CONFIG"], !fromEnvironment.isEmpty { return fromEnvironment }
        let data = dataDirectory ?? environment["WEBKASSE_DATA"] ?? defaultDataDirectory(environment: environment)
        let candidate = (data as NSString).appendingPathComponent("webkasse.conf")
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    /// `$XDG_DATA_HOME/webkasse`, else `~/.local/share/webkasse`.
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/webkasse" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/webkasse"
    }
}
