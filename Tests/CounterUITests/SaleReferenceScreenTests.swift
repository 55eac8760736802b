import Access
import Counter
import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import CounterUI

/// The sale's reference (Kassenzeichen) from the keyboard or a barcode scanner to the ledger, the
/// receipt, the exports and the reprint/storno list, on the real counter service.
final class SaleReferenceScreenTests: XCTestCase {
    var directory: TemporaryDirectory!
    var service: CounterService!
    var backend: LiveCounterBackend!
    var stack: ScreenStack!

    func start(rule: SaleReferenceRule) throws {
        directory = try TemporaryDirectory(prefix: "ui-reference")
        let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        let access = AccessControl(
            store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations,
            now: { Date(timeIntervalSince1970: 1_795_770_000) })
        service = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Bürgeramt Musterstadt", clock: clock, terminal: FakeCardTerminal(),
            receiptDirectory: directory.path + "/K1/receipts", accessGuard: access)
        let vera = try access.setUp(login: "vera", name: "Vera Vorgesetzt", pin: "9999", pinRepeated: "9999")
        try access.addOperator(by: vera, login: "erika", name: "Erika Muster", roles: [.sachbearbeitung], pin: "1234", pinRepeated: "1234")
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        backend = try LiveCounterBackend(
            service: service, access: access, catalog: catalog,
            status: StatusInfo(office: "Bürgeramt Musterstadt", register: "K1", terminal: "fake", terminalIsSimulated: true), referenceRule: rule)
        stack = ScreenStack(status: backend.status)
        let flow = CounterFlow(backend: backend)
        flow.start(stack: stack)
        for text in ["erika", "1234", "100"] {
            type(text)
            press(.enter)
        }
        XCTAssertTrue(stack.top is SaleScreen, screen)
    }

    override func tearDown() { directory?.remove() }

    func press(_ keys: Key...) { for key in keys { stack.handle(key) } }
    func type(_ text: String) { for key in Key.typing(text) { stack.handle(key) } }
    var screen: String {
        var grid = ScreenGrid(width: 80, height: 24)
        stack.render(into: &grid)
        return grid.text
    }

    func bookedSale(_ number: Int64) throws -> SaleRecord {
        guard case .sale(let sale)? = try service.ledger.receipt(number: number) else { throw CounterUserError("no sale \(number)") }
        return sale
    }

    func testTypedReferenceIsBookedPrintedExportedAndFound() throws {
        try start(rule: SaleReferenceRule())
        type("fz")
        press(.enter, .function(11))
        XCTAssertTrue(stack.top is ReferenceDialog, screen)
        type("KZ-2026/0815")
        press(.enter)
        XCTAssertTrue(stack.top is SaleScreen, screen)
        XCTAssertTrue(screen.contains(" Kassenzeichen KZ-2026/0815"), screen)
        press(.function(5))
        type("13")
        press(.enter)
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("Kassenzeichen KZ-2026/0815"), "the receipt preview prints it:\n\(screen)")
        press(.enter)
        XCTAssertEqual(try bookedSale(1).reference, "KZ-2026/0815")
        XCTAssertNil(backend.basket.reference, "the next citizen's sale starts without a reference")

        // A second sale without one, then the reprint list finds the first by its reference.
        type("fz")
        press(.enter, .function(5))
        type("13")
        press(.enter, .enter)
        XCTAssertNil(try bookedSale(2).reference)
        press(.function(9), .character("2"))
        XCTAssertTrue(stack.top is SaleListScreen, screen)
        type("kz-2026")
        let list = screen
        XCTAssertTrue(list.contains("Beleg zu Kassenzeichen KZ-2026/0815: 1"), list)
        XCTAssertEqual(list.components(separatedBy: "\n").filter { $0.contains(" Bar ") }.count, 1, list)
        press(.enter)
        XCTAssertTrue(screen.contains("Kassenzeichen KZ-2026/0815"), screen)

        // Every export carries it: DATEV Belegfeld 1, the CSV column, the journal tag, JSON Lines.
        for (format, expected) in [
            (ExportFormat.datev, "\"KZ-2026/0815\""), (.csv, ";KZ-2026/0815;"), (.journal, "; Kassenzeichen: KZ-2026/0815"),
            (.jsonl, "\"cashReference\":\"KZ-2026/0815\""),
        ] {
            let out = directory.path + "/export.\(format)"
            let request = LedgerExportRequest(
                dataDirectory: directory.path, registers: [], format: format, scope: .closedDays, includeOpenDays: true, outputPath: out,
                settings: ExportSettings(), timeZone: TimeZone(identifier: "Europe/Berlin")!, exportedBy: "test")
            XCTAssertNotNil(try LedgerExport.run(request))
            let data = try Data(contentsOf: URL(fileURLWithPath: out))
            let text = String(decoding: data, as: UTF8.self)
            XCTAssertTrue(text.contains(expected), "\(format): \(text.prefix(600))")
        }
    }

    func testScannerTypesIntoTheSearchFieldAndTheOfficePatternDecides() throws {
        try start(rule: SaleReferenceRule(pattern: "KZ-[0-9]{4}-[0-9]{6}", example: "KZ-2026-000123"))
        type("pa")
        press(.enter)
        // The scanner types the code and Enter, straight into the search field.
        type("KZ-2026-000123")
        press(.enter)
        XCTAssertEqual(backend.basket.reference, "KZ-2026-000123")
        XCTAssertEqual(backend.basket.lines.count, 1, "the scanned code adds no item")
        XCTAssertTrue(screen.contains("Kassenzeichen KZ-2026-000123 übernommen."), screen)

        // Typed by hand and wrong: refused naming the form; the dialog stays open with the text.
        press(.function(11))
        press(.control("u"))
        type("KZ-26-1")
        press(.enter)
        XCTAssertTrue(stack.top is ReferenceDialog, screen)
        XCTAssertTrue(screen.contains("Fehler: Das Kassenzeichen »KZ-26-1« entspricht nicht der Form KZ-2026-000123"), screen)
        XCTAssertEqual(backend.basket.reference, "KZ-2026-000123", "a refused text leaves the reference as it was")
        press(.escape)

        // Emptied in the dialog: the sale is booked without one.
        press(.function(11), .control("u"), .enter)
        XCTAssertNil(backend.basket.reference)
        press(.function(5))
        type("50")
        press(.enter, .enter)
        XCTAssertNil(try bookedSale(1).reference)
    }
}

/// Golden screens of the reference: on the sale screen and in the reprint list.
final class SaleReferenceGoldenTests: XCTestCase {
    func testSaleScreenShowsTheReferenceAndTheListFindsIt() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(11))
        ui.type("KZ-2026/0815")
        assertGolden(ui.render(), "reference-dialog")
        ui.press(.enter)
        assertGolden(ui.render(), "sale-reference")
        ui.press(.function(5))
        ui.type("13")
        ui.press(.enter, .enter)
        ui.type("pa")
        ui.press(.enter, .function(5))
        ui.type("50")
        ui.press(.enter, .enter)
        ui.press(.function(9), .character("2"))
        ui.type("0815")
        assertGolden(ui.render(), "reprint-list-reference")
    }
}
