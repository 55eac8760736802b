import XCTest

@testable import CounterUI

final class ScreenGridTests: XCTestCase {
    func testPutClipsAtEdgeAndFitMarksCuts() {
        var grid = ScreenGrid(width: 10, height: 2)
        grid.put("Personalausweis", row: 0, column: 2)
        XCTAssertEqual(grid.line(0), "  Personal")
        XCTAssertEqual(ScreenGrid.fit("Führungszeugnis", width: 6), "Führu…")
        XCTAssertEqual(ScreenGrid.fit("13,00", width: 7, alignRight: true), "  13,00")
        grid.put("x", row: 5, column: 0)  // outside: ignored
        XCTAssertEqual(grid.text, "  Personal\n")
    }

    func testFrameAndStyles() {
        var grid = ScreenGrid(width: 6, height: 3)
        grid.frame(grid.bounds, title: nil)
        XCTAssertEqual(grid.text, "┌────┐\n│    │\n└────┘")
        XCTAssertEqual(grid[1, 1].style, .dialog)
    }

    func testBigTextDigits() {
        let rows = BigText.rows("41,00 €")
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows[0].prefix(7), "█ █  █ ")
    }
}

final class KeyTests: XCTestCase {
    func testCharacterCodes() {
        XCTAssertEqual(Key.fromCharacterCode(13), .enter)
        XCTAssertEqual(Key.fromCharacterCode(27), .escape)
        XCTAssertEqual(Key.fromCharacterCode(127), .backspace)
        XCTAssertEqual(Key.fromCharacterCode(11), .control("k"))
        XCTAssertEqual(Key.fromCharacterCode(0xFC), .character("ü"))
        XCTAssertEqual(Key.control("r").description, "Strg+R")
    }

    /// A letter or a minus in an amount stays visible and is named as the problem, with the field.
    func testAmountFieldNamesLettersAndMinusWithTheFieldName() {
        var field = TextField(label: "Gegeben", kind: .amount)
        XCTAssertEqual(field.handle(.character("1")), .changed)
        XCTAssertNil(field.problem)
        XCTAssertEqual(field.handle(.character("x")), .changed)
        XCTAssertEqual(field.text, "1x")
        XCTAssertEqual(field.problem, "Im Feld »Gegeben«: »1x« ist kein Betrag. Erlaubt sind Ziffern und ein Komma, z. B. 12,34.")
        XCTAssertEqual(field.typingProblem, field.problem)
        field.setText("-5")
        XCTAssertEqual(field.problem, "Im Feld »Gegeben«: »-5«: negative Beträge sind hier nicht erlaubt.")
        // On the way to 1.234,56 nothing is wrong yet while typing; on leaving the field it is.
        field.setText("1.2345")
        XCTAssertNil(field.typingProblem)
        XCTAssertNotNil(field.problem)
        field.setText("12,50")
        XCTAssertNil(field.problem)
    }

    func testDispatchHonoursDisabledBindings() {
        let bindings = [
            KeyBinding([.function(5), .control("r")], "Bar", help: "", action: 1, disabledReason: "leer"),
            KeyBinding([.function(6)], "Karte", help: "", action: 2),
        ]
        guard case .disabled("leer") = KeyDispatch.resolve(.control("r"), in: bindings) else { return XCTFail() }
        guard case .perform(2) = KeyDispatch.resolve(.function(6), in: bindings) else { return XCTFail() }
        guard case .unbound = KeyDispatch.resolve(.function(7), in: bindings) else { return XCTFail() }
    }

    func testThemeHonoursNoColor() {
        XCTAssertEqual(Theme.from(environment: [:]), .colour)
        XCTAssertEqual(Theme.from(environment: ["NO_COLOR": "1"]), .monochrome)
        XCTAssertEqual(Theme.from(environment: ["WEBKASSE_THEME": "kontrast"]), .highContrast)
        XCTAssertEqual(Theme.from(environment: ["WEBKASSE_THEME": "kontrast", "NO_COLOR": "1"]), .monochrome)
    }
}
