import Access
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// A counter service on a fresh ledger with a manual clock and a fake terminal.
final class CounterFixture {
    let directory: TemporaryDirectory
    let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
    let terminal = FakeCardTerminal()
    var service: CounterService
    private let printer: ReceiptPrinter?
    /// Opens the TSE anew for each service (as a restart does); nil: no TSE.
    private let makeFiscal: (() throws -> FiscalSigner)?
    var clerk: OperatorAccount!
    var supervisor: OperatorAccount!
    private var counter = 0

    init(printer: ReceiptPrinter? = nil, openShift: Bool = true, fiscal: ((TemporaryDirectory, CounterClock) throws -> FiscalSigner)? = nil) throws {
        let directory = try TemporaryDirectory(prefix: "counter-test")
        self.directory = directory
        self.printer = printer
        let clock = self.clock
        self.makeFiscal = fiscal.map { make in { try make(directory, clock) } }
        service = try CounterFixture.makeService(directory: directory, clock: clock, terminal: terminal, printer: printer, fiscal: try makeFiscal?())
        // Enrolled with PINs as at the counter: the supervisor is the first operator and adds the clerk.
        let access = AccessControl(
            store: service.ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations, now: { [clock] in clock.now().date })
        supervisor = try access.setUp(login: "bert", name: "Bert Aufsicht", pin: "2468", pinRepeated: "2468")
        clerk = try access.addOperator(by: supervisor, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1357", pinRepeated: "1357")
        if openShift { try service.openShift(operatorId: clerk.id, float: Money(euros: 100)) }
    }

    static func makeService(
        directory: TemporaryDirectory, clock: CounterClock, terminal: CardTerminal?, printer: ReceiptPrinter? = nil, fiscal: FiscalSigner? = nil
    ) throws -> CounterService {
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        return try CounterService(
            ledger: ledger, registerId: "K1", officeName: "Stadt Musterstadt – Bürgeramt",
            officeAddress: "Rathausplatz 1, 12345 Musterstadt", calendar: .berlin, clock: clock, terminal: terminal,
            receiptDirectory: DataDirectory.registerDirectory(data: directory.path, register: "K1") + "/receipts", printer: printer,
            fiscal: fiscal)
    }

    /// The service on the same files with another terminal (the terminal is fixed for a service's life).
    func useTerminal(_ terminal: CardTerminal) throws {
        service = try CounterFixture.makeService(directory: directory, clock: clock, terminal: terminal, printer: printer, fiscal: try makeFiscal?())
    }

    /// A new service on the same files, as after a restart.
    func restart(terminal: CardTerminal? = nil) throws {
        service = try CounterFixture.makeService(directory: directory, clock: clock, terminal: terminal ?? self.terminal, fiscal: try makeFiscal?())
    }

    deinit { directory.remove() }

    func nextId(_ prefix: String = "sale") -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    static let passport = SaleLine(
        itemCode: "PA", name: "Personalausweis", variant: "ab 24 Jahre", quantity: 1, unitPrice: Money(cents: 3700),
        amount: Money(cents: 3700), sachkonto: "431100", produkt: "1.2.2.01", kostenstelle: "3300",
        taxNote: "Gebühr, nicht umsatzsteuerbar",
        shares: [LineShare(account: "431100", produkt: "1.2.2.01", kostenstelle: "3300", amount: Money(cents: 3700), passThrough: false, label: "")])

    static let certificate = SaleLine(
        itemCode: "FZ", name: "Führungszeugnis", variant: nil, quantity: 2, unitPrice: Money(cents: 1300),
        amount: Money(cents: 2600), sachkonto: "431100", produkt: "1.2.2.02", kostenstelle: "3300",
        taxNote: "Gebühr, nicht umsatzsteuerbar",
        shares: [
            LineShare(account: "431100", produkt: "1.2.2.02", kostenstelle: "3300", amount: Money(cents: 1040), passThrough: false, label: "Stadt"),
            LineShare(account: "371000", produkt: nil, kostenstelle: nil, amount: Money(cents: 1560), passThrough: true, label: "Bundeskasse"),
        ])

    func request(_ payment: PaymentRequest, lines: [SaleLine] = [CounterFixture.passport], id: String? = nil) -> SaleRequest {
        let start = clock.now()
        clock.advance(seconds: 95)
        return SaleRequest(saleId: id ?? nextId(), operatorId: clerk.id, lines: lines, payment: payment, reference: "KZ-2026-0815", startedAt: start)
    }

    /// Books a sale and waits for its receipt's delivery (file and printer), as the screen does when it shows the receipt.
    @discardableResult
    func sell(_ payment: PaymentRequest, lines: [SaleLine] = [CounterFixture.passport]) throws -> SaleOutcome {
        let outcome = try service.bookSale(request(payment, lines: lines))
        service.receipts.waitUntilIdle()
        return outcome
    }

    /// The day close of the default settings, for the clerk.
    var dayClose: DayCloseService { DayCloseService(counter: service, settings: DayCloseSettings(configuration: Configuration())) }

    /// Closes the day as the clerk with `counted` (default: the Sollbestand) bundled by
    /// denomination, nothing kept for tomorrow.
    @discardableResult
    func closeDay(counted: Money? = nil, reason: String = "") throws -> DayCloseRecord {
        let dayClose = self.dayClose
        let total = try counted ?? dayClose.openPeriod().expected.total()
        return try dayClose.close(
            DayCloseRequest(count: .standIn(total: total), reason: reason, floatKept: .zero), operatorId: clerk.id, approvedBy: nil
        ).record
    }

    func assertClean(file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try service.ledger.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)", file: file, line: line)
    }
}

/// A terminal that approves at the inner fake but whose answer is lost, and that cannot be
/// asked afterwards: the state after the process died between approval and booking.
final class DyingTerminal: CardTerminal {
    let inner: CardTerminal
    init(_ inner: CardTerminal) { self.inner = inner }
    var terminalName: String { inner.terminalName }
    func authorize(amount: Money) throws(CardTerminalError) -> CardResult {
        _ = try inner.authorize(amount: amount)
        throw .outcomeUnknown("Prozess beendet")
    }
    func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        _ = try inner.reverse(receiptNumber: receiptNumber, amount: amount)
        throw .outcomeUnknown("Prozess beendet")
    }
    func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? { throw .unreachable("tot") }
}
