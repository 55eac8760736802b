import Foundation
import TestSupport
import XCTest

/// `webkasse operator …` and `webkasse audit` through the built binary, PINs on standard input.
final class OperatorCommandTests: XCTestCase {
    var config = ""

    func webkasse(_ arguments: [String], stdin: String = "", data: String) throws -> ProcessResult {
        try runProcess(builtProduct("webkasse"), arguments + ["--data", data, "--config", config], stdin: stdin)
    }

    func testOperatorAdministrationFromTheShell() throws {
        let tmp = try TemporaryDirectory(prefix: "webkasse-cli")
        defer { tmp.remove() }
        let data = tmp.path + "/data"
        config = try tmp.write("[register]\nid = K1\n", to: "webkasse.conf")
        var r = try webkasse(["operator", "list"], data: data)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("zuerst »webkasse operator setup«"), r.stderr)

        r = try webkasse(["operator", "setup", "--login", "admin", "--name", "Erika Muster"], stdin: "24680135\n24680136\n", data: data)
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stderr, "webkasse operator setup: Die beiden PIN-Eingaben stimmen nicht überein; bitte neu eingeben.\n")
        r = try webkasse(["operator", "setup", "--login", "admin", "--name", "Erika Muster"], stdin: "24680135\n24680135\n", data: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Erster Bediener »admin« (Erika Muster) angelegt mit den Rollen Kassenaufsicht, Administration.\n")
        r = try webkasse(["operator", "setup", "--login", "x2", "--name", "X"], stdin: "1357\n1357\n", data: data)
        XCTAssertEqual(r.status, 3)

        r = try webkasse(
            ["operator", "add", "jd", "--name", "Jana Dietz", "--roles", "Sachbearbeitung", "--by", "admin"], stdin: "24680135\n123\n123\n", data: data)
        XCTAssertEqual(r.stderr, "webkasse operator add: Die PIN muss aus 4 bis 8 Ziffern bestehen.\n")
        r = try webkasse(
            ["operator", "add", "jd", "--name", "Jana Dietz", "--roles", "sb", "--by", "admin"], stdin: "24680135\n86420975\n86420975\n", data: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try webkasse(["operator", "roles", "jd", "sb,Chef", "--by", "admin"], data: data)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("Unbekannte Rolle »Chef«"), r.stderr)
        // A clerk cannot add operators.
        r = try webkasse(["operator", "add", "xy", "--name", "X", "--roles", "sb", "--by", "jd"], stdin: "86420975\n1111\n1111\n", data: data)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "webkasse operator add: »Bediener verwalten« braucht die Rolle Administration; »jd« hat Sachbearbeitung.\n")
        // Own PIN without --by; lock and unlock.
        r = try webkasse(["operator", "set-pin", "jd"], stdin: "86420975\n97531864\n97531864\n", data: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try webkasse(["operator", "lock", "jd", "--by", "admin", "--reason", "Urlaub"], stdin: "24680135\n", data: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try webkasse(["operator", "list"], data: data)
        XCTAssertTrue(r.stdout.contains("jd            Jana Dietz              Sachbearbeitung                               gesperrt\n"), r.stdout)
        r = try webkasse(["operator", "unlock", "jd", "--by", "admin"], stdin: "24680135\n", data: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        // A wrong PIN at --by is refused and audited.
        r = try webkasse(["operator", "unlock", "jd", "--by", "admin"], stdin: "0000\n", data: data)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "webkasse operator unlock: Kennung oder PIN falsch; noch 4 Versuche bis zur Sperre.\n")

        r = try webkasse(["audit", "--json", "--operator", "jd"], data: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        let types = r.stdout.split(separator: "\n").compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
        }
        XCTAssertEqual(
            types, ["operator.added", "login.succeeded", "access.denied", "login.succeeded", "operator.pin_changed", "operator.locked", "operator.unlocked"])
        r = try webkasse(["audit", "--type", "login.failed"], data: data)
        XCTAssertTrue(r.stdout.hasSuffix("1 Eintrag.\n"), r.stdout)
        r = try webkasse(["audit", "--type", "kaffee"], data: data)
        XCTAssertEqual(r.status, 2)
        r = try webkasse(["audit", "--from", "2026-13-40"], data: data)
        XCTAssertEqual(r.status, 2)
        // No PIN and no PIN hash in any file or output.
        let everything =
            try [r.stdout]
            + FileManager.default.subpathsOfDirectory(atPath: data).compactMap { FileManager.default.contents(atPath: data + "/" + $0) }.map {
                String(decoding: $0, as: UTF8.self)
            }
        for text in everything { XCTAssertFalse(text.contains("$pbkdf2") && !text.contains("SQLite format")) }
        r = try webkasse(["audit", "--json"], data: data)
        for pin in ["24680135", "86420975", "97531864"] { XCTAssertFalse(r.stdout.contains(pin), pin) }
        XCTAssertTrue(try String(contentsOfFile: data + "/webkasse.log", encoding: .utf8).contains("Anmeldung jd"))
    }
}
