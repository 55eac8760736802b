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
        XCTAssertEqual(error("[kasse]"), "k.conf:1: Unbekannter Abschnitt [kasse] (erlaubt: [office], [register], [terminal], [thresholds], [accounts]).")
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
