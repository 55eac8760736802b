import KasseCore
import TestSupport
import XCTest

final class ConfigurationTests: XCTestCase {
    func testExampleFileLoadsAndEnvironmentOverrides() throws {
        let path = packageRoot.appendingPathComponent("docs/webkasse.conf.example").path
        let config = try Configuration.load(path: path, environment: ["WEBKASSE_TERMINAL": "10.0.0.5:20007", "WEBKASSE_REGISTER": "K7"])
        XCTAssertEqual(config.officeName, "Stadt Musterstadt – Bürgeramt")
        XCTAssertEqual(config.printerCommand, "lp -d bon")
        XCTAssertEqual(config.dayCloseDifferenceApproval, Money(cents: 500))
        XCTAssertEqual(config.terminalAddress, "10.0.0.5:20007", "environment overrides the file")
        XCTAssertEqual(config.registerID, "K7")
        XCTAssertEqual(config.catalogPath, "")
    }

    func testErrorsNameFileLineAndKey() {
        func error(_ text: String) -> String {
            var c = Configuration()
            do {
                try c.apply(text: text, file: "k.conf")
                return ""
            } catch { return error.description }
        }
        XCTAssertEqual(error("[office]\nnam = x"), "k.conf:2: Unbekannte Einstellung »office.nam«.")
        XCTAssertEqual(
            error("[terminal]\naddress = 10.0.0.5"),
            "k.conf:2: terminal.address: »10.0.0.5« ist keine Adresse der Form HOST:PORT (z. B. 192.168.1.50:20007), serial:GERÄT[?baud=9600] oder framed:HOST:PORT."
        )
        XCTAssertEqual(error("[terminal]\npassword = 12345"), "k.conf:2: terminal.password: Das Terminal-Passwort hat genau 6 Ziffern.")
        XCTAssertEqual(
            error("[thresholds]\nday_close_difference_approval = 5,001"),
            "k.conf:2: thresholds.day_close_difference_approval: »5,001« hat mehr als zwei Nachkommastellen.")
        XCTAssertEqual(
            error("[kasse]"),
            "k.conf:1: Unbekannter Abschnitt [kasse] (erlaubt: [office], [register], [terminal], [printer], [display], [fiscal], [thresholds], [accounts], [central])."
        )
        XCTAssertEqual(error("name = x"), "k.conf:1: Einstellung vor dem ersten Abschnitt (z. B. [office]).")
        XCTAssertEqual(error("[office]\nname"), "k.conf:2: Erwartet wird »Schlüssel = Wert«.")
        XCTAssertEqual(error("[office]\ntime_zone = Mars/Base"), "k.conf:2: office.time_zone: Unbekannte Zeitzone »Mars/Base« (z. B. Europe/Berlin).")
        XCTAssertEqual(error("[accounts]\ncash = 18A"), "k.conf:2: accounts.cash: »18A« ist keine Kontonummer (1 bis 9 Ziffern).")
        XCTAssertEqual(error("[register]\nidle_lock_minutes = -1"), "k.conf:2: register.idle_lock_minutes: »-1« ist keine ganze Zahl von 0 bis 240.")
        XCTAssertThrowsError(try Configuration.load(path: "/nonexistent/k.conf")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/k.conf: Konfigurationsdatei nicht gefunden oder nicht lesbar.")
        }
        XCTAssertThrowsError(try Configuration.load(path: nil, environment: ["WEBKASSE_REGISTER": "K 1"])) { error in
            XCTAssertEqual("\(error)", "Umgebungsvariable WEBKASSE_REGISTER: register.id: »K 1« ist keine gültige Kassen-ID (1–16 Zeichen A–Z, 0–9, - und _).")
        }
    }
}

/// The `[terminal]` settings besides the address (docs/zvt.md, "Terminal settings").
final class TerminalSettingsTests: XCTestCase {
    private func parse(_ text: String, environment: [String: String] = [:]) throws -> TerminalSettings {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("terminal-\(UUID().uuidString).conf")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Configuration.load(path: url.path, environment: environment).terminal
    }

    private func error(_ text: String) -> String {
        var configuration = Configuration()
        do {
            try configuration.apply(text: text, file: "k.conf")
            return ""
        } catch { return error.description }
    }

    func testDefaultsAreTheSpecsWithTheFallbackForTLV() {
        let settings = Configuration().terminal
        XCTAssertEqual(settings.profile, .standard)
        XCTAssertEqual(settings.password, "000000")
        XCTAssertEqual(settings.charset, .cp437, "ZVT 13.08 §15: CP437 unless negotiated")
        XCTAssertEqual(settings.configByte, 0xBE)
        XCTAssertEqual(settings.tlv, .auto)
        XCTAssertEqual(settings.t3Ms, 5_000)
        XCTAssertEqual(settings.t4Ms, 180_000)
        XCTAssertNil(settings.serviceByte)
        XCTAssertEqual(settings.currency, 978)
        XCTAssertNil(settings.paymentType)
        XCTAssertEqual(settings.statusPollSeconds, 60)
        XCTAssertEqual(settings.explicitKeys, [])
        XCTAssertEqual(TerminalSettings.Profile.standard.defaults.charset, settings.charset)
    }

    func testEveryKeyIsRead() throws {
        let settings = try parse(
            """
            [terminal]
            address = 10.0.0.5:20007
            password = 123456
            charset = latin1
            config_byte = ba
            tlv = off
            t3_ms = 3000
            t4_ms = 240000
            service_byte = 01
            currency = 756
            payment_type = 40
            status_poll_s = 0
            """)
        XCTAssertEqual(settings.password, "123456")
        XCTAssertEqual(settings.charset, .latin1)
        XCTAssertEqual(settings.configByte, 0xBA)
        XCTAssertEqual(settings.tlv, .off)
        XCTAssertEqual(settings.t3Ms, 3_000)
        XCTAssertEqual(settings.t4Ms, 240_000)
        XCTAssertEqual(settings.serviceByte, 0x01)
        XCTAssertEqual(settings.currency, 756)
        XCTAssertEqual(settings.paymentType, 0x40)
        XCTAssertEqual(settings.statusPollSeconds, 0)
        XCTAssertEqual(settings.explicitKeys, Set(TerminalSettings.Key.allCases).subtracting([.profile]))
        for charset in ["cp437", "latin1", "utf8", "ascii", "german-ascii", "UTF8"] {
            XCTAssertNotNil(try? parse("[terminal]\ncharset = \(charset)"), charset)
        }
        XCTAssertEqual(try parse("[terminal]\npayment_type =\nservice_byte =").paymentType, nil, "empty = not sent")
    }

    /// A profile sets the defaults; an explicit key wins whether it comes before or after the profile.
    func testExplicitKeysOverrideTheProfileInAnyOrder() throws {
        let valina = try parse("[terminal]\nprofile = valina")
        XCTAssertEqual(valina.profile, .valina)
        XCTAssertEqual(valina.charset, .latin1, "the Valina prints ISO 8859-1")
        XCTAssertEqual(valina.configByte, 0xBE)

        let before = try parse("[terminal]\ncharset = cp437\ntlv = on\nprofile = valina")
        let after = try parse("[terminal]\nprofile = valina\ncharset = cp437\ntlv = on")
        for settings in [before, after] {
            XCTAssertEqual(settings.profile, .valina)
            XCTAssertEqual(settings.charset, .cp437)
            XCTAssertEqual(settings.tlv, .on)
        }
        XCTAssertEqual(before, after)

        // The environment's profile does not undo the file's explicit keys either, and its keys win over the file's.
        let mixed = try parse(
            "[terminal]\ncharset = utf8\ncurrency = 756",
            environment: ["WEBKASSE_TERMINAL_PROFILE": "valina", "WEBKASSE_TERMINAL_CURRENCY": "978", "WEBKASSE_TERMINAL_T4_MS": "300000"])
        XCTAssertEqual(mixed.profile, .valina)
        XCTAssertEqual(mixed.charset, .utf8)
        XCTAssertEqual(mixed.currency, 978)
        XCTAssertEqual(mixed.t4Ms, 300_000)
        // A second profile replaces the first one's defaults.
        XCTAssertEqual(try parse("[terminal]\nprofile = valina\nprofile = ccv").charset, .cp437)
    }

    func testEveryKeyHasItsEnvironmentVariable() throws {
        for key in TerminalSettings.Key.allCases {
            XCTAssertEqual(Configuration.environmentKeys["WEBKASSE_TERMINAL_" + key.rawValue.uppercased()], "terminal." + key.rawValue)
        }
        XCTAssertEqual(Configuration.environmentKeys["WEBKASSE_TERMINAL_STATUS_POLL_S"], "terminal.status_poll_s")
        XCTAssertEqual(Configuration.environmentKeys["WEBKASSE_TERMINAL_PASSWORD"], "terminal.password")
        XCTAssertEqual(Configuration.environmentKeys["WEBKASSE_TERMINAL"], "terminal.address")
        let settings = try Configuration.load(path: nil, environment: ["WEBKASSE_TERMINAL_CHARSET": "latin1", "WEBKASSE_TERMINAL_CONFIG_BYTE": "8E"]).terminal
        XCTAssertEqual(settings.charset, .latin1)
        XCTAssertEqual(settings.configByte, 0x8E)
        XCTAssertThrowsError(try Configuration.load(path: nil, environment: ["WEBKASSE_TERMINAL_TLV": "ja"])) { error in
            XCTAssertEqual("\(error)", "Umgebungsvariable WEBKASSE_TERMINAL_TLV: terminal.tlv: »ja« ist kein gültiger Wert (erlaubt: on, off, auto).")
        }
    }

    func testBadValuesNameFileLineAndKey() {
        XCTAssertEqual(
            error("[terminal]\n\ncharset = latin9"),
            "k.conf:3: terminal.charset: »latin9« ist kein unterstützter Zeichensatz (erlaubt: cp437, latin1, utf8, ascii, german-ascii).")
        XCTAssertEqual(
            error("[terminal]\nconfig_byte = 0xBE"), "k.conf:2: terminal.config_byte: »0xBE« ist kein Byte in Hex (zwei Zeichen 0–9, A–F, z. B. BE).")
        XCTAssertEqual(error("[terminal]\nconfig_byte ="), "k.conf:2: terminal.config_byte: »« ist kein Byte in Hex (zwei Zeichen 0–9, A–F, z. B. BE).")
        XCTAssertEqual(error("[terminal]\ntlv = yes"), "k.conf:2: terminal.tlv: »yes« ist kein gültiger Wert (erlaubt: on, off, auto).")
        XCTAssertEqual(error("[terminal]\nt3_ms = 5s"), "k.conf:2: terminal.t3_ms: »5s« ist keine ganze Zahl von 1000 bis 30000.")
        XCTAssertEqual(error("[terminal]\nt4_ms = 1000"), "k.conf:2: terminal.t4_ms: »1000« ist keine ganze Zahl von 30000 bis 1800000.")
        XCTAssertEqual(
            error("[terminal]\nservice_byte = 1"),
            "k.conf:2: terminal.service_byte: »1« ist kein Byte in Hex (zwei Zeichen 0–9, A–F, z. B. BE); leer = nicht senden.")
        XCTAssertEqual(
            error("[terminal]\ncurrency = EUR"), "k.conf:2: terminal.currency: »EUR« ist kein Währungscode nach ISO 4217 (drei Ziffern, z. B. 978 für Euro).")
        XCTAssertEqual(
            error("[terminal]\ncurrency = 97"), "k.conf:2: terminal.currency: »97« ist kein Währungscode nach ISO 4217 (drei Ziffern, z. B. 978 für Euro).")
        XCTAssertEqual(
            error("[terminal]\npayment_type = 4G"),
            "k.conf:2: terminal.payment_type: »4G« ist kein Byte in Hex (zwei Zeichen 0–9, A–F, z. B. BE); leer = nicht senden.")
        XCTAssertEqual(error("[terminal]\nstatus_poll_s = -5"), "k.conf:2: terminal.status_poll_s: »-5« ist keine ganze Zahl von 0 bis 3600.")
        XCTAssertEqual(
            error("[terminal]\nprofile = verifone"),
            "k.conf:2: terminal.profile: »verifone« ist kein bekanntes Terminalprofil (erlaubt: standard, ingenico, ccv, pax, feig, valina).")
        XCTAssertEqual(error("[terminal]\npassword = 12345a"), "k.conf:2: terminal.password: Das Terminal-Passwort hat genau 6 Ziffern.")
        XCTAssertEqual(error("[terminal]\ncharst = cp437"), "k.conf:2: Unbekannte Einstellung »terminal.charst«.")
        XCTAssertEqual(error("[office]\ncharset = cp437"), "k.conf:2: Unbekannte Einstellung »office.charset«.")
    }

    /// A bad value leaves the setting as it was, and a file with one bad line gives no configuration at all.
    func testNothingIsHalfApplied() {
        var settings = TerminalSettings()
        XCTAssertThrowsError(try settings.set(.configByte, "XYZ"))
        XCTAssertThrowsError(try settings.set(.profile, "nix"))
        XCTAssertEqual(settings, TerminalSettings(), "neither the value nor the explicit mark changed")
        XCTAssertThrowsError(try parse("[terminal]\nprofile = valina\ncharset = utf8\nt3_ms = 0"))
    }
}

extension TerminalSettingsTests {
    /// docs/webkasse.conf.example writes every terminal key with its default (the commented ones
    /// are the keys that are not sent by default).
    func testTheExampleFileHasTheDefaults() throws {
        let path = packageRoot.appendingPathComponent("docs/webkasse.conf.example").path
        let settings = try Configuration.load(path: path, environment: [:]).terminal
        XCTAssertEqual(settings.explicitKeys.union([.profile, .serviceByte, .paymentType]), Set(TerminalSettings.Key.allCases))
        for key in TerminalSettings.Key.allCases { XCTAssertEqual(settings.text(key), TerminalSettings().text(key), key.rawValue) }
        XCTAssertEqual(settings.password, TerminalSettings().password)
    }
}
