import XCTest

@testable import CounterUI

/// The printer in the status line and the »No Sale« entry of the menu (docs/printer.md, docs/ui.md).
final class PrinterStatusTests: XCTestCase {
    /// A printer problem and the waiting receipts take the office's place in the status line, in the error colour.
    func testPrinterProblemIsShownInTheStatusLine() {
        let ui = UIHarness()
        XCTAssertFalse(ui.flow.refreshTerminalLight(stack: ui.stack), "nothing known: unchanged")
        ui.backend.printerStatusText = "DRUCKER: Papier leer · 1 wartet"
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        let top = ui.screenText.split(separator: "\n")[0]
        XCTAssertTrue(top.hasPrefix(" Kasse 1 · DRUCKER: Papier leer · 1 wartet "), String(top))
        XCTAssertFalse(top.contains("Bürgeramt"), String(top))
        let grid = ui.render()
        let column = String(top).distance(of: "DRUCKER")
        XCTAssertEqual(grid[0, column].style, CellStyle.error)
        ui.backend.printerStatusText = nil
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        XCTAssertTrue(ui.screenText.split(separator: "\n")[0].contains("Bürgeramt"))
    }

    /// A clerk opens the drawer with a reason and a supervisor's PIN; a short reason is refused.
    func testNoSaleFromTheMenuNeedsAReasonAndASupervisor() {
        let ui = UIHarness()
        ui.press(.function(9))
        XCTAssertTrue(ui.screenText.contains("S  Schublade öffnen (No Sale, mit Grund)"), ui.screenText)
        ui.type("s")
        XCTAssertTrue(ui.stack.top is NoSaleDialog)
        ui.type("ab")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("mindestens 3 Zeichen"), ui.screenText)
        ui.type("c Wechselgeld")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is ApprovalDialog, "\(String(describing: ui.stack.top))")
        ui.type("chef")
        ui.press(.tab)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.drawerOpenings.map(\.reason), ["abc Wechselgeld"])
        XCTAssertEqual(ui.backend.drawerOpenings.first?.approver, "chef")
        XCTAssertTrue(ui.screenText.contains("Schublade geöffnet."), ui.screenText)
    }
}

extension String {
    fileprivate func distance(of needle: String) -> Int {
        guard let range = range(of: needle) else { return -1 }
        return self[..<range.lowerBound].count
    }
}
