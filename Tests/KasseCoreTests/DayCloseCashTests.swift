import KasseCore
import XCTest

final class DayCloseCashTests: XCTestCase {
    func testDenominationsRunFrom500EuroTo1Cent() {
        XCTAssertEqual(Denomination.countingOrder.count, 15)
        XCTAssertEqual(Denomination.countingOrder.first, .note500)
        XCTAssertEqual(Denomination.countingOrder.last, .coin1Cent)
        XCTAssertEqual(Denomination.note5.label, "5 €")
        XCTAssertEqual(Denomination.coin50Cent.label, "50 ct")
        XCTAssertTrue(Denomination.note5.isNote)
        XCTAssertFalse(Denomination.coin2Euro.isNote)
    }

    func testCashCountSumsPerDenominationAndTotal() throws {
        var count = CashCount.empty
        try count.set(.note50, count: 3)  // 150,00
        try count.set(.note20, count: 2)  //  40,00
        try count.set(.coin2Euro, count: 4)  //   8,00
        try count.set(.coin10Cent, count: 7)  //   0,70
        try count.set(.coin1Cent, count: 3)  //   0,03
        XCTAssertEqual(count.total, Money(cents: 19_873))
        XCTAssertEqual(count.notesTotal, Money(cents: 19_000))
        XCTAssertEqual(count.coinsTotal, Money(cents: 873))
        XCTAssertEqual(count.lines.count, 15)
        XCTAssertEqual(count.lines.first { $0.denomination == .note50 }?.sum, Money(euros: 150))
        XCTAssertEqual(count.lines.first { $0.denomination == .note500 }?.pieces, 0)
        // Typing a new figure replaces, it does not add.
        try count.set(.note50, count: 1)
        XCTAssertEqual(count.total, Money(cents: 9_873))
        try count.set(.note50, count: 0)
        XCTAssertEqual(count.count(of: .note50), 0)
        XCTAssertNil(count.pieces[.note50])
    }

    func testCashCountRejectsNegativeAndAbsurdCounts() {
        var count = CashCount.empty
        XCTAssertThrowsError(try count.set(.coin1Euro, count: -1)) { error in
            XCTAssertEqual((error as? CashCountError), .negative(.coin1Euro, -1))
            XCTAssertTrue("\(error)".contains("1 €"))
        }
        XCTAssertThrowsError(try count.set(.note500, count: 10_000_000))
        XCTAssertEqual(count, CashCount.empty, "a rejected figure changes nothing")
    }

    func testExpectedCashFormulaWithEveryKindOfMovement() throws {
        let expected = ExpectedCash(
            float: Money(euros: 150),
            cashReceived: Money(cents: 31_250),  // tendered by citizens
            changeGiven: Money(cents: 2_650),
            stornoPayouts: Money(euros: 13),
            movements: [
                CashMovement(kind: .einlage, amount: Money(euros: 50), reason: "Wechselgeld von der Stadtkasse"),
                CashMovement(kind: .entnahme, amount: Money(euros: 200), reason: "Abschöpfung"),
                CashMovement(kind: .einlage, amount: Money(cents: 1), reason: "Fund"),
            ])
        // 150 + 312,50 − 26,50 − 13 + 50 − 200 + 0,01 = 273,01
        XCTAssertEqual(try expected.total(), Money(cents: 27_301))
        XCTAssertEqual(try expected.netCashSales, Money(euros: 273))
        XCTAssertEqual(try expected.depositsTotal, Money(cents: 5_001))
        XCTAssertEqual(try expected.withdrawalsTotal, Money(euros: 200))
        let breakdown = try expected.breakdown()
        XCTAssertEqual(breakdown.last?.label, "= Sollbestand")
        XCTAssertEqual(breakdown.last?.amount, Money(cents: 27_301))
        XCTAssertEqual(
            Money(cents: breakdown.dropLast().reduce(0) { $0 + $1.amount.cents }), Money(cents: 27_301),
            "the breakdown's lines add up to the total")
    }

    func testExpectedCashWithoutMovementsAndNegativeResult() throws {
        let plain = ExpectedCash(float: .zero, cashReceived: Money(euros: 46), changeGiven: .zero, stornoPayouts: .zero)
        XCTAssertEqual(try plain.total(), Money(euros: 46))
        XCTAssertEqual(try plain.breakdown().count, 5, "no movement lines when there are none")
        let overdrawn = ExpectedCash(float: .zero, cashReceived: .zero, changeGiven: .zero, stornoPayouts: Money(euros: 10))
        XCTAssertEqual(try overdrawn.total(), Money(euros: -10))
    }

    func testDifferenceSurplusShortageAndNone() throws {
        let surplus = try CashDifference(expected: Money(euros: 100), counted: Money(cents: 10_050))
        XCTAssertEqual(surplus.kind, .surplus)
        XCTAssertEqual(surplus.amount, Money(cents: 50))
        let shortage = try CashDifference(expected: Money(euros: 100), counted: Money(cents: 9_000))
        XCTAssertEqual(shortage.kind, .shortage)
        XCTAssertEqual(shortage.amount, Money(euros: -10))
        XCTAssertEqual(shortage.kind.germanName, "Fehlbetrag")
        XCTAssertEqual(try CashDifference(expected: Money(euros: 1), counted: Money(euros: 1)).kind, .none)
        // Threshold: above needs approval, equal does not.
        XCTAssertTrue(shortage.needsApproval(threshold: Money(euros: 5)))
        XCTAssertFalse(shortage.needsApproval(threshold: Money(euros: 10)))
        XCTAssertFalse(surplus.needsApproval(threshold: Money(euros: 5)))
    }
}
