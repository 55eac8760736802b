import Access
import Foundation
import XCTest

final class OperatorDirectoryTests: XCTestCase {
    let t0 = Fixture.t0
    let iterations = Fixture.iterations

    /// Stores and reads events as the ledger does (JSON detail), so replay is tested through the bytes.
    func roundTrip(_ events: [AuditEvent]) throws -> [AuditEvent] {
        try events.map { try AuditEvent(type: $0.type.rawValue, actor: $0.actorID, detailJSON: $0.detailJSON, at: $0.at) }
    }

    func setUpDirectory() throws -> (OperatorDirectory, [AuditEvent]) {
        var history: [AuditEvent] = []
        var directory = OperatorDirectory()
        let setup = try directory.setupEvents(
            id: "op-1", login: " Admin ", name: "Erika Muster", pin: "2468", pinRepeated: "2468", at: t0, iterations: iterations)
        for event in setup { try directory.apply(event) }
        history += setup
        return (directory, history)
    }

    func testFirstStartSetupCreatesTheAdministratorAndSupervisorOnce() throws {
        let (directory, history) = try setUpDirectory()
        XCTAssertEqual(history.map(\.type), [.operatorAdded, .setupCompleted])
        let admin = try XCTUnwrap(directory.account(login: "ADMIN"))
        XCTAssertEqual(admin.login, "admin")
        XCTAssertEqual(admin.roles, [.administration, .kassenaufsicht])
        XCTAssertTrue(admin.pinHash.verify("2468"))
        XCTAssertNil(history[0].actorID)
        XCTAssertThrowsError(try directory.setupEvents(id: "op-2", login: "zweit", name: "Z", pin: "1357", pinRepeated: "1357", at: t0, iterations: iterations))
        {
            XCTAssertEqual($0 as? AccessError, .setupAlreadyDone)
        }
        XCTAssertThrowsError(
            try OperatorDirectory().setupEvents(id: "op-1", login: "admin", name: "E", pin: "2468", pinRepeated: "2469", at: t0, iterations: iterations)
        ) {
            XCTAssertEqual($0 as? AccessError, .pinMismatch)
        }
    }

    func testAdministrationAndReplay() throws {
        var (directory, history) = try setUpDirectory()
        func apply(_ events: [AuditEvent]) throws {
            for e in events { try directory.apply(e) }
            history += events
        }
        let admin = directory.account(login: "admin")!
        try apply(
            try directory.addEvents(
                by: admin, id: "op-2", login: "jd", name: "Jana Dietz", roles: [.sachbearbeitung], pin: "8642", pinRepeated: "8642",
                at: t0.addingTimeInterval(1), iterations: iterations))
        let clerk = directory.account(login: "jd")!
        // A clerk cannot manage operators.
        XCTAssertThrowsError(
            try directory.addEvents(
                by: clerk, id: "op-3", login: "xy", name: "X", roles: [.sachbearbeitung], pin: "1357", pinRepeated: "1357", at: t0, iterations: iterations)
        ) { error in
            XCTAssertEqual("\(error)", "»Bediener verwalten« braucht die Rolle Administration; »jd« hat Sachbearbeitung.")
        }
        XCTAssertThrowsError(
            try directory.addEvents(
                by: admin, id: "op-3", login: "JD", name: "X", roles: [.sachbearbeitung], pin: "1357", pinRepeated: "1357", at: t0, iterations: iterations)
        ) {
            XCTAssertEqual($0 as? AccessError, .loginTaken("jd"))
        }
        XCTAssertThrowsError(
            try directory.addEvents(
                by: admin, id: "op-3", login: "12345", name: "X", roles: [.sachbearbeitung], pin: "1357", pinRepeated: "1357", at: t0, iterations: iterations)
        ) {
            XCTAssertEqual($0 as? AccessError, .invalidLogin("12345"))
        }
        XCTAssertThrowsError(
            try directory.addEvents(by: admin, id: "op-3", login: "neu", name: "X", roles: [], pin: "1357", pinRepeated: "1357", at: t0, iterations: iterations)
        ) {
            XCTAssertEqual($0 as? AccessError, .noRoles)
        }
        XCTAssertThrowsError(
            try directory.addEvents(
                by: admin, id: "op-3", login: "neu", name: "\u{7}", roles: [.stadtkasse], pin: "1357", pinRepeated: "1357", at: t0, iterations: iterations)
        ) {
            XCTAssertEqual($0 as? AccessError, .invalidName)
        }
        try apply(try directory.setRolesEvents(by: admin, login: "jd", roles: [.sachbearbeitung, .kassenaufsicht], at: t0.addingTimeInterval(2)))
        XCTAssertEqual(directory.account(login: "jd")!.roles, [.sachbearbeitung, .kassenaufsicht])
        // Own PIN: no admin right needed; someone else's PIN: Administration.
        try apply(try directory.setPINEvents(by: clerk, login: "jd", pin: "97531", pinRepeated: "97531", at: t0.addingTimeInterval(3), iterations: iterations))
        XCTAssertTrue(directory.account(login: "jd")!.pinHash.verify("97531"))
        XCTAssertFalse(directory.account(login: "jd")!.pinHash.verify("8642"))
        XCTAssertThrowsError(
            try directory.setPINEvents(by: directory.account(login: "jd")!, login: "admin", pin: "1111", pinRepeated: "1111", at: t0, iterations: iterations))
        // Lock by hand, unlock.
        try apply(try directory.lockEvents(by: admin, login: "jd", reason: "Urlaub", at: t0.addingTimeInterval(4)))
        XCTAssertEqual(directory.account(login: "jd")!.lockout.status(at: t0.addingTimeInterval(1e6)), .lockedByHand)
        try apply(try directory.unlockEvents(by: admin, login: "jd", at: t0.addingTimeInterval(5)))
        XCTAssertEqual(directory.account(login: "jd")!.lockout.status(at: t0.addingTimeInterval(5)), .open)
        // The last administrator keeps the role and cannot be locked.
        XCTAssertThrowsError(try directory.setRolesEvents(by: admin, login: "admin", roles: [.kassenaufsicht], at: t0)) {
            XCTAssertEqual($0 as? AccessError, .lastAdministrator(login: "admin"))
        }
        XCTAssertThrowsError(try directory.lockEvents(by: admin, login: "admin", reason: "", at: t0))
        // Replaying the stored history gives the same directory.
        XCTAssertEqual(try OperatorDirectory(replaying: try roundTrip(history)), directory)
        XCTAssertEqual(directory.all.map(\.login), ["admin", "jd"])
    }

    func testLogInFailuresInTheTrailLockAndReplay() throws {
        var (directory, history) = try setUpDirectory()
        let admin = directory.account(login: "admin")!
        let add = try directory.addEvents(
            by: admin, id: "op-2", login: "jd", name: "Jana", roles: [.sachbearbeitung], pin: "8642", pinRepeated: "8642", at: t0, iterations: iterations)
        for e in add { try directory.apply(e) }
        history += add
        let authenticator = Authenticator(policy: LockoutPolicy(maximumAttempts: 5, lockoutMinutes: 15), hashIterations: iterations)
        var all: [AuditEvent] = []
        for attempt in 1...5 {
            let at = t0.addingTimeInterval(Double(attempt))
            let account = directory.account(login: "jd")
            let result = authenticator.authenticate(account, pin: "0000", at: at)
            let events = OperatorDirectory.events(for: result, typedLogin: "jd", account: account, at: at)
            for e in events { try directory.apply(e) }
            all += events
        }
        XCTAssertEqual(all.map(\.type), [.loginFailed, .loginFailed, .loginFailed, .loginFailed, .loginFailed, .operatorLocked])
        XCTAssertEqual(all.last?.fields[AuditField.until], "2027-01-15T08:15:05.000Z")
        XCTAssertEqual(all.last?.fields[AuditField.reason], "too_many_failures")
        history += all
        let replayed = try OperatorDirectory(replaying: try roundTrip(history))
        XCTAssertEqual(replayed.account(login: "jd")!.lockout.status(at: t0.addingTimeInterval(60)), .lockedUntil(t0.addingTimeInterval(5 + 900)))
        // The right PIN is now refused, and that is recorded as a failure for "locked" (which does not count).
        let account = replayed.account(login: "jd")
        let locked = authenticator.authenticate(account, pin: "8642", at: t0.addingTimeInterval(60))
        let events = OperatorDirectory.events(for: locked, typedLogin: "jd", account: account, at: t0.addingTimeInterval(60))
        XCTAssertEqual(events.map(\.type), [.loginFailed])
        XCTAssertEqual(events[0].fields[AuditField.reason], "locked")
    }

    func testAPINTypedIntoTheLoginFieldNeverReachesTheTrail() throws {
        let authenticator = Authenticator(policy: LockoutPolicy(), hashIterations: iterations)
        let result = authenticator.authenticate(nil, pin: "1234", at: t0)
        let events = OperatorDirectory.events(for: result, typedLogin: "8642", account: nil, at: t0)
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events[0].fields[AuditField.login], "(ungültige Kennung)")
        XCTAssertFalse(events[0].detailJSON.contains("8642"))
        XCTAssertFalse(events[0].detailJSON.contains("1234"))
        let known = OperatorDirectory.events(for: result, typedLogin: "Otto", account: nil, at: t0)
        XCTAssertEqual(known[0].fields[AuditField.login], "otto")
        XCTAssertEqual(known[0].fields[AuditField.reason], "unknown_login")
    }

    func testLoginAndNameRules() {
        for good in ["jd", "anna.meier", "k_2", "abcdefghijkl"] { XCTAssertNoThrow(try OperatorAccount.normalizedLogin(good), good) }
        for bad in ["", "j", "2jd", "abcdefghijklm", "jö", "j d", "1234", "-x"] {
            XCTAssertThrowsError(try OperatorAccount.normalizedLogin(bad), bad)
        }
        XCTAssertEqual(
            AccessError.invalidLogin("2jd").description,
            "Die Kennung »2jd« ist ungültig: erlaubt sind 2 bis 12 Zeichen a–z, 0–9, Punkt, - und _, beginnend mit einem Buchstaben.")
        XCTAssertEqual(try OperatorAccount.normalizedName("  Jürgen Weiß "), "Jürgen Weiß")
        XCTAssertThrowsError(try OperatorAccount.normalizedName("   "))
        XCTAssertThrowsError(try OperatorAccount.normalizedName(String(repeating: "x", count: 61)))
    }

    func testBrokenHistoriesAreNamed() throws {
        let unknown = AuditEvent(.operatorRolesChanged, actor: "op-1", fields: [AuditField.subject: "op-9", AuditField.roles: "stadtkasse"], at: t0)
        XCTAssertThrowsError(try OperatorDirectory(replaying: [unknown])) {
            XCTAssertEqual("\($0)", "Prüfprotokoll: ein Eintrag »operator.roles_changed« nennt den unbekannten Bediener »op-9«.")
        }
        let missing = AuditEvent(.operatorAdded, actor: nil, fields: [AuditField.subject: "op-1"], at: t0)
        XCTAssertThrowsError(try OperatorDirectory(replaying: [missing])) {
            XCTAssertEqual($0 as? OperatorHistoryError, .missingField(type: .operatorAdded, field: "login"))
        }
    }
}
