import Access
import Central
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Operators and roles kept by the centre and followed by the counters (docs/central.md,
/// "Bediener aus der Zentrale"), on a real PostgreSQL: the counter's own access rules run against
/// the centre; a counter takes the events into its ledger and logs in, locks and checks roles
/// offline with them; a kill between batches doubles nothing; the counter says when its copy is old.
final class CentralOperatorTests: XCTestCase {
    var database: CentralTestDatabase!
    var directory: TemporaryDirectory!
    let configuration: Configuration = {
        var configuration = Configuration()
        configuration.registerID = "K1"
        return configuration
    }()
    var clockMs: Int64 = 1_796_000_000_000

    override func setUpWithError() throws {
        database = try CentralTestDatabase()
        try database.store().migrate()
        directory = try TemporaryDirectory(prefix: "central-operators")
    }

    override func tearDown() {
        database?.drop()
        directory?.remove()
    }

    var now: Instant { Instant(millisecondsSinceEpoch: clockMs) }

    /// The access rules over the centre's operators, as `webkasse central operator` runs them.
    func central() throws -> AccessControl {
        AccessControl(
            store: CentralOperatorStore(store: try database.store()), configuration: configuration, hashIterations: PINHash.minimumIterations,
            now: { [clockMs] in Instant(millisecondsSinceEpoch: clockMs).date })
    }

    /// The centre with an administrator `meier` (PIN 7391) and the clerk `anna` (PIN 1111).
    func centreWithAnna() throws -> (admin: OperatorAccount, anna: OperatorAccount) {
        let access = try central()
        let admin = try access.setUp(login: "meier", name: "Mia Meier", pin: "7391", pinRepeated: "7391")
        let anna = try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        return (admin, anna)
    }

    /// A counter: its ledger, its access rules over it (the counter's own code) and the follower.
    func counter(_ register: String = "K1") throws -> (ledger: Ledger, access: AccessControl, follower: OperatorFollower, directory: String) {
        var configuration = self.configuration
        configuration.registerID = register
        let ledger = try CounterService.openLedger(data: directory.path, configuration: configuration)
        let registerDirectory = (ledger.path as NSString).deletingLastPathComponent
        let access = AccessControl(
            store: ledger, configuration: configuration, hashIterations: PINHash.minimumIterations,
            now: { [unowned self] in now.date })
        return (ledger, access, OperatorFollower(ledger: ledger, registerDirectory: registerDirectory), registerDirectory)
    }

    func count(_ sql: String) throws -> Int64 { try database.connect().execute(sql).int64(0, 0) ?? -1 }

    func testTheCentreRunsTheSameRulesAsTheCounter() throws {
        let (admin, anna) = try centreWithAnna()
        let access = try central()
        XCTAssertThrowsError(try access.setUp(login: "zweite", name: "Zweite", pin: "1234", pinRepeated: "1234")) {
            XCTAssertEqual($0 as? AccessError, .setupAlreadyDone)
        }
        // A clerk cannot add operators: refused with the counter's sentence, and the refusal audited at the centre.
        let clerk = try access.logIn(login: "anna", pin: "1111")
        XCTAssertThrowsError(
            try access.addOperator(by: clerk, login: "bernd", name: "Bernd", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
        ) {
            XCTAssertEqual("\($0)", "»Bediener verwalten« braucht die Rolle Administration; »anna« hat Sachbearbeitung.")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM operator_events WHERE kind = 'access.denied'"), 1)
        XCTAssertNil(try access.account(login: "bernd"))
        // Roles, lock and unlock by the rules; the last administrator keeps the role.
        try access.setRoles(by: admin, login: "anna", roles: [.sachbearbeitung, .kassenaufsicht])
        XCTAssertEqual(try access.account(login: "anna")?.roles, [.sachbearbeitung, .kassenaufsicht])
        XCTAssertThrowsError(try access.setRoles(by: admin, login: "meier", roles: [.kassenaufsicht])) {
            XCTAssertEqual($0 as? AccessError, .lastAdministrator(login: "meier"))
        }
        try access.lock(by: admin, login: "anna", reason: "ausgeschieden")
        XCTAssertThrowsError(try access.logIn(login: "anna", pin: "1111")) { error in
            guard case AccessError.locked(let login, nil)? = error as? AccessError else { return XCTFail("\(error)") }
            XCTAssertEqual(login, "anna")
        }
        try access.unlock(by: admin, login: "anna")
        XCTAssertEqual(try access.logIn(login: "anna", pin: "1111").id, anna.id)
        XCTAssertEqual(try CentralOperatorStore(store: try database.store()).operatorLogin(id: anna.id), "anna")
        // The PIN hash is kept apart: the detail carries only its SHA-256; both tables are append-only.
        let detail = try XCTUnwrap(
            try database.connect().execute("SELECT detail FROM operator_events WHERE kind = 'operator.added' AND subject_id = $1", [.text(anna.id)]).text(
                0, 0))
        XCTAssertFalse(detail.contains("pbkdf2"), detail)
        XCTAssertTrue(detail.contains("pin_hash_sha256"), detail)
        XCTAssertThrowsError(try database.connect().execute("UPDATE operator_pin_hashes SET pin_hash = 'x'")) {
            XCTAssertTrue("\($0)".contains("unveränderlich"), "\($0)")
        }
        XCTAssertThrowsError(try database.connect().execute("DELETE FROM operator_events")) { XCTAssertTrue("\($0)".contains("unveränderlich"), "\($0)") }
    }

    /// A changed PIN hash at the centre is refused when the operators are read, as on the counter.
    func testAChangedPINHashAtTheCentreIsRefused() throws {
        _ = try centreWithAnna()
        let admin = try database.connect()
        try admin.execute("ALTER TABLE operator_pin_hashes DISABLE TRIGGER operator_pin_hashes_append_only")
        try admin.execute("UPDATE operator_pin_hashes SET pin_hash = pin_hash || 'x' WHERE seq = (SELECT max(seq) FROM operator_pin_hashes)")
        XCTAssertThrowsError(try central().directory()) { XCTAssertTrue($0 is CredentialMismatch, "\($0)") }
        let c = try counter()
        XCTAssertNil(c.follower.follow(try database.store(), now: now))
        XCTAssertTrue(c.follower.lastProblem?.contains("PIN-Hash passt nicht") == true, c.follower.lastProblem ?? "")
        XCTAssertTrue(try c.access.needsSetup(), "nothing taken")
    }

    /// After a sync the central operator logs in at the counter with their PIN while the centre is
    /// gone; a central lock reaches the counter at its next sync; a role change changes what they may do.
    func testACounterFollowsTheCentreAndLogsInOffline() throws {
        let (admin, anna) = try centreWithAnna()
        let c = try counter()
        // Through the delivery thread's pass, as `webkasse run` and `webkasse sync --once` do.
        let database = self.database!
        let delivery = CentralDelivery(
            ledger: c.ledger, register: "K1", cursorPath: CentralDelivery.cursorPath(ledgerPath: c.ledger.path),
            now: { [clockMs] in Instant(millisecondsSinceEpoch: clockMs) }, connect: { try database.store() })
        delivery.operatorFollower = c.follower
        XCTAssertNil(delivery.runOnce().lastError)
        XCTAssertEqual(c.follower.appliedThrough, try count("SELECT max(seq) FROM operator_directory_events"), "the centre's number")
        XCTAssertEqual(try c.access.account(login: "anna")?.id, anna.id, "the centre's id")
        XCTAssertEqual(try c.access.account(login: "meier")?.id, admin.id)
        XCTAssertEqual(try c.ledger.operatorLogin(id: anna.id), "anna", "the operators row shifts and bookings refer to")

        // The centre goes away: every connection to it ends.
        try database.connect().execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        XCTAssertEqual(try c.access.logIn(login: "anna", pin: "1111").id, anna.id)
        XCTAssertThrowsError(try c.access.logIn(login: "anna", pin: "9999"))
        let clerk = try c.access.logIn(login: "anna", pin: "1111")
        XCTAssertThrowsError(try c.access.authorize(.closeDay, clerk)) {
            XCTAssertEqual("\($0)", "»Tagesabschluss« braucht die Rolle Kassenaufsicht; »anna« hat Sachbearbeitung.")
        }

        // The centre gives anna Kassenaufsicht, then locks her: each reaches the counter at its next sync.
        try central().setRoles(by: admin, login: "anna", roles: [.sachbearbeitung, .kassenaufsicht])
        clockMs += OperatorFollower.intervalMs
        XCTAssertEqual(c.follower.follow(try database.store(), now: now), 1)
        XCTAssertNoThrow(try c.access.authorize(.closeDay, clerk), "the role counts at once, also for someone logged in")
        try central().lock(by: admin, login: "anna", reason: "ausgeschieden")
        XCTAssertEqual(c.follower.follow(try database.store(), now: now), nil, "not before the interval")
        XCTAssertNoThrow(try c.access.logIn(login: "anna", pin: "1111"))
        clockMs += OperatorFollower.intervalMs
        XCTAssertEqual(c.follower.follow(try database.store(), now: now), 1)
        XCTAssertThrowsError(try c.access.logIn(login: "anna", pin: "1111")) { error in
            guard case AccessError.locked(let login, nil)? = error as? AccessError else { return XCTFail("\(error)") }
            XCTAssertEqual(login, "anna")
        }
        // The local events keep the centre's number and time.
        let locked = try XCTUnwrap(c.ledger.auditEvents([.operatorLocked]).last?.event)
        XCTAssertEqual(locked.fields[AuditField.centralSeq], String(try count("SELECT max(seq) FROM operator_events WHERE kind = 'operator.locked'")))
        XCTAssertEqual(locked.fields[AuditField.subject], anna.id)
        XCTAssertNotNil(locked.fields[AuditField.centralAt])
        // A second counter takes the same people with the same ids.
        let k2 = try counter("K2")
        XCTAssertEqual(k2.follower.follow(try database.store(), now: now), 4)
        XCTAssertEqual(try k2.access.account(login: "anna")?.id, anna.id)
        XCTAssertThrowsError(try k2.access.logIn(login: "anna", pin: "1111"))
    }

    /// A kill after a batch was committed but before the cursor file was written: the events come
    /// again and are skipped by their central number; nothing is doubled.
    func testAKillBetweenBatchesDoublesNothing() throws {
        let (admin, _) = try centreWithAnna()
        let access = try central()
        for n in 1...5 {
            try access.addOperator(by: admin, login: "clerk\(n)", name: "Clerk \(n)", roles: [.sachbearbeitung], pin: "1234", pinRepeated: "1234")
        }
        try access.setRoles(by: admin, login: "clerk1", roles: [.kassenaufsicht])
        try access.lock(by: admin, login: "clerk2", reason: "")
        try access.setPIN(by: admin, login: "clerk3", pin: "5678", pinRepeated: "5678")
        let c = try counter()
        let follower = OperatorFollower(ledger: c.ledger, registerDirectory: c.directory, batchSize: 3)
        let cursorPath = OperatorFollower.cursorPath(registerDirectory: c.directory)
        XCTAssertEqual(follower.follow(try database.store(), now: now), 10)
        XCTAssertEqual(try c.ledger.auditEvents([.operatorAdded]).count, 7)
        XCTAssertEqual(try c.access.account(login: "clerk1")?.roles, [.kassenaufsicht])
        XCTAssertEqual(try c.ledger.auditEvents([.operatorRolesChanged, .operatorLocked, .operatorPINChanged]).count, 3)
        let head = try c.ledger.chainHead()
        // As if the kill came before each cursor write: the file is gone, the ledger has everything.
        try FileManager.default.removeItem(atPath: cursorPath)
        let restarted = OperatorFollower(ledger: c.ledger, registerDirectory: c.directory, batchSize: 3)
        XCTAssertEqual(restarted.appliedThrough, 0)
        XCTAssertEqual(restarted.follow(try database.store(), now: now), 0)
        XCTAssertEqual(restarted.appliedThrough, try count("SELECT max(seq) FROM operator_events"), "asked from the start again, took nothing")
        XCTAssertEqual(try c.ledger.chainHead().seq, head.seq, "nothing appended again")
        // The same batch applied twice by hand: the second time is a no-op.
        let batch = try database.store().operatorEvents(after: 0, limit: 100)
        XCTAssertEqual(try restarted.apply(batch, now: now).appended, 0)
        XCTAssertEqual(try c.ledger.chainHead().seq, head.seq)
        // A kill inside a batch's local transaction: nothing of it is there (SQLite rolls back), the next pass takes it whole.
        let fresh = try counter("K3")
        XCTAssertThrowsError(
            try fresh.ledger.transaction {
                _ = try fresh.follower.apply(batch, now: now)
                throw CocoaError(.userCancelled)
            })
        XCTAssertTrue(try fresh.access.needsSetup())
        XCTAssertEqual(fresh.follower.follow(try database.store(), now: now), 10)
    }

    /// An operator made on the counter before it had a centre stays; a central one with the same
    /// login is not taken (and nothing about them), the others are.
    func testALocalOperatorFromBeforeTheCentreStaysAndACollidingLoginIsNotTaken() throws {
        let c = try counter()
        let local = try c.access.setUp(login: "anna", name: "Anna Lokal", pin: "4444", pinRepeated: "4444")
        let (admin, anna) = try centreWithAnna()
        try central().lock(by: admin, login: "anna", reason: "")
        XCTAssertEqual(c.follower.follow(try database.store(), now: now), 1, "meier only")
        XCTAssertEqual(c.follower.collisions, ["anna"])
        XCTAssertEqual(try c.access.account(login: "anna")?.id, local.id)
        XCTAssertNil(try c.access.account(id: anna.id))
        XCTAssertEqual(try c.access.logIn(login: "anna", pin: "4444").id, local.id, "the central lock of the other anna does not touch her")
        XCTAssertEqual(OperatorFollower(ledger: c.ledger, registerDirectory: c.directory).collisions, ["anna"], "kept in the cursor file")
    }

    /// "Bediener-Stand vom 05.12. 09:12" once the last successful fetch is more than a day old,
    /// also after a restart (the time is in the cursor file).
    func testTheCounterSaysWhenItsCopyIsOlderThanADay() throws {
        _ = try centreWithAnna()
        let c = try counter()
        let zone = TimeZone(identifier: "Europe/Berlin")!
        let fetched = Instant(millisecondsSinceEpoch: 1_796_458_320_000)  // 2026-12-05 09:12 Berlin
        XCTAssertNil(c.follower.staleText(now: fetched, zone: zone), "never fetched: nothing to say")
        XCTAssertEqual(c.follower.follow(try database.store(), now: fetched), 2)
        XCTAssertNil(c.follower.staleText(now: Instant(millisecondsSinceEpoch: fetched.millisecondsSinceEpoch + 86_400_000), zone: zone))
        let dayLater = Instant(millisecondsSinceEpoch: fetched.millisecondsSinceEpoch + 86_400_000 + 60_000)
        XCTAssertEqual(c.follower.staleText(now: dayLater, zone: zone), "Bediener-Stand vom 05.12. 09:12")
        let restarted = OperatorFollower(ledger: c.ledger, registerDirectory: c.directory)
        XCTAssertEqual(restarted.staleText(now: dayLater, zone: zone), "Bediener-Stand vom 05.12. 09:12")
        // A failed fetch leaves the time as it was; a successful one renews it.
        try database.connect().execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        let gone = try database.store()
        try database.connect().execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        XCTAssertNil(restarted.follow(gone, now: dayLater))
        XCTAssertNotNil(restarted.lastProblem)
        XCTAssertEqual(restarted.staleText(now: dayLater, zone: zone), "Bediener-Stand vom 05.12. 09:12")
        XCTAssertEqual(restarted.follow(try database.store(), now: dayLater, force: true), 0)
        XCTAssertNil(restarted.staleText(now: dayLater, zone: zone))
    }

    /// The counter role reads the events a counter follows (with the PIN hashes), nothing else of
    /// them, and writes none.
    func testTheCounterRoleReadsTheOperatorEventsButCannotWriteThem() throws {
        let (_, anna) = try centreWithAnna()
        try central().logIn(login: "meier", pin: "7391")
        try database.createRole("kasse_k8", password: "geheim-k8")
        try database.store().grantCounterRole("kasse_k8")
        let counter = try PostgreSQLConnection(url: database.url(user: "kasse_k8"), password: "geheim-k8")
        let events = try CentralStore(connection: counter).operatorEvents(after: 0, limit: 100)
        XCTAssertEqual(events.map(\.kind), ["operator.added", "operator.added"], "the log-in at the centre is not for the counters")
        XCTAssertNotNil(events.last?.pinHash)
        XCTAssertTrue(events.last?.detail.contains(anna.id) == true)
        for sql in [
            "INSERT INTO operator_events (kind, detail, at_ms) VALUES ('operator.unlocked', '{}', 0)",
            "INSERT INTO operator_pin_hashes VALUES (99, 'x', 'x')",
            "SELECT count(*) FROM operator_events",
            "SELECT count(*) FROM operator_pin_hashes",
            "DELETE FROM operator_events",
        ] {
            XCTAssertThrowsError(try counter.execute(sql), sql) { XCTAssertEqual(($0 as? PostgreSQLError)?.sqlState, .insufficientPrivilege, "\(sql): \($0)") }
        }
        XCTAssertThrowsError(try AccessControl(store: CentralOperatorStore(store: CentralStore(connection: counter)), configuration: configuration).directory())
    }
}
