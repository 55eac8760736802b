import Foundation
import TestSupport
import XCTest

/// `webkasse central operator …` and a counter following it through the built binary, PINs on
/// standard input, against a real PostgreSQL (docs/central.md, "Bediener aus der Zentrale").
final class CentralOperatorCommandTests: XCTestCase {
    func testOperatorsAreManagedAtTheCentreAndTakenByTheCounterAtItsNextSync() throws {
        let database = try CentralTestDatabase()
        defer { database.drop() }
        try database.createRole("kasse_k1", password: "geheim-k1")
        let tmp = try TemporaryDirectory(prefix: "webkasse-central-operator")
        defer { tmp.remove() }
        let data = tmp.path + "/data"
        var text = "[register]\nid = K1\n[central]\nurl = \(database.url)\n"
        if let passwordFile = database.passwordFile { text += "password_file = \(passwordFile)\n" }
        let config = try tmp.write(text, to: "webkasse.conf")
        func webkasse(_ arguments: [String], stdin: String = "") throws -> ProcessResult {
            try runProcess(builtProduct("webkasse"), arguments + ["--data", data, "--config", config], stdin: stdin)
        }
        var r = try webkasse(["central", "init", "--counter-role", "kasse_k1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try webkasse(["central", "operator", "list"])
        XCTAssertEqual(r.stdout.split(separator: "\n").last, "(keine Bediener – Ersteinrichtung mit »webkasse central operator setup«)")
        // A counter's role cannot change the centre's operators.
        let counterConfig = try tmp.write("[register]\nid = K1\n[central]\nurl = \(database.url(user: "kasse_k1"))\n", to: "kasse.conf")
        r = try runProcess(
            builtProduct("webkasse"), ["central", "operator", "list", "--data", data, "--config", counterConfig],
            environment: ["WEBKASSE_CENTRAL_PASSWORD": "geheim-k1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("Diese Rolle darf die Bediener der Zentrale nicht lesen oder ändern"), r.stderr)

        r = try webkasse(["central", "operator", "setup", "--login", "meier", "--name", "Mia Meier"], stdin: "24680135\n24680135\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Erster Bediener »meier« (Mia Meier) angelegt mit den Rollen Kassenaufsicht, Administration.\n")
        r = try webkasse(
            ["central", "operator", "add", "anna", "--name", "Anna Amt", "--roles", "sb", "--by", "meier"], stdin: "24680135\n86420975\n86420975\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        // A clerk cannot add operators at the centre either.
        r = try webkasse(["central", "operator", "add", "xy", "--name", "X", "--roles", "sb", "--by", "anna"], stdin: "86420975\n1111\n1111\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "webkasse central operator add: »Bediener verwalten« braucht die Rolle Administration; »anna« hat Sachbearbeitung.\n")
        r = try webkasse(["central", "operator", "unlock", "anna", "--by", "meier"], stdin: "0000\n")
        XCTAssertEqual(r.stderr, "webkasse central operator unlock: Kennung oder PIN falsch; noch 4 Versuche bis zur Sperre.\n")

        // A counter with a centre sets up no operator of its own (and creates no ledger for it).
        r = try webkasse(["operator", "setup", "--login", "ich", "--name", "Ich"], stdin: "1357\n1357\n")
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("»webkasse central operator setup …«"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/K1/ledger.sqlite"))
        // The counter takes them at its sync (its ledger is created for it) and lists them.
        r = try webkasse(["sync", "--once"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Bediener der Zentrale: übernommen bis Ereignis "), r.stdout)
        r = try webkasse(["operator", "list"])
        XCTAssertTrue(r.stdout.contains("anna          Anna Amt                Sachbearbeitung                               aktiv\n"), r.stdout)
        // Changes at the counter are refused while it has a centre.
        r = try webkasse(["operator", "add", "xy", "--name", "X", "--roles", "sb", "--by", "meier"], stdin: "24680135\n1111\n1111\n")
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("»webkasse central operator add …«"), r.stderr)

        // The centre stopped: the counter authenticates against its copy. Five wrong PINs lock
        // anna at this counter, and a supervisor unlocks her here, offline.
        guard let cluster = ProcessInfo.processInfo.environment["WEBKASSE_TEST_PG_DIR"] else {
            return XCTFail("WEBKASSE_TEST_PG_DIR fehlt: der Testserver von scripts/pg-test-cluster start setzt es")
        }
        let script = packageRoot.appendingPathComponent("scripts/pg-test-cluster").path
        XCTAssertEqual(try runProcess(script, ["pause", cluster]).status, 0)
        var resumed = false
        defer { if !resumed { _ = try? runProcess(script, ["resume", cluster]) } }
        for attempt in 1...5 {
            r = try webkasse(["operator", "unlock", "anna", "--by", "anna"], stdin: "0000\n")
            XCTAssertEqual(r.status, 1, "attempt \(attempt): \(r.stderr)")
        }
        XCTAssertTrue(r.stderr.contains("Zu viele falsche PINs: »anna« ist für 15 Minuten gesperrt"), r.stderr)
        r = try webkasse(["operator", "unlock", "anna", "--by", "meier"], stdin: "24680135\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "»anna« ist entsperrt.\n")
        r = try webkasse(["sync", "--once"])
        XCTAssertEqual(r.status, 7, "the centre is away: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("Bediener der Zentrale: übernommen bis Ereignis "), r.stdout)
        XCTAssertEqual(try runProcess(script, ["resume", cluster]).status, 0)
        resumed = true

        // A central lock reaches the counter at its next sync.
        r = try webkasse(["central", "operator", "lock", "anna", "--by", "meier", "--reason", "ausgeschieden"], stdin: "24680135\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try webkasse(["operator", "list"])
        XCTAssertTrue(r.stdout.contains("Sachbearbeitung                               aktiv\n"), "not before the sync: \(r.stdout)")
        r = try webkasse(["sync", "--once"])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try webkasse(["operator", "list"])
        XCTAssertTrue(r.stdout.contains("anna          Anna Amt                Sachbearbeitung                               gesperrt\n"), r.stdout)
        // Only the centre unlocks a lock by hand.
        r = try webkasse(["operator", "unlock", "anna", "--by", "meier"], stdin: "24680135\n")
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("entsperren kann nur die Zentrale"), r.stderr)
        r = try webkasse(["central", "operator", "list"])
        XCTAssertTrue(r.stdout.contains("anna          Anna Amt                Sachbearbeitung                               gesperrt\n"), r.stdout)
    }
}
