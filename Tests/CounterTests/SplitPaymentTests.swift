import KasseCore
import XCTest

@testable import Counter

/// The payment rules the counter screen follows: cash parts or one cheque for a part, the rest by card.
final class SplitPaymentTests: XCTestCase {
    let total = Money(euros: 59)

    func testCashPartsThenTheRestByCardIsOneSplitPayment() throws {
        var payment = SplitPayment()
        XCTAssertEqual(try payment.cash(amount: Money(euros: 20), tendered: Money(euros: 20), total: total), .remaining(Money(euros: 39)))
        XCTAssertEqual(try payment.cash(amount: Money(euros: 9), tendered: Money(euros: 10), total: total), .remaining(Money(euros: 30)))
        XCTAssertEqual(payment.paid, Money(euros: 29))
        XCTAssertThrowsError(try payment.refuseChanges())
        XCTAssertThrowsError(try payment.card(amount: Money(euros: 29), total: total)) { XCTAssertTrue("\($0)".contains("ganzen offenen Betrag (30,00 €)")) }
        XCTAssertEqual(try payment.card(amount: Money(euros: 30), total: total), .split(cash: Money(euros: 29), tendered: Money(euros: 30)))
        XCTAssertThrowsError(try payment.cheque(amount: Money(euros: 30), total: total, number: "1", bank: "B", drawer: "D"))
    }

    func testTheLastCashPartBooksTheWholeInCash() throws {
        var payment = SplitPayment()
        _ = try payment.cash(amount: Money(euros: 50), tendered: Money(euros: 50), total: total)
        XCTAssertEqual(try payment.cash(amount: Money(euros: 9), tendered: Money(euros: 20), total: total), .book(.cash(tendered: Money(euros: 70))))
        var fresh = SplitPayment()
        XCTAssertThrowsError(try fresh.cash(amount: Money(euros: 10), tendered: Money(euros: 5), total: total))
    }

    func testAChequeForTheWholeTotalOrAPartWithTheRestByCard() throws {
        var whole = SplitPayment()
        XCTAssertEqual(
            try whole.cheque(amount: total, total: total, number: "1", bank: "B", drawer: "D"), .book(.cheque(number: "1", bank: "B", drawer: "D")))
        XCTAssertEqual(try SplitPayment().card(amount: total, total: total), .card)

        // A cheque for a part: the rest only by card, booked together; no cash, no second cheque.
        var payment = SplitPayment()
        XCTAssertThrowsError(try payment.cheque(amount: Money(euros: 60), total: total, number: "1", bank: "B", drawer: "D"))
        XCTAssertThrowsError(try payment.cheque(amount: Money(euros: 20), total: total, number: "", bank: "B", drawer: "D")) {
            XCTAssertEqual("\($0)", "Es fehlt: die Schecknummer.")
        }
        XCTAssertEqual(
            try payment.cheque(amount: Money(euros: 20), total: total, number: "4711", bank: "Sparkasse", drawer: "Erika M"), .remaining(Money(euros: 39)))
        XCTAssertEqual(payment.paid, Money(euros: 20))
        XCTAssertThrowsError(try payment.refuseChanges()) { XCTAssertTrue("\($0)".contains("Scheck über 20,00 €"), "\($0)") }
        XCTAssertThrowsError(try payment.cash(amount: Money(euros: 39), tendered: Money(euros: 50), total: total))
        XCTAssertThrowsError(try payment.cheque(amount: Money(euros: 39), total: total, number: "4712", bank: "B", drawer: "D"))
        XCTAssertEqual(
            try payment.card(amount: Money(euros: 39), total: total),
            .chequeAndCard(cheque: Money(euros: 20), number: "4711", bank: "Sparkasse", drawer: "Erika M"))
        // After a cash part: no cheque.
        var cash = SplitPayment()
        _ = try cash.cash(amount: Money(euros: 10), tendered: Money(euros: 10), total: total)
        XCTAssertThrowsError(try cash.cheque(amount: Money(euros: 49), total: total, number: "1", bank: "B", drawer: "D"))
    }

    func testTheChequeAndCardPlanBooksBothParts() throws {
        let plan = try PaymentPlan(.chequeAndCard(cheque: Money(euros: 20), number: "4711", bank: "Sparkasse", drawer: "Erika M"), total: total)
        XCTAssertEqual(plan.payments.map(\.method), [.cheque])
        XCTAssertEqual(plan.payments.first?.amount, Money(euros: 20))
        XCTAssertEqual(plan.payments.first?.chequeNumber, "4711")
        XCTAssertEqual(plan.cardAmount, Money(euros: 39))
        XCTAssertThrowsError(try PaymentPlan(.chequeAndCard(cheque: total, number: "1", bank: "", drawer: "D"), total: total))
        XCTAssertThrowsError(try PaymentPlan(.chequeAndCard(cheque: Money(euros: 1), number: "1", bank: "", drawer: " "), total: total))
    }
}
