import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// An Abschöpfung handed to the Stadtkasse with its receiver and count (migration 10): stored, read
/// back, hashed only when present — so every other cash movement keeps the bytes of format 1 —
/// covered by the chain, and checked (count against amount).
final class StadtkasseTransferStorageTests: XCTestCase {
    static let transfer = StadtkasseTransfer(receivedBy: "Frau Berg", receivedByOperator: nil, pieces: [5000: 2, 2000: 1])

    static func movement(_ transfer: StadtkasseTransfer?, amount: Int64 = 12000) -> CashMovementRecord {
        CashMovementRecord(
            id: "m1", receiptNumber: 4, shiftId: "s1", operatorId: "op1", approvedBy: "op2", kind: .abschoepfung, amount: Money(cents: amount),
            reason: "Abschöpfung an die Stadtkasse", businessDate: "2026-12-07", at: Instant(millisecondsSinceEpoch: 9), transfer: transfer)
    }

    static func text(_ movement: CashMovementRecord) -> String {
        let bytes = CanonicalEncoding.bytes(seq: 7, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .cashMovement(movement))
        return String(decoding: bytes, as: UTF8.self)
    }

    func testTheReceiverAndCountAreHashedOnlyWhenPresent() {
        let full = Self.text(Self.movement(Self.transfer))
        XCTAssertTrue(full.hasSuffix("\nat_ms=9\nreceived_by=Frau Berg\ncounted_pieces=2×5000 1×2000\n"), full)
        let confirmed = Self.text(
            Self.movement(StadtkasseTransfer(receivedBy: "Frau Berg", receivedByOperator: "op3", pieces: [:])))
        XCTAssertTrue(confirmed.hasSuffix("\nat_ms=9\nreceived_by=Frau Berg\nreceived_by_operator=op3\n"), confirmed)
        // Without a receiver: exactly the fields of format 1, as every movement booked before.
        XCTAssertEqual(
            Self.text(Self.movement(nil)),
            """
            webkasse-ledger/1
            seq=7
            kind=cash_movement
            ref=m1
            recorded_at_ms=5
            prev=ab
            id=m1
            receipt_number=4
            shift_id=s1
            operator_id=op1
            approved_by=op2
            kind=abschoepfung
            amount_cents=12000
            reason=Abschöpfung an die Stadtkasse
            business_date=2026-12-07
            at_ms=9

            """)
    }

    func testATransferIsReadBackVerifiedAndItsCountChecked() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        _ = try fixture.sale(shift: shift, lines: [LedgerFixture.line(cents: 20000)])
        let plain = try fixture.movement(.entnahme, Money(cents: 500), shift: shift)
        let transfer = CashMovementRecord(
            id: "ab1", receiptNumber: try fixture.ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1", approvedBy: nil,
            kind: .abschoepfung, amount: Money(cents: 12000), reason: "Abschöpfung an die Stadtkasse", businessDate: shift.businessDate,
            at: fixture.tick(), transfer: Self.transfer)
        try fixture.book(.cashMovement(transfer))

        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.cashMovement(id: "ab1"), transfer)
        XCTAssertEqual(try reopened.cashMovement(id: plain.id)?.transfer, nil)
        XCTAssertEqual(try reopened.schemaVersion(), migrations.map(\.version).max())
        let report = try reopened.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)")
        XCTAssertEqual(report.problems, try reopened.verify(decodingEverySale: true).problems)
        XCTAssertEqual(try reopened.periodRows(after: 0, before: nil).movements.last?.receivedBy, "Frau Berg")

        // A count that does not add up to the amount is refused before booking.
        let wrong = Self.movement(StadtkasseTransfer(receivedBy: "Frau Berg", receivedByOperator: nil, pieces: [5000: 1]))
        XCTAssertEqual(
            RecordChecks.problems(of: .cashMovement(wrong)), ["Die Zählung 50,00 € passt nicht zum Betrag 120,00 € der Abschöpfung an die Stadtkasse."])
        XCTAssertEqual(
            RecordChecks.problems(of: .cashMovement(Self.movement(StadtkasseTransfer(receivedBy: " ", receivedByOperator: nil, pieces: [:])))),
            ["Für die Abschöpfung an die Stadtkasse fehlt, wer sie empfangen hat."])
    }

    /// A ledger with the schema from before migration 10 is migrated on opening, reads its cash
    /// movements and verifies with the same chain head (that a movement without a receiver has
    /// the bytes of format 1 is pinned above).
    func testALedgerFromBeforeTheMigrationVerifiesUnchanged() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        _ = try fixture.sale(shift: shift, lines: [LedgerFixture.line(cents: 20000)])
        try fixture.movement(.entnahme, Money(cents: 500), shift: shift)
        try fixture.movement(.abschoepfung, Money(cents: 9000), shift: shift)
        let head = try fixture.ledger.chainHead()
        // Back to the schema before migration 10.
        RawSQLite.exec(
            fixture.path,
            """
            ALTER TABLE cash_movements DROP COLUMN received_by;
            ALTER TABLE cash_movements DROP COLUMN received_by_operator;
            ALTER TABLE cash_movements DROP COLUMN counted_pieces;
            DELETE FROM schema_migrations WHERE version = 10;
            """)
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.schemaVersion(), migrations.map(\.version).max())
        XCTAssertEqual(try reopened.chainHead().hash, head.hash)
        let report = try reopened.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)")
        XCTAssertNil(try reopened.cashMovement(id: "move-3")?.transfer)
    }

    func testAChangedReceiverOrCountBreaksTheChain() throws {
        for edit in [
            "UPDATE cash_movements SET received_by = 'Herr Kurz' WHERE received_by IS NOT NULL",
            "UPDATE cash_movements SET counted_pieces = '1×12000' WHERE counted_pieces IS NOT NULL",
            "UPDATE cash_movements SET received_by = 'Herr Kurz' WHERE received_by IS NULL",
        ] {
            var fixture = try LedgerFixture()
            defer { fixture.directory.remove() }
            let shift = try fixture.openDay()
            _ = try fixture.sale(shift: shift, lines: [LedgerFixture.line(cents: 20000)])
            try fixture.movement(.entnahme, Money(cents: 500), shift: shift)
            try fixture.book(
                .cashMovement(
                    CashMovementRecord(
                        id: "ab1", receiptNumber: try fixture.ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1", approvedBy: nil,
                        kind: .abschoepfung, amount: Money(cents: 12000), reason: "Abschöpfung", businessDate: shift.businessDate, at: fixture.tick(),
                        transfer: Self.transfer)))
            RawSQLite.dropTriggers(fixture.path, ["cash_movements"])
            RawSQLite.exec(fixture.path, edit)
            RawSQLite.restoreTriggers(fixture.path, ["cash_movements"])
            let report = try Ledger(path: fixture.path).verify()
            XCTAssertEqual(report.firstProblem?.check, .chain, edit)
        }
    }
}
