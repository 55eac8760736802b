import KasseCore
import XCTest

@testable import CounterUI

final class SaleScreenTests: XCTestCase {
    func testEmptySaleScreen() {
        let ui = UIHarness()
        assertGolden(ui.render(), "sale-empty")
    }

    func testSearchAsYouTypeShowsResultsAndCursorInField() {
        let ui = UIHarness()
        ui.type("zeug")
        let grid = ui.render()
        XCTAssertTrue(grid.text.contains("▶ FZ       Führungszeugnis"))
        XCTAssertEqual(grid.cursor, Position(row: 1, column: 32))
        assertGolden(grid, "sale-search")
    }

    func testUmlautFreeWordSearchAndCodeSearch() {
        let ui = UIHarness()
        ui.type("fuhrung")
        XCTAssertTrue(ui.screenText.contains("Führungszeugnis"))
        ui.press(.enter)
        XCTAssertEqual(ui.backend.basket.lines.map(\.code), ["FZ"])
    }

    func testUnknownCodeIsOneGermanSentence() {
        let ui = UIHarness()
        ui.type("xyz")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Kein Posten zu »xyz« gefunden. Code oder Begriff prüfen."))
        XCTAssertTrue(ui.backend.basket.isEmpty)
    }

    func testBasketWithVariantQuantityAndRemoval() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter)
        ui.type("fz")
        ui.press(.enter)
        ui.type("2*mb")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.basket.lines.map(\.quantity), [1, 1, 2])
        XCTAssertEqual(ui.backend.basket.total, Money(cents: 7900))
        // Variant of line 1 by a key: select it, F3.
        ui.press(.tab, .up, .up, .function(3))
        XCTAssertEqual(ui.backend.basket.lines[0].variantLabel, "unter 24 Jahre")
        assertGolden(ui.render(), "sale-basket")
        // Quantity dialog.
        ui.press(.down, .function(2))
        assertGolden(ui.render(), "sale-quantity-dialog")
        ui.press(.backspace)
        ui.type("3")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.basket.lines[1].quantity, 3)
        // Remove.
        ui.press(.function(4))
        XCTAssertEqual(ui.backend.basket.lines.map(\.code), ["PA", "MB"])
        XCTAssertTrue(ui.screenText.contains("SUMME  47,60 €"))
    }

    func testEscNeverDropsABasketWithoutAsking() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter)
        ui.type("pa")
        ui.press(.escape)  // clears the search only
        XCTAssertEqual(ui.backend.basket.lines.count, 1)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        ui.press(.escape)  // asks
        XCTAssertTrue(ui.stack.top is ConfirmDialog)
        assertGolden(ui.render(), "sale-discard-confirm")
        ui.press(.escape)  // "Behalten"
        XCTAssertEqual(ui.backend.basket.lines.count, 1)
        ui.press(.escape, .character("j"))
        XCTAssertTrue(ui.backend.basket.isEmpty)
        XCTAssertTrue(ui.stack.top is SaleScreen)
    }

    func testPaymentKeysDisabledOnEmptyBasketExplainWhy() {
        let ui = UIHarness()
        ui.press(.function(5))
        XCTAssertTrue(ui.screenText.contains("Fehler: Der Warenkorb ist leer: zuerst Posten erfassen."))
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertFalse(ui.render().line(23).contains("Bar"), "disabled keys are not offered in the bar")
    }

    func testBarAndHelpComeFromTheSameKeyTable() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter)
        let bar = ui.render().line(23)
        let sale = ui.stack.top as! SaleScreen
        for binding in sale.bindings where binding.inBar && binding.isEnabled {
            XCTAssertTrue(bar.contains(binding.keys[0].description + binding.label), "bar lacks \(binding.label)")
        }
        ui.press(.function(1))
        let help = ui.screenText
        for binding in sale.bindings {
            XCTAssertTrue(help.contains(binding.entry.keyText), "help lacks \(binding.entry.keyText)")
        }
        assertGolden(ui.render(), "help-sale")
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        // The letter alternative works like the F-key.
        ui.press(.control("r"))
        XCTAssertTrue(ui.stack.top is CashPaymentScreen)
    }

    func testTooSmallTerminalShowsMessage() {
        let ui = UIHarness()
        let grid = ui.render(width: 60, height: 20)
        assertGolden(grid, "too-small")
        XCTAssertNil(grid.cursor)
    }

    func testLargerTerminalUsesTheSpace() {
        let ui = UIHarness()
        for code in ["pa", "fz", "mb", "rp", "lb", "pav", "fze"] {
            ui.type(code)
            ui.press(.enter)
        }
        let grid = ui.render(width: 100, height: 30)
        XCTAssertTrue(grid.text.contains("7.  FZE"))
        XCTAssertTrue(grid.line(27).contains("SUMME"))
    }
}
