import Access
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// A terminal that approves another amount than the counter asked for (zvt-sim's
/// `approve-amount-delta`): the sale is booked once as asked, the terminal's amount kept with the
/// card data, and the difference flagged — audit, clerk's notice, X and Z report, day close.
final class CardAmountMismatchTests: XCTestCase {
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

    private func mismatchAudits() throws -> [String] {
        try f.service.ledger.auditEvents(kinds: [AuditEventType.cardAmountMismatch.rawValue]).map(\.record.detail)
    }

    /// A report's lines joined with single spaces, so that a wrapped sentence reads whole.
    private func flattened(_ text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    func testAnOtherApprovedAmountIsBookedOnceAsAskedAndFlagged() throws {
        // A matching approval first: recorded, nothing flagged.
        let plain = try f.sell(.card, lines: [line(cents: 1300)])
        XCTAssertEqual(plain.sale.payments.first?.card?.approvedAmount, Money(cents: 1300))
        XCTAssertNil(plain.cardAmountNotice)
        XCTAssertEqual(try mismatchAudits(), [])

        simulator.control.approveAmountDeltaCents = -50
        let outcome = try f.sell(.card, lines: [line(cents: 3750)])
        let sale = outcome.sale
        let expected = "Kartenzahlung Beleg \(sale.receiptNumber): Terminal genehmigte 37,00 € statt 37,50 € – bitte prüfen"
        XCTAssertEqual(sale.payments.map(\.amount), [Money(cents: 3750)], "the sale's payments cover its total")
        let card = try XCTUnwrap(sale.payments.first?.card)
        XCTAssertEqual(card.approvedAmount, Money(cents: 3700))
        XCTAssertEqual(sale.cardAmountMismatches.map(\.description), [expected])
        XCTAssertEqual(outcome.cardAmountNotice, "Gebucht. " + expected + " (Kassenaufsicht informieren).")
        XCTAssertEqual(try mismatchAudits(), [expected])

        // Booked exactly once, and the terminal's journal agrees with the ledger.
        XCTAssertEqual(booked.map(\.kind), [.payment, .payment])
        XCTAssertEqual(booked.map(\.amountCents), [1300, 3700])
        XCTAssertEqual(booked.last.flatMap(\.receipt).map { String(format: "%04d", $0) }, card.receiptNumber)
        XCTAssertEqual(try f.service.ledger.sale(id: sale.id), sale, "read back with the approved amount")
        try f.assertClean()

        // The X report shows it.
        let interim = try f.dayClose.interimReportText()
        XCTAssertTrue(interim.contains("Hinweise für die Kassenaufsicht"), interim)
        XCTAssertTrue(flattened(interim).contains(expected), interim)

        // The storno reverses what the terminal booked (37,00 €), the counter refunds 37,50 €: flagged as well.
        simulator.control.approveAmountDeltaCents = 0
        let storno = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        let reversal = "Kartenstorno Beleg \(storno.storno.receiptNumber): Terminal stornierte 37,00 € statt 37,50 € – bitte prüfen"
        XCTAssertEqual(storno.storno.refunds.map(\.amount), [Money(cents: 3750)])
        XCTAssertEqual(storno.storno.refunds.first?.cardReversal?.approvedAmount, Money(cents: 3700))
        XCTAssertEqual(storno.cardAmountNotice, "Gebucht. " + reversal + " (Kassenaufsicht informieren).")
        XCTAssertEqual(try mismatchAudits(), [expected, reversal])
        XCTAssertEqual(booked.map(\.kind), [.payment, .payment, .reversal])

        // The day close: booked, both warnings shown and in the Z report; the terminal's End-of-Day agrees.
        let close = try f.dayClose.close(
            DayCloseRequest(count: .standIn(total: Money(euros: 100)), floatKept: Money(euros: 100)), operatorId: f.clerk.id, approvedBy: nil)
        XCTAssertEqual(close.warnings, [.cardAmountMismatch(sale.cardAmountMismatches[0]), .cardAmountMismatch(storno.storno.cardAmountMismatches[0])])
        XCTAssertEqual(close.warnings.map(\.description), [expected + ".", reversal + "."])
        XCTAssertTrue(flattened(close.reportText).contains(expected), close.reportText)
        XCTAssertTrue(flattened(close.reportText).contains(reversal), close.reportText)
        try f.assertClean()
        let reopened = try Ledger(path: f.service.ledger.path)
        XCTAssertTrue(try reopened.verify().isClean)
    }

    /// The answer to a payment approved with another amount is lost after its `04 0F`: the recovery
    /// matches the terminal's last transaction by receipt and trace, books the sale once and flags it.
    func testARecoveredPaymentWithAnotherAmountIsBookedOnceAndFlagged() throws {
        simulator.control.approveAmountDeltaCents = 100
        simulator.control.queueNext(try Scenario(parsing: "approve+drop-after-status"))
        let outcome = try f.sell(.card, lines: [line(cents: 2000)])
        let sale = outcome.sale
        XCTAssertEqual(sale.payments.first?.amount, Money(cents: 2000))
        XCTAssertEqual(sale.payments.first?.card?.approvedAmount, Money(cents: 2100))
        XCTAssertEqual(booked.map(\.amountCents), [2100])
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(
            try mismatchAudits(), ["Kartenzahlung Beleg \(sale.receiptNumber): Terminal genehmigte 21,00 € statt 20,00 € – bitte prüfen"])
        try f.assertClean()
    }
}
