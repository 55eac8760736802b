import KasseCore
import XCTest

@testable import CounterUI

/// The terminal's state in the status line and the supervisor's terminal menu (F9, T), on the fake backend.
final class TerminalMenuTests: XCTestCase {
    /// The harness's clock: 2026-05-28 22:26:40 in Berlin.
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    func testStatusLineShowsReadyAndUnreachableSinceInTheOfficesTime() {
        let ui = UIHarness()
        XCTAssertFalse(ui.flow.refreshTerminalLight(stack: ui.stack), "nothing known: unchanged")
        ui.backend.terminalLight = .ready
        XCTAssertTrue(ui.flow.refreshTerminalLight(stack: ui.stack))
        XCTAssertTrue(ui.screenText.contains("SIMULIERTES TERMINAL bereit  22:26"), ui.screenText)
        ui.backend.terminalLight = .unreachable(since: now.addingTimeInterval(-125))
        ui.flow.refreshTerminalLight(stack: ui.stack)
        assertGolden(ui.render(), "status-terminal-unreachable")
        // A real terminal, and a terminal gone since yesterday: the day is named.
        ui.stack.status.terminalIsSimulated = false
        ui.stack.status.terminalLight = .unreachable(since: now.addingTimeInterval(-86_400))
        XCTAssertTrue(ui.screenText.contains("Terminal nicht erreichbar seit 27.05. 22:26  22:26"), ui.screenText)
        ui.stack.status.terminalLight = .notReady("Kassenschnitt erforderlich")
        XCTAssertTrue(ui.screenText.contains("Terminal: Kassenschnitt erforderlich  22:26"), ui.screenText)
        ui.stack.status.terminalLight = .ready
        XCTAssertTrue(ui.screenText.contains("Terminal bereit  22:26"), ui.screenText)
    }

    func testTheClerkIsRefusedTheTerminalMenu() {
        let ui = UIHarness()
        ui.press(.function(9))
        XCTAssertTrue(ui.screenText.contains("T  EC-Terminal (Kassenaufsicht)"), ui.screenText)
        ui.type("t")
        XCTAssertTrue(ui.stack.top is MessageDialog)
        assertGolden(ui.render(), "terminal-menu-refused")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertTrue(ui.backend.terminalFunctions.isEmpty)
    }

    func testStatusAndDiagnosisRunInTheBackgroundAndShowTheirResult() {
        let ui = UIHarness()
        ui.backend.terminalMenuAllowed = true
        ui.backend.terminalLight = .ready
        ui.flow.refreshTerminalLight(stack: ui.stack)
        ui.press(.function(9))
        ui.type("T")
        XCTAssertTrue(ui.stack.top is TerminalMenuScreen)
        assertGolden(ui.render(), "terminal-menu")

        ui.type("1")
        XCTAssertEqual(ui.backend.terminalFunctions, [.status])
        XCTAssertTrue(ui.screenText.contains("Bitte warten – das Terminal arbeitet …"), ui.screenText)
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is TerminalFunctionScreen, "no way out while the terminal works")
        XCTAssertTrue(ui.screenText.contains("Fehler: Das Terminal arbeitet noch; bitte warten."), ui.screenText)
        ui.backend.terminalJob?.finish(
            .init(succeeded: true, headline: "Terminal bereit", lines: ["Terminalstatus 00: Terminal bereit", "Software: ZVT-SIM 1.0"]))
        XCTAssertTrue(ui.stack.tick())
        XCTAssertTrue(ui.screenText.contains("Terminalstatus 00: Terminal bereit"), ui.screenText)
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is TerminalMenuScreen)

        ui.press(.down, .enter)
        XCTAssertEqual(ui.backend.terminalFunctions, [.status, .diagnosis])
        ui.backend.terminalJob?.show("Diagnose")
        _ = ui.stack.tick()
        XCTAssertTrue(ui.screenText.contains("▶ Diagnose"), ui.screenText)
        ui.backend.terminalJob?.finish(
            .init(
                succeeded: false,
                headline:
                    "Das Kartenterminal ist nicht erreichbar (Verbindung abgelehnt; das Netzkabel des Terminals und seine Stromversorgung prüfen, dann erneut versuchen)."
            ))
        _ = ui.stack.tick()
        assertGolden(ui.render(), "terminal-diagnosis-failed")
    }

    func testEndOfDayAsksFirstAndALongReceiptWrapsAndScrolls() {
        let ui = UIHarness()
        ui.backend.terminalMenuAllowed = true
        ui.press(.function(9))
        ui.type("t")
        ui.type("3")
        XCTAssertTrue(ui.stack.top is ConfirmDialog, ui.screenText)
        ui.type("n")
        XCTAssertTrue(ui.backend.terminalFunctions.isEmpty, "declined: nothing sent")
        ui.type("3")
        ui.type("j")
        XCTAssertEqual(ui.backend.terminalFunctions, [.endOfDay])
        ui.backend.terminalJob?.finish(.init(succeeded: true, headline: "Kassenschnitt durchgeführt: 125,00 € (3 Zahlungen)"))
        _ = ui.stack.tick()
        ui.press(.escape)

        ui.type("4")
        var lines = ["      K U N D E N B E L E G", "Terminal-ID       52999001", "Betrag EUR           12,34"]
        lines += (1...20).map { "Zeile \($0)" }
        lines.append(
            "Eine sehr lange Zeile des Terminals, die nicht in das Fenster passt und deshalb an den Leerzeichen umbrochen wird, statt abgeschnitten zu werden.")
        ui.backend.terminalJob?.finish(.init(succeeded: true, headline: "Beleg wiederholt", lines: lines))
        _ = ui.stack.tick()
        XCTAssertTrue(ui.screenText.contains("Terminal-ID       52999001"), "receipt lines keep their spacing")
        ui.press(.pageDown, .pageDown)
        assertGolden(ui.render(), "terminal-receipt-scrolled")
    }

    func testACardPaymentTheTerminalCannotStartExplainsItAndBooksNothing() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(6))
        ui.backend.terminalLight = .notReady("Kassenschnitt erforderlich")
        ui.backend.cardJob?.finish(
            .notStarted(
                "Das Kartenterminal ist nicht bereit: Kassenschnitt erforderlich. Die Kassenaufsicht führt ihn im Menü aus (F9, T Terminal, 3 Kassenschnitt). Es wurde nichts gebucht."
            ))
        _ = ui.stack.tick()
        assertGolden(ui.render(), "card-terminal-not-ready")
        XCTAssertTrue(ui.backend.payments.isEmpty)
        XCTAssertEqual(ui.backend.basket.lines.count, 1, "the basket stays for another method")
    }
}
