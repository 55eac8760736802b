import KasseCore
import XCTest

@testable import Counter

/// The payment rules the counter screen follows: cash parts first, the rest by card, a cheque only whole.
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

    func testAChequeCoversTheWholeTotal() throws {
        let payment = SplitPayment()
        XCTAssertThrowsError(try payment.cheque(amount: Money(euros: 10), total: total, number: "1", bank: "B", drawer: "D"))
        XCTAssertEqual(try payment.cheque(amount: total, total: total, number: "1", bank: "B", drawer: "D"), .cheque(number: "1", bank: "B", drawer: "D"))
        XCTAssertEqual(try payment.card(amount: total, total: total), .card)
    }
}
