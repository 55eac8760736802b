import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// The TSE's answers in the ledger (migration 13, docs/fiscal.md): read back, hashed in the chain,
/// and a ledger from before the migration verifies with every hash it had.
final class TSETransactionStorageTests: XCTestCase {
    static func signed(_ bookingId: String, number: Int64, at: Instant) -> TSETransactionRecord {
        TSETransactionRecord(
            id: "tse-\(number)", booking: .sale, bookingId: bookingId, clientId: "K1", serial: String(repeating: "ab", count: 32),
            transactionNumber: number, startedAt: at, endedAt: at, processType: "Kassenbeleg-V1",
            processData: "Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar", signatureCounter: number * 2, signature: "c2lnbmF0dXJl",
            signatureAlgorithm: "ecdsa-plain-SHA256", logTimeFormat: "unixTime", publicKey: "BAE=", error: nil, at: at)
    }

    func testTheAnswerIsReadBackPerBookingAndAChangedSignatureBreaksTheChain() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let sale = try fixture.sale(shift: shift)
        let record = Self.signed(sale.id, number: 1, at: fixture.tick())
        try fixture.book(.tseTransaction(record))
        let failed = TSETransactionRecord(
            id: "tse-f", booking: .sale, bookingId: "other", clientId: "K1", serial: nil, transactionNumber: nil, startedAt: nil, endedAt: nil,
            processType: "Kassenbeleg-V1", processData: "Beleg^0.00_0.00_0.00_0.00_1.00^1.00:Bar", signatureCounter: nil, signature: nil,
            signatureAlgorithm: nil, logTimeFormat: nil, publicKey: nil, error: "TSE nicht erreichbar: weg", at: fixture.tick())
        try fixture.book(.tseTransaction(failed))
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.tseTransaction(forBooking: sale.id), record)
        XCTAssertEqual(try reopened.tseTransactions().map(\.record), [record, failed])
        XCTAssertEqual(try reopened.tseTransactionNumbers(serial: record.serial!), [1])
        XCTAssertEqual(try reopened.tseFailures(after: 0).count, 1)
        XCTAssertTrue(try reopened.verify().isClean)
        // A signature without a failure text or neither is refused by the table.
        let refused = RawSQLite.failure(
            fixture.path,
            "INSERT INTO tse_transactions SELECT 999, 'x', booking_kind, booking_id, client_id, tse_serial, tse_tanr, tse_ta_start_ms, tse_ta_ende_ms, tse_ta_vorgangsart, tse_vorgangsdaten, tse_ta_sigz, NULL, tse_sig_algo, tse_zeitformat, tse_public_key, NULL, at_ms FROM tse_transactions LIMIT 1"
        )
        XCTAssertTrue(refused?.contains("CHECK") ?? false, refused ?? "accepted")

        RawSQLite.dropTriggers(fixture.path, ["tse_transactions"])
        RawSQLite.exec(fixture.path, "UPDATE tse_transactions SET tse_ta_sig = 'Zm9yZ2Vk' WHERE id = 'tse-1'")
        RawSQLite.restoreTriggers(fixture.path, ["tse_transactions"])
        XCTAssertEqual(try Ledger(path: fixture.path).verify().firstProblem?.check, .chain)
    }

    /// A ledger written before migration 13 (its table and its row in schema_migrations removed
    /// again) is migrated on opening and verifies with every hash it had.
    func testALedgerFromBeforeTheMigrationVerifiesUnchanged() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        _ = try fixture.typicalDay()
        RawSQLite.exec(fixture.path, "DROP TABLE tse_transactions; DELETE FROM schema_migrations WHERE version = 13;")
        let hashes = try fixture.ledger.db.prepare("SELECT hash FROM journal ORDER BY seq")
        var before: [String] = []
        while try hashes.step() { before.append(hashes.text(0)) }
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.schemaVersion(), migrations.map(\.version).max())
        let report = try reopened.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)")
        let after = try reopened.db.prepare("SELECT hash FROM journal ORDER BY seq")
        var hashesAfter: [String] = []
        while try after.step() { hashesAfter.append(after.text(0)) }
        XCTAssertEqual(hashesAfter, before)
        XCTAssertFalse(before.isEmpty)
    }
}
