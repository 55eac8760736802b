import Central
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The office's name, address and payment-side accounts from the centre (docs/central.md,
/// "Dienststelle und Konten aus der Zentrale"): checked as a counter reads webkasse.conf before
/// they are published, gapless versions, the counter's copy read after its own file at the next
/// start and kept while the centre is away.
extension CentralCatalogTests {
    static let officeText = """
        [office]
        name = Stadt Bergheim – Bürgeramt
        address = Bethlehemer Straße 9–11, 50126 Bergheim
        tax_number = 203/5710/0815
        time_zone = Europe/Berlin

        [accounts]
        cash = 181500        # Hauptkasse
        card = 182150

        """

    func testOfficeSettingsAreCheckedAsTheCounterReadsThemAndPublishedInGaplessVersions() throws {
        let store = try database.store()
        // Only [office] and [accounts]: another section is refused with file and line, as is a bad account.
        let terminal = try directory.write("[office]\nname = Bürgeramt\n\n[terminal]\naddress = 10.0.0.5:20007\n", to: "terminal.conf")
        XCTAssertThrowsError(try store.publishOfficeSettings(content: try String(contentsOfFile: terminal, encoding: .utf8), file: terminal, by: "kasse")) {
            XCTAssertEqual(
                "\($0)", "\(terminal):4: Abschnitt [terminal] ist hier nicht erlaubt (erlaubt: [office], [accounts]).")
        }
        let account = try directory.write("[accounts]\ncash = 18-1000\n", to: "account.conf")
        XCTAssertThrowsError(try store.publishOfficeSettings(content: "[accounts]\ncash = 18-1000\n", file: account, by: "kasse")) {
            XCTAssertTrue("\($0)".hasPrefix("\(account):2: accounts.cash: »18-1000« ist keine Kontonummer"), "\($0)")
        }
        XCTAssertThrowsError(try store.publishOfficeSettings(content: "# nur ein Kommentar\n[office]\n", file: "leer.conf", by: "kasse")) {
            XCTAssertTrue("\($0)".contains("keine Einstellung"), "\($0)")
        }
        XCTAssertNil(try store.newestOfficeSettings(), "nothing was written")

        let first = try store.publishOfficeSettings(content: Self.officeText, file: "zentrale.conf", by: "stadtkasse")
        XCTAssertEqual(first.0.version, 1)
        XCTAssertTrue(first.isNew)
        let again = try store.publishOfficeSettings(content: Self.officeText, file: "zentrale.conf", by: "stadtkasse")
        XCTAssertEqual(again.0.version, 1)
        XCTAssertFalse(again.isNew, "the same text is not a new version")
        let second = try store.publishOfficeSettings(content: Self.officeText + "[accounts]\ncheque = 182250\n", file: "zentrale.conf", by: "stadtkasse")
        XCTAssertEqual(second.0.version, 2)
        XCTAssertEqual(try store.newestOfficeSettings()?.publishedBy, "stadtkasse")
        XCTAssertThrowsError(try database.connect().execute("UPDATE office_settings SET content = ''")) {
            XCTAssertTrue("\($0)".contains("unveränderlich"), "\($0)")
        }
    }

    func testACounterTakesTheCentresOfficeAndAccountsOverItsOwnFileAndKeepsThemOffline() throws {
        _ = try database.store().publishOfficeSettings(content: Self.officeText, file: "zentrale.conf", by: "stadtkasse")
        try database.createRole("kasse_k8", password: "geheim-k8")
        try database.store().grantCounterRole("kasse_k8")
        let data = directory.path + "/daten"
        let copy = DataDirectory.centralSettingsPath(data: data, register: "K8")
        try FileManager.default.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let own = try directory.write(
            "[office]\nname = Bürgeramt K8\naddress = Am Markt 1\n[register]\nid = K8\n[accounts]\ncash = 181000\ncheque = 182200\n[central]\nurl = \(database.url)\n",
            to: "k8.conf")
        func load(_ environment: [String: String] = [:]) throws -> Configuration {
            try Configuration.load(path: own, environment: environment, centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        }
        XCTAssertEqual(try load().officeName, "Bürgeramt K8", "no copy yet: the counter's own file")

        // Fetched with the counter's role, as the delivery does after a pass.
        let follower = OfficeSettingsFollower(path: copy)
        let counter = CentralStore(connection: try PostgreSQLConnection(url: database.url(user: "kasse_k8"), password: "geheim-k8"))
        let now = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
        XCTAssertEqual(follower.follow(counter, now: now), 1)
        XCTAssertNil(follower.lastProblem)
        XCTAssertEqual(follower.currentVersion, 1)
        XCTAssertEqual(follower.follow(counter, now: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 60_000)), nil, "nothing newer")

        var configuration = try load()
        XCTAssertEqual(configuration.officeName, "Stadt Bergheim – Bürgeramt")
        XCTAssertEqual(configuration.officeAddress, "Bethlehemer Straße 9–11, 50126 Bergheim")
        XCTAssertEqual(configuration.taxNumber, "203/5710/0815")
        XCTAssertEqual(configuration.cashAccount, "181500")
        XCTAssertEqual(configuration.cardAccount, "182150")
        XCTAssertEqual(configuration.chequeAccount, "182200", "what the centre does not set stays the counter's")
        XCTAssertEqual(configuration.registerID, "K8")
        // The environment still wins over both.
        XCTAssertEqual(try load(["WEBKASSE_TIME_ZONE": "Europe/Vienna"]).timeZone, "Europe/Vienna")
        XCTAssertEqual(configuration.timeZone, "Europe/Berlin")

        // A new version reaches the copy at the next fetch; with the centre away the copy stays.
        _ = try database.store().publishOfficeSettings(content: "[office]\nname = Stadt Bergheim – Bürgerbüro\n", file: "zentrale.conf", by: "stadtkasse")
        XCTAssertEqual(follower.follow(counter, now: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 120_000)), 2)
        configuration = try load()
        XCTAssertEqual(configuration.officeName, "Stadt Bergheim – Bürgerbüro")
        XCTAssertEqual(configuration.cashAccount, "181000", "version 2 sets no accounts")
        // A version this counter cannot read (published by a newer one, say) is not taken: the
        // copy it has stays, and it says why.
        let admin = try database.connect()
        try admin.execute("SET session_replication_role = replica")
        try admin.execute("INSERT INTO office_settings (version, content, published_by) VALUES (3, '[office]\nfarbe = blau\n', 'neuer')")
        XCTAssertNil(follower.follow(counter, now: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 180_000)))
        XCTAssertEqual(follower.currentVersion, 2)
        XCTAssertTrue(follower.lastProblem?.contains("Zentrale, Version 3:2: ") == true, follower.lastProblem ?? "")
        XCTAssertEqual(try load().officeName, "Stadt Bergheim – Bürgerbüro")
    }
}
