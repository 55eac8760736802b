import Central
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The central schema on a real PostgreSQL (docs/central.md, "Schema"): append-only, the counter
/// role's rights, `central verify` naming a tampered row, migrations, the password file.
final class CentralSchemaTests: XCTestCase {
    var database: CentralTestDatabase!
    var fixture: LedgerDayFixture!

    override func setUpWithError() throws {
        database = try CentralTestDatabase()
        try database.store().migrate()
        fixture = try LedgerDayFixture(register: "K1")
        try fixture.build()
    }

    override func tearDown() {
        database?.drop()
        fixture?.directory.remove()
    }

    func deliver(_ register: String = "K1", connect: @escaping () throws -> CentralStore) -> CentralSyncStatus {
        let ledger = fixture.ledger
        return CentralDelivery(
            ledger: ledger, register: register, cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path), connect: connect
        ).runOnce()
    }

    func assertRefused(
        _ sql: String, _ state: SQLState, containing text: String? = nil, on connection: PostgreSQLConnection, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        let result = Result { () throws(PostgreSQLError) in try connection.execute(sql) }
        guard case .failure(let error) = result else { return XCTFail("»\(sql)« was not refused", file: file, line: line) }
        XCTAssertEqual(error.sqlState, state, "\(sql): \(error)", file: file, line: line)
        if let text { XCTAssertTrue(error.description.contains(text), error.description, file: file, line: line) }
    }

    func testUpdateDeleteAndTruncateAreRefusedOnEveryJournalTableEvenForTheOwner() throws {
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        let admin = try database.connect()
        assertRefused(
            "UPDATE journal SET hash = 'x' WHERE register_id = 'K1' AND seq = 5", .raiseException,
            containing: "Gebuchte Daten sind unveränderlich: journal darf nicht geändert werden", on: admin)
        assertRefused("DELETE FROM sales WHERE register_id = 'K1'", .raiseException, containing: "sales darf nicht gelöscht werden", on: admin)
        assertRefused("TRUNCATE payments CASCADE", .raiseException, on: admin)
        assertRefused("UPDATE forks SET seq = 1", .raiseException, on: admin)
        // Every table of the schema has its triggers.
        let tables = try admin.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'central_schema_version'
              AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = c.relname || '_append_only')
            """)
        XCTAssertEqual(tables.rowCount, 0, (0..<tables.rowCount).compactMap { tables.text($0, 0) }.joined(separator: ", "))
        XCTAssertEqual(try admin.execute("SELECT count(*) FROM journal").int64(0, 0), 15)
    }

    func testTheCounterRoleMayInsertJournalDataButNotChangeOrReadRecords() throws {
        try database.createRole("kasse_k1", password: "geheim-k1")
        try database.store().grantCounterRole("kasse_k1")
        let url = database.url(user: "kasse_k1")
        let passwordFile = fixture.directory.path + "/central.password"
        try "geheim-k1\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        let settings = CentralSettings(url: url, passwordFile: passwordFile)
        let status = deliver { try CentralStore(settings: settings, environment: [:]) }
        XCTAssertNil(status.lastError)
        XCTAssertEqual(status.acknowledged, 15)

        let counter = try PostgreSQLConnection(url: url, password: "geheim-k1")
        assertRefused("UPDATE journal SET kind = 'x'", .insufficientPrivilege, on: counter)
        assertRefused("DELETE FROM sales", .insufficientPrivilege, on: counter)
        assertRefused("SELECT total_cents FROM sales", .insufficientPrivilege, on: counter)
        assertRefused("SELECT canonical FROM journal", .insufficientPrivilege, on: counter)
        assertRefused("SELECT * FROM forks", .insufficientPrivilege, on: counter)
        assertRefused("CREATE TABLE sneaky (x int)", .insufficientPrivilege, on: counter)
        XCTAssertEqual(try counter.execute("SELECT max(seq) FROM journal WHERE register_id = 'K1'").int64(0, 0), 15)
    }

    func testAPasswordFileOthersMayReadIsRefusedNamingTheFile() throws {
        let passwordFile = fixture.directory.path + "/central.password"
        try "geheim\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o644)
        let settings = CentralSettings(url: database.url, passwordFile: passwordFile)
        XCTAssertThrowsError(try settings.password(environment: [:])) { error in
            XCTAssertEqual(
                "\(error)", "Die Passwortdatei \(passwordFile) ist für andere lesbar (Rechte 0644); erlaubt ist nur 0600 (`chmod 600 \(passwordFile)`).")
        }
        chmod(passwordFile, 0o600)
        XCTAssertEqual(try settings.password(environment: [:]), "geheim")
        XCTAssertEqual(try CentralSettings(url: database.url).password(environment: ["WEBKASSE_CENTRAL_PASSWORD": "aus-der-umgebung"]), "aus-der-umgebung")
    }

    func testAWrongPasswordIsAClearGermanErrorWithoutThePassword() throws {
        try database.createRole("kasse_k2", password: "richtig")
        let url = database.url(user: "kasse_k2")
        let result = Result { () throws(PostgreSQLError) in try PostgreSQLConnection(url: url, password: "falsch-und-geheim") }
        guard case .failure(let error) = result else { return XCTFail("connected with a wrong password") }
        XCTAssertTrue(error.description.hasPrefix("Anmeldung an der Zentrale abgelehnt"), error.description)
        XCTAssertFalse(error.description.contains("falsch-und-geheim"))
        XCTAssertEqual(
            PostgreSQLConnection.withoutPassword("postgresql://kasse:geheim@zentrale:5432/webkasse"), "postgresql://kasse:***@zentrale:5432/webkasse")
    }

    func testCentralVerifyNamesATamperedRowAndATamperedCanonicalEntry() throws {
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        let store = try database.store()
        XCTAssertTrue(try CentralVerifier(store: store).verify(rows: true).isClean)
        let sale = try store.connection.execute("SELECT seq FROM sales WHERE register_id = 'K1' ORDER BY seq LIMIT 1 OFFSET 1").int64(0, 0)!
        // As the superuser, around the append-only trigger: a sale's amount at the centre changed.
        let admin = try database.connect()
        try admin.execute("ALTER TABLE payments DISABLE TRIGGER payments_append_only")
        try admin.execute("UPDATE payments SET amount_cents = amount_cents - 100 WHERE register_id = 'K1' AND seq = $1", [.int(sale)])
        try admin.execute("ALTER TABLE payments ENABLE TRIGGER payments_append_only")
        // The chain alone is intact; the rows against the canonical bytes name the payment.
        XCTAssertTrue(try CentralVerifier(store: store).verify().isClean)
        var report = try CentralVerifier(store: store).verify(rows: true)
        XCTAssertEqual(report.problems.map(\.register), ["K1"])
        XCTAssertEqual(report.problems.first?.seq, sale)
        XCTAssertTrue(report.problems.first!.description.contains("payment.1.amount_cents"), report.problems.first!.description)

        // The canonical bytes of a later entry rewritten (and its hash with them): the next link breaks.
        try admin.execute("ALTER TABLE journal DISABLE TRIGGER journal_append_only")
        try admin.execute(
            "UPDATE journal SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'float_cents=10000', 'float_cents=1'), 'UTF8') WHERE register_id = 'K1' AND seq = 11"
        )
        try admin.execute("UPDATE journal SET hash = encode(sha256(canonical), 'hex') WHERE register_id = 'K1' AND seq = 11")
        try admin.execute("ALTER TABLE journal ENABLE TRIGGER journal_append_only")
        XCTAssertEqual(try CentralVerifier(store: store).verify(registers: ["K1"]).problems.compactMap(\.seq), [12])
        report = try CentralVerifier(store: store).verify(registers: ["K1"], rows: true)
        XCTAssertEqual(report.problems.compactMap(\.seq), [sale, 11, 12], report.problems.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(report.firstProblemPerRegister.map(\.seq), [sale])
    }

    func testVerifyInSmallChunksFindsAMissingRowAndAChangedAmountAcrossChunkBoundaries() throws {
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        let store = try database.store()
        let entries = try store.connection.execute("SELECT count(*) FROM journal WHERE register_id = 'K1'").int64(0, 0)!
        // Chunks of 1, 2 and 3 entries: every entry is at some chunk's edge in one of the runs.
        for size in 1...3 {
            let clean = try CentralVerifier(store: store, chunkSize: size).verify(rows: true)
            XCTAssertTrue(clean.isClean, clean.problems.map(\.description).joined(separator: "\n"))
            XCTAssertEqual(clean.entries["K1"], entries)
        }
        let sales = try store.connection.execute("SELECT seq FROM sales WHERE register_id = 'K1' ORDER BY seq")
        let first = sales.int64(0, 0)!
        let last = sales.int64(sales.rowCount - 1, 0)!
        XCTAssertNotEqual(first, last)
        let admin = try database.connect()
        try admin.execute("ALTER TABLE line_shares DISABLE TRIGGER line_shares_append_only")
        try admin.execute("DELETE FROM line_shares WHERE register_id = 'K1' AND seq = $1", [.int(first)])
        try admin.execute("ALTER TABLE line_shares ENABLE TRIGGER line_shares_append_only")
        try admin.execute("ALTER TABLE sale_lines DISABLE TRIGGER sale_lines_append_only")
        try admin.execute("UPDATE sale_lines SET amount_cents = amount_cents + 1 WHERE register_id = 'K1' AND seq = $1 AND line_no = 1", [.int(last)])
        try admin.execute("ALTER TABLE sale_lines ENABLE TRIGGER sale_lines_append_only")
        for size in [1, 2, 3, 2000] {
            let report = try CentralVerifier(store: store, chunkSize: size).verify(rows: true)
            XCTAssertEqual(report.problems.compactMap(\.seq), [first, last], "chunk \(size): " + report.problems.map(\.description).joined(separator: "\n"))
            XCTAssertTrue(report.problems[0].description.contains("line.1.shares: 0 Zeilen"), report.problems[0].description)
            XCTAssertTrue(report.problems[1].description.contains("sale_lines: line.1.amount_cents ist"), report.problems[1].description)
        }
    }

    func testTheServerRecomputesTheChainAndNamesAWrongHashAHeaderAndAGap() throws {
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        let store = try database.store()
        XCTAssertEqual(try CentralVerifier(store: store).verify().entries, ["K1": 15])
        let admin = try database.connect()
        // As the superuser, with every trigger and foreign key off for the session.
        try admin.execute("SET session_replication_role = replica")
        // Entry 3: the bytes changed, the hash not.
        try admin.execute(
            "UPDATE journal SET canonical = canonical || '\\x0a'::bytea WHERE register_id = 'K1' AND seq = 3")
        // Entry 5: the journal row's time differs from the time in its bytes.
        try admin.execute("UPDATE journal SET recorded_at_ms = recorded_at_ms + 1 WHERE register_id = 'K1' AND seq = 5")
        // Entry 8 gone, with its rows.
        for table in CentralStore.typedTables.reversed() { try admin.execute("DELETE FROM \(table) WHERE register_id = 'K1' AND seq = 8") }
        try admin.execute("DELETE FROM journal WHERE register_id = 'K1' AND seq = 8")
        for register in [[], ["K1"]] {
            let report = try CentralVerifier(store: store).verify(registers: register)
            XCTAssertEqual(report.entries, ["K1": 14])
            XCTAssertEqual(
                report.problems.map(\.description),
                [
                    "Kasse K1, Buchung 3: Hash passt nicht zu den gespeicherten Buchungsdaten",
                    "Kasse K1, Buchung 5: Journalzeile passt nicht zu den Buchungsdaten (recorded_at_ms)",
                    "Kasse K1, Buchung 9: Lücke in der Zentrale: nach Buchung 7 folgt 9",
                ])
        }
    }

    func testACounterWhoseLedgerLostItsTailIsNamed() throws {
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        // The same register id on a ledger with fewer entries (a restored backup, a cut file).
        var shorter = try LedgerDayFixture(register: "K1")
        _ = try shorter.openShift("2026-11-26")
        let ledger = shorter.ledger
        let status = CentralDelivery(
            ledger: ledger, register: "K1", cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path), connect: { try self.database.store() }
        ).runOnce()
        XCTAssertEqual(status.centralAhead, 15)
        XCTAssertEqual(status.text(zone: TimeZone(identifier: "Europe/Berlin")!), "Zentrale: ABWEICHUNG, Zentrale hat Buchung 15, Kasse nur 4")
        let report = try CentralVerifier(store: database.store()).verify()
        XCTAssertEqual(report.problems.count, 1)
        XCTAssertTrue(
            report.problems[0].description.hasPrefix("Kasse K1, Buchung 4: der Kopf des Kassenbuchs der Kasse ging zurück"), report.problems[0].description)
        shorter.directory.remove()
    }

    func testMigratingTwiceChangesNothingAndAnEditedMigrationIsRefused() throws {
        let store = try database.store()
        XCTAssertEqual(try store.migrate(), [])
        XCTAssertEqual(try store.checkSchema(), 6)
        let admin = try database.connect()
        try admin.execute("ALTER TABLE central_schema_version DISABLE TRIGGER USER")
        try admin.execute("UPDATE central_schema_version SET sql_sha256 = 'anders' WHERE version = 1")
        XCTAssertThrowsError(try store.migrate()) { error in
            XCTAssertEqual("\(error)", "Die Migration 1 (journal) der Zentrale wurde nach der Auslieferung verändert; die Zentrale wird nicht benutzt.")
        }
    }
}

/// The centre as a witness of a counter's ledger (`webkasse verify` with `[central]`).
extension CentralSchemaTests {
    func testTheCentreNamesALocalLedgerWhoseTailWasCutOrRewritten() throws {
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        let store = try database.store()
        XCTAssertEqual(try store.compare(fixture.ledger, register: "K1"), .agrees(through: 15, localHead: 15))
        XCTAssertNil(try store.compare(fixture.ledger, register: "K1").problem(register: "K1"))
        XCTAssertEqual(try store.compare(fixture.ledger, register: "K9"), .nothingAtCentre)

        // The same first four entries, then the ledger ends: its tail is missing.
        var cut = try LedgerDayFixture(register: "K1")
        defer { cut.directory.remove() }
        _ = try cut.openShift("2026-11-26")
        let missing = try store.compare(cut.ledger, register: "K1")
        XCTAssertEqual(missing, .localTailMissing(localHead: 4, centralHead: 15))
        XCTAssertEqual(
            missing.problem(register: "K1"),
            "Kasse K1, Buchung 5: fehlt im Kassenbuch – die Zentrale hat die Buchungen bis 15, das Kassenbuch endet bei 4 (Ende gelöscht oder abgeschnitten).")

        // A ledger rewritten from entry 5 on (another first sale) and booked further.
        var rewritten = try LedgerDayFixture(register: "K1")
        defer { rewritten.directory.remove() }
        let shift = try rewritten.openShift("2026-11-26")
        for _ in 0..<20 {
            try rewritten.sale(shift, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
        }
        XCTAssertEqual(try store.compare(rewritten.ledger, register: "K1"), .differs(from: 5))
    }
}

extension CentralSchemaTests {
    /// Values with a line break and a backslash are escaped in the canonical bytes; verify reads them back.
    func testVerifyReadsEscapedValuesBack() throws {
        let ledger = fixture.ledger
        let shift = try XCTUnwrap(fixture.openDay)
        let at = Instant(millisecondsSinceEpoch: 1_795_100_000_000)
        try ledger.transaction {
            try ledger.append(
                .cashMovement(
                    CashMovementRecord(
                        id: "move-escaped", receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1", approvedBy: nil,
                        kind: .einlage, amount: Money(euros: 5), reason: "Wechselgeld\nzweite Zeile \\ Ende", businessDate: shift.businessDate,
                        at: at)), at: at)
        }
        XCTAssertNil(deliver { try self.database.store() }.lastError)
        let store = try database.store()
        XCTAssertEqual(try CentralVerifier(store: store).verify().problems.map(\.description), [])
        XCTAssertEqual(
            try store.connection.execute("SELECT reason FROM cash_movements WHERE id = 'move-escaped'").text(0, 0), "Wechselgeld\nzweite Zeile \\ Ende")
    }
}
