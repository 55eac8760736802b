import KasseCore
import TestSupport
import XCTest

@testable import CounterUI

/// The sale screen's catalogue and basket on the shipped default catalogue.
final class CatalogBasketTests: XCTestCase {
    func model(date: String = "2026-11-27") throws -> CatalogBasket {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        return CatalogBasket(catalog: catalog, date: BusinessDate(iso: date)!)
    }

    func testTypicalSaleOnTheDefaultCatalogue() throws {
        var model = try model()
        XCTAssertEqual(model.search("pa", limit: 6).first?.code, "PA")
        XCTAssertEqual(model.search("fz", limit: 6).first?.code, "FZ")
        XCTAssertEqual(model.search("fuhrungszeugnis", limit: 6).first?.code, "FZ")
        try model.add(code: "PA", variant: 0)
        try model.add(code: "FZ", variant: 0)
        let view = model.view(paid: .zero)
        XCTAssertEqual(view.total, Money(cents: 5900))
        XCTAssertEqual(view.lines[0].variantLabel, "ab 24 Jahre")
        XCTAssertTrue(view.lines[0].hasVariants)
    }

    func testVariantByKeyAndPriceBeforeTheFeeChange() throws {
        var model = try model(date: "2026-02-06")
        try model.add(code: "PA", variant: 0)
        XCTAssertEqual(model.view(paid: .zero).total, Money(cents: 3700))
        try model.nextVariant(line: 0)
        XCTAssertEqual(model.view(paid: .zero).lines[0].variantLabel, "unter 24 Jahre")
        XCTAssertEqual(model.view(paid: .zero).total, Money(cents: 2280))
        try model.nextVariant(line: 0)
        XCTAssertEqual(model.view(paid: .zero).total, Money(cents: 3700))
    }

    func testVariantSwitchMergesWithAnExistingLine() throws {
        var model = try model()
        try model.add(code: "PA", variant: 0)
        try model.add(code: "PA", variant: 1)
        try model.nextVariant(line: 0)
        let view = model.view(paid: .zero)
        XCTAssertEqual(view.lines.count, 1)
        XCTAssertEqual(view.lines[0].quantity, 2)
        XCTAssertEqual(view.total, Money(cents: 5520))
    }

    func testErrorsAreGermanSentences() throws {
        var model = try model()
        XCTAssertThrowsError(try model.add(code: "XYZ", variant: 0)) { error in
            XCTAssertTrue("\(error)".contains("Unbekannter Gebührencode »XYZ«"))
        }
        try model.add(code: "MB", variant: 0)
        XCTAssertThrowsError(try model.setQuantity(line: 0, quantity: 100)) { error in
            XCTAssertTrue("\(error)".contains("Menge 100 ist nicht möglich"))
        }
        XCTAssertThrowsError(try model.nextVariant(line: 0))
    }
}
