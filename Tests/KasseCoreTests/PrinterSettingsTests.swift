import XCTest

@testable import KasseCore

/// `[printer]` and `[display]` (docs/printer.md, "Configuration"): every key, its environment
/// variable, and bad values named with file, line and key.
final class PrinterSettingsTests: XCTestCase {
    func testEveryKeyIsRead() throws {
        var configuration = Configuration()
        try configuration.apply(
            text: """
                [printer]
                device = tcp://192.168.1.80
                codepage = cp1252
                width = 48
                cut = full
                drawer = pin5
                drawer_pulse_ms = 60, 240
                [display]
                device = /dev/ttyUSB1?baud=19200
                codepage = iso-8859-15
                greeting = Guten Tag
                """, file: "k.conf")
        XCTAssertEqual(configuration.printer.device, .tcp(host: "192.168.1.80", port: 9100))
        XCTAssertEqual(configuration.printer.codePage, .cp1252)
        XCTAssertEqual(configuration.printer.width, 48)
        XCTAssertEqual(configuration.printer.cut, .full)
        XCTAssertEqual(configuration.printer.drawer, .pin5)
        XCTAssertEqual([configuration.printer.drawerOnMs, configuration.printer.drawerOffMs], [60, 240])
        XCTAssertEqual(configuration.display.device, "/dev/ttyUSB1")
        XCTAssertEqual(configuration.display.baudRate, 19200)
        XCTAssertEqual(configuration.display.codePage, .iso885915)
        XCTAssertEqual(configuration.display.greeting, "Guten Tag")
    }

    func testDefaultsAndDeviceForms() {
        let defaults = PrinterSettings()
        XCTAssertEqual(defaults.device, .none)
        XCTAssertEqual(defaults.codePage, .cp858)
        XCTAssertEqual(defaults.width, 42)
        XCTAssertEqual(defaults.cut, .partial)
        XCTAssertEqual(defaults.drawer, .pin2)
        XCTAssertEqual(defaults.text(.drawerPulseMs), "50,500")
        XCTAssertEqual(PrinterSettings.Device(parsing: "tcp://drucker:9101"), .tcp(host: "drucker", port: 9101))
        XCTAssertEqual(PrinterSettings.Device(parsing: "/dev/usb/lp0"), .deviceFile("/dev/usb/lp0"))
        XCTAssertEqual(PrinterSettings.Device(parsing: "file:/tmp/bon.bin"), .file("/tmp/bon.bin"))
        XCTAssertEqual(PrinterSettings.Device(parsing: "command:lp -d bon"), .command("lp -d bon"))
        for bad in ["tcp://", "tcp://host:0", "tcp://host:x", "lp0", "file:", "command: ", "http://x"] {
            XCTAssertNil(PrinterSettings.Device(parsing: bad), bad)
        }
    }

    func testEnvironmentOverridesEachKey() throws {
        let configuration = try Configuration.load(
            path: nil,
            environment: ["WEBKASSE_PRINTER_DEVICE": "file:/tmp/x", "WEBKASSE_PRINTER_DRAWER": "none", "WEBKASSE_DISPLAY_GREETING": "Moin"])
        XCTAssertEqual(configuration.printer.device, .file("/tmp/x"))
        XCTAssertEqual(configuration.printer.drawer, .none)
        XCTAssertEqual(configuration.display.greeting, "Moin")
        for key in PrinterSettings.Key.allCases {
            XCTAssertEqual(Configuration.environmentKeys["WEBKASSE_PRINTER_" + key.rawValue.uppercased()], "printer." + key.rawValue)
        }
        XCTAssertEqual(Configuration.environmentKeys["WEBKASSE_PRINTER"], "register.printer_command", "the old variable stays")
    }

    func testBadValuesNameFileLineAndKey() {
        func error(_ text: String) -> String {
            var configuration = Configuration()
            do {
                try configuration.apply(text: text, file: "k.conf")
                return "kein Fehler"
            } catch { return error.description }
        }
        XCTAssertEqual(
            error("[printer]\nwidth = 40"), "k.conf:2: printer.width: »40« ist keine Zeilenbreite (erlaubt: 42, 48).")
        XCTAssertEqual(
            error("[printer]\ncodepage = cp437"),
            "k.conf:2: printer.codepage: »cp437« ist keine unterstützte Codepage (erlaubt: cp858, cp1252, iso-8859-15).")
        XCTAssertEqual(
            error("[printer]\ndrawer_pulse_ms = 50"),
            "k.conf:2: printer.drawer_pulse_ms: »50« sind keine zwei Pulszeiten in ms von 2 bis 510 (Einschalt-, Ausschaltzeit, z. B. 50,500).")
        XCTAssertTrue(error("[printer]\ndevice = lp0").hasPrefix("k.conf:2: printer.device: »lp0« ist kein Druckeranschluss"))
        XCTAssertEqual(error("[printer]\npaper = 80"), "k.conf:2: Unbekannte Einstellung »printer.paper«.")
        XCTAssertTrue(error("[display]\ndevice = /dev/ttyS0?baud=123").hasPrefix("k.conf:2: display.device: »baud=123«"))
    }
}
