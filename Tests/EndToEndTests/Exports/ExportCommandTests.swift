import Foundation
import KasseCrypto
import TestSupport
import XCTest

/// `webkasse export` as a user runs it (the debug binary built by `swift build --build-tests`).
final class ExportCommandTests: XCTestCase {
    var fixture: LedgerDayFixture!
    var webkasse: String!

    override func setUpWithError() throws {
        webkasse = builtProduct("webkasse")
        guard FileManager.default.isExecutableFile(atPath: webkasse) else {
            throw XCTSkip("\(webkasse!) is not built (swift build --build-tests builds it)")
        }
        fixture = try LedgerDayFixture()
        try fixture.build()
    }

    override func tearDown() { fixture?.directory.remove() }

    private func export(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(webkasse, ["export", "--data", fixture.data] + arguments, currentDirectory: fixture.data)
    }

    func testExportPrintsSummaryAndSHA256OfTheFile() throws {
        let result = try export(["--format", "csv", "--out", "tag.csv", "--from", "26.11.2026", "--to", "2026-11-27"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture.data + "/tag.csv")))
        XCTAssertTrue(result.stdout.hasPrefix("Export geschrieben: tag.csv (CSV, 9 Buchungen, \(bytes.count) Bytes)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("SHA-256: " + LibCrypto.sha256(bytes).hexString), result.stdout)
        XCTAssertTrue(result.stdout.contains("Geschäftstage: 26.11.2026 bis 27.11.2026; Kassen: K1"), result.stdout)
        XCTAssertEqual(result.stderr, "", "no progress bar when stderr is not a terminal")
    }

    func testDSFinVKOfOneDayClose() throws {
        let result = try export(["--format", "dsfinvk", "--z", "1", "--out", "z1.zip"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("Export geschrieben: z1.zip (DSFinV-K, 1 Kassenabschluss, 7 Vorgänge, "), result.stdout)
        XCTAssertTrue(result.stdout.contains("Kassenabschlüsse: K1 Z 1 (2026-11-26)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Hinweis: keine Steuernummer konfiguriert"), result.stdout)
        let test = try runProcess("/usr/bin/unzip", ["-t", fixture.data + "/z1.zip"])
        XCTAssertTrue(test.stdout.contains("No errors detected"), test.stdout)
        let cases: [([String], Int32, String)] = [
            (["--format", "dsfinvk", "--out", "n.zip", "--new"], 2, "--z N oder --from/--to bei --format dsfinvk"),
            (["--format", "dsfinvk", "--out", "o.zip", "--open-days"], 2, "die DSFinV-K enthält nur abgeschlossene Tage"),
            (["--format", "dsfinvk", "--out", "d.zip", "--from", "2026-11-28", "--to", "2026-11-28"], 1, "keinen Tagesabschluss"),
            (["--format", "dsfinvk", "--out", "z1.zip", "--z", "1"], 2, "gibt es schon"),
        ]
        for (arguments, status, message) in cases {
            let failed = try export(arguments)
            XCTAssertEqual(failed.status, status, "\(arguments): \(failed.stderr)")
            XCTAssertTrue(failed.stderr.contains(message), "\(arguments): \(failed.stderr)")
        }
    }

    func testNewTwiceThenNothing() throws {
        XCTAssertEqual(try export(["--format", "jsonl", "--out", "a.jsonl", "--new"]).status, 0)
        let again = try export(["--format", "jsonl", "--out", "b.jsonl", "--new"])
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(again.stdout, "Keine neuen Buchungen seit dem letzten JSON Lines-Export; es wurde keine Datei angelegt.\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.data + "/b.jsonl"))
    }

    func testMistakesGetOneSentenceAndTheRightStatus() throws {
        let cases: [([String], Int32, String)] = [
            (["--format", "xml", "--out", "x"], 2, "Ungültiger Wert »xml« für --format"),
            (["--format", "csv"], 2, "Die Option --out ist erforderlich."),
            (["--format", "csv", "--out", "x.csv", "--z", "9"], 3, "Die Kasse K1 hat keinen Tagesabschluss Z 9 (der letzte ist Z 2)."),
            (["--format", "csv", "--out", "x.csv", "--from", "2026-11-26"], 2, "Die Option --to ist erforderlich."),
            (["--format", "csv", "--out", "x.csv", "--from", "2026-11-27", "--to", "2026-11-26"], 2, "erwartet wird ein Datum ab 27.11.2026"),
            (["--format", "csv", "--out", "x.csv", "--from", "2026-13-01", "--to", "2026-11-26"], 2, "»2026-13-01« für --from"),
            (["--format", "csv", "--out", "x.csv", "--z", "1", "--new"], 2, "nur eine Auswahl"),
            (["--format", "csv", "--out", "x.csv", "--new", "--open-days"], 2, "--open-days nicht zusammen mit --new"),
            (["--format", "csv", "--out", "x.csv", "--register", "K7"], 3, "Für die Kasse »K7« gibt es kein Kassenbuch"),
            (["--format", "csv", "--out", "x.csv", "--from", "2026-11-28", "--to", "2026-11-28"], 1, "offene Tage nur mit --open-days"),
            (["--format", "csv", "--out", "fehlt/x.csv"], 7, "kann nicht angelegt werden"),
            (
                ["--format", "datev", "--out", "x.csv", "--datev-kontenlaenge", "5"], 3,
                "Feld Konto: »181000« ist ungültig; erwartet wird eine Kontonummer aus höchstens 5 Ziffern (Sachkontenlänge, --datev-kontenlaenge 5)."
            ),
        ]
        for (arguments, status, message) in cases {
            let result = try export(arguments)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("webkasse export: "), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one sentence: \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.data + "/x.csv"))
        XCTAssertEqual(try fixture.reopen().exportRuns(), [], "no failed run is recorded")
        _ = try fixture.directory.write("alt", to: "da.csv")
        let exists = try export(["--format", "csv", "--out", "da.csv"])
        XCTAssertEqual(exists.status, 2)
        XCTAssertEqual(try String(contentsOfFile: fixture.data + "/da.csv", encoding: .utf8), "alt")
    }

    func testConfigurationAccountsAndDATEVOptions() throws {
        try fixture.directory.write("[accounts]\ncash = 100000\n", to: "webkasse.conf")
        let result = try export(["--format", "datev", "--out", "d.csv", "--datev-berater", "4711", "--datev-mandant", "42", "--z", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = try XCTUnwrap(String(data: try Data(contentsOf: URL(fileURLWithPath: fixture.data + "/d.csv")), encoding: .windowsCP1252))
        XCTAssertTrue(text.hasPrefix("\"EXTF\";700;21;\"Buchungsstapel\";9;"), text)
        XCTAssertTrue(text.contains(";4711;42;20260101;6;20261127;20261127;\"Kasse K1 27.11.2026\";"), text)
        let cash = try export(["--format", "jsonl", "--out", "c.jsonl", "--z", "1"])
        XCTAssertEqual(cash.status, 0, cash.stderr)
        XCTAssertTrue(try String(contentsOfFile: fixture.data + "/c.jsonl", encoding: .utf8).contains(#""paymentAccount":"100000""#))
        try fixture.directory.write("[accounts]\ncash = Kasse\n", to: "webkasse.conf")
        let bad = try export(["--format", "jsonl", "--out", "e.jsonl"])
        XCTAssertEqual(bad.status, 3)
        XCTAssertTrue(bad.stderr.contains("webkasse.conf:2: accounts.cash: »Kasse« ist keine Kontonummer"), bad.stderr)
    }

    /// The journal of a real ledger, fed to hledger, agrees with the day closes to the cent.
    func testHledgerAgreesWithTheLedgerExport() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/hledger") else { throw XCTSkip("hledger is not installed") }
        XCTAssertEqual(try export(["--format", "journal", "--out", "all.journal"]).status, 0)
        let result = try runProcess("/usr/bin/hledger", ["-f", fixture.data + "/all.journal", "balance", "--flat", "-O", "csv"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let closes = fixture.closes
        let cash = closes.reduce(Int64(0)) { $0 + $1.countedCash.cents - $1.totals.float.cents }
        let revenue = closes.reduce(Int64(0)) { $0 + $1.totals.sales.cents - $1.totals.stornos.cents }
        func balance(_ account: String) -> String? {
            result.stdout.split(separator: "\n").first { $0.hasPrefix("\"\(account)\"") }.map { String($0.split(separator: ",")[1]) }
        }
        func euros(_ cents: Int64) -> String { "\"" + MoneyText.plain(cents) + " EUR\"" }
        XCTAssertEqual(balance("Zahlungsmittel:Bar:181000"), euros(cash), result.stdout)
        XCTAssertEqual(balance("total"), "\"0\"", result.stdout)
        // Revenue + pass-through shares = sales − stornos of the closes (credit side, so negative).
        let credit = ["Ertrag:431100", "Verwahrgeld:376100"].compactMap(balance)
        XCTAssertEqual(credit.count, 2)
        let sum = credit.map { Int64(($0.dropFirst().dropLast(5)).replacingOccurrences(of: ".", with: ""))! }.reduce(0, +)
        XCTAssertEqual(sum, -revenue)
    }
}

enum MoneyText {
    static func plain(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = abs(cents)
        return sign + String(magnitude / 100) + "." + (magnitude % 100 < 10 ? "0" : "") + String(magnitude % 100)
    }
}
