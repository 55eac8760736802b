import Fiscal
import KasseCore
import XCTest

final class DSFinVKProcessDataTests: XCTestCase {
    private func line(_ cents: Int64, _ tax: LineTax?) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "X", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents), sachkonto: "1",
            produkt: nil, kostenstelle: nil, taxNote: "", shares: [], tax: tax, vat: nil)
    }

    private func paid(_ method: PaymentMethod, _ cents: Int64) -> PaymentRecord {
        PaymentRecord(method: method, amount: Money(cents: cents))
    }

    func testAmountsHaveADotTwoPlacesAndNoGrouping() {
        XCTAssertEqual(DSFinVKProcessData.amount(302_000), "3020.00")
        XCTAssertEqual(DSFinVKProcessData.amount(255), "2.55")
        XCTAssertEqual(DSFinVKProcessData.amount(5), "0.05")
        XCTAssertEqual(DSFinVKProcessData.amount(0), "0.00")
        XCTAssertEqual(DSFinVKProcessData.amount(-255), "-2.55")
        XCTAssertEqual(DSFinVKProcessData.amount(100_000_000), "1000000.00")
    }

    func testAMixedBasketPerRateAndPaymentsPerType() {
        let normal = LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900)
        let reduced = LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700)
        let lines = [line(1_500, normal), line(2_990, reduced), line(300_000, nil), line(1_000, LineTax(treatment: .steuerfrei(legalBasis: "§ 4 UStG")))]
        let data = DSFinVKProcessData(type: .beleg, lines: lines, payments: [paid(.card, 300_000), paid(.cash, 4_000), paid(.cheque, 1_490)])
        XCTAssertEqual(data.text, "Beleg^15.00_29.90_0.00_0.00_3010.00^40.00:Bar_3014.90:Unbar")
        // The fiskaly example.
        XCTAssertEqual(
            DSFinVKProcessData(type: .beleg, lines: [line(255, reduced)], payments: [paid(.cash, 255)]).text,
            "Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar")
    }

    func testTheCounterBookingIsNegativeAndAnAbortHasNoPayment() {
        let data = DSFinVKProcessData(type: .storno, lines: [line(2_550, nil)], payments: [paid(.cash, 2_550)], sign: -1)
        XCTAssertEqual(data.text, "AVBelegstorno^0.00_0.00_0.00_0.00_-25.50^-25.50:Bar")
        XCTAssertEqual(DSFinVKProcessData(type: .abbruch).text, "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^")
    }
}
