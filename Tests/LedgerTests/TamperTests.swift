import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// Each test changes a clean ledger through the sqlite3 C API, as someone with the file could,
/// and checks that `verify` finds it and names the first bad entry.
final class TamperTests: XCTestCase {
    private var fixture: LedgerFixture!
    private var sales: [SaleRecord] = []

    override func setUpWithError() throws {
        fixture = try LedgerFixture()
        sales = try fixture.typicalDay().sales
        let clean = try fixture.ledger.verify()
        XCTAssertTrue(clean.isClean, "\(clean.problems)")
    }

    override func tearDown() { fixture.directory.remove() }

    private func seq(ofSale index: Int) throws -> Int64 {
        try fixture.ledger.seq("SELECT seq FROM sales WHERE id = ?", [.text(sales[index].id)])!
    }

    /// `verify`, checked against the slower path that decodes every sale (CanonicalParityTests).
    private func verify(file: StaticString = #filePath, line: UInt = #line) throws -> VerificationReport {
        let ledger = try Ledger(path: fixture.path)
        let report = try ledger.verify()
        XCTAssertEqual(report.problems, try ledger.verify(decodingEverySale: true).problems, "the two readers disagree", file: file, line: line)
        return report
    }

    func testChangedAmountIsNamed() throws {
        let target = try seq(ofSale: 1)
        RawSQLite.dropTriggers(fixture.path, ["sale_lines", "line_shares"])
        RawSQLite.exec(fixture.path, "UPDATE line_shares SET amount_cents = amount_cents - 100 WHERE seq = \(target) AND share_no = 2")
        RawSQLite.exec(fixture.path, "UPDATE line_shares SET amount_cents = amount_cents + 100 WHERE seq = \(target) AND share_no = 1")
        RawSQLite.restoreTriggers(fixture.path, ["sale_lines", "line_shares"])
        let report = try verify()
        let first = try XCTUnwrap(report.firstProblem)
        XCTAssertEqual(first.seq, target)
        XCTAssertEqual(first.check, .chain)
        XCTAssertEqual(first.receiptNumber, 2)
        XCTAssertEqual(first.description, "Eintrag \(target) (Verkauf, Beleg 2): Die Prüfsumme stimmt nicht: der Eintrag wurde nach der Buchung verändert.")
        XCTAssertEqual(report.problems.count, 1, "\(report.problems)")
    }

    func testChangedPaymentAmountIsNamedWithTheImbalance() throws {
        let target = try seq(ofSale: 0)
        RawSQLite.dropTriggers(fixture.path, ["payments"])
        RawSQLite.exec(fixture.path, "UPDATE payments SET amount_cents = 3000, change_cents = 1000 WHERE seq = \(target)")
        let report = try verify()
        XCTAssertEqual(report.problems.first?.check, .schema, "the missing triggers are reported first")
        let entryProblems = report.problems.filter { $0.seq != nil }
        XCTAssertEqual(entryProblems.first?.seq, target)
        XCTAssertTrue(entryProblems.contains { $0.check == .balance && $0.seq == target }, "\(entryProblems)")
        XCTAssertTrue(entryProblems.contains { $0.check == .chain && $0.seq == target })
    }

    func testDeletedLineIsNamed() throws {
        let target = try seq(ofSale: 2)
        RawSQLite.dropTriggers(fixture.path, ["sale_lines", "line_shares"])
        RawSQLite.exec(
            fixture.path, "DELETE FROM line_shares WHERE seq = \(target) AND line_no = 2; DELETE FROM sale_lines WHERE seq = \(target) AND line_no = 2")
        RawSQLite.restoreTriggers(fixture.path, ["sale_lines", "line_shares"])
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, target)
        XCTAssertEqual(report.firstProblem?.receiptNumber, 3)
        XCTAssertTrue(report.problems.allSatisfy { $0.seq == target }, "\(report.problems)")
    }

    func testDeletedJournalEntryIsNamed() throws {
        let target = try seq(ofSale: 1)
        RawSQLite.dropTriggers(fixture.path, ["journal", "sales", "sale_lines", "line_shares", "payments", "receipts"])
        RawSQLite.exec(
            fixture.path,
            "PRAGMA foreign_keys=OFF; DELETE FROM journal WHERE seq = \(target); DELETE FROM sales WHERE seq = \(target); DELETE FROM sale_lines WHERE seq = \(target); DELETE FROM line_shares WHERE seq = \(target); DELETE FROM payments WHERE seq = \(target); DELETE FROM receipts WHERE seq = \(target)"
        )
        RawSQLite.restoreTriggers(fixture.path, ["journal", "sales", "sale_lines", "line_shares", "payments", "receipts"])
        let report = try verify()
        let first = try XCTUnwrap(report.firstProblem)
        XCTAssertEqual(first.seq, target + 1, "the entry after the gap")
        XCTAssertEqual(first.check, .sequence)
        XCTAssertTrue(first.message.contains("Eintrag \(target)"), first.message)
        XCTAssertTrue(report.problems.contains { $0.check == .chain && $0.seq == target + 1 })
        XCTAssertTrue(report.problems.contains { $0.check == .receipts && $0.message.contains("Belege 2–2 fehlen") }, "\(report.problems)")
        XCTAssertTrue(report.problems.contains { $0.check == .storno || $0.check == .dayClose }, "the close totals no longer match")
    }

    func testInsertedPaymentRowIsNamed() throws {
        let target = try seq(ofSale: 1)
        RawSQLite.exec(
            fixture.path,
            "INSERT INTO payments (seq, payment_no, method, amount_cents, tendered_cents, change_cents) VALUES (\(target), 2, 'cash', 500, 500, 0)")
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, target)
        XCTAssertEqual(report.firstProblem?.receiptNumber, 2)
        XCTAssertTrue(report.problems.contains { $0.check == .chain && $0.seq == target })
        XCTAssertTrue(report.problems.contains { $0.check == .balance && $0.seq == target })
    }

    func testInsertedSaleWithoutJournalEntryIsNamed() throws {
        let head = try fixture.ledger.chainHead().seq
        RawSQLite.exec(
            fixture.path,
            """
            PRAGMA foreign_keys=OFF;
            INSERT INTO sales (seq, id, receipt_number, shift_id, operator_id, business_date, started_at_ms, ended_at_ms, total_cents)
            VALUES (\(head + 1), 'ghost', 99, 'shift-1', 'op1', '2026-11-27', 0, 0, 100)
            """)
        let report = try verify()
        let first = try XCTUnwrap(report.firstProblem)
        XCTAssertEqual(first.seq, head + 1)
        XCTAssertEqual(first.check, .missingOrExtraRow)
        XCTAssertTrue(first.message.contains("sales"), first.message)
    }

    func testInsertedJournalEntryIsNamed() throws {
        // An attacker appends a plausible entry but cannot produce the hash without redoing the chain.
        let head = try fixture.ledger.chainHead()
        RawSQLite.exec(
            fixture.path,
            """
            INSERT INTO journal VALUES (\(head.seq + 1), 'audit', 'fake', 0, '\(head.hash)', '\(String(repeating: "a", count: 64))');
            INSERT INTO audit_events VALUES (\(head.seq + 1), 'fake', 'login', NULL, '', 0);
            """)
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, head.seq + 1)
        XCTAssertEqual(report.firstProblem?.check, .chain)
    }

    func testReorderedSequenceIsNamed() throws {
        let a = try seq(ofSale: 1)
        let b = try seq(ofSale: 2)
        let tables = ["journal", "sales", "sale_lines", "line_shares", "payments", "receipts"]
        RawSQLite.dropTriggers(fixture.path, tables)
        var swap = "PRAGMA foreign_keys=OFF; PRAGMA defer_foreign_keys=ON; BEGIN;"
        for table in tables {
            swap +=
                "UPDATE \(table) SET seq = -1 WHERE seq = \(a); UPDATE \(table) SET seq = \(a) WHERE seq = \(b); UPDATE \(table) SET seq = \(b) WHERE seq = -1;"
        }
        swap += "COMMIT;"
        RawSQLite.exec(fixture.path, swap)
        RawSQLite.restoreTriggers(fixture.path, tables)
        let report = try verify()
        let first = try XCTUnwrap(report.firstProblem)
        XCTAssertEqual(first.seq, a)
        XCTAssertEqual(first.check, .chain)
        XCTAssertTrue(report.problems.contains { $0.check == .receipts }, "receipts 3 before 2: \(report.problems)")
    }

    func testDroppedTriggerAloneIsReported() throws {
        RawSQLite.exec(fixture.path, "DROP TRIGGER sales_no_update")
        let report = try verify()
        XCTAssertEqual(report.problems.count, 1)
        XCTAssertEqual(report.firstProblem?.check, .schema)
        XCTAssertTrue(report.firstProblem!.description.contains("sales_no_update"))
    }

    func testEveryAppendOnlyTableOfTheMigrationsHasItsTriggersChecked() throws {
        // The list verify checks is the migrations' own: the credentials, day-close detail and
        // approval tables of later migrations are on it.
        XCTAssertEqual(Set(appendOnlyTables), Set(migrations.flatMap(\.appendOnlyTables)))
        for table in ["operator_credentials", "day_close_details", "day_close_counts", "approval_uses"] {
            XCTAssertTrue(appendOnlyTables.contains(table), table)
        }
        for table in appendOnlyTables {
            for suffix in ["_no_update", "_no_delete"] {
                let trigger = table + suffix
                RawSQLite.exec(fixture.path, "DROP TRIGGER \(trigger)")
                let report = try Ledger(path: fixture.path).verify()
                XCTAssertEqual(report.problems.map(\.check), [.schema], trigger)
                XCTAssertEqual(
                    report.firstProblem?.description,
                    "Kassenbuch: Der Schutz-Trigger \(trigger) fehlt: die Tabelle \(table) ist nicht mehr unveränderlich.", trigger)
                // Put both back (the other one is dropped first so the migration's text applies as is).
                RawSQLite.exec(fixture.path, "DROP TRIGGER \(table + (suffix == "_no_update" ? "_no_delete" : "_no_update"))")
                RawSQLite.restoreTriggers(fixture.path, [table])
            }
        }
    }

    // Each invariant of verify, broken through the C API (with the triggers put back afterwards).

    func testChangedReceiptNumberBreaksTheGaplessSequence() throws {
        let target = try seq(ofSale: 2)
        RawSQLite.dropTriggers(fixture.path, ["sales", "receipts"])
        RawSQLite.exec(
            fixture.path,
            "PRAGMA foreign_keys=OFF; UPDATE receipts SET number = 40 WHERE seq = \(target); UPDATE sales SET receipt_number = 40 WHERE seq = \(target)")
        RawSQLite.restoreTriggers(fixture.path, ["sales", "receipts"])
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, target)
        XCTAssertTrue(report.problems.contains { $0.check == .receipts && $0.seq == target && $0.message.contains("Belege 3–39 fehlen") }, "\(report.problems)")
        XCTAssertTrue(report.problems.contains { $0.check == .chain && $0.seq == target })
    }

    func testStornoPointingElsewhereIsNamed() throws {
        let storno = try fixture.ledger.seq("SELECT seq FROM stornos ORDER BY seq LIMIT 1")!
        RawSQLite.dropTriggers(fixture.path, ["stornos"])
        RawSQLite.exec(fixture.path, "PRAGMA foreign_keys=OFF; UPDATE stornos SET sale_id = 'elsewhere' WHERE seq = \(storno)")
        RawSQLite.restoreTriggers(fixture.path, ["stornos"])
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, storno)
        XCTAssertTrue(report.problems.contains { $0.check == .storno && $0.message.contains("unbekannten Verkauf elsewhere") }, "\(report.problems)")
        XCTAssertTrue(report.problems.contains { $0.check == .chain && $0.seq == storno })
    }

    func testChangedDayCloseTotalIsNamed() throws {
        let close = try fixture.ledger.seq("SELECT seq FROM day_closes")!
        RawSQLite.dropTriggers(fixture.path, ["day_closes"])
        RawSQLite.exec(
            fixture.path,
            "UPDATE day_closes SET cash_cents = cash_cents - 1000, expected_cash_cents = expected_cash_cents - 1000, counted_cash_cents = counted_cash_cents - 1000 WHERE seq = \(close)"
        )
        RawSQLite.restoreTriggers(fixture.path, ["day_closes"])
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, close)
        XCTAssertTrue(report.problems.contains { $0.check == .dayClose && $0.message.contains("Bar 77,00 € statt 87,00 €") }, "\(report.problems)")
        XCTAssertTrue(report.problems.contains { $0.check == .chain && $0.seq == close })
    }

    func testUnbalancedSaleFromTheCAPIIsNamed() throws {
        let target = try seq(ofSale: 3)
        RawSQLite.dropTriggers(fixture.path, ["sales"])
        RawSQLite.exec(fixture.path, "UPDATE sales SET total_cents = total_cents + 1 WHERE seq = \(target)")
        RawSQLite.restoreTriggers(fixture.path, ["sales"])
        let report = try verify()
        XCTAssertEqual(report.firstProblem?.seq, target)
        XCTAssertTrue(
            report.problems.contains { $0.check == .balance && $0.seq == target && $0.message.contains("nicht die Summe der Positionen") }, "\(report.problems)"
        )
    }
}
