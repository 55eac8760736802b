import Foundation
import KasseCore
import XCTest

@testable import CounterUI

/// The hardware cursor stands on the focused item of every screen, list and dialog after every
/// key: screen readers and braille displays follow it (EN 301 549 4.2.1, docs/ui.md "Accessibility").
final class FocusCursorTests: XCTestCase {
    /// Presses each key and checks the cursor after it: shown, on the screen, and on a cell the
    /// top screen drew (not on the blank margin of a dialog).
    func walk(_ ui: UIHarness, _ keys: [Key], file: StaticString = #filePath, line: UInt = #line) {
        for key in keys {
            ui.press(key)
            let grid = ui.render()
            guard let cursor = grid.cursor else {
                XCTFail("no cursor after \(key) on \(ui.stack.top.map { String(describing: type(of: $0)) } ?? "-"):\n\(grid.text)", file: file, line: line)
                continue
            }
            XCTAssertTrue(
                (0..<grid.height).contains(cursor.row) && (0..<grid.width).contains(cursor.column), "cursor \(cursor) off the screen after \(key)",
                file: file, line: line)
        }
    }

    func testEveryScreenOfTheClerksDayPlacesTheCursor() {
        let ui = UIHarness()
        walk(ui, Key.typing("fz") + [.enter])
        walk(ui, [.tab, .down, .up, .tab])  // basket and back
        walk(ui, [.function(2)] + Key.typing("3") + [.escape])  // quantity
        walk(ui, [.function(1), .escape])  // help
        walk(ui, [.function(9), .down, .down, .up, .escape])  // menu
        walk(ui, [.function(11)] + Key.typing("KZ-1") + [.enter])  // reference
        walk(ui, [.function(5)] + Key.typing("20") + [.backspace, .escape])  // cash
        walk(ui, [.function(7), .tab, .escape])  // cheque
        walk(ui, [.function(8), .escape])  // split
        walk(ui, [.escape, .character("n")])  // discard? no
        walk(ui, [.function(5)] + Key.typing("13") + [.enter])  // receipt preview
        walk(ui, [.down, .up, .enter])
        walk(ui, [.function(9), .character("2")] + Key.typing("1") + [.backspace, .down, .escape])  // reprint list
        walk(ui, [.function(9), .character("1"), .enter] + Key.typing("Irrtum") + [.enter, .escape])  // storno reason, approval
        walk(ui, [.function(9), .character("3"), .tab, .escape])  // Einlage
        walk(ui, [.function(9), .character("5"), .down, .escape])  // X report
        walk(ui, [.function(9), .character("7"), .tab, .escape])  // handover count
        walk(ui, [.function(10)] + Key.typing("1234") + [.enter])  // lock, PIN
        walk(ui, Key.typing("pa") + [.enter, .function(6)])  // card payment runs
        walk(ui, [.function(10)])  // abort asked
    }

    func testListsPutTheCursorOnTheSelectedRow() {
        let ui = UIHarness()
        for _ in 0..<2 {
            ui.type("fz")
            ui.press(.enter, .function(5))
            ui.type("13")
            ui.press(.enter, .enter)
        }
        ui.press(.function(9))
        XCTAssertEqual(ui.render().cursor?.row, ui.render().text.components(separatedBy: "\n").firstIndex { $0.contains("▶ 1  Beleg stornieren") })
        ui.press(.down)
        XCTAssertEqual(ui.render().cursor?.row, ui.render().text.components(separatedBy: "\n").firstIndex { $0.contains("▶ 2  Beleg nachdrucken") })
        ui.press(.enter)
        let rows = ui.render().text.components(separatedBy: "\n")
        XCTAssertEqual(ui.render().cursor, Position(row: rows.firstIndex { $0.hasPrefix(" ▶ 2026-000001") } ?? -1, column: 1))
        ui.press(.down)
        let moved = ui.render().text.components(separatedBy: "\n")
        XCTAssertEqual(ui.render().cursor, Position(row: moved.firstIndex { $0.hasPrefix(" ▶ 2026-000002") } ?? -1, column: 1))
    }
}
