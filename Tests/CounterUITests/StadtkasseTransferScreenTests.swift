import Foundation
import KasseCore
import XCTest

@testable import CounterUI

/// The Abschöpfung an die Stadtkasse on the screen (menu A): amount as a sum or counted, checked
/// against the drawer first; the receiver by name or Kennung and PIN; a supervisor's approval;
/// Esc keeps what was typed.
final class StadtkasseTransferScreenTests: XCTestCase {
    func testATransferCountedByPieceToAConfirmedReceiver() {
        let ui = UIHarness()
        ui.press(.function(9))
        XCTAssertTrue(ui.screenText.contains("A  Abschöpfung an die Stadtkasse (mit Freigabe)"), ui.screenText)
        ui.press(.character("a"))
        XCTAssertTrue(ui.stack.top is StadtkasseTransferScreen)
        // Nothing typed: said what is missing.
        ui.press(.function(10))
        XCTAssertTrue(ui.screenText.contains("Fehler: Bitte den Betrag als Summe eingeben oder je Sorte zählen."), ui.screenText)
        // 2 × 100 € and 1 × 50 € counted: 250 €.
        ui.press(.down, .down, .down)
        ui.type("2")
        ui.press(.down)
        ui.type("1")
        ui.press(.function(10))
        XCTAssertTrue(ui.stack.top is StadtkasseReceiverDialog, ui.screenText)
        assertGolden(ui.render(), "stadtkasse-receiver")
        // A wrong PIN: the name stays, the PIN is emptied, the focus on it.
        ui.type("7")
        ui.press(.enter)
        ui.type("1111")
        ui.press(.enter, .enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Kennung oder PIN falsch."), ui.screenText)
        XCTAssertTrue(ui.stack.top is StadtkasseReceiverDialog)
        XCTAssertEqual((ui.stack.top as? FormScreen)?.focusIndex, 1)
        ui.type("7777")
        ui.press(.enter, .enter)
        XCTAssertTrue(ui.stack.top is ApprovalDialog, ui.screenText)
        XCTAssertTrue(ui.screenText.contains("Empfangen von: Frau Kasse"), ui.screenText)
        // Esc goes back to the receiver with everything kept; nothing is booked.
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is StadtkasseReceiverDialog)
        XCTAssertEqual((ui.stack.top as? FormScreen)?.value(0), "7")
        ui.press(.function(10))
        ui.type("9")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.movements, ["Stadtkasse 250,00 € an Frau Kasse [2×10000 1×5000] "])
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertTrue(ui.screenText.contains("250,00 € an die Stadtkasse (Frau Kasse) gebucht, Beleg 7."), ui.screenText)
    }

    func testATransferAboveTheDrawerIsRefusedBeforeAnyoneIsCalledAndANamedReceiver() {
        let ui = UIHarness()
        ui.backend.drawer = Money(euros: 100)
        ui.press(.function(9), .character("A"))
        ui.type("150")
        ui.press(.function(10))
        XCTAssertTrue(ui.screenText.contains("Fehler: In der Kasse sind nur 100,00 €: eine Abschöpfung über 150,00 € ist\n"), ui.screenText)
        XCTAssertTrue(ui.stack.top is StadtkasseTransferScreen)
        // Corrected in place; the receiver by name, with a note.
        ui.resetKeyCount()
        for _ in 0..<3 { ui.press(.backspace) }
        ui.type("80")
        ui.press(.function(10))
        ui.type("Herr Berg")
        ui.press(.enter, .enter)
        ui.type("Tresor")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is ApprovalDialog, ui.screenText)
        ui.type("9")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.movements, ["Stadtkasse 80,00 € an Herr Berg [] Tresor"])
    }

    /// The keys of a transfer to the Stadtkasse typed as a sum with a named receiver and no note:
    /// F9 A, the sum, F10, the name, Enter Enter Enter, the supervisor's Kennung Enter PIN Enter.
    func testTheKeysOfATransfer() {
        let ui = UIHarness()
        ui.press(.function(9), .character("a"))
        ui.type("80")
        ui.press(.function(10))
        ui.type("Herr Berg")
        ui.press(.enter, .enter, .enter)
        ui.type("9")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.movements, ["Stadtkasse 80,00 € an Herr Berg [] "])
        XCTAssertEqual(ui.keyCount, 2 + 2 + 1 + 9 + 3 + 1 + 1 + 4 + 1)
    }
}
