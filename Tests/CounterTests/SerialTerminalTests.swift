import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// The counter service against the ZVT simulator on a serial line (PA00P016 §3) — a
/// pseudo-terminal pair and framed TCP — through the real driver: every card payment the terminal
/// booked is in the ledger once, and nothing else is.
final class SerialTerminalTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var f: CounterFixture!

    private func start(_ line: SimulatorLine) throws {
        var configuration = SimulatorConfiguration()
        configuration.line = line
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 42
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        f = try CounterFixture()
        let address = try XCTUnwrap(simulator.registerAddress)
        try f.useTerminal(try ZVTCardTerminal(address: address, session: SessionConfiguration(t3Ms: 1_000, t4Ms: 5_000)))
    }

    override func tearDown() {
        simulator?.stop()
        f = nil
    }

    private func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }

    /// The card payments of the ledger and the terminal's booked payments, as (receipt, trace, cents).
    private func ledgerAndJournal() throws -> (ledger: [String], journal: [String]) {
        var ledger: [String] = []
        let last = try f.service.ledger.lastReceiptNumber()
        if last > 0 {
            for number in 1...last {
                guard case .sale(let sale)? = try f.service.ledger.receipt(number: number) else { continue }
                for payment in sale.payments {
                    if let card = payment.card { ledger.append("\(card.receiptNumber)/\(card.traceNumber)/\(payment.amount.cents)") }
                }
            }
        }
        let journal = simulator.journal.entries.filter { $0.isBooked && $0.kind == .payment }.map {
            String(format: "%04d/%06d/%d", $0.receipt ?? -1, $0.trace ?? -1, $0.amountCents)
        }
        return (ledger, journal)
    }

    func testACardSaleOverASerialLineIsBookedOnceAsTheTerminalBookedIt() throws {
        try start(.pseudoTerminal)
        let name = try XCTUnwrap(f.service.terminal).terminalName
        XCTAssertTrue(name.hasPrefix("serial:/dev/pts/"), name)
        let sale = try f.sell(.card, lines: [line(cents: 1234)]).sale
        XCTAssertEqual(sale.payments.first?.amount, Money(cents: 1234))
        let (ledger, journal) = try ledgerAndJournal()
        XCTAssertEqual(ledger, journal)
        XCTAssertEqual(ledger.count, 1)
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        try f.assertClean()
    }

    /// The terminal refuses a frame (NAK), loses an ACK, sends a damaged frame, loses a frame:
    /// each payment still completes and is booked exactly once, in the ledger as at the terminal.
    func testLineFaultsBookEachPaymentExactlyOnce() throws {
        try start(.pseudoTerminal)
        for cents: Int64 in [1081, 1082, 1083, 1084] {
            let sale = try f.sell(.card, lines: [line(cents: cents)]).sale
            XCTAssertEqual(sale.payments.first?.amount, Money(cents: cents))
        }
        let (ledger, journal) = try ledgerAndJournal()
        XCTAssertEqual(ledger, journal)
        XCTAssertEqual(ledger.map { $0.split(separator: "/").last! }, ["1081", "1082", "1083", "1084"])
        XCTAssertEqual(
            simulator.journal.entries.map(\.scenario), ["approve+serial-nak", "approve+serial-no-ack", "approve+serial-bad-crc", "approve+serial-lost-frame"])
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        try f.assertClean()
    }

    func testACardSaleAndItsStornoOverFramedTCP() throws {
        try start(.framedTCP)
        let sale = try f.sell(.card, lines: [line(cents: 2500)]).sale
        let storno = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertNotNil(storno.storno.refunds.first?.cardReversal)
        XCTAssertEqual(simulator.journal.entries.filter(\.isBooked).map(\.kind), [.payment, .reversal])
        let (ledger, journal) = try ledgerAndJournal()
        XCTAssertEqual(ledger, journal)
        try f.assertClean()
    }
}
