import Foundation
import TestSupport
import XCTest

/// `webkasse central settings publish|show` and a counter taking the office's name and accounts
/// from the centre at its next start (docs/central.md, "Dienststelle und Konten aus der
/// Zentrale"), through the built binary against a real PostgreSQL.
final class CentralSettingsCommandTests: XCTestCase {
    func testTheCentresOfficeAndAccountsReachTheCountersReceiptsAndExport() throws {
        let webkasse = builtProduct("webkasse")
        guard FileManager.default.isExecutableFile(atPath: webkasse) else {
            throw XCTSkip("\(webkasse) is not built (swift build --build-tests builds it)")
        }
        let database = try CentralTestDatabase()
        defer { database.drop() }
        let directory = try TemporaryDirectory(prefix: "central-settings")
        defer { directory.remove() }
        let data = directory.path + "/data"
        var config = "[office]\nname = Bürgeramt Kasse 1\n[register]\nid = K1\n[accounts]\ncash = 181000\n[central]\nurl = \(database.url)\n"
        if let passwordFile = database.passwordFile { config += "password_file = \(passwordFile)\n" }
        let environment = ["WEBKASSE_CONFIG": try directory.write(config, to: "webkasse.conf")]
        func run(_ arguments: [String]) throws -> ProcessResult {
            try runProcess(webkasse, arguments + ["--data", data], environment: environment, currentDirectory: directory.path)
        }
        XCTAssertEqual(try run(["central", "init"]).status, 0)

        // Bad input: named with file and line, nothing published.
        _ = try directory.write("[office]\nname = Stadt Bergheim\n[printer]\ndevice = /dev/usb/lp0\n", to: "falsch.conf")
        var r = try run(["central", "settings", "publish", "falsch.conf", "--by", "stadtkasse"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(
            r.stderr,
            "webkasse central settings publish: falsch.conf:3: Abschnitt [printer] ist hier nicht erlaubt (erlaubt: [office], [accounts]). Nichts veröffentlicht.\n"
        )
        r = try run(["central", "settings", "show"])
        XCTAssertEqual(r.stdout, "Noch keine Einstellungen veröffentlicht (webkasse central settings publish DATEI).\n")

        _ = try directory.write("[office]\nname = Stadt Bergheim – Bürgeramt\n[accounts]\ncash = 181500\n", to: "dienststelle.conf")
        r = try run(["central", "settings", "publish", "dienststelle.conf", "--by", "stadtkasse"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            r.stdout, "Dienststelle und Konten: Version 1 veröffentlicht; die Kassen holen sie beim Abgleich und nehmen sie beim nächsten Start.\n")
        r = try run(["central", "settings", "show"])
        XCTAssertTrue(r.stdout.hasPrefix("# Version 1, veröffentlicht "), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix(" von stadtkasse\n[office]\nname = Stadt Bergheim – Bürgeramt\n[accounts]\ncash = 181500\n"), r.stdout)

        // The counter fetches it at its sync; the sales before have its own name, those after the
        // next start the centre's; the export books cash on the centre's account.
        r = try run(["simulate", "--sales", "4", "--per-day", "4", "--seed", "11", "--register", "K1"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        r = try run(["sync", "--once"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Dienststelle und Konten der Zentrale: Version 1 in \(data)/K1/zentrale.conf."), r.stdout)
        r = try run(["simulate", "--sales", "4", "--per-day", "4", "--seed", "12", "--register", "K1"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let receipts = try FileManager.default.contentsOfDirectory(atPath: data + "/K1/receipts").filter { $0.hasSuffix(".txt") && $0.first?.isNumber == true }
            .sorted()
        XCTAssertGreaterThanOrEqual(receipts.count, 8)
        let first = try String(contentsOfFile: data + "/K1/receipts/" + receipts[0], encoding: .utf8)
        let last = try String(contentsOfFile: data + "/K1/receipts/" + receipts[receipts.count - 1], encoding: .utf8)
        XCTAssertTrue(first.contains("Bürgeramt Kasse 1"), first)
        XCTAssertTrue(last.contains("Stadt Bergheim – Bürgeramt"), last)
        r = try run(["export", "--format", "csv", "--out", "buchungen.csv"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let csv = try String(contentsOfFile: directory.path + "/buchungen.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains(";Bar;181500;"), String(csv.prefix(600)))
        XCTAssertFalse(csv.contains(";Bar;181000;"), "the counter's own cash account is not used any more")
    }
}
