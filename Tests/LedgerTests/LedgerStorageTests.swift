import CSQLite
import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

final class LedgerStorageTests: XCTestCase {
    func testOpensInWALWithForeignKeysAndSchemaVersion() throws {
        let fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        XCTAssertEqual(try fixture.ledger.schemaVersion(), migrations.map(\.version).max())
        let mode = try fixture.ledger.db.prepare("PRAGMA journal_mode")
        XCTAssertTrue(try mode.step())
        XCTAssertEqual(mode.text(0), "wal")
        XCTAssertEqual(try fixture.ledger.db.scalarInt("PRAGMA foreign_keys"), 1)
        XCTAssertEqual(try fixture.ledger.db.scalarInt("PRAGMA synchronous"), 2, "synchronous=FULL")
        // Reopening applies nothing twice.
        let again = try Ledger(path: fixture.path)
        XCTAssertEqual(try again.db.scalarInt("SELECT count(*) FROM schema_migrations"), Int64(migrations.count))
    }

    /// Compiled statements are reused, but two live statements of the same SQL never share one
    /// handle, and a reused statement starts reset with no bindings left over.
    func testStatementCacheNeverSharesALiveStatement() throws {
        let fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let db = fixture.ledger.db
        try db.execute("CREATE TEMP TABLE numbers (n INTEGER); INSERT INTO numbers VALUES (1), (2), (3)")
        let sql = "SELECT n FROM numbers WHERE n >= ? ORDER BY n"
        var pairs: [[Int64]] = []
        do {
            let outer = try db.prepare(sql)
            try outer.bind([.integer(1)])
            while try outer.step() {
                let n = outer.int64(0)
                // The same SQL while `outer` is mid-way: its own handle, and `outer` goes on.
                let inner = try db.prepare(sql)
                XCTAssertNotEqual(inner.handle, outer.handle)
                try inner.bind([.integer(n)])
                var seen: [Int64] = []
                while try inner.step() { seen.append(inner.int64(0)) }
                pairs.append([n] + seen)
            }
        }
        XCTAssertEqual(pairs, [[1, 1, 2, 3], [2, 2, 3], [3, 3]])
        // Released statements come back reset, without the old binding (NULL: no row matches).
        let again = try db.prepare(sql)
        XCTAssertFalse(try again.step(), "a reused statement must not keep the previous binding")
    }

    /// The period totals (X report, day close) and the start-up's receipt check read indexes,
    /// not every row of every day.
    func testPeriodQueriesUseTheirIndexes() throws {
        let fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        func plan(_ sql: String) throws -> String {
            let statement = try fixture.ledger.db.prepare("EXPLAIN QUERY PLAN " + sql)
            try statement.bind([.integer(0)])
            var details: [String] = []
            while try statement.step() { details.append(statement.text(3)) }
            return details.joined(separator: "; ")
        }
        XCTAssertTrue(
            try plan(PeriodSQL.sales)
                .contains("COVERING INDEX sales_period_totals"))
        XCTAssertTrue(try plan(PeriodSQL.payments).contains("COVERING INDEX payments_period_totals"))
        XCTAssertFalse(try plan(PeriodSQL.receiptNumbers).contains("SCAN receipts"))
    }

    /// The day close's itemisation reads two running sums per key and one covering index range per span of time, and sorts no period's lines.
    func testDayClosePeriodQueriesReadCoveringIndexRanges() throws {
        let fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        func plan(_ sql: String) throws -> String {
            let statement = try fixture.ledger.db.prepare("EXPLAIN QUERY PLAN " + sql)
            var details: [String] = []
            while try statement.step() { details.append(statement.text(3)) }
            return details.joined(separator: "; ")
        }
        let span = try plan(PeriodRowsSQL.salesSpan)
        XCTAssertTrue(span.contains("COVERING INDEX sales_time_period"), span)
        XCTAssertFalse(span.contains("TEMP B-TREE"), span)
        // The sums by item, account and method: seeks in the running sums' primary key, no scan, no sort.
        for sql in [PeriodRowsSQL.runningSums, PeriodRowsSQL.runningKeys, RunningSumsSQL.last] {
            let details = try plan(sql)
            XCTAssertTrue(details.contains("SEARCH running_sums USING PRIMARY KEY"), details)
            XCTAssertFalse(details.contains("SCAN running_sums"), details)
            XCTAssertFalse(details.contains("SCAN sale_lines"), details)
            XCTAssertFalse(details.contains("SCAN line_shares"), details)
            XCTAssertFalse(details.contains("SCAN payments"), details)
        }
        for sql in [PeriodRowsSQL.firstItemLine, PeriodRowsSQL.firstShareLine, PeriodRowsSQL.firstPaymentNumber, PeriodRowsSQL.saleShares] {
            let details = try plan(sql)
            XCTAssertFalse(details.contains("SCAN"), details)
        }
        // The stornos: a range of their own index, each storno's sale found by its id.
        let stornos = try plan(PeriodRowsSQL.stornos)
        XCTAssertFalse(stornos.contains("SCAN"), stornos)
        let cheques = try plan(PeriodRowsSQL.cheques)
        XCTAssertTrue(cheques.contains("COVERING INDEX payments_method_period"), cheques)
    }

    /// The running sums each sale adds are those migration 7 computes from all booked rows at once.
    func testRunningSumsWrittenPerSaleAreThoseOfTheBookedRows() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        _ = try fixture.typicalDay()
        let shift = try fixture.openDay()
        _ = try fixture.sale(shift: shift)
        _ = try fixture.sale(shift: shift, lines: [LedgerFixture.line(), LedgerFixture.line()])
        // A sale rolled back leaves no running sums behind, in the table or in the connection's memory.
        XCTAssertThrowsError(
            try fixture.ledger.transaction {
                _ = try fixture.sale(shift: shift)
                throw CancellationError()
            })
        // Another connection (a second process on the same file) books between this one's sales.
        let template = try fixture.sale(shift: shift)
        let other = try Ledger(path: fixture.ledger.path)
        try other.transaction {
            let sale = SaleRecord(
                id: "sale-other", receiptNumber: try other.nextReceiptNumber(), shiftId: shift.id, operatorId: template.operatorId,
                businessDate: template.businessDate, startedAt: template.startedAt, endedAt: template.endedAt, reference: nil,
                total: template.total, lines: template.lines, payments: template.payments)
            _ = try other.append(.sale(sale), at: template.endedAt)
        }
        _ = try fixture.sale(shift: shift)
        func rows(_ sql: String) throws -> [[String]] {
            let statement = try fixture.ledger.db.prepare(sql)
            var out: [[String]] = []
            while try statement.step() { out.append((0..<7).map { statement.text($0) }) }
            return out
        }
        let written = try rows("SELECT * FROM running_sums ORDER BY kind, key, seq")
        let fromRows = try rows("SELECT * FROM (" + RunningSumsSQL.fromRows.joined(separator: " UNION ALL ") + ") ORDER BY 1, 2, 3")
        XCTAssertEqual(written, fromRows)
        XCTAssertEqual(Set(written.map { $0[0] }), ["item", "share", "pass_through", "payment"], "the typical day has every kind")
        XCTAssertGreaterThan(written.count, 8)
    }

    /// A running sum that does not agree with the chained sales stops the day close with a clear
    /// message: one naming an item the sale does not have, or one with a changed amount.
    func testPeriodRowsRefuseRunningSumsThatDisagreeWithTheSales() throws {
        for tampering in ["an item the sale does not have", "a changed amount"] {
            var fixture = try LedgerFixture()
            defer { fixture.directory.remove() }
            let shift = try fixture.openDay()
            _ = try fixture.sale(shift: shift)
            _ = try fixture.movement(.einlage, Money(cents: 1_000), shift: shift)
            XCTAssertNoThrow(try fixture.ledger.periodRows(after: 0, before: nil))
            let sale = try fixture.ledger.db.scalarInt("SELECT max(seq) FROM sales") ?? 0
            let movement = try fixture.ledger.db.scalarInt("SELECT max(seq) FROM cash_movements") ?? 0
            if tampering == "a changed amount" {
                try fixture.ledger.db.execute(
                    """
                    INSERT INTO running_sums SELECT kind, key, \(movement), count, amount_cents + 100, 0, 0
                    FROM running_sums WHERE kind = 'item' AND seq = \(sale)
                    """)
            } else {
                try fixture.ledger.db.execute("INSERT INTO running_sums VALUES ('item', 'ZZ', \(sale), 1, 100, 0, 0)")
            }
            XCTAssertThrowsError(try fixture.ledger.periodRows(after: 0, before: nil), tampering) { error in
                guard case LedgerError.periodSumsDisagree(let part, _, _) = error else { return XCTFail("\(tampering): \(error)") }
                XCTAssertEqual(part, "Positionen", tampering)
                XCTAssertTrue("\(error)".contains("webkasse verify"), "\(error)")
            }
        }
    }

    func testRecordsRoundTripThroughTheTables() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let (sales, close) = try fixture.typicalDay()
        for sale in sales { XCTAssertEqual(try fixture.ledger.sale(id: sale.id), sale) }
        XCTAssertEqual(try fixture.ledger.lastDayClose(), close)
        XCTAssertEqual(try fixture.ledger.receipt(number: 3), .sale(sales[2]))
        guard case .storno(let storno, let original)? = try fixture.ledger.receipt(number: 5) else {
            return XCTFail("receipt 5 is the first storno")
        }
        XCTAssertEqual(original, sales[0])
        XCTAssertEqual(storno.saleId, sales[0].id)
        XCTAssertNil(try fixture.ledger.openShift(), "the day close ends the shift")
        XCTAssertNil(try fixture.ledger.receipt(number: 99))
    }

    /// The one operator reader gives what the event reader decodes of the operator entries.
    func testOperatorsReadAsTheEventReaderDecodesThem() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        _ = try fixture.typicalDay()
        let bernd = OperatorRecord(id: "op2", login: "bernd", name: "Bernd Bürger", createdAt: fixture.clock)
        try fixture.book(.operatorAdded(bernd))
        var decoded: [OperatorRecord] = []
        try fixture.ledger.forEachEvent { _, event in if case .operatorAdded(let r) = event { decoded.append(r) } }
        XCTAssertEqual(decoded.map(\.id), ["op1", "op2"])
        XCTAssertEqual(try fixture.ledger.operators(), decoded)
        for record in decoded {
            XCTAssertEqual(try fixture.ledger.operatorRecord(id: record.id), record)
            XCTAssertEqual(try fixture.ledger.operatorRecord(login: record.login), record)
        }
        XCTAssertNil(try fixture.ledger.operatorRecord(id: "nobody"))
        XCTAssertNil(try fixture.ledger.operatorRecord(login: "nobody"))
    }

    func testDayTotalsFollowTheCashFormula() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let (_, close) = try fixture.typicalDay()
        let t = close.totals
        // 100 float + cash (37 + 50) − storno cash (37 + 50) + 50 Einlage − 20 Abschöpfung.
        XCTAssertEqual(t.cash, Money(cents: 8700))
        XCTAssertEqual(t.stornoCash, Money(cents: 8700))
        XCTAssertEqual(t.cheque, Money(cents: 1300))
        XCTAssertEqual(t.card, Money(cents: 9700))
        XCTAssertEqual(t.stornoCard, Money(cents: 3000))
        XCTAssertEqual(close.expectedCash, Money(euros: 130))
        XCTAssertEqual(t.saleCount, 4)
        XCTAssertEqual(t.stornoCount, 2)
        XCTAssertEqual(t.firstReceipt, 1)
        XCTAssertEqual(t.lastReceipt, 8)
    }

    func testUpdateAndDeleteOfBookedRowsAreRefused() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        _ = try fixture.typicalDay()
        // Every append-only table with rows after a typical day (the credential, day-close detail
        // and approval tables stay empty here; verify checks their triggers).
        for table in appendOnlyTables where try fixture.ledger.db.scalarInt("SELECT count(*) FROM \(table)") ?? 0 > 0 {
            let update = RawSQLite.failure(fixture.path, "UPDATE \(table) SET seq = seq")
            XCTAssertNotNil(update, "UPDATE \(table) must fail")
            XCTAssertTrue(update?.contains("unveränderlich") ?? false, update ?? "")
            let delete = RawSQLite.failure(fixture.path, "DELETE FROM \(table)")
            XCTAssertTrue(delete?.contains("unveränderlich") ?? false, "DELETE \(table): \(delete ?? "succeeded")")
        }
        XCTAssertTrue(try fixture.ledger.verify().isClean)
    }

    func testInvalidRecordsAreRefusedAndNothingIsWritten() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let before = try fixture.ledger.entryCount()
        // Payments short by one cent.
        XCTAssertThrowsError(
            try fixture.sale(shift: shift, payments: [.cash(tendered: Money(cents: 3699), change: .zero)])
        ) { error in
            XCTAssertTrue("\(error)".contains("decken die Summe"), "\(error)")
        }
        // A full card number.
        var card = LedgerFixture.card(Money(cents: 3700))
        card = CardDetails(terminalId: card.terminalId, traceNumber: "1", receiptNumber: "1", cardName: "girocard", maskedPAN: "6805123412341234")
        XCTAssertThrowsError(try fixture.sale(shift: shift, payments: [PaymentRecord(method: .card, amount: Money(cents: 3700), card: card)]))
        // A receipt number out of sequence.
        let sale = SaleRecord(
            id: "x", receiptNumber: 5, shiftId: shift.id, operatorId: "op1", businessDate: shift.businessDate,
            startedAt: fixture.clock, endedAt: fixture.clock, reference: nil, total: Money(cents: 3700),
            lines: [LedgerFixture.line()], payments: [try .cash(tendered: Money(cents: 3700), change: .zero)])
        XCTAssertThrowsError(try fixture.book(.sale(sale))) { error in
            guard case LedgerError.receiptNumberOutOfSequence(1, 5) = error else { return XCTFail("\(error)") }
        }
        // A failure half-way through a transaction rolls everything back.
        XCTAssertThrowsError(
            try fixture.ledger.transaction {
                try fixture.ledger.append(.audit(AuditRecord(id: "a1", kind: "test", operatorId: nil, detail: "", at: fixture.clock)), at: fixture.clock)
                try fixture.ledger.append(.audit(AuditRecord(id: "a1", kind: "test", operatorId: nil, detail: "", at: fixture.clock)), at: fixture.clock)
            })
        XCTAssertEqual(try fixture.ledger.entryCount(), before)
        XCTAssertTrue(try fixture.ledger.verify().isClean)
    }

    func testAppendOutsideTransactionIsRefused() throws {
        let fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        XCTAssertThrowsError(
            try fixture.ledger.append(.audit(AuditRecord(id: "a", kind: "k", operatorId: nil, detail: "", at: .now)), at: .now))
    }

    func testAnEditedMigrationIsRefused() throws {
        let fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        RawSQLite.exec(fixture.path, "UPDATE schema_migrations SET sql_sha256 = 'x' WHERE version = 1")
        XCTAssertThrowsError(try Ledger(path: fixture.path)) { error in
            XCTAssertTrue("\(error)".contains("Migration 1"), "\(error)")
        }
    }

    func testDataDirectoryResolution() {
        XCTAssertEqual(DataDirectory.resolve(option: "/x", environment: ["WEBKASSE_DATA": "/y"]), "/x")
        XCTAssertEqual(DataDirectory.resolve(option: nil, environment: ["WEBKASSE_DATA": "/y", "XDG_DATA_HOME": "/z"]), "/y")
        XCTAssertEqual(DataDirectory.resolve(option: nil, environment: ["XDG_DATA_HOME": "/z", "HOME": "/h"]), "/z/webkasse")
        XCTAssertEqual(DataDirectory.resolve(option: nil, environment: ["HOME": "/h"]), "/h/.local/share/webkasse")
        XCTAssertEqual(DataDirectory.ledgerPath(data: "/d", register: "K1"), "/d/K1/ledger.sqlite")
        XCTAssertTrue(DataDirectory.isValidRegisterId("kasse-1"))
        XCTAssertFalse(DataDirectory.isValidRegisterId("../x"))
    }

    func testBusinessDateUsesTheOfficeTimeZone() {
        // 2026-11-26T23:30:00Z is already 27 November in Berlin (UTC+1).
        let instant = Instant(millisecondsSinceEpoch: 1_795_735_800_000)
        XCTAssertEqual(BusinessCalendar.iso8601UTC(instant), "2026-11-26T23:30:00.000Z")
        XCTAssertEqual(BusinessCalendar.berlin.date(of: instant), "2026-11-27")
        XCTAssertEqual(BusinessCalendar.berlin.time(of: instant), "00:30:00")
        XCTAssertEqual(BusinessCalendar(timeZoneIdentifier: "UTC")!.date(of: instant), "2026-11-26")
        XCTAssertEqual(BusinessCalendar.berlin.day(after: "2026-12-31"), "2027-01-01")
        // Summer time: 2026-07-01T22:30:00Z is 00:30 on 2 July (UTC+2).
        XCTAssertEqual(BusinessCalendar.berlin.date(of: Instant(millisecondsSinceEpoch: 1_782_945_000_000)), "2026-07-02")
    }
}

final class ConcurrencyTests: XCTestCase {
    /// Two processes (here: two connections) take turns: reads must not pin an old snapshot that
    /// makes the next write fail once the other one has written.
    func testTwoConnectionsTakeTurnsReadingAndWriting() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let other = try Ledger(path: fixture.path)
        for round in 0..<5 {
            _ = try fixture.ledger.lastClosedBusinessDate()
            _ = try fixture.ledger.entry(at: 1)
            _ = try fixture.ledger.sale(id: "none")
            _ = try other.entry(at: 1)
            let at = Instant(millisecondsSinceEpoch: Int64(round))
            try other.transaction {
                try other.append(.audit(AuditRecord(id: "other-\(round)", kind: "test", operatorId: nil, detail: "", at: at)), at: at)
            }
            try fixture.sale(shift: shift)
        }
        XCTAssertEqual(try other.lastReceiptNumber(), 5)
        XCTAssertTrue(try other.verify().isClean)
    }
}
