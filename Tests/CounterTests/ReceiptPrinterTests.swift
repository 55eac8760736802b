import ESCPOS
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// The counter with an ESC/POS printer on the stand-in (docs/printer.md): receipts after the
/// commit, the drawer for cash only, a printer out of paper never blocking a booking, the queue
/// taken up again after a restart.
final class ReceiptPrinterTests: XCTestCase {
    private var standIn: PrinterStandIn!
    private var directory: TemporaryDirectory!
    /// Every printer a test made, stopped in `tearDown`.
    private var printers: [ESCPOSPrinter] = []

    override func setUpWithError() throws {
        standIn = try PrinterStandIn()
        directory = try TemporaryDirectory(prefix: "printer-test")
    }

    override func tearDown() {
        for printer in printers { printer.stop() }
        standIn.stop()
        directory.remove()
    }

    private var settings: PrinterSettings {
        var settings = PrinterSettings()
        try! settings.set(.device, standIn.device)
        try! settings.set(.drawerPulseMs, "50,500")
        return settings
    }

    private var stateFile: String { directory.path + "/printer.state" }

    private func printer(retryMs: Int = 50, width: Int = 42) -> ESCPOSPrinter {
        var settings = self.settings
        settings.width = width
        let printer = ESCPOSPrinter(settings: settings, stateFile: stateFile, statusTimeoutMs: 1_000, retryMs: retryMs)
        printers.append(printer)
        return printer
    }

    private func fixture(_ printer: ESCPOSPrinter) throws -> CounterFixture {
        let f = try CounterFixture(printer: printer, openShift: false)
        _ = try f.service.start()
        try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 100))
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForDrawerKicks(1))  // the float count at shift open
        return f
    }

    /// A cash sale: the receipt with the € right (CP858 D5 read back as €), cut, and exactly one drawer kick with both pulse times.
    func testCashSalePrintsReceiptAndKicksDrawerOnce() throws {
        let printer = printer()
        let f = try fixture(printer)
        let kicksBefore = standIn.drawerKicks.count  // the float count at shift open opened it once
        XCTAssertEqual(kicksBefore, 1)
        let outcome = try f.sell(.cash(tendered: Money(euros: 50)))
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(1))  // the kick went before the receipt on the same line
        let receipt = try XCTUnwrap(standIn.printouts.last)
        XCTAssertTrue(receipt.lines.contains { $0.hasPrefix("SUMME") && $0.hasSuffix("37,00 €") }, receipt.text)
        XCTAssertTrue(receipt.lines.contains { $0.hasPrefix("Rückgeld") && $0.hasSuffix("13,00 €") }, receipt.text)
        XCTAssertTrue(receipt.lines.contains("Beleg-Nr. \(outcome.sale.receiptNumber)"), receipt.text)
        XCTAssertTrue(receipt.lines.contains("Stadt Musterstadt - Bürgeramt"), receipt.text)  // – has no CP858 byte: a hyphen
        let sum = try XCTUnwrap(receipt.styledLines.first { $0.0.hasPrefix("SUMME") })
        XCTAssertEqual(sum.1, .emphasised)
        XCTAssertFalse(standIn.sawTextBeforeCodePage)
        XCTAssertEqual(standIn.drawerKicks.count, kicksBefore + 1)
        XCTAssertEqual(standIn.drawerKicks.last?.t1, 25)
        XCTAssertEqual(standIn.drawerKicks.last?.t2, 250)
        XCTAssertEqual(printer.lastPrintedReceipt, outcome.sale.receiptNumber)
    }

    /// A card sale and a cheque sale print their receipts and never open the drawer.
    func testCardAndChequeSalesDoNotOpenTheDrawer() throws {
        let printer = printer()
        let f = try fixture(printer)
        let kicksBefore = standIn.drawerKicks.count
        try f.sell(.card)
        try f.sell(.cheque(number: "4711", bank: "Sparkasse", drawer: "Erika Muster"))
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(2))
        XCTAssertTrue(standIn.printouts[0].text.contains("girocard"))
        XCTAssertEqual(standIn.drawerKicks.count, kicksBefore)
        // An Einlage opens it.
        _ = try f.service.recordCashMovement(id: "m1", kind: .einlage, amount: Money(euros: 20), reason: "Wechselgeld", operatorId: f.clerk.id)
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(3))
        XCTAssertEqual(standIn.drawerKicks.count, kicksBefore + 1)
    }

    /// Paper out: the sale is booked at once, the receipt waits and the state says so; with paper back it prints.
    func testPaperOutKeepsReceiptWaitingUntilPaperIsBack() throws {
        let printer = printer()
        let f = try fixture(printer)
        standIn.status = PrinterStatus(paperOut: true)
        let outcome = try f.sell(.cash(tendered: Money(euros: 40)))
        XCTAssertNotNil(try f.service.ledger.receipt(number: outcome.sale.receiptNumber))
        XCTAssertFalse(printer.waitUntilPrinted(timeout: 0.5))
        XCTAssertEqual(printer.printerState.problem, "Papier leer")
        XCTAssertEqual(printer.printerState.waiting, 1)
        XCTAssertEqual(printer.printerState.statusText, "DRUCKER: Papier leer · 1 wartet")
        XCTAssertEqual(standIn.printouts.count, 0)
        XCTAssertEqual(standIn.drawerKicks.count, 2, "the drawer opened despite the paper")
        standIn.status = .ready
        printer.retryNow()
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(1))
        XCTAssertNil(printer.printerState.statusText)
    }

    /// Paper near end still prints and says so; a printer that refuses connections keeps the receipt waiting.
    func testNearEndAndUnreachablePrinter() throws {
        let printer = printer()
        let f = try fixture(printer)
        standIn.status = PrinterStatus(paperNearEnd: true)
        try f.sell(.card)
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertEqual(printer.printerState.problem, "Papier fast leer")
        XCTAssertFalse(printer.printerState.blocked)
        XCTAssertTrue(standIn.waitForPrintouts(1))  // read before the line goes down, or it is lost with it
        standIn.goOffline()
        try f.sell(.card)
        XCTAssertFalse(printer.waitUntilPrinted(timeout: 0.5))
        XCTAssertEqual(printer.printerState.problem, "nicht erreichbar")
        XCTAssertTrue(printer.printerState.detail?.contains("127.0.0.1") ?? false, "\(printer.printerState)")
        try standIn.comeBack()
        standIn.status = .ready
        XCTAssertTrue(printer.waitUntilPrinted(), "\(printer.printerState)")
        XCTAssertTrue(standIn.waitForPrintouts(2))
    }

    /// Killed with a receipt waiting: a new process on the same files prints it from the ledger, once.
    func testReceiptWaitingAtRestartPrintsOnce() throws {
        let first = printer()
        let f = try fixture(first)
        standIn.status = PrinterStatus(coverOpen: true)
        let outcome = try f.sell(.card)
        XCTAssertFalse(first.waitUntilPrinted(timeout: 0.3))
        XCTAssertEqual(first.printerState.problem, "Deckel offen")
        first.stop()  // the process dies: the in-memory queue is gone
        standIn.status = .ready
        let second = printer()
        let restarted = try CounterFixture.makeService(directory: f.directory, clock: f.clock, terminal: f.terminal, printer: second)
        _ = try restarted.start()
        XCTAssertTrue(second.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(1))
        XCTAssertTrue(standIn.printouts[0].lines.contains("Beleg-Nr. \(outcome.sale.receiptNumber)"))
        // A third start prints nothing again.
        second.stop()
        let third = printer()
        _ = try CounterFixture.makeService(directory: f.directory, clock: f.clock, terminal: f.terminal, printer: third).start()
        XCTAssertTrue(third.waitUntilPrinted())
        Thread.sleep(forTimeInterval: 0.2)  // a print would have arrived within this; nothing must
        XCTAssertEqual(standIn.printouts.count, 1)
        third.stop()
    }

    /// A receipt still waiting when the day is closed prints after a restart too (numbers run without gaps: no scan of the period).
    func testReceiptWaitingAcrossADayClosePrintsAfterRestart() throws {
        let first = printer()
        let f = try fixture(first)
        standIn.status = PrinterStatus(paperOut: true)
        let sale = try f.sell(.cash(tendered: Money(euros: 37)))
        try f.closeDay()
        first.stop()
        standIn.status = .ready
        let second = printer()
        _ = try CounterFixture.makeService(directory: f.directory, clock: f.clock, terminal: f.terminal, printer: second).start()
        XCTAssertTrue(second.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(1))
        XCTAssertTrue(standIn.printouts[0].lines.contains("Beleg-Nr. \(sale.sale.receiptNumber)"), standIn.printouts[0].text)
        XCTAssertEqual(second.lastPrintedReceipt, sale.sale.receiptNumber)
    }

    /// `width = 48`: the printer gets the receipt laid out at 48 columns; the file keeps 42.
    func testWidth48IsLaidOutForThePrinterOnly() throws {
        let printer = printer(width: 48)
        let f = try fixture(printer)
        let outcome = try f.sell(.cash(tendered: Money(euros: 50)))
        XCTAssertTrue(printer.waitUntilPrinted())
        XCTAssertTrue(standIn.waitForPrintouts(1))
        let sum = try XCTUnwrap(standIn.printouts[0].lines.first { $0.hasPrefix("SUMME") })
        XCTAssertEqual(sum.count, 48, sum)
        let file = try XCTUnwrap(f.service.receiptStore.read(outcome.sale.receiptNumber))
        let fileSum = try XCTUnwrap(file.split(separator: "\n").first { $0.hasPrefix("SUMME") })
        XCTAssertEqual(fileSum.count, 42, String(fileSum))
    }

    /// »No Sale«: only a supervisor, only with a reason; audited; the drawer opens.
    func testNoSaleOpensDrawerAudited() throws {
        let printer = printer()
        let f = try fixture(printer)
        let kicks = standIn.drawerKicks.count
        XCTAssertThrowsError(try f.service.openDrawerWithoutSale(operatorId: f.supervisor.id, reason: "  "))
        try f.service.openDrawerWithoutSale(operatorId: f.supervisor.id, reason: "Wechselgeld getauscht")
        XCTAssertTrue(standIn.waitForDrawerKicks(kicks + 1))
        let audits = try f.service.ledger.auditEvents(kinds: ["drawer.no_sale"])
        XCTAssertEqual(audits.count, 1)
    }
}

/// The customer display on a pseudo-terminal: what the citizen reads during a sale.
final class CustomerDisplayTests: XCTestCase {
    func testItemTotalChangeAndGreeting() throws {
        let standIn = try CustomerDisplayStandIn()
        defer { standIn.stop() }
        var settings = DisplaySettings()
        try settings.set(.device, standIn.devicePath)
        let display = CustomerDisplay(settings: settings, office: "Bürgeramt Musterstadt")
        display.showIdle()
        XCTAssertTrue(standIn.waitForTop("Willkommen"), "\(standIn.rows)")
        XCTAssertEqual(standIn.rows.bottom, "Bürgeramt Musterstadt".prefix(20) + "")
        display.showItem("Führungszeugnis", price: Money(cents: 1300), total: Money(cents: 5900))
        XCTAssertTrue(standIn.waitForTop("Führungszeug 13,00 €"), "\(standIn.rows)")
        XCTAssertEqual(standIn.rows.bottom, "Summe        59,00 €")
        display.showChange(tendered: Money(euros: 100), change: Money(euros: 41))
        XCTAssertTrue(standIn.waitForTop("Gegeben     100,00 €"), "\(standIn.rows)")
        XCTAssertEqual(standIn.rows.bottom, "Rückgeld     41,00 €")
        XCTAssertNil(display.problem)
    }

    /// A display that is not there never holds up the counter and says why.
    func testMissingDisplayIsReportedNotFatal() throws {
        var settings = DisplaySettings()
        try settings.set(.device, "/dev/nonexistent-display")
        let display = CustomerDisplay(settings: settings, office: "x")
        display.showTotal(Money(euros: 5))
        display.waitUntilIdle()
        XCTAssertTrue(display.problem?.contains("/dev/nonexistent-display") ?? false)
    }
}
