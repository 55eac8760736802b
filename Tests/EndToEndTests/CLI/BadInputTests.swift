import Foundation
import TestSupport
import XCTest

/// The bad-input catalogue: malformed catalogue files, config files, CLI arguments, amounts,
/// dates (and ZVT bytes where the zvt command exists), each with the exact message the user
/// gets, the exit status, and nothing written.
final class BadInputTests: XCTestCase {
    var dir: TemporaryDirectory!
    let webkasse = builtProduct("webkasse")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: webkasse) else { throw XCTSkip("build webkasse first (swift build)") }
        dir = try TemporaryDirectory()
    }

    override func tearDown() { dir?.remove() }

    struct Case {
        let name: String
        let arguments: [String]
        let files: [String: String]
        let status: Int32
        /// The exact text on stdout + stderr (after replacing the temporary directory by `$DIR`).
        let output: String
    }

    static let item =
        #"{"code": "PA", "name": "Personalausweis", "category": "A", "booking": {"account": "431100", "product": "1", "cost_centre": "2"}, "prices": [{"valid_from": "2021-01-01", "amount": "46,00"}]}"#
    static let accounts = #""accounts": [{"number": "431100", "name": "Gebühren", "kind": "revenue"}]"#

    static func catalogue(_ items: String) -> String { "{\(accounts), \"items\": [\(items)]}" }

    static let cases: [Case] = [
        // Catalogue files
        Case(
            name: "catalogue: trailing comma", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": "{\"items\": [\n  {\"code\": \"PA\",}\n]}"], status: 1,
            output: "$DIR/c.json:2:17: kein gültiges JSON: ein Schlüssel in Anführungszeichen wird erwartet\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: not an object", arguments: ["tariffs", "check", "$DIR/c.json"], files: ["c.json": "[]"], status: 1,
            output: "$DIR/c.json:1:1: Die Datei muss ein JSON-Objekt mit »accounts« und »items« sein, nicht eine Liste.\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: empty file", arguments: ["tariffs", "check", "$DIR/c.json"], files: ["c.json": ""], status: 1,
            output: "$DIR/c.json:1:1: kein gültiges JSON: unerwartetes Dateiende, ein Wert fehlt\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: amount as float", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item.replacingOccurrences(of: "\"46,00\"", with: "46.0"))], status: 1,
            output:
                "$DIR/c.json:1:266: PA prices[0]: »amount« muss ein Text wie \"46,00\" sein, nicht eine Zahl (Beträge nie als Kommazahl).\n1 Problem in $DIR/c.json.\n"
        ),
        Case(
            name: "catalogue: negative price", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item.replacingOccurrences(of: "46,00", with: "-46,00"))], status: 1,
            output: "$DIR/c.json:1:266: PA prices[0]: Negativer Preis -46,00 €: Gebühren sind nie negativ.\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: three decimals", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item.replacingOccurrences(of: "46,00", with: "46,001"))], status: 1,
            output: "$DIR/c.json:1:266: PA prices[0]: Betrag: »46,001« hat mehr als zwei Nachkommastellen.\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: 30 February", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item.replacingOccurrences(of: "2021-01-01", with: "2026-02-30"))], status: 1,
            output: "$DIR/c.json:1:242: PA prices[0]: »valid_from« »2026-02-30« ist kein gültiges Datum (JJJJ-MM-TT).\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: duplicate code", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item + ",\n" + item)], status: 1,
            output: "$DIR/c.json:2:10: PA: Code »PA« ist doppelt (zuerst in $DIR/c.json:1).\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: unknown account", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item.replacingOccurrences(of: "431100", with: "999"))], status: 1,
            output: "$DIR/c.json:1:169: PA: Unbekanntes Konto »999« (nicht unter »accounts« definiert).\n1 Problem in $DIR/c.json.\n"),
        Case(
            name: "catalogue: misspelt field", arguments: ["tariffs", "check", "$DIR/c.json"],
            files: ["c.json": catalogue(item.replacingOccurrences(of: "\"category\"", with: "\"categroy\""))], status: 1,
            output:
                "$DIR/c.json:1:87: PA: Das Feld »category« fehlt.\n$DIR/c.json:1:141: PA: Unbekanntes Feld »categroy« (erlaubt: booking, category, code, keywords, legal_basis, name, prices, tax, tax_note, variants).\n2 Probleme in $DIR/c.json.\n"
        ),
        Case(
            name: "catalogue: missing path", arguments: ["tariffs", "check", "$DIR/nothing"], files: [:], status: 1,
            output: "$DIR/nothing: Datei oder Verzeichnis nicht gefunden.\n1 Problem in $DIR/nothing.\n"),
        Case(
            name: "catalogue: broken catalogue refused by list", arguments: ["tariffs", "list", "$DIR/c.json"], files: ["c.json": "{"], status: 1,
            output:
                "webkasse tariffs: Der Gebührenkatalog ist fehlerhaft (1 Problem):\n$DIR/c.json:1:2: kein gültiges JSON: ein Schlüssel in Anführungszeichen wird erwartet\n"
        ),
        // Dates
        Case(
            name: "date: 30 February", arguments: ["tariffs", "list", "--date", "2026-02-30"], files: [:], status: 2,
            output: "webkasse tariffs: Ungültiger Wert »2026-02-30« für --date: erwartet wird ein Datum JJJJ-MM-TT, z. B. 2026-02-07.\n"),
        Case(
            name: "date: German order", arguments: ["tariffs", "list", "--date", "07.02.2026"], files: [:], status: 2,
            output: "webkasse tariffs: Ungültiger Wert »07.02.2026« für --date: erwartet wird ein Datum JJJJ-MM-TT, z. B. 2026-02-07.\n"),
        // Command line
        Case(name: "cli: unknown subcommand", arguments: ["tarifs"], files: [:], status: 2, output: ""),
        Case(
            name: "cli: unknown option", arguments: ["tariffs", "list", "--dat", "2026-01-01"], files: [:], status: 2,
            output: "webkasse tariffs: Unbekannte Option »--dat«. Erlaubt sind: --catalog, --date, --help.\n"),
        Case(
            name: "cli: option without value", arguments: ["tariffs", "list", "--date"], files: [:], status: 2,
            output: "webkasse tariffs: Der Option --date fehlt der Wert.\n"),
        Case(
            name: "cli: unknown action", arguments: ["tariffs", "show"], files: [:], status: 2,
            output: "webkasse tariffs: Unbekannter Befehl »show«. Möglich sind: check, list, search.\n"),
        Case(
            name: "cli: search without query", arguments: ["tariffs", "search"], files: [:], status: 2,
            output: "webkasse tariffs: Es fehlt das Argument SUCHE.\n"),
        // Config files
        Case(
            name: "config: unknown key", arguments: ["config", "check", "$DIR/k.conf"], files: ["k.conf": "[office]\nnmae = x\n"], status: 3,
            output: "$DIR/k.conf:2: Unbekannte Einstellung »office.nmae«.\n"),
        Case(
            name: "config: terminal without port", arguments: ["config", "check", "$DIR/k.conf"], files: ["k.conf": "[terminal]\naddress = 192.168.1.50\n"],
            status: 3,
            output:
                "$DIR/k.conf:2: terminal.address: »192.168.1.50« ist keine Adresse der Form HOST:PORT (z. B. 192.168.1.50:20007), serial:GERÄT[?baud=9600] oder framed:HOST:PORT.\n"
        ),
        Case(
            name: "config: short password", arguments: ["config", "check", "$DIR/k.conf"], files: ["k.conf": "[terminal]\npassword = 1234\n"], status: 3,
            output: "$DIR/k.conf:2: terminal.password: Das Terminal-Passwort hat genau 6 Ziffern.\n"),
        Case(
            name: "config: amount with three decimals", arguments: ["config", "check", "$DIR/k.conf"],
            files: ["k.conf": "[thresholds]\nday_close_difference_approval = 5,005\n"], status: 3,
            output: "$DIR/k.conf:2: thresholds.day_close_difference_approval: »5,005« hat mehr als zwei Nachkommastellen.\n"),
        Case(
            name: "config: letters in an amount", arguments: ["config", "check", "$DIR/k.conf"],
            files: ["k.conf": "[thresholds]\nday_close_difference_approval = fünf\n"], status: 3,
            output: "$DIR/k.conf:2: thresholds.day_close_difference_approval: »fünf« ist kein Betrag. Erlaubt sind Ziffern und ein Komma, z. B. 12,34.\n"),
        Case(
            name: "config: unknown section", arguments: ["config", "check", "$DIR/k.conf"], files: ["k.conf": "[kasse]\n"], status: 3,
            output:
                "$DIR/k.conf:1: Unbekannter Abschnitt [kasse] (erlaubt: [office], [register], [terminal], [printer], [display], [fiscal], [thresholds], [accounts], [central]).\n"
        ),
        Case(
            name: "config: bad time zone", arguments: ["config", "check", "$DIR/k.conf"], files: ["k.conf": "[office]\ntime_zone = Berlin\n"], status: 3,
            output: "$DIR/k.conf:2: office.time_zone: Unbekannte Zeitzone »Berlin« (z. B. Europe/Berlin).\n"),
        Case(
            name: "config: missing file", arguments: ["config", "check", "$DIR/none.conf"], files: [:], status: 3,
            output: "$DIR/none.conf: Konfigurationsdatei nicht gefunden oder nicht lesbar.\n"),
        // The TSE (docs/fiscal.md)
        Case(
            name: "config: unknown TSE", arguments: ["config", "check", "$DIR/k.conf"], files: ["k.conf": "[fiscal]\ntse = swissbit\n"], status: 3,
            output: "$DIR/k.conf:2: fiscal.tse: »swissbit« ist keine TSE (erlaubt: none, software, fiskaly).\n"),
        Case(
            name: "config: client id with an underscore", arguments: ["config", "check", "$DIR/k.conf"],
            files: ["k.conf": "[fiscal]\nclient_id = Kasse_1\n"], status: 3,
            output:
                "$DIR/k.conf:2: fiscal.client_id: »Kasse_1« ist keine Client-ID nach TR-03151 (1 bis 30 Zeichen aus A–Z, a–z, 0–9, Leerzeichen und '()+,-./:=?).\n"
        ),
        Case(
            name: "fiscal: export without --out", arguments: ["fiscal", "export-tse"], files: [:], status: 2,
            output: "webkasse fiscal: Die Option --out ist erforderlich.\n"),
        Case(
            name: "fiscal: export without a TSE", arguments: ["fiscal", "export-tse", "--out", "$DIR/x.tar", "--config", "$DIR/k.conf"],
            files: ["k.conf": "[office]\nname = Amt\n"], status: 3,
            output: "webkasse fiscal: Keine TSE eingestellt ([fiscal] tse = none): es gibt nichts zu exportieren.\n"),
    ]

    func testEveryBadInputGetsItsExactMessage() throws {
        for c in Self.cases {
            for (name, text) in c.files { try dir.write(text, to: name) }
            let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            let arguments = c.arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir.path) }
            let result = try runProcess(webkasse, arguments, environment: ["WEBKASSE_DATA": dir.path + "/data", "WEBKASSE_CATALOG": ""])
            XCTAssertEqual(result.status, c.status, c.name)
            let output = (result.stdout + result.stderr).replacingOccurrences(of: dir.path, with: "$DIR")
            if c.name == "cli: unknown subcommand" {
                XCTAssertTrue(output.hasPrefix("webkasse: Unbekannter Befehl »tarifs«. Möglich sind: "), output)
            } else {
                XCTAssertEqual(output, c.output, c.name)
            }
            XCTAssertFalse(output.contains("Fatal error"), c.name)
            let after = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            XCTAssertEqual(after, before, "\(c.name): nothing written")
            for name in c.files.keys { try FileManager.default.removeItem(atPath: dir.path + "/" + name) }
        }
        XCTAssertGreaterThanOrEqual(Self.cases.count, 27)
    }

    func testShippedCatalogueChecksClean() throws {
        let result = try runProcess(webkasse, ["tariffs", "check", packageRoot.appendingPathComponent("Tariffs").path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(
            result.stdout.contains("in Ordnung – 27 Gebühren, 34 Varianten, 3 Konten, 5 umsatzsteuerpflichtig; Katalogversion sha256:"), result.stdout)
        // The version names the content: the same files give the same, one changed byte another.
        let version = try XCTUnwrap(result.stdout.split(separator: " ").last).dropLast(2)
        XCTAssertEqual(version.count, "sha256:".count + 16, result.stdout)
        let copy = try TemporaryDirectory(prefix: "tariffs-copy")
        defer { copy.remove() }
        let file = copy.path + "/buergeramt.json"
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Tariffs/buergeramt.json").path, toPath: file)
        XCTAssertTrue(try runProcess(webkasse, ["tariffs", "check", copy.path]).stdout.hasSuffix(" \(version).\n"))
        try (String(contentsOfFile: file, encoding: .utf8) + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let changed = try runProcess(webkasse, ["tariffs", "check", copy.path]).stdout
        XCTAssertTrue(changed.contains("Katalogversion sha256:"), changed)
        XCTAssertFalse(changed.hasSuffix(" \(version).\n"), changed)
    }

    func testListOnBothSidesOfTheFeeChange() throws {
        let before = try runProcess(webkasse, ["tariffs", "list", "--date", "2026-02-06"]).stdout
        let after = try runProcess(webkasse, ["tariffs", "list", "--date", "2026-02-07"]).stdout
        XCTAssertTrue(before.contains("PA    Personalausweis: ab 24 Jahre 37,00 € · unter 24 Jahre 22,80 €"), before)
        XCTAssertTrue(after.contains("PA    Personalausweis: ab 24 Jahre 46,00 € · unter 24 Jahre 27,60 €"), after)
    }
}
