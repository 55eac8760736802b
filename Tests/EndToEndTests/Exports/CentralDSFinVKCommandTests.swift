import Counter
import Fiscal
import Foundation
import TestSupport
import XCTest

/// `webkasse central export --format dsfinvk` as the Stadtkasse runs it (docs/central.md,
/// "Export"): two taxable days signed by the software TSE, delivered by `webkasse sync --once`,
/// give the files of the counter's own `webkasse export --format dsfinvk`.
final class CentralDSFinVKCommandTests: XCTestCase {
    func testTheCentresDSFinVKHasTheCountersFiles() throws {
        let webkasse = builtProduct("webkasse")
        guard FileManager.default.isExecutableFile(atPath: webkasse) else {
            throw XCTSkip("\(webkasse) is not built (swift build --build-tests builds it)")
        }
        let database = try CentralTestDatabase()
        defer { database.drop() }
        try database.store().migrate()
        let directory = try TemporaryDirectory(prefix: "central-dsfinvk")
        defer { directory.remove() }
        let signer = FiscalSigner(device: try SoftwareTSE(directory: directory.path + "/tse"), clientId: "K1")
        let day = try DSFinVKCounterDay(in: directory, fiscal: signer)
        try day.book()
        var config = "[office]\nname = Stadt Musterstadt\ntax_number = 12/345/67890\n[register]\nid = K1\n[central]\nurl = \(database.url)\n"
        if let passwordFile = database.passwordFile { config += "password_file = \(passwordFile)\n" }
        let environment = ["WEBKASSE_CONFIG": try directory.write(config, to: "webkasse.conf")]
        func run(_ arguments: [String]) throws -> ProcessResult {
            try runProcess(webkasse, arguments, environment: environment, currentDirectory: directory.path)
        }

        let sync = try run(["sync", "--once", "--data", day.data])
        XCTAssertEqual(sync.status, 0, sync.stdout + sync.stderr)
        let central = try run(["central", "export", "--format", "dsfinvk", "--z", "1", "--register", "K1", "--out", "zentrale.zip"])
        XCTAssertEqual(central.status, 0, central.stderr)
        XCTAssertTrue(central.stdout.hasPrefix("Export geschrieben: zentrale.zip (DSFinV-K, 1 Kassenabschluss, "), central.stdout)
        XCTAssertTrue(central.stdout.contains("Kassenabschlüsse: K1 Z 1 (2027-01-04)"), central.stdout)
        let local = try run(["export", "--format", "dsfinvk", "--z", "1", "--register", "K1", "--data", day.data, "--out", "kasse.zip"])
        XCTAssertEqual(local.status, 0, local.stderr)
        // The same Vorgänge and payments; the archives differ at most in the ZIP's DOS time.
        XCTAssertEqual(
            central.stdout.split(separator: "\n").dropFirst().filter { !$0.hasPrefix("SHA-256") },
            local.stdout.split(separator: "\n").dropFirst().filter { !$0.hasPrefix("SHA-256") })
        let centralFiles = try DSFinVKValidator.unzip(Array(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/zentrale.zip"))))
        let localFiles = try DSFinVKValidator.unzip(Array(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/kasse.zip"))))
        XCTAssertEqual(centralFiles, localFiles)
        XCTAssertEqual(DSFinVKValidator.problems(centralFiles), [])
        XCTAssertGreaterThan(DSFinVKValidator.rows(centralFiles, "transactions_tse.csv").count, 0)

        // A DSFinV-K is per Kassenabschluss: --new is refused with the option named, and a Z
        // number the centre does not hold is named.
        let new = try run(["central", "export", "--format", "dsfinvk", "--new", "--out", "neu.zip"])
        XCTAssertEqual(new.status, 2, new.stderr)
        XCTAssertTrue(new.stderr.contains("--z N oder --from/--to bei --format dsfinvk"), new.stderr)
        let missing = try run(["central", "export", "--format", "dsfinvk", "--z", "9", "--register", "K1", "--out", "z9.zip"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(
            missing.stderr.contains("Die Kasse K1 hat in der Zentrale keinen Tagesabschluss Z 9 (der letzte ist Z 2)."), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path + "/z9.zip"))
    }
}
