import Central
import Foundation
import KasseCore
import Ledger
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

    /// The status line reads the delivery's state while a pass waits for the centre (a connect
    /// that hangs): it must not wait with it.
    func testTheStatusNeverWaitsForAPass() throws {
        var fixture = try LedgerDayFixture(register: "K1")
        defer { fixture.directory.remove() }
        try fixture.build()
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let ledger = fixture.ledger
        let delivery = CentralDelivery(
            ledger: ledger, register: "K1", cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path),
            connect: {
                entered.signal()
                release.wait()
                throw CentralError.schemaMissing
            })
        let finished = DispatchSemaphore(value: 0)
        Thread {
            delivery.runOnce()
            finished.signal()
        }.start()
        entered.wait()
        let asked = Date()
        let status = delivery.status
        XCTAssertLessThan(Date().timeIntervalSince(asked), 0.5)
        XCTAssertEqual(status.localHead, 15)
        XCTAssertNil(status.lastError, "the pass has not ended yet")
        release.signal()
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(delivery.status.lastError, CentralError.schemaMissing.description)
    }
}
