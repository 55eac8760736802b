import Access
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import CounterUI

/// The day-close screens on the real counter service: count, supervisor approval, terminal
/// End-of-Day, Z report on screen, in its file and on the printer.
final class LiveDayCloseTests: XCTestCase {
    var directory: TemporaryDirectory!
    var terminal: FakeCardTerminal!
    var service: CounterService!
    var backend: LiveCounterBackend!
    var stack: ScreenStack!
    var flow: CounterFlow!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory(prefix: "ui-dayclose")
        terminal = FakeCardTerminal()
        let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        let access = AccessControl(
            store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations,
            now: { Date(timeIntervalSince1970: 1_795_770_000) })
        service = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Bürgeramt Musterstadt", clock: clock, terminal: terminal,
            receiptDirectory: directory.path + "/K1/receipts", accessGuard: access)
        let vera = try access.setUp(login: "vera", name: "Vera Vorgesetzt", pin: "9999", pinRepeated: "9999")
        try access.addOperator(by: vera, login: "bert", name: "Bert Aufsicht", roles: [.kassenaufsicht], pin: "2468", pinRepeated: "2468")
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        backend = try LiveCounterBackend(
            service: service, access: access, catalog: catalog,
            status: StatusInfo(office: "Bürgeramt Musterstadt", register: "K1", terminal: "fake", terminalIsSimulated: true))
        stack = ScreenStack(status: backend.status)
        flow = CounterFlow(backend: backend)
        flow.start(stack: stack)
    }

    override func tearDown() { directory.remove() }

    func press(_ keys: Key...) { for key in keys { stack.handle(key) } }
    func type(_ text: String) { for key in Key.typing(text) { stack.handle(key) } }
    var screen: String {
        var grid = ScreenGrid(width: 80, height: 24)
        stack.render(into: &grid)
        return grid.text
    }

    func testDayCloseWithALargeDifferenceApprovedByASecondSupervisor() throws {
        type("vera")
        press(.enter)
        type("9999")
        press(.enter)
        type("100")
        press(.enter)  // float 100,00 €
        XCTAssertTrue(stack.top is SaleScreen, screen)
        type("fz")
        press(.enter, .function(5), .function(2), .enter)  // Führungszeugnis 13,00 € cash
        let expected = try DayCloseService(counter: service, settings: DayCloseSettings(configuration: Configuration())).openPeriod().expected.total()
        XCTAssertEqual(expected, Money(euros: 113))
        // The X report: nothing closed, the hourly chart at the end.
        press(.function(9), .character("5"))
        XCTAssertTrue(stack.top is ReportScreen, screen)
        press(.end)
        XCTAssertTrue(screen.contains("10 ####################"), screen)
        press(.escape)
        XCTAssertNil(try service.ledger.lastDayClose())
        // Count 133,00 € in the Summe field alone: 20,00 € Überschuss.
        press(.function(9), .character("6"))
        let count = try XCTUnwrap(stack.top as? DayCloseCountScreen)
        XCTAssertFalse(screen.contains("113,00 €"), "blind: the Sollbestand stays hidden\n\(screen)")
        count.focusIndex = count.totalIndex
        type("133")
        press(.function(10))
        XCTAssertTrue(screen.contains("Sollbestand: 113,00 €"), screen)
        type("Unklar, wird geprüft")
        press(.function(10))
        XCTAssertTrue(stack.top is DayCloseApprovalDialog, screen)
        type("vera")  // the counting supervisor cannot approve her own difference
        press(.enter)
        type("9999")
        press(.enter)
        XCTAssertTrue(screen.contains("Fehler:"), screen)
        XCTAssertNil(try service.ledger.lastDayClose())
        let dialog = try XCTUnwrap(stack.top as? DayCloseApprovalDialog)
        dialog.fields[0].setText("bert")
        dialog.focusIndex = 1
        type("2468")
        press(.enter)
        XCTAssertTrue(stack.top is ReportScreen, screen)
        XCTAssertTrue(screen.contains("Z-BERICHT Nr. 1"), screen)
        XCTAssertTrue(screen.contains("Z-Bericht 1 gespeichert (Z-000001.txt)"), screen)
        let close = try XCTUnwrap(try service.ledger.lastDayClose())
        XCTAssertEqual(close.difference, Money(euros: 20))
        XCTAssertEqual(try service.ledger.dayCloseDetail(dayCloseId: close.id)?.totalOnly, true)
        let file = try String(contentsOfFile: directory.path + "/K1/receipts/Z-000001.txt", encoding: .utf8)
        XCTAssertTrue(file.contains("Bert Aufsicht"), file)
        XCTAssertTrue(file.contains("Grund: Unklar, wird geprüft"), file)
        press(.escape)
        XCTAssertTrue(stack.top is LoginScreen, screen)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }
    /// The X report's screen prints it on the receipt printer (F4); without a printer it says so.
    func testTheXReportIsPrintedFromItsScreen() throws {
        let reports = ReportRecorder()
        let ledger = service.ledger
        let access = AccessControl(store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        let printing = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Bürgeramt Musterstadt", terminal: terminal, receiptDirectory: directory.path + "/K1/receipts",
            printer: reports, accessGuard: access)
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        for (backend, printer) in [
            (backend!, false), (try LiveCounterBackend(service: printing, access: access, catalog: catalog, status: backend.status), true),
        ] {
            let stack = ScreenStack(status: backend.status)
            let flow = CounterFlow(backend: backend)
            flow.start(stack: stack)
            for key in Key.typing("vera") { stack.handle(key) }
            stack.handle(.enter)
            for key in Key.typing("9999") { stack.handle(key) }
            stack.handle(.enter)
            if backend.needsShiftOpening {
                for key in Key.typing("100") { stack.handle(key) }
                stack.handle(.enter)
            }
            stack.handle(.function(9))
            stack.handle(.character("5"))
            XCTAssertTrue(stack.top is ReportScreen)
            stack.handle(.function(4))
            var grid = ScreenGrid(width: 80, height: 24)
            stack.render(into: &grid)
            if printer {
                XCTAssertTrue(grid.text.contains("Der Zwischenbericht (X) geht an den Drucker."), grid.text)
                XCTAssertEqual(reports.texts.count, 1)
                XCTAssertTrue(reports.texts.first?.contains("ZWISCHENBERICHT (X)") ?? false, reports.texts.first ?? "")
            } else {
                XCTAssertTrue(grid.text.contains("An dieser Kasse ist kein Bondrucker eingerichtet."), grid.text)
            }
        }
    }
}

/// The reports a printer got.
final class ReportRecorder: ReceiptPrinter, @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [String] = []
    var texts: [String] { lock.withLock { reports } }
    func send(_ text: String, receiptNumber: Int64) {}
    func printReport(_ text: String, number: Int64) { lock.withLock { reports.append(text) } }
}
