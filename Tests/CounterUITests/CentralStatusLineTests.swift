import XCTest

@testable import CounterUI

/// The delivery to the centre in the status line (docs/central.md, "Status line").
final class CentralStatusLineTests: XCTestCase {
    func testTheCentresStateTakesTheOfficesPlaceAndAForkIsInTheErrorColour() {
        let ui = UIHarness()
        ui.backend.centralStatusText = "Zentrale: 37 Buchungen ausstehend seit 09:12"
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        var top = String(ui.screenText.split(separator: "\n")[0])
        // With the simulated terminal on 80 columns the word "Buchungen" makes room for the time.
        XCTAssertTrue(top.hasPrefix(" Kasse 1 · Zentrale: 37 ausstehend seit 09:12 "), top)
        XCTAssertFalse(top.contains("Bürgeramt"), top)
        XCTAssertFalse(top.contains("Erika Muster"), "waiting entries take the operator's place too")
        XCTAssertEqual(ui.render()[0, top.distance(to: "Zentrale")].style, CellStyle.notice)
        XCTAssertFalse(ui.flow.refreshTerminalLight(stack: ui.stack), "unchanged")

        ui.backend.centralStatusText = "Zentrale: ABWEICHUNG bei Buchung 12"
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        top = String(ui.screenText.split(separator: "\n")[0])
        let column = top.distance(to: "Zentrale")
        XCTAssertEqual(ui.render()[0, column].style, CellStyle.error)

        ui.backend.centralStatusText = "Zentrale: aktuell"
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        top = String(ui.screenText.split(separator: "\n")[0])
        XCTAssertTrue(top.contains("Erika Muster · Kasse 1 · Zentrale: aktuell"), top)

        ui.backend.centralStatusText = nil
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        XCTAssertTrue(ui.screenText.split(separator: "\n")[0].contains("Bürgeramt"))
    }
}

extension String {
    fileprivate func distance(to needle: String) -> Int {
        guard let range = range(of: needle) else { return -1 }
        return self[..<range.lowerBound].count
    }
}
