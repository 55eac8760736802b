import Counter
import Foundation
import KasseCore
import XCTest

@testable import CounterUI

/// A day-close backend with fixed figures: Sollbestand 124,00 €, threshold 5,00 €, supervisor `bert`/`2468`.
final class FakeDayCloseBackend: DayCloseBackend {
    var sheet = DayCloseSheet(
        zNumber: 7, businessDay: "27.11.2026", expected: Money(cents: 12400), floatSuggestion: Money(euros: 100),
        cheques: [Money(euros: 37)], pendingCardPayments: 0, approvalThreshold: Money(euros: 5))
    private(set) var preparedBlind: Bool?
    private(set) var closed: (input: DayCloseRequest, approver: String?)?

    func prepareDayClose(blindCount: Bool) throws -> DayCloseSheet {
        preparedBlind = blindCount
        return sheet
    }

    func dayCloseNeedsApproval(counted: Money) throws -> Bool { (counted.cents - sheet.expected.cents).magnitude > sheet.approvalThreshold.cents }

    func closeDay(_ input: DayCloseRequest, approverLogin: String?, approverPIN: String?) throws -> DayCloseDone {
        if try dayCloseNeedsApproval(counted: input.count.total) {
            guard approverLogin == "bert", approverPIN == "2468" else { throw CounterUserError("Freigabe abgelehnt: Kennung oder PIN falsch.") }
        }
        closed = (input, approverLogin)
        return DayCloseDone(
            zNumber: sheet.zNumber, reportLines: try Self.report(input, expected: sheet.expected, approver: approverLogin).lines(width: 42),
            note: "Z-Bericht 7 gespeichert (Z-000007.txt) und an den Drucker gesendet.")
    }

    func interimReportLines() throws -> [String] {
        var totals = DayCloseTotals()
        try totals.addShare(itemCode: "PA", itemText: "Personalausweis", account: "431100", amount: Money(cents: 3700), passThrough: false, hour: 9)
        try totals.addPayment(method: "Bar", amount: Money(cents: 3700))
        let draft = DayCloseDraft(
            register: "K1", operatorName: "Erika Muster", policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval),
            expected: ExpectedCash(float: Money(euros: 100), cashReceived: Money(euros: 50), changeGiven: Money(cents: 1300), stornoPayouts: .zero))
        return try ZReport(
            register: "K1", zNumber: 7, businessDay: "27.11.2026", periodStart: "27.11.2026 08:00", periodEnd: "27.11.2026 09:30",
            totals: totals, draft: draft, floatKept: .zero, isInterim: true
        ).lines(width: 42)
    }

    static func report(_ input: DayCloseRequest, expected: Money, approver: String?) -> ZReport {
        var totals = DayCloseTotals()
        for (hour, cents) in [(8, 7400), (9, 3700), (11, 11100)] {
            totals.addReceipt(String(hour))
            try! totals.addShare(
                itemCode: "PA", itemText: "Personalausweis", account: "431100", amount: Money(cents: Int64(cents)), passThrough: false, hour: hour)
            try! totals.addPayment(method: "Bar", amount: Money(cents: Int64(cents)))
        }
        var draft = DayCloseDraft(
            register: "K1", operatorName: "Erika Muster",
            policy: DayClosePolicy(approvalThreshold: Configuration().dayCloseDifferenceApproval, blindCount: input.blindCount),
            expected: ExpectedCash(float: Money(euros: 100), cashReceived: Money(cents: expected.cents - 10000), changeGiven: .zero, stornoPayouts: .zero))
        draft.submitCount(input.count)
        draft.reason = input.reason
        draft.approver = approver
        return ZReport(
            register: "K1", zNumber: 7, businessDay: "27.11.2026", periodStart: "27.11.2026 08:00", periodEnd: "27.11.2026 16:00",
            totals: totals, draft: draft, floatKept: input.floatKept)
    }
}

final class DayCloseScreenTests: XCTestCase {
    func open(_ h: UIHarness, _ backend: FakeDayCloseBackend, blind: Bool = true) -> DayCloseCountScreen {
        h.stack.push(MenuScreen(backend: h.backend, flow: h.flow))
        DayCloseCountScreen.open(backend: backend, flow: h.flow, stack: h.stack, blind: blind)
        return h.stack.top as! DayCloseCountScreen
    }

    func testCountingSumsAsYouTypeAndTheBlindCountShowsTheSollbestandOnlyAfterCounting() throws {
        let h = UIHarness()
        let backend = FakeDayCloseBackend()
        let screen = open(h, backend)
        XCTAssertEqual(backend.preparedBlind, true)
        assertGolden(h.render(), "dayclose-blind-empty")
        XCTAssertFalse(h.screenText.contains("124,00"), "the Sollbestand is hidden during a blind count")
        // 100 € × 1, 20 € × 1, 2 € × 2 = 124,00 € (Enter moves to the next denomination).
        h.press(.down, .down)
        h.type("1")
        h.press(.down, .down)
        h.type("1")
        for _ in 0..<3 { h.press(.down) }
        h.type("2")
        XCTAssertEqual(try screen.counted()?.count.total, Money(cents: 12400))
        XCTAssertTrue(h.screenText.contains("Gezählt (Ist):      124,00 €"), h.screenText)
        XCTAssertFalse(h.screenText.contains("Sollbestand: 124,00 €"))
        assertGolden(h.render(), "dayclose-blind-typed")
        // F5: counted; now the Sollbestand and the difference show.
        h.press(.function(5))
        XCTAssertTrue(h.screenText.contains("Sollbestand: 124,00 €"), h.screenText)
        XCTAssertTrue(h.screenText.contains("stimmt mit dem Sollbestand überein"))
        // F4 can no longer switch the blind count off.
        h.press(.function(4))
        XCTAssertTrue(h.screenText.contains("Nach der ersten Zählung lässt sich die Blindzählung nicht mehr ändern."))
        h.press(.function(10))
        let closed = try XCTUnwrap(backend.closed)
        XCTAssertEqual(closed.input.count.total, Money(cents: 12400))
        XCTAssertFalse(closed.input.totalOnly)
        XCTAssertTrue(closed.input.blindCount)
        XCTAssertEqual(closed.input.floatKept, Money(euros: 100))
        XCTAssertEqual(closed.input.expectedSeen, Money(cents: 12400))
        XCTAssertNil(closed.approver)
        XCTAssertTrue(h.stack.top is ReportScreen)
        assertGolden(h.render(), "dayclose-z-report")
        h.press(.end)
        assertGolden(h.render(), "dayclose-z-report-chart")
        XCTAssertTrue(h.screenText.contains("Umsatz je Stunde"))
        XCTAssertTrue(h.screenText.contains("11 ####################"), h.screenText)
        // Leaving the report logs out: the day is closed.
        h.press(.escape)
        XCTAssertTrue(h.stack.top is LoginScreen)
    }

    func testBlindF10CountsFirstAndADifferenceNeedsAReasonAndAboveTheThresholdASupervisor() throws {
        let h = UIHarness()
        let backend = FakeDayCloseBackend()
        let screen = open(h, backend)
        screen.focusIndex = screen.totalIndex
        h.type("110,00")  // the Summe alone: 14,00 € short
        h.press(.function(10))  // blind: F10 first confirms the count and shows the difference
        XCTAssertNil(backend.closed)
        XCTAssertEqual(screen.countSubmissions, 1)
        XCTAssertEqual(screen.focusIndex, screen.reasonIndex)
        XCTAssertTrue(h.screenText.contains("Differenz: -14,00 € Fehlbetrag"), h.screenText)
        h.press(.function(10))
        XCTAssertTrue(h.screenText.contains("Fehlbetrag von 14,00 €: bitte einen Grund angeben"), h.screenText)
        h.type("Wechselgeld falsch herausgegeben")
        assertGolden(h.render(), "dayclose-difference")
        h.press(.function(10))
        XCTAssertTrue(h.stack.top is DayCloseApprovalDialog)
        assertGolden(h.render(), "dayclose-approval")
        h.type("bert")
        h.press(.enter)
        h.type("1111")
        h.press(.enter)
        XCTAssertTrue(h.screenText.contains("Freigabe abgelehnt"), h.screenText)
        XCTAssertNil(backend.closed)
        h.type("2468")
        h.press(.enter)
        let closed = try XCTUnwrap(backend.closed)
        XCTAssertEqual(closed.approver, "bert")
        XCTAssertTrue(closed.input.totalOnly)
        XCTAssertEqual(closed.input.count.total, Money(euros: 110))
        XCTAssertEqual(closed.input.reason, "Wechselgeld falsch herausgegeben")
        XCTAssertTrue(h.stack.top is ReportScreen)
        XCTAssertTrue(h.screenText.contains("Z-Bericht 7 gespeichert"))
    }

    func testARecountKeepsTheFirstCountAndWrongInputIsNamed() throws {
        let h = UIHarness()
        let backend = FakeDayCloseBackend()
        let screen = open(h, backend, blind: false)
        XCTAssertEqual(backend.preparedBlind, false)
        XCTAssertTrue(h.screenText.contains("Sollbestand: 124,00 €"), "not blind: shown at once")
        h.press(.function(5))
        XCTAssertTrue(h.screenText.contains("Bitte die Kasse zählen"), h.screenText)
        h.type("a")
        XCTAssertTrue(h.screenText.contains("Im Feld »500 €« sind nur Ziffern erlaubt."), h.screenText)
        screen.focusIndex = screen.totalIndex
        h.type("120")
        h.press(.function(5))
        screen.focusIndex = 2  // 100 €
        h.type("1")
        h.press(.function(5))
        XCTAssertTrue(h.screenText.contains("Die Summe 120,00 € stimmt nicht mit der Stückelung 100,00 € überein"), h.screenText)
        screen.focusIndex = screen.totalIndex
        h.press(.control("u"))
        screen.focusIndex = 4  // 20 €
        h.type("1")
        screen.focusIndex = 8  // 1 €
        h.type("4")
        h.press(.function(10))
        let closed = try XCTUnwrap(backend.closed)
        XCTAssertEqual(closed.input.countSubmissions, 1)
        XCTAssertEqual(closed.input.count.total, Money(cents: 12400))
        XCTAssertNil(closed.input.firstCountedCash)
        // The Esc of the counting screen books nothing.
        let again = open(h, FakeDayCloseBackend())
        h.press(.escape)
        XCTAssertFalse(h.stack.screens.contains { $0 === again })
        XCTAssertTrue(h.screenText.contains("nichts wurde gebucht"))
    }

    func testAPendingCardPaymentIsShownAndBlocksF10() throws {
        let h = UIHarness()
        let backend = FakeDayCloseBackend()
        backend.sheet.pendingCardPayments = 1
        h.backend.unresolved = [UnresolvedCardPayment(id: "p1", amount: Money(cents: 1300), time: "10:42", isReversal: false)]
        h.stack.push(MenuScreen(backend: h.backend, flow: h.flow))
        DayCloseCountScreen.open(backend: backend, flow: h.flow, stack: h.stack)
        // »Zahlung ungeklärt« comes first, with the reason and the way to settle it.
        XCTAssertTrue(h.stack.top is UnresolvedCardPaymentsScreen)
        XCTAssertTrue(h.screenText.contains("Kartenzahlung(en) mit offenem Ergebnis"), h.screenText)
        h.press(.escape)
        XCTAssertTrue(h.stack.top is DayCloseCountScreen)
        h.press(.function(10))
        XCTAssertTrue(h.screenText.contains("Eine Kartenzahlung ist noch ungeklärt"), h.screenText)
        XCTAssertNil(backend.closed)
    }

    func testXReportScreen() throws {
        let h = UIHarness()
        let backend = FakeDayCloseBackend()
        h.stack.push(ReportScreen(title: "Zwischenbericht (X)", lines: try backend.interimReportLines()))
        assertGolden(h.render(), "xreport")
        XCTAssertTrue(h.screenText.contains("ZWISCHENBERICHT (X)"))
        h.press(.end)
        XCTAssertTrue(h.screenText.contains("09 ####################"), h.screenText)
        h.press(.escape)
        XCTAssertTrue(h.stack.top is SaleScreen)
    }
}
