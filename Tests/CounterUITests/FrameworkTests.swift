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

    func testAmountFieldRefusesLettersWithTheFieldName() {
        var field = TextField(label: "Gegeben", kind: .amount)
        XCTAssertEqual(field.handle(.character("1")), .changed)
        guard case .refused(let reason) = field.handle(.character("x")) else { return XCTFail("letter accepted") }
        XCTAssertTrue(reason.contains("»Gegeben«"))
        XCTAssertEqual(field.text, "1")
        XCTAssertEqual(field.handle(.backspace), .changed)
        XCTAssertEqual(field.text, "")
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
