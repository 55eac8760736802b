import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// The catalogue version of a sale (migration 12, docs/ledger.md "Katalogversion"): hashed only
/// when present, read back, covered by the chain on both verify paths; a sale without one has the
/// bytes it always had.
final class CatalogVersionStorageTests: XCTestCase {
    func canonicalText(_ version: String?) -> String {
        let sale = CanonicalEncodingTests.sale
        let changed = SaleRecord(
            id: sale.id, receiptNumber: sale.receiptNumber, shiftId: sale.shiftId, operatorId: sale.operatorId,
            businessDate: sale.businessDate, startedAt: sale.startedAt, endedAt: sale.endedAt, reference: sale.reference,
            total: sale.total, lines: sale.lines, payments: sale.payments, catalogVersion: version)
        return String(
            decoding: CanonicalEncoding.bytes(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(changed)),
            as: UTF8.self)
    }

    func testTheVersionIsHashedAfterTheTotalOnlyWhenPresent() {
        let text = canonicalText("sha256:0123456789abcdef")
        XCTAssertTrue(text.contains("\ntotal_cents=\(CanonicalEncodingTests.sale.total.cents)\ncatalog_version=sha256:0123456789abcdef\nlines="), text)
        XCTAssertFalse(canonicalText(nil).contains("catalog_version"))
        XCTAssertEqual(
            CanonicalEncoding.hash(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(CanonicalEncodingTests.sale)),
            "e4cb599dc52da6504b0d8f55a2a3fa3350b98f7dc1d83f80ad90a42dafbe8df6", "a sale without a version hashes as before")
    }

    func testTheVersionIsReadBackAndAChangedVersionBreaksTheChain() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let old = try fixture.sale(shift: shift)
        let priced = try fixture.sale(shift: shift, catalogVersion: "sha256:0123456789abcdef")
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.sale(id: priced.id)?.catalogVersion, "sha256:0123456789abcdef")
        XCTAssertNil(try reopened.sale(id: old.id)?.catalogVersion)
        XCTAssertTrue(try reopened.verify().isClean)

        // Claiming another catalogue for the sale afterwards is seen on both paths, at that entry.
        RawSQLite.exec(fixture.path, "DROP TRIGGER sales_no_update")
        RawSQLite.exec(fixture.path, "UPDATE sales SET catalog_version = 'sha256:ffffffffffffffff' WHERE id = '\(priced.id)'")
        let tampered = try Ledger(path: fixture.path)
        let fast = try tampered.verify()
        XCTAssertFalse(fast.isClean)
        let row = try tampered.db.prepare("SELECT seq FROM sales WHERE id = '\(priced.id)'")
        XCTAssertTrue(try row.step())
        XCTAssertEqual(fast.problems.first(where: { $0.seq != nil })?.seq, row.int64(0))  // besides the missing trigger
        XCTAssertEqual(fast.problems, try tampered.verify(decodingEverySale: true).problems)
    }
}
