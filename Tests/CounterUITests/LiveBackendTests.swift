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

/// The screens on the real counter service, ledger and default catalogue (fake card terminal).
final class LiveBackendTests: XCTestCase {
    var directory: TemporaryDirectory!
    var terminal: FakeCardTerminal!
    var service: CounterService!
    var access: AccessControl!
    var backend: LiveCounterBackend!
    var stack: ScreenStack!
    var flow: CounterFlow!
    var clock: SimulatedClock!
    /// The catalogue the counter was started on: a copy of `Tariffs/` that a test may change.
    var catalogDirectory: String!

    /// Set by a test before `setUp` builds the service.
    var printer: ReceiptPrinter?

    override func setUpWithError() throws {
        if name.contains("Printer") { printer = CommandPrinter(command: "exit 3", timeoutSeconds: 5) }
        if name.contains("WorkingPrinter") { printer = CommandPrinter(command: "cat > /dev/null", timeoutSeconds: 5) }
        directory = try TemporaryDirectory(prefix: "ui-live")
        terminal = FakeCardTerminal()
        clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        access = AccessControl(
            store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations,
            now: { Date(timeIntervalSince1970: 1_795_770_000) })
        service = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Bürgeramt Musterstadt", clock: clock, terminal: terminal,
            receiptDirectory: directory.path + "/K1/receipts", printer: printer, accessGuard: access)
        let vera = try access.setUp(login: "vera", name: "Vera Vorgesetzt", pin: "9999", pinRepeated: "9999")
        try access.addOperator(by: vera, login: "erika", name: "Erika Muster", roles: [.sachbearbeitung], pin: "1234", pinRepeated: "1234")
        catalogDirectory = directory.path + "/Tariffs"
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Tariffs").path, toPath: catalogDirectory)
        let catalog = try CatalogFiles.load(path: catalogDirectory)
        backend = try LiveCounterBackend(
            service: service, access: access, catalog: catalog,
            status: StatusInfo(office: "Bürgeramt Musterstadt", register: "K1", terminal: "fake", terminalIsSimulated: true))
        backend.catalogWatcher = CatalogWatcher(path: catalogDirectory, currentVersion: catalog.version)
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
        logIn("erika", "1234")
        XCTAssertTrue(stack.top is OpenShiftScreen, screen)
        type("100")
        press(.enter)
        XCTAssertTrue(stack.top is SaleScreen, screen)
    }

    func logIn(_ login: String, _ pin: String) {
        type(login)
        press(.enter)
        type(pin)
        press(.enter)
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
        func count(_ text: String) {
            keys += text.count
            type(text)
        }
        func hit(_ key: Key) {
            keys += 1
            press(key)
        }
        count("pa")
        hit(.enter)
        count("fz")
        hit(.enter)
        XCTAssertTrue(screen.contains("SUMME  59,00 €"), screen)
        hit(.function(5))
        count("100")
        hit(.enter)
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

    func testCashPartGoesBackWhenTheCitizenCannotPayTheRest() throws {
        logInAndOpenShift()
        type("pa")
        press(.enter, .function(8))
        type("20")
        press(.function(5), .function(2))
        terminal.nextBehaviours = [.decline("Karte gesperrt")]
        press(.function(6))
        waitForCard()
        press(.enter, .escape)
        XCTAssertTrue(screen.contains("Den Betrag zurückgeben und den Warenkorb verwerfen?"), screen)
        press(.character("j"))
        XCTAssertTrue(backend.basket.isEmpty)
        XCTAssertEqual(backend.basket.paid, .zero)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testSplitCardPartFirstThenTheRestByCheque() throws {
        logInAndOpenShift()
        type("pa")  // 46,00 €
        press(.enter, .function(8))
        type("30")
        press(.function(6))
        // The rest: cash is offered, F8 takes it by cheque instead; then the card part at once.
        XCTAssertTrue(screen.contains("Rest bar: 16,00 €") && screen.contains("Danach Karte: 30,00 €"), screen)
        press(.function(8))
        XCTAssertTrue(stack.top is ChequeDialog, screen)
        XCTAssertTrue(screen.contains("Rest per Scheck: 16,00 €"), screen)
        type("4711")
        press(.enter)
        type("Sparkasse")
        press(.enter)
        type("Max Muster")
        press(.enter)
        XCTAssertTrue(stack.top is CardPaymentScreen, screen)
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        guard case .sale(let sale)? = try service.ledger.receipt(number: 1) else { return XCTFail("no sale") }
        XCTAssertEqual(sale.payments.map(\.method), [.cheque, .card])
        XCTAssertEqual(sale.payments.map(\.amount), [Money(euros: 16), Money(euros: 30)])
        XCTAssertEqual(sale.payments.first?.chequeNumber, "4711")
        XCTAssertEqual(terminal.journal.map(\.amount), [Money(euros: 30)])
        let totals = try service.interimReport().totals
        XCTAssertEqual(totals.cheque, Money(euros: 16))
        XCTAssertEqual(totals.card, Money(euros: 30))
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testAChequeForAPartThenTheCardAndADeclinedCardBooksNothing() throws {
        logInAndOpenShift()
        type("pa")  // 46,00 €
        press(.enter, .function(8))
        type("20")
        press(.function(7))
        type("4711")
        press(.enter)
        type("Sparkasse")
        press(.enter)
        type("Max Muster")
        press(.enter)
        XCTAssertTrue(screen.contains("Scheck über 20,00 € angenommen. Offen: 26,00 € – F6 Karte."), screen)
        XCTAssertTrue(screen.contains("OFFEN  26,00 €"), screen)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0, "the cheque is booked with the card part")
        // Cash cannot follow a cheque.
        press(.function(5))
        type("26")
        press(.enter)
        XCTAssertTrue(screen.contains("Scheck und Bar lassen sich nicht in einem Verkauf mischen"), screen)
        press(.escape)
        // A declined card books nothing; Esc on the basket names the cheque to give back.
        terminal.nextBehaviours = [.decline("Karte gesperrt")]
        press(.function(6))
        waitForCard()
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 0)
        press(.enter, .escape)
        XCTAssertTrue(screen.contains("Angenommen, aber nicht gebucht: 20,00 € per Scheck."), screen)
        press(.character("n"))
        press(.function(6))
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        guard case .sale(let sale)? = try service.ledger.receipt(number: 1) else { return XCTFail("no sale") }
        XCTAssertEqual(sale.payments.map(\.method), [.cheque, .card])
        XCTAssertEqual(sale.payments.map(\.amount), [Money(euros: 20), Money(euros: 26)])
        XCTAssertTrue(try service.ledger.verify().isClean)
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
        XCTAssertTrue(screen.contains("Fehler:"), screen)
        XCTAssertTrue(stack.top is SupervisorApprovalDialog, screen)
        press(.up, .control("u"))
        type("vera")
        press(.enter)
        type("9999")
        press(.enter)
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertTrue(screen.contains("STORNO"), screen)
        XCTAssertEqual(backend.todaysSales().first?.isCancelled, true)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testStornoOfACardSaleReversesOnTheTerminalInTheBackground() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(6))
        waitForCard()
        press(.enter, .function(9), .character("1"), .enter)
        type("Falsche Gebühr")
        press(.enter)
        type("vera")
        press(.enter)
        type("9999")
        press(.enter)
        XCTAssertTrue(stack.top is CardPaymentScreen, screen)
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        XCTAssertEqual(terminal.journal.map(\.kind), [.payment, .reversal])
        XCTAssertEqual(backend.todaysSales().first?.isCancelled, true)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testXReportAndDayCloseBySupervisor() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(5), .function(2), .enter)
        press(.function(9), .character("5"))
        XCTAssertTrue(screen.contains("ZWISCHENBERICHT (X)"), screen)
        XCTAssertTrue(screen.contains("FZ Führungszeugnis"), screen)
        XCTAssertTrue(try backend.interimReportLines().contains { $0.contains("113,00 €") })
        // A clerk may count; her close then needs a supervisor on the spot (testAClerksDayClose…).
        press(.escape, .function(9), .character("6"))
        XCTAssertTrue(stack.top is DayCloseCountScreen, screen)
        XCTAssertNil(try service.ledger.lastDayClose())
        press(.escape, .function(9), .character("8"))
        XCTAssertTrue(stack.top is LoginScreen, screen)
        logIn("vera", "9999")
        XCTAssertTrue(stack.top is SaleScreen, screen)
        XCTAssertTrue(screen.contains("Die offene Schicht gehört »erika«"), screen)
        press(.function(9), .character("6"))
        // Count (blind): 100 € × 1 and 10 € × 1 = 110,00 €; F10 first shows the 3,00 € Fehlbetrag, then closes with a reason.
        press(.down, .down)
        type("1")
        press(.down, .down, .down)
        type("1")
        press(.function(10))
        XCTAssertTrue(screen.contains("Fehlbetrag"), screen)
        type("Rückgeld falsch")
        press(.function(10))
        XCTAssertTrue(screen.contains("Z-BERICHT Nr. 1"), screen)
        press(.escape)
        XCTAssertTrue(stack.top is LoginScreen)
        XCTAssertEqual(try service.ledger.lastDayClose()?.difference, Money(cents: -300))
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testAClerksDayCloseIsApprovedOnTheSpotWithTheSupervisorsKennungAndPIN() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(5), .function(2), .enter)
        // Menu 6, the sum 113 (blind: F10 shows the Sollbestand, no difference), F10 closes: the
        // dialog asks the supervisor's Kennung and PIN; the clerk stays logged in.
        var keys = 0
        func hit(_ list: Key...) {
            keys += list.count
            for key in list { press(key) }
        }
        func write(_ text: String) {
            keys += Key.typing(text).count
            type(text)
        }
        hit(.function(9), .character("6"))
        for _ in Denomination.countingOrder { hit(.down) }  // to »Oder nur die Summe«
        write("113")
        hit(.function(10))  // no difference: the first F10 goes on to the close, which needs the supervisor
        XCTAssertTrue(stack.top is DayCloseApprovalDialog, screen)
        XCTAssertTrue(screen.contains("Tagesabschluss: keine Differenz 0,00 €"), screen)
        XCTAssertTrue(screen.contains("Eine Kassenaufsicht schließt den Tag mit ab (Kennung und PIN):"), screen)
        // A wrong PIN: refused, nothing closed, the dialog stays.
        write("vera")
        hit(.enter)
        write("1111")
        hit(.enter)
        XCTAssertTrue(screen.contains("Fehler:"), screen)
        XCTAssertNil(try service.ledger.lastDayClose())
        write("9999")
        hit(.enter)
        XCTAssertTrue(screen.contains("Z-BERICHT Nr. 1"), screen)
        let close = try XCTUnwrap(try service.ledger.lastDayClose())
        XCTAssertEqual(close.operatorId, try access.account(login: "erika")?.id)
        XCTAssertEqual(close.approvedBy, try access.account(login: "vera")?.id)
        let report = try DayCloseService(counter: service, settings: DayCloseSettings(configuration: Configuration())).zReportText(zNumber: close.zNumber)
        XCTAssertTrue(report.contains("Vera Vorgesetzt"), report)
        // F9 6, 15 ↓ to the sum, 113, F10, »vera« Enter, PIN Enter: 31 (the wrong PIN retyped adds 5).
        XCTAssertEqual(keys, 2 + 15 + 3 + 1 + 5 + 5 + 5)
        press(.escape)
        XCTAssertTrue(stack.top is LoginScreen)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    /// Closes the day as the supervisor (she opens the shift), the sum typed; returns the screen
    /// with the close's note.
    func closeTheDayAsTheSupervisor() throws -> String {
        logIn("vera", "9999")
        type("100")
        press(.enter)
        XCTAssertTrue(stack.top is SaleScreen, screen)
        press(.function(9), .character("6"))
        for _ in Denomination.countingOrder { press(.down) }
        type("100")
        press(.function(10))  // no difference: the blind count's first F10 closes at once
        XCTAssertTrue(screen.contains("Z-BERICHT Nr. 1"), screen)
        XCTAssertNotNil(try service.ledger.lastDayClose())
        return screen
    }

    func testTheZReportNoteClaimsNoPrintingWithoutADevice() throws {
        let shown = try closeTheDayAsTheSupervisor()
        XCTAssertTrue(shown.contains("Z-Bericht 1 gespeichert (Z-000001.txt); kein Drucker eingerichtet."), shown)
        XCTAssertFalse(shown.contains("an den Drucker gesendet"), shown)
    }

    func testTheZReportNoteWithAWorkingPrinterSaysSent() throws {
        let shown = try closeTheDayAsTheSupervisor()
        XCTAssertTrue(shown.contains("Z-Bericht 1 gespeichert (Z-000001.txt) und an den Drucker gesendet."), shown)
        XCTAssertFalse(shown.contains("kein Drucker"), shown)
    }

    /// The storno receipt of a card sale is longer than the preview: the frame says it scrolls
    /// (»↓ mehr · Zeile 1–20 von N«), and ↓ reaches »Grund« and »Genehmigt«.
    func testTheStornoPreviewScrollsToTheReasonAndTheApproverAndSaysSo() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(6))
        waitForCard()
        press(.enter)
        var keys = 0
        func hit(_ list: Key...) {
            keys += list.count
            for key in list { press(key) }
        }
        func write(_ text: String) {
            keys += Key.typing(text).count
            type(text)
        }
        hit(.function(9), .character("1"), .enter)
        write("Falsche Gebühr")
        hit(.enter)
        write("vera")
        hit(.enter)
        write("9999")
        hit(.enter)
        waitForCard()
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        let first = screen
        XCTAssertNotNil(first.range(of: "↓ mehr · Zeile 1–[0-9]+ von [0-9]+", options: .regularExpression), first)
        XCTAssertTrue(first.contains("↑/↓: Beleg blättern"), first)
        XCTAssertFalse(first.contains("Genehmigt:"), "below the fold at first:\n\(first)")
        var seen = first
        for _ in 0..<6 {
            press(.down)
            seen += screen
        }
        XCTAssertTrue(seen.contains("Grund: Falsche Gebühr"), seen)
        XCTAssertTrue(seen.contains("Genehmigt: Vera Vorgesetzt"), seen)
        XCTAssertTrue(screen.contains("↑ zurück · Zeile"), screen)
        hit(.enter)
        XCTAssertTrue(stack.top is SaleScreen, screen)
        // Storno with approval: F9 1 Enter, the reason (14) Enter, Kennung Enter, PIN Enter, Enter.
        XCTAssertEqual(keys, 3 + 14 + 1 + 5 + 5 + 1)
    }

    func testHandoverToTheSupervisorThenSheSells() throws {
        logInAndOpenShift()
        press(.function(9), .character("7"))
        type("100")
        press(.enter)
        type("vera")
        press(.enter)
        type("9999")
        press(.enter)
        XCTAssertTrue(stack.top is SaleScreen, screen)
        XCTAssertTrue(screen.contains("Kasse an Vera Vorgesetzt übergeben."), screen)
        type("fz")
        press(.enter, .function(5), .function(2))
        XCTAssertTrue(stack.top is ReceiptScreen, screen)
        guard case .sale(let sale)? = try service.ledger.receipt(number: 1) else { return XCTFail("no sale") }
        XCTAssertEqual(sale.operatorId, try access.account(login: "vera")?.id)
    }

    func testFailingPrinterIsReportedButTheSaleStands() throws {
        logInAndOpenShift()
        type("fz")
        press(.enter, .function(5), .function(2))
        XCTAssertTrue(screen.contains("Beleg an den Drucker gegeben."), screen)
        press(.enter)
        (printer as? CommandPrinter)?.waitUntilIdle()
        XCTAssertTrue(flow.reportPrinterProblems(stack: stack))
        XCTAssertTrue(screen.contains("Beleg 1: der Druckbefehl »exit 3« ist mit Status 3"), screen)
        XCTAssertTrue(screen.contains("Nachdruck über das Menü (F9, 2)."), screen)
        press(.enter)
        XCTAssertTrue(stack.top is SaleScreen)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 1)
    }

    func testWrongPINFiveTimesLocksTheOperator() {
        for _ in 1...5 {
            logIn("erika", "0000")
            XCTAssertTrue(stack.top is LoginScreen, screen)
            press(.up, .control("u"))
        }
        logIn("erika", "1234")
        XCTAssertTrue(stack.top is LoginScreen, "locked after five wrong PINs")
        XCTAssertTrue(screen.contains("Fehler:"), screen)
    }

    // MARK: A new catalogue version while the counter runs

    /// Changes the price of the Personalausweis (24+) from 2026-02-07 in the catalogue's copy.
    func changePassportPrice(to amount: String) throws {
        let file = catalogDirectory + "/buergeramt.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: "\"valid_from\": \"2026-02-07\",\n              \"amount\": \"46,00\"",
            with: "\"valid_from\": \"2026-02-07\",\n              \"amount\": \"\(amount)\"")
        XCTAssertNotEqual(changed, text, "the price to change is in the catalogue")
        try changed.write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// A new version is taken within a minute, but only once the basket being served is booked:
    /// that sale keeps the old price and version, the next basket has the new ones.
    func testANewCatalogueVersionIsTakenBetweenTwoBasketsAndEverySaleRecordsItsVersion() throws {
        let first = try XCTUnwrap(backend.catalogVersion)
        XCTAssertTrue(first.hasPrefix("sha256:"), first)
        logInAndOpenShift()
        XCTAssertNil(flow.refreshCatalog(stack: stack) ? "" : nil)
        type("pa")
        press(.enter)
        try changePassportPrice(to: "50,00")
        clock.advance(seconds: 61)
        XCTAssertFalse(flow.refreshCatalog(stack: stack), "not in the middle of a basket")
        XCTAssertEqual(backend.catalogVersion, first)
        XCTAssertTrue(screen.contains("SUMME  46,00 €"), screen)
        press(.function(5))
        type("50")
        press(.enter, .enter)
        let old = try XCTUnwrap(try service.ledger.sale(id: try XCTUnwrap(try firstSaleId())))
        XCTAssertEqual(old.catalogVersion, first)
        XCTAssertEqual(old.total, Money(cents: 4600))

        let second = try XCTUnwrap(backend.catalogVersion)
        XCTAssertNotEqual(second, first, "the next basket is priced from the new version")
        type("pa")
        press(.enter)
        XCTAssertTrue(screen.contains("SUMME  50,00 €"), screen)
        press(.function(5))
        type("50")
        press(.enter, .enter)
        guard case .sale(let new)? = try service.ledger.receipt(number: 2) else { return XCTFail("no second sale") }
        XCTAssertEqual(new.catalogVersion, second)
        XCTAssertEqual(new.total, Money(cents: 5000))
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    /// A new version that does not validate is not taken: the clerk is told once, with the place,
    /// and keeps selling on the last good version.
    func testABrokenNewCatalogueIsNotTakenAndTheClerkIsToldOnce() throws {
        let first = backend.catalogVersion
        logInAndOpenShift()
        _ = flow.refreshCatalog(stack: stack)
        try changePassportPrice(to: "46,0x")
        clock.advance(seconds: 60)
        XCTAssertTrue(flow.refreshCatalog(stack: stack))
        XCTAssertTrue(screen.contains("Neuer Gebührenkatalog fehlerhaft: buergeramt.json:92:25: PA/24+"), screen)
        XCTAssertEqual(backend.catalogVersion, first)
        clock.advance(seconds: 60)
        XCTAssertFalse(flow.refreshCatalog(stack: stack), "the same problem is told once")
        type("pa")
        press(.enter)
        XCTAssertTrue(screen.contains("SUMME  46,00 €"), screen)
    }
}

/// The terminal menu and the terminal's state on the real counter service, driver and ZVT
/// simulator (with its control port, as `webkasse run --demo` starts it).
final class LiveTerminalMenuTests: XCTestCase {
    var directory: TemporaryDirectory!
    var simulator: TerminalSimulator!
    var service: CounterService!
    var backend: LiveCounterBackend!
    var stack: ScreenStack!
    var flow: CounterFlow!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory(prefix: "ui-live-terminal")
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.control = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        let terminal = try ZVTCardTerminal(address: simulator.address!.description, session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        let access = AccessControl(store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        service = try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Bürgeramt Musterstadt", terminal: terminal, receiptDirectory: directory.path + "/K1/receipts",
            accessGuard: access)
        let vera = try access.setUp(login: "vera", name: "Vera Vorgesetzt", pin: "9999", pinRepeated: "9999")
        try access.addOperator(by: vera, login: "erika", name: "Erika Muster", roles: [.sachbearbeitung], pin: "1234", pinRepeated: "1234")
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        backend = try LiveCounterBackend(
            service: service, access: access, catalog: catalog,
            status: StatusInfo(
                office: "Bürgeramt Musterstadt", register: "K1", terminal: "Terminal \(simulator.address!)", terminalIsSimulated: true,
                simulatorControl: simulator.controlAddress?.description))
        stack = ScreenStack(status: backend.status)
        flow = CounterFlow(backend: backend)
        flow.start(stack: stack)
    }

    override func tearDown() {
        service.terminalMonitor?.stopPolling()
        simulator.stop()
        directory.remove()
    }

    func press(_ keys: Key...) { for key in keys { stack.handle(key) } }
    func type(_ text: String) { for key in Key.typing(text) { stack.handle(key) } }
    var screen: String {
        var grid = ScreenGrid(width: 80, height: 24)
        stack.render(into: &grid)
        return grid.text
    }

    /// Ticks the screens as the run loop does, until `text` is on the screen (at most 5 s).
    func waitFor(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(5)
        while !screen.contains(text), Date() < deadline {
            _ = stack.tick()
            flow.refreshTerminalLight(stack: stack)
            Thread.sleep(forTimeInterval: 0.005)
        }
        XCTAssertTrue(screen.contains(text), "»\(text)« not on the screen:\n\(screen)", file: file, line: line)
    }

    func logIn(_ login: String, _ pin: String) {
        type(login)
        press(.enter)
        type(pin)
        press(.enter)
    }

    func testTheIdlePollFillsTheStatusLineAndTheSupervisorRunsStatusAndDiagnosis() throws {
        service.terminalMonitor?.startPolling()
        waitFor("SIMULIERTES TERMINAL bereit")
        logIn("vera", "9999")
        XCTAssertTrue(stack.top is OpenShiftScreen, screen)
        type("100")
        press(.enter)
        press(.function(9))
        type("t")
        XCTAssertTrue(stack.top is TerminalMenuScreen, screen)
        let control = try XCTUnwrap(simulator.controlAddress?.description)
        XCTAssertTrue(screen.contains("Steuerport des Simulators: \(control)"), screen)
        XCTAssertTrue(screen.contains("Zustand: bereit"), screen)
        type("1")
        waitFor("Terminalstatus 00: Terminal bereit")
        press(.enter)
        type("2")
        waitFor("Diagnose erfolgreich")
        press(.escape, .escape)
        XCTAssertTrue(stack.top is SaleScreen, screen)
        let audited = try service.ledger.auditEvents(kinds: [AuditEventType.terminalCommand.rawValue]).map(\.record.detail)
        XCTAssertEqual(audited.count, 2)
        XCTAssertTrue(audited[0].contains("\"action\":\"status\""), audited[0])
        XCTAssertTrue(audited[1].contains("\"action\":\"diagnosis\""), audited[1])
    }

    func testTheClerkIsRefusedAndAPaymentToAGoneTerminalIsToldWithNothingPending() throws {
        logIn("erika", "1234")
        type("100")
        press(.enter)
        press(.function(9))
        type("t")
        XCTAssertTrue(screen.contains("»Terminal-Menü« braucht die Rolle Kassenaufsicht; »erika«"), screen)
        press(.enter)
        XCTAssertEqual(try service.ledger.auditEvents(kinds: [AuditEventType.accessDenied.rawValue]).count, 1)

        simulator.stop()
        let entries = try service.ledger.entryCount()
        type("fz")
        press(.enter, .function(6))
        waitFor("Terminal nicht bereit")
        XCTAssertTrue(screen.contains("Das Kartenterminal ist nicht erreichbar"), screen)
        XCTAssertTrue(screen.contains("SIMULIERTES TERMINAL nicht erreichbar seit"), screen)
        XCTAssertEqual(try service.ledger.entryCount(), entries, "nothing booked, no intent")
        XCTAssertTrue(try service.ledger.unresolvedCardPayments().isEmpty)
    }
}
