import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// The counter service against the ZVT simulator through the real driver over TCP.
final class SimulatorTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var f: CounterFixture!

    override func setUpWithError() throws {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 42
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        f = try CounterFixture()
        try f.useTerminal(try makeTerminal())
    }

    override func tearDown() {
        simulator.stop()
        f = nil
    }

    private func makeTerminal() throws -> ZVTCardTerminal {
        try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))
    }

    private func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }

    private var booked: [ZVTSimulator.JournalEntry] { simulator.journal.entries.filter(\.isBooked) }

    func testCardPaymentAndStornoThroughTheDriver() throws {
        let sale = try f.sell(.card, lines: [line(cents: 1234)]).sale
        let card = try XCTUnwrap(sale.payments.first?.card)
        XCTAssertEqual(card.terminalId, "52999001")
        XCTAssertTrue(card.maskedPAN.contains("*"), card.maskedPAN)
        XCTAssertFalse(RecordChecks.looksLikeFullPAN(card.maskedPAN))
        XCTAssertEqual(booked.map(\.kind), [.payment])
        XCTAssertEqual(booked.first.flatMap(\.receipt).map { String(format: "%04d", $0) }, card.receiptNumber)

        let storno = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertNotNil(storno.storno.refunds.first?.cardReversal)
        XCTAssertEqual(booked.map(\.kind), [.payment, .reversal])
        try f.assertClean()
    }

    /// A terminal that sends the full card number (zvt-sim's `feig` profile, as the Feig trace
    /// does): the payment is booked with the number masked, and no file holds the full one —
    /// also after the terminal's last transaction was fetched at a restart, and after a reversal.
    func testAFullCardNumberFromTheTerminalIsMaskedAndThePaymentBooked() throws {
        simulator.control.profile = .feig
        let sale = try f.sell(.card, lines: [line(cents: 1234)]).sale
        var sent = [try XCTUnwrap(simulator.journal.entries.last?.card).testCardNumber]
        XCTAssertEqual(SecretScanner.panLikeRuns(in: Array(sent[0].utf8)), [sent[0]], "the scanner below would find it")
        let card = try XCTUnwrap(sale.payments.first?.card)
        XCTAssertEqual(card.maskedPAN, sent[0].prefix(6) + String(repeating: "*", count: sent[0].count - 10) + sent[0].suffix(4))

        try f.useTerminal(DyingTerminal(try makeTerminal()))
        let request = f.request(.card, lines: [line(cents: 4200)])
        XCTAssertThrowsError(try f.service.bookSale(request))
        sent.append(try XCTUnwrap(simulator.journal.entries.last?.card).testCardNumber)
        try f.restart(terminal: try makeTerminal())
        XCTAssertEqual(try f.service.start().recoveries.map(\.result), [.booked(receiptNumber: 2)])
        let recovered = try XCTUnwrap(try f.service.ledger.sale(id: request.saleId)?.payments.first?.card)
        XCTAssertEqual(recovered.maskedPAN.suffix(4), sent[1].suffix(4))
        XCTAssertTrue(recovered.maskedPAN.contains("*"), recovered.maskedPAN)

        let storno = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertNotNil(storno.storno.refunds.first?.cardReversal)
        XCTAssertEqual(booked.map(\.kind), [.payment, .payment, .reversal])
        let files = SecretScanner.files(under: f.directory.path)
        XCTAssertFalse(files.isEmpty)
        for path in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(SecretScanner.panLikeRuns(in: bytes), [], path)
            for number in sent { XCTAssertFalse(SecretScanner.contains(bytes, String(number.dropLast(4).suffix(10))), path) }
        }
        try f.assertClean()
    }

    /// A terminal that closes the connection after every sequence: every card sale, the storno's
    /// reversal and the End-of-Day go through, each on a new connection.
    func testATerminalThatClosesAfterEverySequenceServesEveryPayment() throws {
        simulator.control.closesAfterSequence = true
        let sales = try (1...4).map { try f.sell(.card, lines: [line(cents: 1_000 + Int64($0))]).sale }
        _ = try f.service.cancelSale(receiptNumber: sales[1].receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertEqual(booked.map(\.kind), [.payment, .payment, .payment, .payment, .reversal])
        let endOfDay = try XCTUnwrap(f.service.terminal as? EndOfDayTerminal).endOfDay()
        XCTAssertEqual(endOfDay.total, Money(cents: 1_001 + 1_003 + 1_004))
        XCTAssertGreaterThanOrEqual(simulator.connectionCount, 6)
        try f.assertClean()
    }

    /// The host reports the PIN wrong (`04 0F 27 37`), the terminal asks again and the customer
    /// takes longer than the grace after an error: the payment the terminal then approves is
    /// booked, once, instead of being reported as declined.
    func testASlowPinRetryIsBookedAsTheTerminalApprovedIt() throws {
        simulator.stop()
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.timing.pinRetryMs = 600
        configuration.seed = 42
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        try f.useTerminal(
            try ZVTCardTerminal(
                address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000, completionGraceMs: 200)))
        let sale = try f.sell(.card, lines: [line(cents: 1027)]).sale  // ,27: pin-retry-status
        XCTAssertEqual(sale.payments.first?.amount, Money(cents: 1027))
        XCTAssertEqual(booked.count, 1)
        XCTAssertEqual(booked.first.flatMap(\.receipt).map { String(format: "%04d", $0) }, sale.payments.first?.card?.receiptNumber)
        try f.assertClean()
    }

    /// The End-of-Day's totals as the terminal reports them: in one `04 0F`, in one per card group
    /// (added up, not the last one only) or only in the `06 0F`: always the batch's total and count.
    func testEndOfDayTotalsAreAddedUpWhateverMessagesCarryThem() throws {
        let terminal = try XCTUnwrap(f.service.terminal as? EndOfDayTerminal)
        var cents: Int64 = 2_000
        for report in [EndOfDayReport.single, .perGroup, .inCompletion] {
            simulator.control.endOfDayReport = report
            var sales: [SaleRecord] = []
            for _ in 0..<8 {
                cents += 100
                sales.append(try f.sell(.card, lines: [line(cents: cents)]).sale)
            }
            let total = try Money.sum(sales.map(\.total))
            let groups = Set(sales.compactMap { $0.payments.first?.card?.cardName })
            if report == .perGroup { XCTAssertGreaterThan(groups.count, 1, "the batch spans several card groups: \(groups)") }
            let endOfDay = try terminal.endOfDay()
            XCTAssertEqual(endOfDay.total, total, "\(report)")
            XCTAssertEqual(endOfDay.count, 8, "\(report)")
        }
        try f.assertClean()
    }

    /// The terminal answers `84 9C` (busy) once: the counter's payment goes through on the
    /// driver's retry and is booked once.
    func testABusyTerminalIsAskedAgainAndThePaymentBookedOnce() throws {
        simulator.control.queueNext(Scenario(.busy))
        let sale = try f.sell(.card, lines: [line(cents: 1_500)]).sale
        XCTAssertEqual(sale.payments.first?.amount, Money(cents: 1_500))
        XCTAssertEqual(booked.count, 1)
        try f.assertClean()
    }

    func testDeclineBooksNothing() throws {
        XCTAssertThrowsError(try f.sell(.card, lines: [line(cents: 1013)])) { error in
            guard case CounterError.cardDeclined = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 0)
        XCTAssertEqual(booked.count, 0)
        try f.assertClean()
    }

    func testApprovalHappenedConnectionDropped() throws {
        // ,62: the terminal closes right after we acknowledged its 04 0F and keeps the payment. With
        // receipts via the register the driver cannot know that (ZVT 13.08 §2.2.8): the recovery asks and books it.
        let outcome = try f.sell(.card, lines: [line(cents: 2062)])
        XCTAssertEqual(outcome.sale.payments.first?.amount, Money(cents: 2062))
        XCTAssertEqual(booked.count, 1)
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        try f.assertClean()
    }

    func testConnectionDroppedBeforeApprovalIsNotPaid() throws {
        // ,61: dropped before the 04 0F; the terminal reverses by itself.
        XCTAssertThrowsError(try f.sell(.card, lines: [line(cents: 2061)]))
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 0)
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(booked.count, 0)
        try f.assertClean()
    }

    func testApprovalHappenedProcessKilledThenTerminalUnreachableThenBack() throws {
        try f.sell(.card, lines: [line(cents: 500)])
        try f.useTerminal(DyingTerminal(try makeTerminal()))
        let request = f.request(.card, lines: [line(cents: 4200)])
        XCTAssertThrowsError(try f.service.bookSale(request))
        XCTAssertEqual(booked.count, 2, "the terminal booked the payment the register never saw")

        // Restart while the terminal is away: nothing is guessed.
        try f.restart(terminal: try ZVTCardTerminal(address: "127.0.0.1:1"))
        XCTAssertEqual(try f.service.start().unresolved.count, 1)
        XCTAssertEqual(try f.service.ledger.sale(id: request.saleId), nil)

        // Restart with the terminal back: booked from the terminal's last transaction.
        try f.restart(terminal: try makeTerminal())
        let report = try f.service.start()
        XCTAssertEqual(report.recoveries.map(\.result), [.booked(receiptNumber: 2)])
        let sale = try XCTUnwrap(try f.service.ledger.sale(id: request.saleId))
        XCTAssertEqual(sale.payments.first?.card?.receiptNumber, booked.last.flatMap(\.receipt).map { String(format: "%04d", $0) })
        // Every approval in the terminal's journal is booked exactly once.
        var cardReceipts: [String] = []
        try f.service.ledger.forEachEvent { _, event in
            if case .sale(let s) = event { cardReceipts += s.payments.compactMap { $0.card?.receiptNumber } }
        }
        XCTAssertEqual(cardReceipts, booked.compactMap(\.receipt).map { String(format: "%04d", $0) })
        try f.assertClean()
    }
}
