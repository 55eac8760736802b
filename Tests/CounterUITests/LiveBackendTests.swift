import Counter
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
@testable import CounterUI

/// A gate with two operators and fixed PINs, on the service's operator records.
final class TestGate: OperatorGate {
    let service: CounterService
    var accounts: [String: (id: String, name: String, pin: String, supervisor: Bool)] = [:]
    var approvals: [ApprovalAction] = []

    init(service: CounterService) throws {
        self.service = service
        let clerk = try service.addOperator(login: "erika", name: "Erika Muster")
        let boss = try service.addOperator(login: "vera", name: "Vera Vorgesetzt")
        accounts["erika"] = (clerk.id, clerk.name, "1234", false)
        accounts["vera"] = (boss.id, boss.name, "9999", true)
    }

    var needsFirstSetup: Bool { false }
    func setUpFirstSupervisor(login: String, name: String, pin: String, pinRepeated: String) throws {}
    func logIn(login: String, pin: String) throws -> (id: String, name: String) {
        guard let account = accounts[login], account.pin == pin else { throw CounterUserError("Kennung oder PIN falsch.") }
        return (account.id, account.name)
    }
    func checkPIN(operatorId: String, pin: String) throws {
        guard accounts.values.contains(where: { $0.id == operatorId && $0.pin == pin }) else { throw CounterUserError("PIN falsch.") }
    }
    func needsApproval(_ action: ApprovalAction) -> Bool {
        if case .dayCloseDifference(let difference) = action { return difference.magnitude > Money(cents: 500) }
        return true
    }
    func approve(_ approval: SupervisorApproval, action: ApprovalAction, reference: String?, requestedBy operatorId: String) throws -> String {
        guard let account = accounts[approval.login], account.pin == approval.pin, account.supervisor, account.id != operatorId else {
            throw CounterUserError("Freigabe abgelehnt.")
        }
        approvals.append(action)
        return account.id
    }
    func logOut(operatorId: String) {}
    func seedDemoOperators() throws {}
}

/// The screens on the real counter service, ledger and default catalogue (fake card terminal).
final class LiveBackendTests: XCTestCase {
    var directory: TemporaryDirectory!
    var terminal: FakeCardTerminal!
    var service: CounterService!
    var gate: TestGate!
    var backend: LiveCounterBackend!
    var stack: ScreenStack!
    var flow: CounterFlow!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory(prefix: "ui-live")
        terminal = FakeCardTerminal()
        let clock = ManualClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        service = try CounterService(ledger: ledger, registerId: "K1", officeName: "Bürgeramt Musterstadt", clock: clock, terminal: terminal,
                                     receiptDirectory: directory.path + "/K1/receipts")
        gate = try TestGate(service: service)
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        backend = try LiveCounterBackend(service: service, catalog: catalog, gate: gate, cardControls: nil,
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

    func logInAndOpenShift() {
        type("erika")
        press(.enter)
        type("1234")
        press(.enter)
        XCTAssertTrue(stack.top is OpenShiftScreen, screen)
        type("100")
        press(.enter)
        XCTAssertTrue(stack.top is SaleScreen, screen)
    }

    /// Waits (polling like the screen does) until the card thread is done.
    func waitForCard(file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(5)
        while stack.top is CardPaymentScreen, Date() < deadline {
            _ = stack.tick()
            Thread.sleep(forTimeInterval: 0.005)
        }
        XCTAssertFalse(stack.top is CardPaymentScreen, "card payment did not finish", file: file, line: line)
    }

    func testTypicalCashSaleIsBookedWithTwelveKeys() throws {
        logInAndOpenShift()
        var keys = 0
        func count(_ text: String) { keys += text.count; type(text) }
        func hit(_ key: Key) { keys += 1; press(key) }
        count("pa"); hit(.enter); count("fz"); hit(.enter)
        XCTAssertTrue(screen.contains("SUMME  59,00 €"), screen)
        hit(.function(5)); count("100"); hit(.enter)
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("RÜCKGELD  41,00 €"), screen)
        XCTAssertTrue(screen.contains("Personalausweis"))
        hit(.enter)
        XCTAssertEqual(keys, 12)
        XCTAssertTrue(backend.basket.isEmpty)
        let sale = try XCTUnwrap(try service.ledger.sale(id: try XCTUnwrap(try firstSaleId())))
        XCTAssertEqual(sale.total, Money(cents: 5900))
        XCTAssertEqual(sale.payments.first?.change, Money(cents: 4100))
        XCTAssertTrue(try service.ledger.verify().isClean)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/K1/receipts/000001.txt"))
    }

    func firstSaleId() throws -> String? {
        guard case .sale(let sale)? = try service.ledger.receipt(number: 1) else { return nil }
        return sale.id
    }

    func testCardSaleRunsInTheBackgroundAndBooks() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(6))
        XCTAssertTrue(stack.top is CardPaymentScreen)
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("girocard"), screen)
        press(.enter)
        XCTAssertEqual(try service.interimReport().totals.card, Money(cents: 1300))
    }

    func testDeclinedCardBooksNothingThenCash() throws {
        logInAndOpenShift()
        terminal.nextBehaviours = [.decline("Limit überschritten")]
        type("fz")
        press(.enter, .function(6))
        waitForCard()
        XCTAssertTrue(screen.contains("Die Karte wurde abgelehnt: Limit überschritten."), screen)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0)
        press(.enter, .function(5), .function(2))
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertEqual(try service.interimReport().totals.cash, Money(cents: 1300))
    }

    func testSplitCashThenCardIsOneSale() throws {
        logInAndOpenShift()
        type("pa")
        press(.enter, .function(8))
        type("20")
        press(.function(5))
        type("50")
        press(.enter)
        XCTAssertTrue(screen.contains("OFFEN  26,00 €"), screen)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0, "the cash part is booked with the rest")
        press(.function(6))
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("RÜCKGELD  30,00 €"), screen)
        let totals = try service.interimReport().totals
        XCTAssertEqual(totals.cash, Money(cents: 2000))
        XCTAssertEqual(totals.card, Money(cents: 2600))
    }

    func testChequeAfterCashPartIsRefusedWithAReason() throws {
        logInAndOpenShift()
        type("pa")
        press(.enter, .function(8))
        type("20")
        press(.function(5), .function(2))
        press(.function(7))
        type("123")
        press(.enter)
        type("Sparkasse")
        press(.enter)
        type("Max Muster")
        press(.enter)
        XCTAssertTrue(screen.contains("Scheck und Bar lassen sich nicht in einem Verkauf mischen"), screen)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0)
    }

    func testStornoWithApprovalAndDayList() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(5), .function(2), .enter)
        press(.function(9), .character("1"))
        XCTAssertTrue(screen.contains("13,00 €"), screen)
        press(.enter)
        type("Doppelt erfasst")
        press(.enter)
        type("erika")  // the clerk cannot approve their own storno
        press(.enter)
        type("1234")
        press(.enter)
        XCTAssertTrue(screen.contains("Fehler: Freigabe abgelehnt."), screen)
        press(.up, .control("u"))
        type("vera")
        press(.enter)
        type("9999")
        press(.enter)
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("STORNO"), screen)
        XCTAssertEqual(gate.approvals, [.storno])
        XCTAssertEqual(backend.todaysSales().first?.isCancelled, true)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testXReportAndDayCloseWithDifference() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(5), .function(2), .enter)
        press(.function(9), .character("5"))
        XCTAssertTrue(screen.contains("Soll-Bestand Bargeld"), screen)
        XCTAssertTrue(screen.contains("113,00 €"), screen)
        press(.escape, .function(9), .character("6"))
        type("100")
        press(.enter)
        XCTAssertTrue(screen.contains("Differenz -13,00 €"), screen)
        type("vera")
        press(.enter)
        type("9999")
        press(.enter)
        XCTAssertTrue(screen.contains("Tagesabschluss (Z) Nr. 1"), screen)
        press(.escape)
        XCTAssertTrue(stack.top is LoginScreen)
        XCTAssertEqual(try service.ledger.lastDayClose()?.difference, Money(cents: -1300))
    }
}
