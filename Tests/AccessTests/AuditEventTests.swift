import Access
import Foundation
import XCTest

final class AuditEventTests: XCTestCase {
    func testTypesAreUniqueAndNamed() {
        let raws = AuditEventType.allCases.map(\.rawValue)
        XCTAssertEqual(Set(raws).count, raws.count)
        XCTAssertEqual(Set(AuditEventType.allCases.map(\.germanName)).count, raws.count)
        // Each kind the issue lists has a type.
        for required: AuditEventType in [
            .loginSucceeded, .loginFailed, .operatorLocked, .operatorUnlocked, .operatorAdded, .operatorRolesChanged,
            .operatorPINChanged, .shiftOpened, .shiftClosed, .shiftHandover, .stornoApproved, .cashMovement,
            .dayClosed, .exportRun, .configurationChanged, .catalogueChanged, .pendingCardResolved, .verificationRun,
        ] {
            XCTAssertNotNil(AuditEventType(rawValue: required.rawValue))
        }
    }

    func testDetailIsStableJSONAndRoundTrips() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000.123)
        let event = AuditEvent(.catalogueChanged, actor: "op-1", fields: ["sha256": "ab12", "path": "/etc/webkasse/tarife.json", "a": "ä\"x"], at: at)
        XCTAssertEqual(event.detailJSON, #"{"a":"ä\"x","path":"/etc/webkasse/tarife.json","sha256":"ab12"}"#)
        let read = try AuditEvent(type: "catalogue.changed", actor: "op-1", detailJSON: event.detailJSON, at: at)
        XCTAssertEqual(read, event)
        XCTAssertThrowsError(try AuditEvent(type: "coffee.made", actor: nil, detailJSON: "{}", at: at)) {
            XCTAssertEqual($0 as? AuditDecodingError, .unknownType("coffee.made"))
        }
        XCTAssertThrowsError(try AuditEvent(type: "logout", actor: nil, detailJSON: #"{"n":1}"#, at: at))
        XCTAssertThrowsError(try AuditEvent(type: "logout", actor: nil, detailJSON: "[]", at: at))
    }

    func testDisplayHidesThePINHash() throws {
        let hash = PINHash(hashing: try PIN("4711"), iterations: PINHash.minimumIterations)
        let event = AuditEvent(.operatorPINChanged, actor: "op-1", fields: [AuditField.subject: "op-1", AuditField.pinHash: hash.encoded], at: Fixture.t0)
        XCTAssertEqual(event.displayFields[AuditField.pinHash], "pbkdf2-sha256, 200000 Iterationen")
    }

    func testTimesInDetailsAreUTCWithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_800_000_000.5)
        XCTAssertEqual(AuditTime.string(date), "2027-01-15T08:00:00.500Z")
        XCTAssertEqual(AuditTime.parse("2027-01-15T08:00:00.500Z"), date)
    }
}
