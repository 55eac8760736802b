import Foundation
import KasseCore
import XCTest

@testable import CounterUI

/// Details a new clerk meets on the first morning (docs/ui.md): the first setup keeps what was
/// typed after a Kennung error and pre-fills the log-in, the float screen shows a typed sum, the
/// float for tomorrow is preset to what can be kept.
final class SetupCountAndPreviewTests: XCTestCase {
    func testAKennungErrorInTheFirstSetupFocusesTheKennungAndKeepsThePINs() throws {
        let ui = UIHarness(loggedIn: false)
        ui.backend.needsFirstSetup = true
        ui.flow.start(stack: ui.stack)
        let setup = try XCTUnwrap(ui.stack.top as? FirstSetupScreen)
        ui.type("Vera Vorgesetzt")
        ui.press(.enter)
        ui.type("vera v")
        ui.press(.enter)
        ui.type("4711")
        ui.press(.enter)
        ui.type("4711")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler:"), ui.screenText)
        XCTAssertTrue(ui.stack.top === setup, "the setup stays")
        XCTAssertEqual(setup.focusIndex, 1, "the focus on the Kennung the error names, not on the PIN")
        XCTAssertEqual(setup.value(2), "4711", "the PIN is kept")
        XCTAssertEqual(setup.value(3), "4711", "the repeated PIN is kept")
        // Corrected in place: Enter through the kept PINs sets up.
        ui.press(.backspace, .backspace)
        ui.press(.enter, .enter, .enter)
        let login = try XCTUnwrap(ui.stack.top as? LoginScreen, ui.screenText)
        XCTAssertEqual(login.value(0), "vera", "the log-in is pre-filled with the new Kennung")
        XCTAssertEqual(login.focusIndex, 1, "the focus on the PIN")
        XCTAssertTrue(ui.screenText.contains("Vera Vorgesetzt ist angelegt. Bitte jetzt anmelden."), ui.screenText)
    }

    func testTheFloatScreenShowsATypedSum() throws {
        let ui = UIHarness(loggedIn: false)
        ui.type("1")
        ui.press(.enter)
        ui.type("1234")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is OpenShiftScreen)
        XCTAssertTrue(ui.screenText.contains("Gezählt: –"), ui.screenText)
        ui.type("150")
        XCTAssertTrue(ui.screenText.contains("Gezählt: 150,00 €"), ui.screenText)
        ui.type("x")
        XCTAssertFalse(ui.screenText.contains("Gezählt: 150,00 €"), "a sum that is no amount is not shown as counted:\n\(ui.screenText)")
        ui.press(.backspace)
        ui.press(.enter)
        XCTAssertEqual(ui.backend.float, Money(euros: 150))
    }

    func testTheFloatForTomorrowIsPresetToWhatWasCountedWhenLess() throws {
        let ui = UIHarness()
        let backend = FakeDayCloseBackend()
        backend.sheet.floatSuggestion = Money(euros: 150)  // the day opened with 150 €, 124 € are there
        ui.stack.push(MenuScreen(backend: ui.backend, flow: ui.flow))
        DayCloseCountScreen.open(backend: backend, flow: ui.flow, stack: ui.stack, blind: false)
        let screen = try XCTUnwrap(ui.stack.top as? DayCloseCountScreen)
        XCTAssertEqual(screen.fields[screen.floatIndex].text, "150,00", "preset to the opening float")
        screen.focusIndex = screen.totalIndex
        ui.type("124")
        // Less was counted than the float: the preset becomes what can be kept, and F10 closes.
        ui.press(.function(10))
        XCTAssertEqual(screen.fields[screen.floatIndex].text, "124,00")
        ui.press(.function(10))
        let closed = try XCTUnwrap(backend.closed, ui.screenText)
        XCTAssertEqual(closed.input.floatKept, Money(euros: 124))
        XCTAssertTrue(ui.stack.top is ReportScreen)
    }

    func testAFloatForTomorrowTypedByHandIsKept() throws {
        let ui = UIHarness()
        let backend = FakeDayCloseBackend()
        backend.sheet.floatSuggestion = Money(euros: 150)
        ui.stack.push(MenuScreen(backend: ui.backend, flow: ui.flow))
        DayCloseCountScreen.open(backend: backend, flow: ui.flow, stack: ui.stack, blind: false)
        let screen = try XCTUnwrap(ui.stack.top as? DayCloseCountScreen)
        screen.focusIndex = screen.floatIndex
        ui.press(.control("u"))
        ui.type("50")
        screen.focusIndex = screen.totalIndex
        ui.type("124")
        ui.press(.function(10), .function(10))
        XCTAssertEqual(try XCTUnwrap(backend.closed).input.floatKept, Money(euros: 50))
    }
}
