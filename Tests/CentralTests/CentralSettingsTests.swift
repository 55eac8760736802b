import Central
import KasseCore
import TestSupport
import XCTest

/// The `[central]` section (docs/webkasse.conf.example, docs/central.md "Configuration").
final class CentralSettingsTests: XCTestCase {
    func testTheSectionIsReadAndAPasswordInTheURLIsRefusedNamingFileAndLine() throws {
        var configuration = Configuration()
        try configuration.apply(
            text: "[central]\nurl = postgresql://kasse_k1@zentrale:5432/webkasse?sslmode=verify-full\npassword_file = /etc/webkasse/zentrale.pw\n",
            file: "k.conf")
        let settings = try XCTUnwrap(CentralSettings(configuration))
        XCTAssertEqual(settings.url, "postgresql://kasse_k1@zentrale:5432/webkasse?sslmode=verify-full")
        XCTAssertEqual(settings.passwordFile, "/etc/webkasse/zentrale.pw")
        XCTAssertNil(CentralSettings(Configuration()), "no URL: no centre")

        var withPassword = Configuration()
        XCTAssertThrowsError(try withPassword.apply(text: "[central]\n\nurl = postgresql://kasse:geheim@zentrale/webkasse\n", file: "k.conf")) {
            XCTAssertEqual(
                "\($0)", "k.conf:3: central.url: Das Passwort gehört nicht in die Adresse, sondern in central.password_file oder WEBKASSE_CENTRAL_PASSWORD.")
        }
        XCTAssertThrowsError(try withPassword.apply(text: "[central]\nurl = mysql://zentrale\n", file: "k.conf")) {
            XCTAssertTrue("\($0)".hasPrefix("k.conf:2: central.url: »mysql://zentrale« ist keine PostgreSQL-Adresse"), "\($0)")
        }
        let example = try Configuration.load(path: packageRoot.appendingPathComponent("docs/webkasse.conf.example").path, environment: [:])
        XCTAssertNil(CentralSettings(example), "the example runs without a centre")
        let fromEnvironment = try Configuration.load(path: nil, environment: ["WEBKASSE_CENTRAL_URL": "postgresql://k@h/db"])
        XCTAssertEqual(CentralSettings(fromEnvironment)?.url, "postgresql://k@h/db")
    }

    func testTheStatusLineTexts() {
        let zone = TimeZone(identifier: "Europe/Berlin")!
        var status = CentralSyncStatus()
        XCTAssertEqual(status.text(zone: zone), "Zentrale: nicht erreicht")
        status.localHead = 40
        status.acknowledged = 40
        XCTAssertEqual(status.text(zone: zone), "Zentrale: aktuell")
        status.acknowledged = 3
        status.pendingSince = Instant(millisecondsSinceEpoch: 1_796_631_120_000)  // 2026-12-07 08:12 UTC
        XCTAssertEqual(status.text(zone: zone), "Zentrale: 37 Buchungen ausstehend seit 09:12")
        status.fork = 12
        XCTAssertEqual(status.text(zone: zone), "Zentrale: ABWEICHUNG bei Buchung 12")
    }
}
