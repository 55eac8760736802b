import Foundation
import KasseCore
import TestSupport
import XCTest

final class CatalogSearchTests: XCTestCase {
    var catalog: TariffCatalog!
    var search: CatalogSearch!

    override func setUpWithError() throws {
        catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        search = CatalogSearch(catalog: catalog)
    }

    func codes(_ query: String) -> [String] { search.items(matching: query).map(\.code) }

    func testFoldingIsCaseAndUmlautInsensitive() {
        XCTAssertEqual(SearchText.fold("Führungszeugnis"), Array("fuhrungszeugnis".utf8))
        XCTAssertEqual(SearchText.fold("FUEHRUNG"), SearchText.fold("führung"))
        XCTAssertEqual(SearchText.fold("Straße  ÄÖÜ-x"), Array("strasse aou x".utf8))
    }

    func testUmlautOptionalSearchFindsFuehrungszeugnis() {
        for query in ["fuhrung", "Führung", "fuehrungszeugnis", "FÜHRUNGSZEUGNIS"] {
            XCTAssertEqual(codes(query).first, "FZ", query)
        }
        XCTAssertTrue(codes("zeugnis").contains("FZ"), "inside a compound word")
    }

    func testExactCodeRanksFirstThenPrefixThenWords() {
        XCTAssertEqual(codes("PA").first, "PA")
        XCTAssertEqual(Array(codes("pa").prefix(3)), ["PA", "PAV", "PAZ"], "exact code, then code prefixes")
        XCTAssertEqual(codes("RP").first, "RP")
        XCTAssertEqual(codes("reisepass").first, "RP", "name start beats keyword matches")
        XCTAssertEqual(Set(codes("rente")), ["MBR", "LB"])
    }

    func testAllWordsMustMatch() {
        XCTAssertEqual(codes("reisepass vorl"), ["RPV"])
        XCTAssertEqual(codes("pass vorl"), ["PAV", "RPV"], "»Pässe« in the category matches too")
        XCTAssertEqual(codes("beglaubigung unterschrift"), ["BGU"])
        XCTAssertEqual(codes("xyzzy"), [])
        XCTAssertEqual(codes("   "), [])
    }

    func testTenThousandItemsStillFindExactCodeFirst() {
        var items = catalog.items
        let template = catalog.item(code: "MB")!
        for i in 0..<10_000 {
            items.append(
                TariffItem(
                    code: "X\(i)", name: "Bescheinigung Nummer \(i)", category: "Test", keywords: ["Zusatz"],
                    booking: template.booking, variants: template.variants))
        }
        let big = CatalogSearch(items: items)
        XCTAssertEqual(big.items(matching: "x9999").first?.code, "X9999")
        XCTAssertEqual(big.items(matching: "führungszeugnis").first?.code, "FZ")
        XCTAssertEqual(big.items(matching: "bescheinigung", limit: 5).count, 5)
    }
}

final class BasketTests: XCTestCase {
    var catalog: TariffCatalog!
    let today = BusinessDate(iso: "2026-11-27")!

    override func setUpWithError() throws {
        catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
    }

    func testTypicalSaleTotals59Euro() throws {
        var basket = Basket(date: today)
        try basket.add(code: "PA", from: catalog)
        try basket.add(code: "FZ", from: catalog)
        XCTAssertEqual(basket.total, Money(cents: 5900))
        XCTAssertEqual(basket.lines.map(\.displayName), ["Personalausweis (ab 24 Jahre)", "Führungszeugnis (privat/behördlich)"])
        XCTAssertEqual(basket.lines[1].shares.map(\.amount), [Money(cents: 520), Money(cents: 780)])
    }

    func testPriceIsFixedFromTheBasketsDate() throws {
        var before = Basket(date: BusinessDate(iso: "2026-02-06")!)
        var after = Basket(date: BusinessDate(iso: "2026-02-07")!)
        try before.add(code: "PA", from: catalog, variantCode: "U24")
        try after.add(code: "PA", from: catalog, variantCode: "U24")
        XCTAssertEqual(before.total, Money(cents: 2280))
        XCTAssertEqual(after.total, Money(cents: 2760))
    }

    func testQuantityVariantAndRemoval() throws {
        var basket = Basket(date: today)
        let line = try basket.add(code: "BGA", from: catalog, quantity: 3)
        XCTAssertEqual(basket.total, Money(cents: 1365))
        try basket.add(code: "BGA", from: catalog)
        XCTAssertEqual(basket.lines.count, 1, "same item and variant raise the quantity")
        XCTAssertEqual(basket.lines[0].quantity, 4)
        try basket.setQuantity(2, lineID: line.id)
        XCTAssertEqual(basket.total, Money(cents: 910))
        let pa = try basket.add(code: "PA", from: catalog)
        try basket.setVariant("U24", lineID: pa.id, catalog: catalog)
        XCTAssertEqual(basket.lines[1].unitPrice, Money(cents: 2760))
        XCTAssertEqual(basket.lines[1].variantName, "unter 24 Jahre")
        try basket.remove(lineID: line.id)
        XCTAssertEqual(basket.total, Money(cents: 2760))
        basket.removeAll()
        XCTAssertTrue(basket.isEmpty)
        XCTAssertEqual(basket.total, .zero)
    }

    func testRefusalsWithClearMessages() throws {
        var basket = Basket(date: today)
        XCTAssertThrowsError(try basket.add(code: "XX", from: catalog)) { error in
            XCTAssertEqual("\(error)", "Unbekannter Gebührencode »XX«. Bitte Code prüfen oder über die Suche wählen.")
        }
        XCTAssertThrowsError(try basket.add(code: "KRP", from: catalog)) { error in
            XCTAssertEqual("\(error)", "KRP hat am 27.11.2026 keinen gültigen Preis.")
        }
        XCTAssertThrowsError(try basket.add(code: "PA", from: catalog, variantCode: "99")) { error in
            XCTAssertEqual(error as? BasketError, .unknownVariant(code: "PA", variant: "99"))
        }
        XCTAssertThrowsError(try basket.add(code: "PA", from: catalog, quantity: 0))
        let line = try basket.add(code: "PA", from: catalog, quantity: 99)
        XCTAssertThrowsError(try basket.add(code: "PA", from: catalog)) { error in
            XCTAssertEqual("\(error)", "Menge 100 ist nicht möglich: erlaubt sind 1 bis 99.")
        }
        XCTAssertEqual(basket.lines[0].quantity, 99, "a refused change leaves the basket as it was")
        XCTAssertThrowsError(try basket.remove(lineID: line.id + 7))
        XCTAssertEqual(basket.total, Money(cents: 455_400))
    }

    func testFreeItemIsZero() throws {
        var basket = Basket(date: today)
        try basket.add(code: "LB", from: catalog)
        XCTAssertEqual(basket.total, .zero)
        XCTAssertEqual(basket.lines[0].taxNote, "Gebühr, nicht umsatzsteuerbar")
    }
}

final class BusinessDateTests: XCTestCase {
    func testParsingAndArithmetic() {
        XCTAssertNil(BusinessDate(iso: "2026-02-29"))
        XCTAssertNotNil(BusinessDate(iso: "2024-02-29"))
        XCTAssertNil(BusinessDate(iso: "2026-2-1"))
        XCTAssertNil(BusinessDate(iso: "2026-13-01"))
        XCTAssertEqual(BusinessDate(iso: "2026-02-28")!.adding(days: 1).iso, "2026-03-01")
        XCTAssertEqual(BusinessDate(iso: "1970-01-01")!.dayNumber, 0)
        XCTAssertEqual(BusinessDate(iso: "2026-02-07")!.german, "07.02.2026")
        for n in [-1000, 0, 20_000, 20_491] { XCTAssertEqual(BusinessDate(dayNumber: n).dayNumber, n) }
    }

    func testBerlinBusinessDateAroundMidnight() {
        // 2026-11-26 23:30 UTC is already 27 November in Berlin (UTC+1).
        let instant = Date(timeIntervalSince1970: 1_795_735_800)
        XCTAssertEqual(BusinessDate(instant: instant).iso, "2026-11-27")
        XCTAssertEqual(BusinessDate(instant: instant, timeZone: TimeZone(identifier: "UTC")!).iso, "2026-11-26")
    }
}

final class CatalogSearchRegressionTests: XCTestCase {
    /// Found by the catalogue fuzzer: a query (or item name) with more than 255 words overflowed a byte counter.
    func testQueryWithHundredsOfWords() throws {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let search = CatalogSearch(catalog: catalog)
        let query = Array(repeating: "pass", count: 300).joined(separator: " ")
        XCTAssertEqual(search.items(matching: query).map(\.code), search.items(matching: "pass").map(\.code))
        XCTAssertFalse(search.items(matching: query).isEmpty)
    }
}
