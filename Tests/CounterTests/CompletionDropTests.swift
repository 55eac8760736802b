import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// The sequence behind the crash soak's "approval … is neither booked nor reversed" (round 94,
/// seed 20261127): the register acknowledges the terminal's Status-Information and receipts —
/// zvt-sim journals the payment `booked` — and dies before it acknowledges the Completion 06 0F.
/// zvt-sim then journals the same trace a second time as `autoReversed` and its Repeat Receipt
/// reports 6C "Autostorno". The restart must settle the pending payment by that last word.
final class CompletionDropTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var f: CounterFixture!

    override func setUpWithError() throws {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 7
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        f = try CounterFixture()
    }

    override func tearDown() {
        simulator.stop()
        f = nil
    }

    private func terminal(_ transport: ZVTTransport) -> ZVTCardTerminal {
        ZVTCardTerminal(
            name: "127.0.0.1:\(simulator.address!.port)",
            configuration: .init(password: Password("000000")!, session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000)), transport: transport)
    }

    func testRegisterDiesBeforeAcknowledgingTheCompletion() throws {
        let port = simulator.address!.port
        let dying = CompletionDroppingTransport(TCPTransport(host: "127.0.0.1", port: port))
        let zvt = terminal(dying)
        // Registration 06 00 (it ends with a Completion too) before the trap is armed.
        // A fresh terminal answers 06 1E (nothing to repeat): no 04 0F, so no word on any payment.
        XCTAssertThrowsError(try zvt.lastTransaction()) { error in
            XCTAssertEqual(
                "\(error)",
                "Das Kartenterminal meldet einen Fehler: das Terminal nennt seine letzte Transaktion nicht (Antwort »Funktion nicht möglich« ohne Statusinformation 04 0F)."
            )
        }
        try f.useTerminal(DyingTerminal(zvt))
        dying.armed = true

        // 1. Intent recorded, terminal asked, register "dies" at the Completion: the payment stays pending.
        XCTAssertThrowsError(try f.sell(.card)) { error in
            guard case CounterError.cardOutcomeUnknown = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(dying.droppedCompletion, "the Completion 06 0F never arrived")
        let pending = try f.service.ledger.unresolvedCardPayments()
        XCTAssertEqual(pending.count, 1)

        // The terminal journaled the payment `booked` before it sent the Completion.
        let trace = try XCTUnwrap(simulator.journal.entries.first { $0.kind == .payment }?.trace)
        XCTAssertEqual(simulator.journal.entries.first { $0.trace == trace }?.status, .booked)

        // 2. Restart: the recovery asks the terminal (Repeat Receipt; zvt-sim serves it only after it
        // finished the dead connection) and must agree with the terminal's last word on that trace:
        // zvt-sim writes a second line `autoReversed` when it sees the connection closed while it waits
        // for the acknowledgement of the Completion (reported as 6C "Autostorno"), and keeps `booked`
        // when its wait ends by T3 instead.
        try f.restart(terminal: terminal(TCPTransport(host: "127.0.0.1", port: port)))
        let report = try f.service.start()
        XCTAssertEqual(report.recoveries.count, 1)
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        let lines = simulator.journal.entries.filter { $0.trace == trace }
        XCTAssertLessThanOrEqual(lines.count, 2, simulator.journal.jsonLines())
        var resolutions: [CardResolution] = []
        try f.service.ledger.forEachEvent { _, event in if case .cardResolved(let r) = event { resolutions.append(r) } }
        XCTAssertEqual(resolutions.map(\.pendingId), [pending.first?.id].compactMap { $0 })
        XCTAssertEqual(resolutions.first?.atStartup, true)
        let traceText = String(format: "%06d", trace)
        var bookedTraces: [String] = []
        try f.service.ledger.forEachEvent { _, event in
            if case .sale(let sale) = event { bookedTraces += sale.payments.compactMap(\.card?.traceNumber) }
        }
        if lines.last?.status == .booked {
            guard case .booked = report.recoveries.first?.result else { return XCTFail("\(report.recoveries)") }
            XCTAssertEqual(resolutions.map(\.outcome), [.approved])
            XCTAssertEqual(bookedTraces, [traceText], "the terminal's booking is booked once")
        } else {
            XCTAssertEqual(lines.map(\.status), [.booked, .autoReversed])
            guard case .notPaid = report.recoveries.first?.result else { return XCTFail("\(report.recoveries)") }
            XCTAssertEqual(resolutions.map(\.outcome), [.notPaid])
            XCTAssertEqual(bookedTraces, [], "nothing is booked for an auto-reversed payment")
        }

        // 3. The next card payment is booked normally, with the next trace.
        let sale = try f.sell(.card).sale
        let card = try XCTUnwrap(sale.payments.first?.card)
        XCTAssertEqual(card.traceNumber, String(format: "%06d", trace + 1))
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked)
        try f.assertClean()
    }
}

/// TCP to the simulator that, when armed, closes the connection as soon as the Completion 06 0F
/// arrives — before the driver can acknowledge it — and stays dead, like a killed process.
final class CompletionDroppingTransport: ZVTTransport, @unchecked Sendable {
    let inner: TCPTransport
    var armed = false
    private(set) var droppedCompletion = false
    init(_ inner: TCPTransport) { self.inner = inner }
    var isConnected: Bool { !droppedCompletion && inner.isConnected }
    func connect() throws {
        if droppedCompletion { throw ZVTTransportError.closed }
        try inner.connect()
    }
    func send(_ bytes: [UInt8]) throws {
        if droppedCompletion { throw ZVTTransportError.closed }
        try inner.send(bytes)
    }
    func receive(timeoutMs: Int) throws -> [UInt8] {
        if droppedCompletion { throw ZVTTransportError.closed }
        let bytes = try inner.receive(timeoutMs: timeoutMs)
        if armed, bytes.starts(with: [0x06, 0x0F]) {
            droppedCompletion = true
            inner.close()
            throw ZVTTransportError.closed
        }
        return bytes
    }
    func close() { inner.close() }
}
