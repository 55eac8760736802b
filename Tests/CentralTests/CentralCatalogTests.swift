import Central
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The fee catalogue published by the centre and followed by the counters (docs/central.md,
/// "Stammdaten"), on a real PostgreSQL: validated before it is published, gapless versions, the
/// same files once, the counter's copy as its last good version while the centre is away.
final class CentralCatalogTests: XCTestCase {
    var database: CentralTestDatabase!
    var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        database = try CentralTestDatabase()
        try database.store().migrate()
        directory = try TemporaryDirectory(prefix: "central-catalog")
    }

    override func tearDown() {
        database?.drop()
        directory?.remove()
    }

    /// A copy of the shipped catalogue, its Personalausweis (24+) at `amount` from 2026-02-07.
    func catalogue(_ name: String, passport amount: String = "46,00") throws -> String {
        let path = directory.path + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Tariffs/buergeramt.json"), encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: "\"valid_from\": \"2026-02-07\",\n              \"amount\": \"46,00\"",
            with: "\"valid_from\": \"2026-02-07\",\n              \"amount\": \"\(amount)\"")
        try changed.write(toFile: path + "/buergeramt.json", atomically: true, encoding: .utf8)
        return path
    }

    func publish(_ path: String) throws -> CatalogPublication {
        try database.store().publishCatalog(path: path, versionOf: CatalogFiles.version, by: "Stadtkasse Meier")
    }

    func testVersionsAreNumberedInOrderAndTheSameFilesArePublishedOnce() throws {
        let first = try catalogue("v1")
        guard case .published(let one) = try publish(first) else { return XCTFail("not published") }
        XCTAssertEqual(one.version, 1)
        XCTAssertEqual(one.contentVersion, try CatalogFiles.load(path: first).version, "the version a sale records")
        XCTAssertEqual(one.publishedBy, "Stadtkasse Meier")
        guard case .unchanged(let same) = try publish(first) else { return XCTFail("the same files published again") }
        XCTAssertEqual(same, one)
        guard case .published(let two) = try publish(try catalogue("v2", passport: "50,00")) else { return XCTFail("not published") }
        XCTAssertEqual(two.version, 2)
        XCTAssertEqual(try database.store().publishedCatalogs().map(\.version), [2, 1])
        XCTAssertEqual(try database.store().catalogFiles(version: 2).map(\.name), ["buergeramt.json"])
        // Going back to the content of version 1 needs a new version with a change: refused as such.
        XCTAssertThrowsError(try publish(first)) { XCTAssertTrue("\($0)".contains("schon Version 1"), "\($0)") }
    }

    func testABrokenCatalogueIsNotPublishedAndItsProblemsAreNamed() throws {
        let broken = try catalogue("broken", passport: "46,0x")
        XCTAssertThrowsError(try publish(broken)) { error in
            guard case CentralError.catalogProblems(let problems) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.first?.file, broken + "/buergeramt.json")
            XCTAssertTrue(problems.first?.description.contains("»46,0x« ist kein Betrag") == true, "\(problems)")
        }
        XCTAssertEqual(try database.store().publishedCatalogs(), [])
    }

    /// The counter follows the newest version into its cache (after its interval), keeps it as
    /// the last good version while the centre is unreachable, and refuses nothing it has.
    func testTheCounterFollowsTheNewestVersionAndKeepsItWhileTheCentreIsAway() throws {
        _ = try publish(try catalogue("v1"))
        let register = directory.path + "/data/K1"
        let cache = CatalogCache(registerDirectory: register)
        let follower = CatalogFollower(cache: cache)
        XCTAssertNil(cache.currentDirectory)
        let start = Instant(millisecondsSinceEpoch: 1_800_000_000_000)
        XCTAssertEqual(follower.follow(try database.store(), now: start), 1)
        XCTAssertEqual(cache.currentVersion, 1)
        let v1 = try CatalogFiles.load(path: try XCTUnwrap(cache.currentDirectory))
        XCTAssertEqual(v1.version, try CatalogFiles.load(path: directory.path + "/v1").version)

        _ = try publish(try catalogue("v2", passport: "50,00"))
        XCTAssertNil(
            follower.follow(try database.store(), now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 1_000)), "not before the interval")
        let later = Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + CatalogFollower.intervalMs)
        XCTAssertEqual(follower.follow(try database.store(), now: later), 2)
        let v2 = try CatalogFiles.load(path: try XCTUnwrap(cache.currentDirectory))
        XCTAssertEqual(v2.item(code: "PA")?.variants.first?.price(on: BusinessDate(iso: "2026-12-01")!), Money(cents: 5000))

        // The centre goes away (its connection ends): the counter keeps version 2 and says why it has nothing newer.
        let store = try database.store()
        _ = try publish(try catalogue("v3", passport: "52,00"))
        let admin = try database.connect()
        try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        XCTAssertNil(follower.follow(store, now: Instant(millisecondsSinceEpoch: later.millisecondsSinceEpoch + CatalogFollower.intervalMs)))
        XCTAssertNotNil(follower.lastProblem)
        XCTAssertEqual(cache.currentVersion, 2)
        XCTAssertEqual(try CatalogFiles.load(path: try XCTUnwrap(cache.currentDirectory)).version, v2.version)
    }

    func testTheCounterRoleReadsTheCatalogueButCannotPublish() throws {
        _ = try publish(try catalogue("v1"))
        try database.createRole("kasse_k7", password: "geheim-k7")
        try database.store().grantCounterRole("kasse_k7")
        let counter = try PostgreSQLConnection(url: database.url(user: "kasse_k7"), password: "geheim-k7")
        XCTAssertEqual(try CentralStore(connection: counter).newestCatalog()?.version, 1)
        XCTAssertEqual(try CentralStore(connection: counter).catalogFiles(version: 1).count, 1)
        XCTAssertThrowsError(try counter.execute("INSERT INTO catalog_versions VALUES (2, 'x', 0, 'k7')")) {
            XCTAssertEqual(($0 as? PostgreSQLError)?.sqlState, .insufficientPrivilege, "\($0)")
        }
        XCTAssertThrowsError(try database.connect().execute("DELETE FROM catalog_files")) { XCTAssertTrue("\($0)".contains("unveränderlich"), "\($0)") }
    }
}
