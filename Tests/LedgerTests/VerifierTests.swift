import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// The checks of `verify` as pure functions over a correctly hashed chain of records, so each
/// invariant is tested on its own (the chain itself is fine in all of these).
final class VerifierTests: XCTestCase {
    private let shift = ShiftRecord(
        id: "s1", operatorId: "op1", businessDate: "2026-11-27", openedAt: Instant(millisecondsSinceEpoch: 0), float: Money(euros: 100))

    private func chain(_ events: [LedgerEvent]) -> [ReadItem] {
        var previous = JournalEntry.genesisHash
        var items: [ReadItem] = []
        for (i, event) in events.enumerated() {
            let seq = Int64(i + 1)
            let at = Instant(millisecondsSinceEpoch: seq * 1000)
            let hash = CanonicalEncoding.hash(seq: seq, recordedAt: at, previousHash: previous, event: event)
            let entry = JournalEntry(seq: seq, kind: event.kind.rawValue, ref: event.ref, recordedAt: at, previousHash: previous, hash: hash)
            let index = event.receiptNumber.map { ReceiptIndexRow(number: $0, kind: event.kind.rawValue, ref: event.ref) }
            items.append(.entry(entry, event, receiptIndex: index))
            previous = hash
        }
        return items
    }

    private func problems(_ events: [LedgerEvent]) -> [LedgerProblem] {
        var verifier = Verifier()
        for item in chain(events) { verifier.consume(item) }
        return verifier.problems
    }

    private func sale(_ id: String, receipt: Int64, cents: Int64 = 3700, payments: [PaymentRecord]? = nil, date: String = "2026-11-27", shift: String = "s1")
        -> SaleRecord
    {
        SaleRecord(
            id: id, receiptNumber: receipt, shiftId: shift, operatorId: "op1", businessDate: date,
            startedAt: Instant(millisecondsSinceEpoch: 0), endedAt: Instant(millisecondsSinceEpoch: 1), reference: nil,
            total: Money(cents: cents), lines: [LedgerFixture.line(cents: cents)],
            payments: payments ?? [try! .cash(tendered: Money(cents: cents), change: .zero)])
    }

    private func storno(_ id: String, of sale: SaleRecord, receipt: Int64, refunds: [StornoRefund]? = nil) -> StornoRecord {
        StornoRecord(
            id: id, saleId: sale.id, receiptNumber: receipt, shiftId: "s1", operatorId: "op1", approvedBy: "op2",
            reason: "Irrtum", businessDate: "2026-11-27", at: Instant(millisecondsSinceEpoch: 5), total: sale.total,
            refunds: refunds
                ?? sale.payments.map { StornoRefund(method: $0.method, amount: $0.amount, notReversedReason: $0.method == .card ? "Terminal offline" : nil) })
    }

    private func close(z: Int64 = 1, after: Int64, totals: DayTotals, date: String = "2026-11-27") -> DayCloseRecord {
        DayCloseRecord(
            id: "c\(z)", zNumber: z, shiftId: "s1", operatorId: "op1", approvedBy: nil, businessDate: date,
            closedAt: Instant(millisecondsSinceEpoch: 9), afterSeq: after, totals: totals, expectedCash: try! totals.expectedCash,
            countedCash: try! totals.expectedCash, difference: .zero)
    }

    func testACleanChainHasNoProblems() {
        let a = sale("a", receipt: 1)
        let b = sale(
            "b", receipt: 2, cents: 1000, payments: [PaymentRecord(method: .card, amount: Money(cents: 1000), card: LedgerFixture.card(Money(cents: 1000)))])
        var totals = DayTotals()
        let events: [LedgerEvent] = [.shiftOpened(shift), .sale(a), .sale(b), .storno(storno("x", of: b, receipt: 3))]
        for e in events { totals.add(e) }
        XCTAssertEqual(problems(events + [.dayClose(close(after: 0, totals: totals))]), [])
    }

    func testGapInReceiptNumbersIsNamed() {
        let found = problems([.shiftOpened(shift), .sale(sale("a", receipt: 1)), .sale(sale("b", receipt: 3))])
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.check, .receipts)
        XCTAssertEqual(found.first?.seq, 3)
        XCTAssertEqual(found.first?.description, "Eintrag 3 (Verkauf, Beleg 3): Belegnummer 3 folgt auf 1: Belege 2–2 fehlen.")
    }

    func testDuplicateReceiptNumberIsNamed() {
        let found = problems([.shiftOpened(shift), .sale(sale("a", receipt: 1)), .sale(sale("b", receipt: 1))])
        XCTAssertEqual(found.map(\.check), [.receipts])
        XCTAssertTrue(found[0].message.contains("doppelt"))
    }

    func testUnbalancedSaleIsNamed() {
        let bad = sale("a", receipt: 1, payments: [try! .cash(tendered: Money(cents: 5000), change: Money(cents: 1400))])
        let found = problems([.shiftOpened(shift), .sale(bad)])
        XCTAssertEqual(found.first?.check, .balance)
        XCTAssertEqual(found.first?.seq, 2)
        XCTAssertTrue(found.contains { $0.message.contains("decken die Summe 37,00 €") }, "\(found)")
    }

    func testStornoOfUnknownSaleIsNamed() {
        let ghost = sale("ghost", receipt: 9)
        let found = problems([.shiftOpened(shift), .sale(sale("a", receipt: 1)), .storno(storno("x", of: ghost, receipt: 2))])
        XCTAssertEqual(found.map(\.check), [.storno])
        XCTAssertEqual(found.first?.seq, 3)
        XCTAssertTrue(found[0].message.contains("unbekannten Verkauf ghost"))
    }

    func testSecondStornoOfTheSameSaleIsNamed() {
        let a = sale("a", receipt: 1)
        let found = problems([.shiftOpened(shift), .sale(a), .storno(storno("x", of: a, receipt: 2)), .storno(storno("y", of: a, receipt: 3))])
        XCTAssertEqual(found.map(\.check), [.storno])
        XCTAssertEqual(found.first?.seq, 4)
        XCTAssertTrue(found[0].message.contains("bereits storniert"))
    }

    func testStornoRefundingTheWrongMethodIsNamed() {
        let a = sale("a", receipt: 1)
        let wrong = storno("x", of: a, receipt: 2, refunds: [StornoRefund(method: .cheque, amount: a.total)])
        let found = problems([.shiftOpened(shift), .sale(a), .storno(wrong)])
        XCTAssertFalse(found.isEmpty)
        XCTAssertTrue(found.allSatisfy { $0.check == .storno && $0.seq == 3 }, "\(found)")
    }

    func testDayCloseTotalsThatDoNotMatchAreNamed() {
        let events: [LedgerEvent] = [.shiftOpened(shift), .sale(sale("a", receipt: 1))]
        var totals = DayTotals()
        for e in events { totals.add(e) }
        totals.cash = Money(cents: 3600)
        let found = problems(events + [.dayClose(close(after: 0, totals: totals))])
        XCTAssertTrue(found.contains { $0.check == .dayClose && $0.seq == 3 && $0.message.contains("Bar 36,00 € statt 37,00 €") }, "\(found)")
    }

    func testDayCloseZNumberAndPeriodAreChecked() {
        var totals = DayTotals()
        totals.add(.shiftOpened(shift))
        let found = problems([.shiftOpened(shift), .dayClose(close(z: 2, after: 1, totals: totals))])
        XCTAssertEqual(Set(found.map(\.message)), ["Z-Nummer 2 außer der Reihe (erwartet 1).", "Der Zeitraum beginnt nach Eintrag 1 statt nach 0."])
    }

    func testBookingIntoAClosedDayOrWithoutShiftIsNamed() {
        var totals = DayTotals()
        totals.add(.shiftOpened(shift))
        let found = problems([.shiftOpened(shift), .dayClose(close(after: 0, totals: totals)), .sale(sale("late", receipt: 1))])
        XCTAssertEqual(found.map(\.check), [.shift, .shift])
        XCTAssertTrue(found.allSatisfy { $0.seq == 3 })
    }

    func testApprovedCardResolutionWithoutSaleIsNamed() {
        let pending = PendingCardPayment(
            id: "p1", saleId: "a", amount: Money(cents: 100), terminal: "t", createdAt: Instant(millisecondsSinceEpoch: 0), draft: "{}")
        let resolution = CardResolution(
            pendingId: "p1", outcome: .approved, saleId: "a", detail: "", resolvedAt: Instant(millisecondsSinceEpoch: 0), atStartup: true)
        let found = problems([.cardPending(pending), .cardResolved(resolution), .cardResolved(resolution)])
        XCTAssertEqual(found.map(\.check), [.cardPayment, .cardPayment, .cardPayment])
        XCTAssertTrue(found.contains { $0.seq == 3 && $0.message.contains("zweimal") }, "\(found)")
    }

    func testPANDetection() {
        XCTAssertTrue(RecordChecks.looksLikeFullPAN("6805 1234 5678 9012"))
        XCTAssertTrue(RecordChecks.looksLikeFullPAN("4111111111111111"))
        XCTAssertFalse(RecordChecks.looksLikeFullPAN("6805XXXXXXXXXX1234"))
        XCTAssertFalse(RecordChecks.looksLikeFullPAN("############1234"))
    }

    func testVerifyIsFastEnough() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let count = 3000
        try fixture.ledger.transaction {
            for _ in 0..<count { try fixture.sale(shift: shift) }
        }
        let report = try fixture.ledger.verify()
        XCTAssertTrue(report.isClean, "\(report.problems.prefix(3))")
        XCTAssertEqual(report.entryCount, Int64(count + 3))
        // Debug build; the release figure (100,000 entries) is in docs/ledger.md.
        XCTAssertLessThan(report.duration, 3.0)
    }
}
