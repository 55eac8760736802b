import Access
import CSQLite
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    var date = Date(timeIntervalSince1970: 1_800_000_000)
    func advance(minutes: Double) { date = date.addingTimeInterval(minutes * 60) }
}

/// A fresh ledger with AccessControl at the minimum PBKDF2 iteration count.
struct AccessFixture {
    let directory: TemporaryDirectory
    let ledger: Ledger
    let access: AccessControl
    let clock: TestClock

    init(configuration: Configuration = Configuration()) throws {
        directory = try TemporaryDirectory(prefix: "webkasse-access")
        ledger = try Ledger(path: directory.path + "/K1/ledger.sqlite")
        let clock = TestClock()
        self.clock = clock
        access = AccessControl(store: ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.date })
    }

    /// admin (Administration + Kassenaufsicht), anna (Sachbearbeitung), bernd (Kassenaufsicht), dora (Stadtkasse).
    func withStaff() throws -> (admin: OperatorAccount, clerk: OperatorAccount, supervisor: OperatorAccount, treasury: OperatorAccount) {
        let admin = try access.setUp(login: "admin", name: "Erika Muster", pin: "2468", pinRepeated: "2468")
        let clerk = try access.addOperator(by: admin, login: "anna", name: "Anna Schulz", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        let supervisor = try access.addOperator(by: admin, login: "bernd", name: "Bernd Roth", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
        let treasury = try access.addOperator(by: admin, login: "dora", name: "Dora Falk", roles: [.stadtkasse], pin: "4444", pinRepeated: "4444")
        return (admin, clerk, supervisor, treasury)
    }

    func trail(_ type: String? = nil) throws -> [AuditTrailEntry] { try AuditTrail.entries(ledger, filter: AuditFilter(type: type)) }
}

final class AccessControlTests: XCTestCase {
    func testFirstStartSetupRunsOnceOnAnEmptyLedger() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        XCTAssertTrue(try f.access.needsSetup())
        XCTAssertThrowsError(try f.access.setUp(login: "admin", name: "E", pin: "2468", pinRepeated: "2469")) {
            XCTAssertEqual($0 as? AccessError, .pinMismatch)
        }
        XCTAssertTrue(try f.access.needsSetup(), "a refused setup leaves nothing behind")
        XCTAssertEqual(try f.ledger.entryCount(), 0)
        let admin = try f.access.setUp(login: "Admin", name: "Erika Muster", pin: "2468", pinRepeated: "2468")
        XCTAssertEqual(admin.roles, [.administration, .kassenaufsicht])
        XCTAssertFalse(try f.access.needsSetup())
        XCTAssertThrowsError(try f.access.setUp(login: "zwei", name: "Z", pin: "1357", pinRepeated: "1357")) {
            XCTAssertEqual($0 as? AccessError, .setupAlreadyDone)
        }
        // The operator exists for the ledger too (shifts and sales refer to it).
        XCTAssertEqual(try f.ledger.operatorRecord(login: "admin")?.id, admin.id)
        XCTAssertEqual(try f.trail().map(\.type), ["operator.added", "setup.completed"])
        XCTAssertTrue(try f.ledger.verify().isClean)
    }

    func testLogInLockoutAndSupervisorUnlockAreAuditedAndSurviveReopening() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let staff = try f.withStaff()
        XCTAssertEqual(try f.access.logIn(login: "ANNA", pin: "1111").id, staff.clerk.id)
        for attempt in 1...4 {
            f.clock.advance(minutes: 1)
            XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "0000")) {
                XCTAssertEqual($0 as? AccessError, .wrongCredentials(remainingAttempts: 5 - attempt))
            }
        }
        f.clock.advance(minutes: 1)
        XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "0000")) { XCTAssertEqual($0 as? AccessError, .lockedNow(login: "anna", minutes: 15)) }
        f.clock.advance(minutes: 1)
        XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "1111")) { XCTAssertEqual($0 as? AccessError, .locked(login: "anna", minutesLeft: 14)) }
        // Every failure and the lock are in the chained trail; a fresh process sees the lock.
        XCTAssertEqual(try f.trail("login.failed").count, 6)
        let lock = try XCTUnwrap(try f.trail("operator.locked").first)
        XCTAssertEqual(lock.fields[AuditField.reason], "too_many_failures")
        XCTAssertNotNil(lock.fields[AuditField.until])
        let reopened = AccessControl(
            store: try Ledger(path: f.ledger.path), configuration: Configuration(), hashIterations: PINHash.minimumIterations, now: { f.clock.date })
        XCTAssertThrowsError(try reopened.logIn(login: "anna", pin: "1111"))
        // A clerk cannot unlock; a supervisor can.
        XCTAssertThrowsError(try f.access.unlock(by: staff.treasury, login: "anna")) { error in
            XCTAssertEqual("\(error)", "»Bediener entsperren« braucht eine der Rollen Kassenaufsicht, Administration; »dora« hat Stadtkasse.")
        }
        try f.access.unlock(by: staff.supervisor, login: "anna")
        XCTAssertEqual(try f.access.logIn(login: "anna", pin: "1111").id, staff.clerk.id)
        XCTAssertTrue(try f.ledger.verify().isClean)
    }

    func testAnAutomaticLockEndsAfterTheConfiguredMinutes() throws {
        var configuration = Configuration()
        configuration.maximumPINAttempts = 3
        configuration.lockoutMinutes = 30
        let f = try AccessFixture(configuration: configuration)
        defer { f.directory.remove() }
        _ = try f.withStaff()
        for _ in 1...3 { XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "0000")) }
        f.clock.advance(minutes: 29.9)
        XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "1111")) { XCTAssertEqual($0 as? AccessError, .locked(login: "anna", minutesLeft: 1)) }
        f.clock.advance(minutes: 0.2)
        XCTAssertNoThrow(try f.access.logIn(login: "anna", pin: "1111"))
    }

    func testFourEyesApprovalIsRecordedWithTheApprover() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let staff = try f.withStaff()
        // The clerk cannot approve their own storno, nor can a treasury operator; a wrong PIN counts.
        XCTAssertThrowsError(try f.access.approve(.storno, requestedBy: staff.clerk, approverLogin: "anna", pin: "1111")) {
            XCTAssertEqual($0 as? AccessError, .approverIsRequester(login: "anna"))
        }
        XCTAssertThrowsError(try f.access.approve(.storno, requestedBy: staff.clerk, approverLogin: "dora", pin: "4444")) {
            XCTAssertEqual($0 as? AccessError, .approverLacksRole(login: "dora", held: [.stadtkasse]))
        }
        XCTAssertThrowsError(try f.access.approve(.storno, requestedBy: staff.clerk, approverLogin: "bernd", pin: "9999")) {
            XCTAssertEqual($0 as? AccessError, .wrongCredentials(remainingAttempts: 4))
        }
        XCTAssertEqual(try f.trail("access.denied").count, 2)
        XCTAssertEqual(try f.trail("login.failed").last?.fields[AuditField.operation], "approve:storno")
        let approval = try f.access.approve(
            .cashWithdrawal(Money(euros: 200)), requestedBy: staff.clerk, approverLogin: "bernd", pin: "2222", reference: "Abschöpfung")
        XCTAssertEqual(approval.approverID, staff.supervisor.id)
        let granted = try XCTUnwrap(try f.trail("approval.granted").last)
        XCTAssertEqual(granted.operatorId, staff.clerk.id)
        XCTAssertEqual(granted.fields[AuditField.approver], staff.supervisor.id)
        XCTAssertEqual(granted.fields[AuditField.amount], "20000")
        XCTAssertEqual(granted.fields[AuditField.action], "cash_withdrawal")
        // The right PIN after a wrong one resets the approver's count.
        XCTAssertEqual(try f.access.account(login: "bernd")!.lockout.consecutiveFailures(at: f.clock.date), 0)
    }

    func testRightsAreCheckedAgainstTheCurrentRolesAndRefusalsAudited() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let staff = try f.withStaff()
        XCTAssertThrowsError(try f.access.authorize(.closeDay, staff.clerk)) { error in
            XCTAssertEqual("\(error)", "»Tagesabschluss« braucht die Rolle Kassenaufsicht; »anna« hat Sachbearbeitung.")
        }
        XCTAssertEqual(try f.trail("access.denied").first?.fields[AuditField.operation], "closeDay")
        // Roles taken away after log-in are taken away at once.
        try f.access.setRoles(by: staff.admin, login: "bernd", roles: [.sachbearbeitung])
        XCTAssertThrowsError(try f.access.addOperator(by: staff.clerk, login: "neu", name: "N", roles: [.sachbearbeitung], pin: "1234", pinRepeated: "1234"))
        XCTAssertThrowsError(try f.access.approve(.storno, requestedBy: staff.clerk, approverLogin: "bernd", pin: "2222"))
        XCTAssertThrowsError(try f.access.authorize(.closeDay, staff.supervisor), "the object from before is stale; the ledger's roles count") { error in
            XCTAssertEqual("\(error)", "»Tagesabschluss« braucht die Rolle Kassenaufsicht; »bernd« hat Sachbearbeitung.")
        }
        XCTAssertEqual(try f.access.authorize(.closeDay, staff.admin).login, "admin")
    }

    func testOperatorChangesAreAppendedNeverUpdated() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let staff = try f.withStaff()
        let before = try f.ledger.entryCount()
        try f.access.setPIN(by: staff.clerk, login: "anna", pin: "55555", pinRepeated: "55555")
        try f.access.lock(by: staff.supervisor, login: "anna", reason: "Urlaub")
        try f.access.unlock(by: staff.admin, login: "anna")
        try f.access.setRoles(by: staff.admin, login: "anna", roles: [.sachbearbeitung, .stadtkasse])
        XCTAssertEqual(try f.ledger.entryCount(), before + 4)
        XCTAssertEqual(
            try f.trail("operator").map(\.type).suffix(4), ["operator.pin_changed", "operator.locked", "operator.unlocked", "operator.roles_changed"])
        XCTAssertNoThrow(try f.access.logIn(login: "anna", pin: "55555"))
        XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "1111"))
        XCTAssertTrue(try f.ledger.verify().isClean)
    }

    func testEveryAuditTypeAppearsInTheChainedTrail() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let staff = try f.withStaff()
        _ = try f.access.logIn(login: "anna", pin: "1111")
        XCTAssertThrowsError(try f.access.logIn(login: "anna", pin: "0000"))
        try f.access.recordLogout(staff.clerk, screenLocked: true)
        try f.access.recordLogout(staff.clerk)
        try f.access.lock(by: staff.admin, login: "anna", reason: "")
        try f.access.unlock(by: staff.admin, login: "anna")
        try f.access.setRoles(by: staff.admin, login: "dora", roles: [.stadtkasse, .sachbearbeitung])
        try f.access.setPIN(by: staff.admin, login: "dora", pin: "6543", pinRepeated: "6543")
        XCTAssertThrowsError(try f.access.authorize(.manageOperators, staff.clerk))
        _ = try f.access.approve(.storno, requestedBy: staff.clerk, approverLogin: "bernd", pin: "2222")
        _ = try f.access.confirmIdentity(login: "bernd", pin: "2222", purpose: "receive:stadtkasse")
        for type in [
            AuditEventType.shiftOpened, .shiftClosed, .shiftHandover, .stornoBooked, .stornoApproved, .cashMovement, .dayClosed,
            .dayCloseDetail, .terminalEndOfDay, .terminalCommand, .exportRun,
            .configurationChanged, .catalogueChanged, .pendingCardResolved, .verificationRun,
            .receiptReprinted, .drawerOpened, .cardReversalRequested, .cardRecovery, .cardRecoveryAtStartup, .cardAmountMismatch,
            .tseFailed, .tseRestored, .tseRecovered, .centralFork,
        ] {
            try f.access.record(type, actor: staff.admin.id, fields: ["note": type.rawValue])
        }
        let trail = try f.trail()
        XCTAssertEqual(Set(trail.map(\.type)), Set(AuditEventType.allCases.map(\.rawValue)), "every audit type appears")
        // Chained: strictly increasing journal positions, each with its hash, and the whole chain verifies.
        XCTAssertEqual(trail.map(\.seq), trail.map(\.seq).sorted())
        XCTAssertTrue(trail.allSatisfy { $0.hash.count == 64 })
        XCTAssertTrue(try f.ledger.verify().isClean)
        // No PIN hash is shown.
        XCTAssertTrue(trail.allSatisfy { !($0.fields.values.contains { $0.hasPrefix("$pbkdf2") }) })
        // Filters.
        XCTAssertEqual(
            try AuditTrail.entries(f.ledger, filter: AuditFilter(operatorId: staff.supervisor.id)).map(\.type),
            ["operator.added", "approval.granted", "identity.confirmed"])
        XCTAssertEqual(try AuditTrail.entries(f.ledger, filter: AuditFilter(from: Instant(f.clock.date.addingTimeInterval(1)))).count, 0)
    }

    func testATamperedPINHashIsRefused() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        _ = try f.withStaff()
        // Replace anna's stored hash with one for another PIN (bypassing the append-only trigger).
        let forged = PINHash(hashing: try PIN("0000"), iterations: PINHash.minimumIterations).encoded
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(f.ledger.path, &db), SQLITE_OK)
        let sql = """
            DROP TRIGGER operator_credentials_no_update;
            UPDATE operator_credentials SET pin_hash = '\(forged)' WHERE operator_id = (SELECT id FROM operators WHERE login = 'anna');
            """
        XCTAssertEqual(sqlite3_exec(db, sql, nil, nil, nil), SQLITE_OK)
        sqlite3_close(db)
        let fresh = AccessControl(
            store: try Ledger(path: f.ledger.path), configuration: Configuration(), hashIterations: PINHash.minimumIterations, now: { f.clock.date })
        XCTAssertThrowsError(try fresh.logIn(login: "anna", pin: "0000")) { error in
            XCTAssertTrue(error is CredentialMismatch, "\(error)")
            XCTAssertTrue("\(error)".contains("nach der Buchung verändert"), "\(error)")
        }
    }
}

final class AuditRecordingTests: XCTestCase {
    func testConfigurationAndCatalogueChangesAreRecordedWithTheirHash() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let config = try f.directory.write("[register]\nid = K1\n", to: "webkasse.conf")
        let catalog = try f.directory.write("{}", to: "tarife/a.json")
        let catalogDirectory = (catalog as NSString).deletingLastPathComponent
        XCTAssertEqual(try f.access.recordFileChanges(configurationPath: config, catalogPath: catalogDirectory), [.configurationChanged, .catalogueChanged])
        XCTAssertEqual(try f.access.recordFileChanges(configurationPath: config, catalogPath: catalogDirectory), [], "unchanged: nothing recorded")
        try f.directory.write("{\"x\":1}", to: "tarife/a.json")
        XCTAssertEqual(try f.access.recordFileChanges(configurationPath: config, catalogPath: catalogDirectory), [.catalogueChanged])
        let entries = try f.trail("catalogue.changed")
        XCTAssertEqual(entries.count, 2)
        XCTAssertNotEqual(entries[0].fields[AuditField.sha256], entries[1].fields[AuditField.sha256])
        XCTAssertEqual(entries[1].fields[AuditField.sha256]?.count, 64)
    }

    func testAVerificationRunIsRecorded() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        AccessControl.recordVerification(f.ledger, entries: 0, problems: 0)
        XCTAssertEqual(try f.trail("verify.run").first?.fields[AuditField.result], "ok")
        XCTAssertTrue(try f.ledger.verify().isClean)
    }
}

final class LegacyOperatorTests: XCTestCase {
    func testOperatorsWithoutAPINDoNotCountAsSetUp() throws {
        let f = try AccessFixture()
        defer { f.directory.remove() }
        let now = Instant(f.clock.date)
        try f.ledger.transaction { try f.ledger.append(.operatorAdded(OperatorRecord(id: "sim-1", login: "sim", name: "Simulation", createdAt: now)), at: now) }
        XCTAssertTrue(try f.access.needsSetup())
        XCTAssertThrowsError(try f.access.logIn(login: "sim", pin: "1234")) { XCTAssertEqual($0 as? AccessError, .wrongCredentials(remainingAttempts: nil)) }
        XCTAssertThrowsError(try f.access.check(.sell, operatorId: "sim-1")) { XCTAssertEqual("\($0)", "Es gibt keinen Bediener mit der Kennung »sim«.") }
        try f.access.setUp(login: "admin", name: "Erika", pin: "2468", pinRepeated: "2468")
        XCTAssertFalse(try f.access.needsSetup())
    }
}
