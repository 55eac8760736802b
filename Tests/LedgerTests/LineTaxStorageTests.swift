import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// The VAT of a sale line in the ledger (migration 11, docs/ledger.md "Umsatzsteuer"): hashed only
/// when present, read back, covered by the chain and by both verify paths; a ledger from before
/// the migration verifies unchanged.
final class LineTaxStorageTests: XCTestCase {
    static func taxed(_ line: SaleLine, _ tax: LineTax, vat: Int64) -> SaleLine {
        SaleLine(
            itemCode: line.itemCode, name: line.name, variant: line.variant, quantity: line.quantity, unitPrice: line.unitPrice,
            amount: line.amount, sachkonto: line.sachkonto, produkt: line.produkt, kostenstelle: line.kostenstelle,
            taxNote: line.taxNote, shares: line.shares, tax: tax, vat: Money(cents: vat))
    }

    static let copies = taxed(
        LedgerFixture.line("KOP", cents: 50, quantity: 3), LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900), vat: 24)
    static let map = taxed(
        LedgerFixture.line("SPL", cents: 490), LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700), vat: 32)
    static let exempt = taxed(LedgerFixture.line("X", cents: 200), LineTax(treatment: .steuerfrei(legalBasis: "§ 4 Nr. 8 UStG")), vat: 0)

    func canonicalText(_ lines: [SaleLine]) -> String {
        let sale = CanonicalEncodingTests.sale
        let changed = SaleRecord(
            id: sale.id, receiptNumber: sale.receiptNumber, shiftId: sale.shiftId, operatorId: sale.operatorId,
            businessDate: sale.businessDate, startedAt: sale.startedAt, endedAt: sale.endedAt, reference: sale.reference,
            total: sale.total, lines: lines, payments: sale.payments)
        return String(
            decoding: CanonicalEncoding.bytes(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(changed)),
            as: UTF8.self)
    }

    func testTaxFieldsAreHashedOnlyForTaxableOrExemptLines() {
        let text = canonicalText([LedgerFixture.line(), Self.copies, Self.exempt])
        XCTAssertTrue(
            text.contains(
                "\nline.2.tax_note=Gebühr, nicht umsatzsteuerbar\nline.2.tax_treatment=steuerpflichtig\nline.2.tax_rate=NORMAL\n"
                    + "line.2.tax_rate_bp=1900\nline.2.tax_vat_cents=24\nline.2.shares=1\n"), text)
        XCTAssertTrue(text.contains("\nline.3.tax_treatment=steuerfrei\nline.3.tax_vat_cents=0\nline.3.tax_legal_basis=§ 4 Nr. 8 UStG\n"), text)
        XCTAssertFalse(text.contains("line.1.tax_treatment"), text)
        // A fee line given as nicht steuerbar is stored as before: no field, the same hash.
        let fee = Self.taxed(LedgerFixture.line(), .nichtSteuerbar, vat: 0)
        XCTAssertNil(fee.tax)
        XCTAssertEqual(canonicalText([fee]), canonicalText([LedgerFixture.line()]))
        XCTAssertEqual(
            CanonicalEncoding.hash(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(CanonicalEncodingTests.sale)),
            "e4cb599dc52da6504b0d8f55a2a3fa3350b98f7dc1d83f80ad90a42dafbe8df6", "the format-1 pin is unchanged")
    }

    func testTaxIsReadBackAndVerifiedOnBothPaths() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let mixed = try fixture.sale(shift: shift, lines: [LedgerFixture.line(cents: 1300), Self.copies, Self.map, Self.exempt])
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.sale(id: mixed.id), mixed)
        XCTAssertEqual(try reopened.sale(id: mixed.id)?.lines.map(\.vatAmount), [.zero, Money(cents: 24), Money(cents: 32), .zero])
        let report = try reopened.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)")
        XCTAssertEqual(report.problems, try reopened.verify(decodingEverySale: true).problems)
        XCTAssertEqual(try reopened.schemaVersion(), migrations.map(\.version).max())
    }

    func testAChangedRateOrVATBreaksTheChain() throws {
        for edit in [
            "UPDATE sale_lines SET tax_vat_cents = 23 WHERE tax_vat_cents = 24",
            "UPDATE sale_lines SET tax_rate_bp = 700 WHERE tax_rate = 'NORMAL'",
            "UPDATE sale_lines SET tax_treatment = 'steuerfrei' WHERE tax_treatment IS NULL",
        ] {
            var fixture = try LedgerFixture()
            defer { fixture.directory.remove() }
            let shift = try fixture.openDay()
            try fixture.sale(shift: shift, lines: [LedgerFixture.line(cents: 1300), Self.copies])
            RawSQLite.dropTriggers(fixture.path, ["sale_lines"])
            RawSQLite.exec(fixture.path, edit)
            RawSQLite.restoreTriggers(fixture.path, ["sale_lines"])
            let ledger = try Ledger(path: fixture.path)
            let report = try ledger.verify()
            XCTAssertEqual(report.firstProblem?.check, .chain, edit)
            XCTAssertEqual(report.problems, try ledger.verify(decodingEverySale: true).problems, edit)
        }
    }

    /// A ledger written before migration 11 (its columns and its row in schema_migrations removed
    /// again) is migrated on opening and verifies with every hash it had.
    func testALedgerFromBeforeTheMigrationVerifiesUnchanged() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let sale = try fixture.sale(shift: shift, lines: [LedgerFixture.line(cents: 1300, bundShare: 780), LedgerFixture.line("MB", cents: 900)])
        RawSQLite.exec(
            fixture.path,
            ["tax_treatment", "tax_rate", "tax_rate_bp", "tax_vat_cents", "tax_legal_basis"].map { "ALTER TABLE sale_lines DROP COLUMN \($0);" }
                .joined() + "DELETE FROM schema_migrations WHERE version = 11;")
        let hashes = try fixture.ledger.db.prepare("SELECT hash FROM journal ORDER BY seq")
        var before: [String] = []
        while try hashes.step() { before.append(hashes.text(0)) }
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.schemaVersion(), migrations.map(\.version).max())
        XCTAssertEqual(try reopened.sale(id: sale.id), sale)
        let report = try reopened.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)")
        XCTAssertEqual(report.problems, try reopened.verify(decodingEverySale: true).problems)
        let after = try reopened.db.prepare("SELECT hash FROM journal ORDER BY seq")
        var hashesAfter: [String] = []
        while try after.step() { hashesAfter.append(after.text(0)) }
        XCTAssertEqual(hashesAfter, before)
        XCTAssertFalse(before.isEmpty)
    }
}
