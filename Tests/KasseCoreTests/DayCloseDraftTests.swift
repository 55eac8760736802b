import KasseCore
import XCTest

final class DayCloseDraftTests: XCTestCase {
    private let expected = ExpectedCash(float: Money(euros: 100), cashReceived: Money(euros: 59), changeGiven: .zero, stornoPayouts: .zero)

    private func count(_ euros: Int) throws -> CashCount {
        var count = CashCount.empty
        try count.set(.coin1Euro, count: euros)
        return count
    }

    func testBlindCountHidesExpectedUntilFirstCountAndKeepsIt() throws {
        var draft = DayCloseDraft(
            register: "K1", operatorName: "mueller", policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval, blindCount: true),
            expected: expected)
        XCTAssertNil(try draft.expectedForDisplay(), "blind: the Sollbestand is hidden before counting")
        XCTAssertEqual(draft.problems(), [.notCounted])
        draft.submitCount(try count(150))
        XCTAssertEqual(try draft.expectedForDisplay(), Money(euros: 159))
        draft.submitCount(try count(159))
        XCTAssertEqual(draft.firstCount?.total, Money(euros: 150), "the blind first count is kept after a recount")
        XCTAssertEqual(draft.count?.total, Money(euros: 159))
        XCTAssertEqual(draft.countSubmissions, 2)
        XCTAssertEqual(draft.problems(), [])
    }

    func testOpenCountShowsExpectedAtOnce() throws {
        let draft = DayCloseDraft(
            register: "K1", operatorName: "mueller", policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval, blindCount: false),
            expected: expected)
        XCTAssertEqual(try draft.expectedForDisplay(), Money(euros: 159))
    }

    func testDifferenceNeedsReasonAndAboveThresholdApprovalByAnotherPerson() throws {
        var draft = DayCloseDraft(
            register: "K1", operatorName: "mueller",
            policy: DayClosePolicy(approvalThreshold: Money(euros: 5)), expected: expected)
        // Shortage of 3 €: below the threshold, a reason suffices.
        draft.submitCount(try count(156))
        let small = try XCTUnwrap(try draft.difference())
        XCTAssertEqual(draft.problems(), [.reasonMissing(small)])
        draft.reason = "Wechselgeld falsch herausgegeben"
        XCTAssertEqual(draft.problems(), [])

        // Shortage of 9 €: also approval.
        draft.submitCount(try count(150))
        let large = try XCTUnwrap(try draft.difference())
        XCTAssertEqual(large.amount, Money(euros: -9))
        XCTAssertEqual(draft.problems(), [.approvalMissing(large, threshold: Money(euros: 5))])
        XCTAssertTrue(draft.problems()[0].description.contains("Fehlbetrag von 9,00 €"))
        draft.approver = "mueller"
        XCTAssertEqual(draft.problems(), [.approverIsOperator("mueller")], "four eyes: not the counting clerk")
        draft.approver = "schmidt"
        XCTAssertEqual(draft.problems(), [])
    }

    func testReasonCanBeOptionalByPolicy() throws {
        var draft = DayCloseDraft(
            register: "K1", operatorName: "a", policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval, reasonRequired: false),
            expected: expected)
        draft.submitCount(try count(160))
        XCTAssertEqual(try draft.difference()?.kind, .surplus)
        XCTAssertEqual(draft.problems(), [])
    }

    func testPendingCardPaymentBlocksTheClose() throws {
        var draft = DayCloseDraft(
            register: "K1", operatorName: "a", policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval), expected: expected)
        draft.submitCount(try count(159))
        draft.pendingCardPayments = 1
        XCTAssertEqual(draft.problems(), [.pendingCardPayments(1)])
        draft.pendingCardPayments = 0
        XCTAssertEqual(draft.problems(), [])
    }

    func testTerminalTotalsMismatchIsAWarningWithTheDifference() {
        var draft = DayCloseDraft(
            register: "K1", operatorName: "a", policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval), expected: expected)
        XCTAssertEqual(draft.warnings(), [.terminalTotalsMissing])
        let same = CardTotalsComparison(ledgerTotal: Money(euros: 92), ledgerCount: 2, terminalTotal: Money(euros: 92), terminalCount: 2)
        draft.cardTotals = same
        XCTAssertEqual(draft.warnings(), [])
        let off = CardTotalsComparison(ledgerTotal: Money(euros: 92), ledgerCount: 2, terminalTotal: Money(euros: 46), terminalCount: 1)
        draft.cardTotals = off
        XCTAssertEqual(draft.warnings(), [.terminalMismatch(off)])
        XCTAssertEqual(try off.difference, Money(euros: -46))
        let countOnly = CardTotalsComparison(ledgerTotal: Money(euros: 92), ledgerCount: 2, terminalTotal: Money(euros: 92), terminalCount: 3)
        XCTAssertTrue(countOnly.isMismatch, "same sum but a different number of payments is a mismatch")
        draft.cardTotals = CardTotalsComparison(ledgerTotal: Money(euros: 92), ledgerCount: 2, terminalTotal: nil, terminalCount: nil)
        XCTAssertEqual(draft.warnings(), [.terminalTotalsMissing])
    }
}
