import Access
import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import CounterUI

/// The training mode on the real counter service over the in-process ZVT simulator, wired as
/// `webkasse run --training` wires it: a training data directory, the trainer's outcome menu.
final class TrainingModeTests: XCTestCase {
    var directory: TemporaryDirectory!
    var simulator: TerminalSimulator!
    var service: CounterService!
    var backend: LiveCounterBackend!
    var stack: ScreenStack!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory(prefix: "ui-training")
        let data = DataDirectory.trainingData(of: directory.path)
        try DataDirectory.markAsTraining(data)
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        let terminal = try ZVTCardTerminal(address: simulator.address!.description, session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))
        var settings = Configuration()
        settings.officeName = "Bürgeramt Musterstadt"
        let ledger = try CounterService.openLedger(data: data, configuration: settings)
        let access = AccessControl(store: ledger, configuration: settings, hashIterations: PINHash.minimumIterations)
        service = try CounterService.open(ledger: ledger, data: data, configuration: settings, terminal: terminal, accessGuard: access)
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        var status = StatusInfo(office: "Bürgeramt Musterstadt", register: "K1", terminal: "Terminal", terminalIsSimulated: true)
        status.isTraining = true
        backend = try LiveCounterBackend(service: service, access: access, catalog: catalog, status: status)
        try backend.seedDemoOperators()
        let control = simulator.control
        backend.trainingTerminal = { outcome in control.queueNext(try Scenario(parsing: outcome.rawValue)) }
        stack = ScreenStack(status: backend.status)
        let flow = CounterFlow(backend: backend)
        flow.start(stack: stack)
        for text in ["demo", "1234", "100"] {
            type(text)
            press(.enter)
        }
        XCTAssertTrue(stack.top is SaleScreen, screen)
    }

    override func tearDown() {
        simulator?.stop()
        directory?.remove()
    }

    func press(_ keys: Key...) { for key in keys { stack.handle(key) } }
    func type(_ text: String) { for key in Key.typing(text) { stack.handle(key) } }
    var screen: String {
        var grid = ScreenGrid(width: 80, height: 24)
        stack.render(into: &grid)
        return grid.text
    }

    func waitForCard(file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(8)
        while stack.top is CardPaymentScreen, Date() < deadline {
            _ = stack.tick()
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertFalse(stack.top is CardPaymentScreen, "card payment did not finish:\n\(screen)", file: file, line: line)
    }

    func testEveryOutcomeOfTheMenuIsASimulatorOutcome() throws {
        for outcome in TrainingTerminalOutcome.allCases {
            XCTAssertEqual(try Scenario(parsing: outcome.rawValue).outcome.rawValue, outcome.rawValue)
        }
    }

    func testTheTrainerDeclinesTheNextCardThenTheClassPaysAndTheReceiptIsMarked() throws {
        XCTAssertTrue(screen.hasPrefix(" SCHULUNG – KEIN ZAHLUNGSBELEG · Verkauf"), screen)
        // 13,00 € would be approved by the simulator's amount rules: the trainer's pick decides.
        press(.function(9), .character("e"))
        XCTAssertTrue(stack.top is TrainingOutcomeScreen, screen)
        press(.character("2"))
        XCTAssertTrue(screen.contains("Nächste Kartenzahlung: Abgelehnt (Karte abgelehnt)."), screen)
        type("fz")
        press(.enter, .function(6))
        waitForCard()
        XCTAssertTrue(screen.contains("Die Karte wurde abgelehnt"), screen)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0)
        press(.escape)

        press(.function(9), .character("e"), .down, .down, .enter)  // PIN falsch, dann richtig
        if !(stack.top is SaleScreen) { press(.escape) }
        XCTAssertTrue(stack.top is SaleScreen, screen)
        press(.function(6))
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("SCHULUNG – KEIN ZAHLUNGSBELEG"), screen)
        let receipt = try XCTUnwrap(try service.receiptText(number: 1, copy: false))
        XCTAssertTrue(receipt.hasPrefix(ReceiptRenderer.trainingMark.centredForReceipt), receipt)
        XCTAssertTrue(receipt.hasSuffix(ReceiptRenderer.trainingMark.centredForReceipt + "\n"), receipt)
    }

    func testOutsideTrainingTheMenuHasNoTrainerEntry() throws {
        let ui = UIHarness()
        ui.press(.function(9))
        XCTAssertFalse(ui.screenText.contains("Schulung"), ui.screenText)
        XCTAssertThrowsError(try ui.backend.queueTrainingOutcome(.decline))
    }

    func testTrainingScreensGolden() {
        let ui = UIHarness()
        ui.backend.isTraining = true
        ui.stack.status.isTraining = true
        assertGolden(ui.render(), "training-sale-empty")
        ui.press(.function(9), .character("e"))
        ui.press(.down)
        assertGolden(ui.render(), "training-outcome-menu")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.trainingOutcomes, [.decline])
    }
}

extension String {
    /// The line as ``TextLayout/center(_:)`` puts it on a receipt.
    fileprivate var centredForReceipt: String { TextLayout.center(self) }
}
