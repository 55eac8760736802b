import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The receipt of a mixed basket (§ 6 KassenSichV; docs/ledger.md "Umsatzsteuer"): net, VAT and
/// gross per rate, the note for the fees, the total the sum of the lines.
final class VATReceiptTests: XCTestCase {
    static let day = BusinessDate(iso: "2027-01-04")!

    static func mixedSale() throws -> SaleRecord {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        var basket = Basket(date: day)
        try basket.add(code: "PA", from: catalog, variantCode: "24+")
        try basket.add(code: "FZ", from: catalog)
        try basket.add(code: "KOP", from: catalog, variantCode: "A4", quantity: 3)
        try basket.add(code: "SPL", from: catalog)
        try basket.add(code: "AK", from: catalog, quantity: 2)
        try basket.add(code: "TASCHE", from: catalog)
        let lines = SaleLine.lines(basket: basket.lines)
        let start = Instant(millisecondsSinceEpoch: 1_799_053_200_000)  // 2027-01-04 10:00 Europe/Berlin
        return SaleRecord(
            id: "s1", receiptNumber: 7, shiftId: "sh", operatorId: "op1", businessDate: day.iso, startedAt: start,
            endedAt: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 95_000), reference: nil, total: basket.total,
            lines: lines,
            payments: [PaymentRecord(method: .cash, amount: basket.total, tendered: Money(euros: 100), change: Money(cents: 10_000 - basket.total.cents))])
    }

    static let context = ReceiptContext(
        officeName: "Stadt Musterstadt – Bürgeramt", officeAddress: "Marktplatz 1, 12345 Musterstadt", registerId: "K1",
        calendar: BusinessCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!), operatorNames: ["op1": "Erika Muster"])

    func testMixedBasketReceiptShowsNetVATAndGrossPerRate() throws {
        let sale = try Self.mixedSale()
        let text = ReceiptRenderer.render(.sale(sale), context: Self.context)
        try assertReceiptGolden(text, "mixed-basket.receipt.txt")
        // The total is the sum of the lines; the table's gross adds up to it.
        XCTAssertEqual(sale.total.cents, sale.lines.reduce(0) { $0 + $1.amount.cents })
        XCTAssertEqual(sale.total, Money(cents: 4600 + 1300 + 150 + 490 + 200 + 800))
        let breakdown = VATBreakdown(lines: sale.lines.map { ($0.amount, $0.lineTax, $0.vatAmount) })
        // 19 %: 1,50 + 8,00 = 9,50 gross → 1,52 VAT (1,5168…); 7 %: 4,90 + 2,00 = 6,90 → 0,45 (0,4514…).
        XCTAssertEqual(breakdown.groups.map(\.vat), [Money(cents: 152), Money(cents: 45), .zero])
        XCTAssertEqual(breakdown.groups.map(\.gross), [Money(cents: 950), Money(cents: 690), Money(cents: 5900)])
        XCTAssertTrue(text.contains("A 19 %            7,98      1,52      9,50\n"), text)
        XCTAssertTrue(text.contains("Gebühren: nicht umsatzsteuerbar"), text)
    }

    func testStornoMirrorsTheTableAndAFeeOnlyReceiptHasNone() throws {
        let sale = try Self.mixedSale()
        let storno = StornoRecord(
            id: "st", saleId: sale.id, receiptNumber: 8, shiftId: "sh", operatorId: "op1", approvedBy: nil, reason: "Irrtum",
            businessDate: sale.businessDate, at: sale.endedAt, total: sale.total,
            refunds: [StornoRefund(method: .cash, amount: sale.total)])
        let text = ReceiptRenderer.render(.storno(storno, original: sale), context: Self.context)
        XCTAssertTrue(text.contains("A 19 %           -7,98     -1,52     -9,50\n"), text)
        let fees = SaleRecord(
            id: "s2", receiptNumber: 9, shiftId: "sh", operatorId: "op1", businessDate: sale.businessDate, startedAt: sale.startedAt,
            endedAt: sale.endedAt, reference: nil, total: Money(cents: 4600), lines: [sale.lines[0]],
            payments: [PaymentRecord(method: .cash, amount: Money(cents: 4600))])
        let feeText = ReceiptRenderer.render(.sale(fees), context: Self.context)
        XCTAssertFalse(feeText.contains("Netto"), feeText)
        XCTAssertFalse(feeText.contains("USt"), feeText)
    }

    func assertReceiptGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = packageRoot.appendingPathComponent("Tests/CounterTests/Golden").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["WEBKASSE_RECORD_GOLDEN"] != nil {
            try Data(text.utf8).write(to: url)
            XCTFail("recorded \(name); run again without WEBKASSE_RECORD_GOLDEN", file: file, line: line)
            return
        }
        XCTAssertEqual(text, try String(contentsOf: url, encoding: .utf8), "re-record with WEBKASSE_RECORD_GOLDEN=1 if intended", file: file, line: line)
    }
}
