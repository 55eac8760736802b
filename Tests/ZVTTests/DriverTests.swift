import Foundation
import TestSupport
import XCTest

@testable import ZVT

/// A terminal that answers the driver's n-th APDU with `replies[n]`.
final class ScriptedTerminal: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [[InMemoryTransport.Step]]
    init(_ replies: [[InMemoryTransport.Step]]) { self.replies = replies }
    func next(_ apdu: APDU) -> [InMemoryTransport.Step] {
        lock.withLock { replies.isEmpty ? [] : replies.removeFirst() }
    }
}

final class Collector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _items: [T] = []
    func add(_ item: T) { lock.withLock { _items.append(item) } }
    var items: [T] { lock.withLock { _items } }
}

final class DriverTests: XCTestCase {
    let clock = ManualClock()

    func bytes(_ name: String) throws -> InMemoryTransport.Step { .bytes(try Traces.bytes(name)) }

    func makeDriver(_ replies: [[InMemoryTransport.Step]], handlers: ZVTDriver.Handlers = .init()) -> (ZVTDriver, InMemoryTransport) {
        let terminal = ScriptedTerminal(replies)
        let transport = InMemoryTransport(clock: clock) { terminal.next($0) }
        let driver = ZVTDriver(configuration: .init(password: Password("123456")!), transport: transport, clock: clock, handlers: handlers)
        return (driver, transport)
    }

    func testApprovedPaymentWithCoalescedAndSplitReads() throws {
        let status = try Traces.bytes("dce-valina/data050730027.hex")
        let info = try Traces.bytes("dce-valina/data081649050.hex")
        let statuses = Collector<String>()
        let records = Collector<Int?>()
        let trace = Collector<ZVTDriver.Direction>()
        let (driver, transport) = makeDriver(
            [
                [.bytes(hex("80 00 00") + status)],  // ack and first 04 FF in one read
                [.delay(ms: 2_000), .bytes(Array(info.prefix(7))), .bytes(Array(info.dropFirst(7)))],  // 04 0F split
                [try bytes("dce-valina/data051327012.hex")],
                [.bytes(hex("06 0F 00"))],
            ], handlers: .init(status: { statuses.add($0) }, record: { records.add($0.fields.receiptNumber) }, trace: { direction, _ in trace.add(direction) }))
        guard case .approved(let payment) = driver.authorize(amountCents: 1) else { return XCTFail("not approved") }
        XCTAssertEqual(payment.amountCents, 1)
        XCTAssertEqual(payment.receiptNumber, 22)
        XCTAssertEqual(payment.trace, 22)
        XCTAssertEqual(payment.maskedPAN, "************5726")
        XCTAssertEqual(payment.cardName, "Debit Mastercard")
        XCTAssertEqual(payment.date, "03-08")
        XCTAssertEqual(payment.time, "16:49:23")
        XCTAssertTrue(payment.completed)
        XCTAssertEqual(payment.receipts.count, 1)
        XCTAssertEqual(statuses.items, ["Karte vorhalten\neinstecken/durchziehen"])
        XCTAssertEqual(records.items, [22])
        XCTAssertEqual(transport.sentAPDUs, [try Authorization(amountCents: 1).apdu] + Array(repeating: APDU(0x80, 0x00), count: 4))
        XCTAssertEqual(trace.items.first, .toTerminal)
        XCTAssertTrue(trace.items.contains(.fromTerminal))
        XCTAssertTrue(transport.isConnected, "the connection stays open for the next command")
    }

    func testDeclinedAndAbortedPayments() throws {
        let (driver, _) = makeDriver([
            [.bytes(hex("80 00 00")), try bytes("dce-valina/1618046758827PT.hex")], [.bytes(hex("06 1E 01 05"))], [],
        ])
        guard case .declined(let failure) = driver.authorize(amountCents: 500) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode.rawValue, 5)
        XCTAssertEqual(failure.text, "Karte abgelehnt")

        let (driver2, _) = makeDriver([
            [.bytes(hex("80 00 00")), try bytes("dce-valina/1620217578711PT.hex")], [try bytes("dce-valina/1620217579741PT.hex")], [],
        ])
        guard case .aborted(let aborted) = driver2.authorize(amountCents: 500) else { return XCTFail() }
        XCTAssertEqual(aborted.resultCode, .aborted)
    }

    func testClerkAbortFromTheStatusCallbackSendsAbort() throws {
        let box = Collector<ZVTDriver>()
        let (driver, transport) = makeDriver([
            [.bytes(hex("80 00 00 04 FF 01 0A")), .delay(ms: 500), .run({ box.items.first?.abort() }), .delay(ms: 500)],
            [],  // ack of 04 FF
            [.bytes(hex("80 00 00")), .bytes(hex("04 0F 02 27 6C"))],  // answer to 06 B0, then the result
            [.bytes(hex("06 1E 01 6C"))],
        ])
        box.add(driver)
        guard case .aborted(let failure) = driver.authorize(amountCents: 1000) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode, .aborted)
        XCTAssertEqual(transport.sentAPDUs.map(\.command), [0x0601, 0x8000, 0x06B0, 0x8000, 0x8000])
    }

    func testAbortFromAnotherThreadWhileWaiting() throws {
        // The terminal waits for a card (silence); the clerk aborts from the UI thread.
        let terminal = ScriptedTerminal([
            [.bytes(hex("80 00 00 04 FF 01 0A"))], [],
            [.bytes(hex("80 00 00 04 0F 02 27 6C"))], [.bytes(hex("06 1E 01 6C"))],
        ])
        let transport = RealTimeFake(script: { terminal.next($0) })
        let driver = ZVTDriver(configuration: .init(pollIntervalMs: 5), transport: transport)
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { driver.abort() }
        let outcome = driver.authorize(amountCents: 100)
        guard case .aborted = outcome else { return XCTFail("\(outcome)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testConnectionLostMidPaymentIsOutcomeUnknownAndTheLastTransactionIsAskedOnANewConnection() throws {
        let (driver, transport) = makeDriver([[.bytes(hex("80 00 00 04 FF 01 0A")), .close]])
        guard case .outcomeUnknown(let unknown) = driver.authorize(amountCents: 1) else { return XCTFail() }
        XCTAssertEqual(unknown.amountCents, 1)
        XCTAssertEqual(unknown.problem, .connectionLost)
        XCTAssertNil(unknown.statusInformation)
        XCTAssertFalse(transport.isConnected)

        // The last transaction: reconnect, Repeat Receipt with service byte 03 → Status-Information of receipt 22.
        let terminal = ScriptedTerminal([
            [.bytes(hex("80 00 00")), try bytes("dce-valina/data081649050.hex")], [.bytes(hex("06 0F 00"))],
        ])
        transport.script = { terminal.next($0) }
        let last = driver.lastTransaction()
        XCTAssertEqual(last.statusInformation?.fields.receiptNumber, 22)
        XCTAssertEqual(last.statusInformation?.resultCode, .success)
        XCTAssertEqual(transport.connectCount, 2)
        XCTAssertEqual(transport.sentAPDUs.last(where: { $0.commandClass == 0x06 }), RepeatReceipt(password: Password("123456")!, serviceByte: 0x03).apdu)

        // PAX-style: only 06 0F, no 04 0F: nothing to match (the counter keeps the payment pending).
        let pax = ScriptedTerminal([[.bytes(hex("80 00 00 06 0F 00"))]])
        transport.script = { pax.next($0) }
        let bare = driver.lastTransaction()
        XCTAssertNil(bare.statusInformation)
        XCTAssertEqual(bare.outcome, .success)
    }

    /// ZVT 13.08 §2.2.8 through the driver: whether an acknowledged approval without Completion stands
    /// depends on the registration (receipts via the ECR or not); unregistered, receipts may follow.
    func testConnectionLostBeforeTheCompletionDependsOnTheRegistration() throws {
        let info = try Traces.apdu("dce-valina/data081649050.hex").bytes
        let registration: [[InMemoryTransport.Step]] = [[.bytes(hex("80 00 00 06 0F 0A 19 00 29 29 00 10 06 49 09 78"))], []]
        let dropAfterResult: [[InMemoryTransport.Step]] = [[.bytes(hex("80 00 00") + info)], [.close]]
        for (config, steps, approved) in [(UInt8(0xBE), registration, false), (0x08, registration, true), (0xBE, [], false)] {
            let label = steps.isEmpty ? "not registered" : "config \(Hex.string([config]))"
            let terminal = ScriptedTerminal(steps + dropAfterResult)
            let transport = InMemoryTransport(clock: clock) { terminal.next($0) }
            let driver = ZVTDriver(
                configuration: .init(password: Password("123456")!, registrationConfig: config), transport: transport, clock: clock)
            if !steps.isEmpty { XCTAssertEqual(driver.register().outcome, .success, label) }
            let outcome = driver.authorize(amountCents: 1)
            if approved {
                guard case .approved(let payment) = outcome else { return XCTFail("\(label): \(outcome)") }
                XCTAssertFalse(payment.completed, label)
            } else {
                guard case .outcomeUnknown(let unknown) = outcome else { return XCTFail("\(label): \(outcome)") }
                XCTAssertEqual(unknown.problem, .noCompletionAfterResult(timedOut: false), label)
                XCTAssertEqual(unknown.statusInformation?.fields.receiptNumber, 22, "\(label): recovery compares with it")
            }
        }
    }

    /// The quick Status Enquiry before a payment: its own T3/T4 for that one sequence, the
    /// configured ones for the next (ZVT 13.08 §2.56).
    func testStatusEnquiryWithShortTimersForOneSequence() throws {
        let (driver, _) = makeDriver([[], [.bytes(hex("80 00 00"))], [.bytes(hex("80 00 00") + hex("06 0F 01 F0"))], []])
        var start = clock.nowMs()
        XCTAssertEqual(driver.statusEnquiry(t3Ms: 2_000, t4Ms: 15_000).outcome, .failed(.noAcknowledgement))
        XCTAssertLessThan(clock.nowMs() - start, 2_500, "T3 of 2 s, not 5 s")
        start = clock.nowMs()
        XCTAssertEqual(driver.statusEnquiry(t3Ms: 2_000, t4Ms: 15_000).outcome, .failed(.completionTimeout))
        XCTAssertLessThan(clock.nowMs() - start, 15_500, "T4 of 15 s, not 180 s")
        let answered = driver.statusEnquiry()
        XCTAssertEqual(answered.completion?.terminalStatus, .reconciliationRequired)
        XCTAssertFalse(driver.isBusy)
        start = clock.nowMs()
        XCTAssertEqual(driver.statusEnquiry().outcome, .failed(.noAcknowledgement))
        XCTAssertGreaterThanOrEqual(clock.nowMs() - start, 5_000, "the configured T3 again")
    }

    func testTimeoutsThroughTheDriver() throws {
        let (silent, _) = makeDriver([[]])
        guard case .outcomeUnknown(let noAck) = silent.authorize(amountCents: 1) else { return XCTFail() }
        XCTAssertEqual(noAck.problem, .noAcknowledgement)
        let start = clock.nowMs()
        let (slow, transport) = makeDriver([[.bytes(hex("80 00 00"))]])
        guard case .outcomeUnknown(let t4) = slow.authorize(amountCents: 1) else { return XCTFail() }
        XCTAssertEqual(t4.problem, .completionTimeout)
        XCTAssertGreaterThanOrEqual(clock.nowMs() - start, 180_000)
        XCTAssertLessThan(clock.nowMs() - start, 181_000)
        XCTAssertFalse(transport.isConnected, "closed after a timeout")
    }

    func testConnectFailureAndStaleBytes() throws {
        let (driver, transport) = makeDriver([])
        transport.connectError = .connectFailed("10.0.0.9:20007", reason: "Connection refused")
        guard case .error(let text) = driver.authorize(amountCents: 1) else { return XCTFail() }
        XCTAssertEqual(text, "Keine Verbindung zum Terminal 10.0.0.9:20007: Connection refused.")
        XCTAssertTrue(transport.sent.isEmpty)

        let (driver2, transport2) = makeDriver([[.bytes(hex("80 00 00")), try bytes("feig-cvend/1680728219.054216000_pt_ecr.blob")]])
        try transport2.connect()
        transport2.inject([.bytes(hex("06 0F 00 04 FF 01 17"))])  // a late answer from an earlier sequence
        let result = driver2.statusEnquiry()
        XCTAssertEqual(result.outcome, .success)
        XCTAssertEqual(result.completion?.terminalStatus, .ready)
        XCTAssertEqual(transport2.sentAPDUs.map(\.command), [0x0501, 0x8000])
    }

    func testAdministrationCommands() throws {
        let (driver, transport) = makeDriver([
            [.bytes(hex("80 00 00")), try bytes("dce-valina/1620218414428PT.hex")], [],
            [.bytes(hex("80 00 00")), try bytes("feig-cvend/1680761828.489701000_pt_ecr.blob")], [try bytes("dce-valina/1617777384987PT.hex")],
            [.bytes(hex("06 0F 00"))], [],
            [.bytes(hex("80 00 00"))],
            [.bytes(hex("84 83 00"))],
        ])
        let registration = driver.register()
        XCTAssertEqual(registration.outcome, .success)
        XCTAssertEqual(registration.completion?.fields.terminalId, "29001006")
        XCTAssertEqual(transport.sentAPDUs.first?.bytes, hex("06 00 0E 12 34 56 BE 09 78 06 06 26 04 0A 02 06 D3"))
        let eod = driver.endOfDay()
        XCTAssertEqual(eod.outcome, .success)
        XCTAssertEqual(eod.statusInformation?.totals.totalCents, 958)
        XCTAssertEqual(eod.receipts.first?.receiptType, 3)
        XCTAssertEqual(driver.logOff().outcome, .success)
        XCTAssertEqual(driver.diagnosis().outcome, .failed(.refused(.functionNotPossible)))
    }
}

/// A transport whose terminal answers at once but whose waits are real (for the cross-thread abort test).
final class RealTimeFake: ZVTTransport, @unchecked Sendable {
    private let lock = NSLock()
    private let condition = NSCondition()
    private var inbox: [UInt8] = []
    private let script: @Sendable (APDU) -> [InMemoryTransport.Step]
    private var buffer: [UInt8] = []
    init(script: @escaping @Sendable (APDU) -> [InMemoryTransport.Step]) { self.script = script }
    var isConnected: Bool { true }
    func connect() throws {}
    func close() {}
    func send(_ bytes: [UInt8]) throws {
        condition.lock()
        buffer += bytes
        var skipped: [UInt8] = []
        for apdu in APDUDecoder.decodeAll(&buffer, skipped: &skipped) {
            for step in script(apdu) { if case .bytes(let b) = step { inbox += b } }
        }
        condition.signal()
        condition.unlock()
    }
    func receive(timeoutMs: Int) throws -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        if inbox.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(Double(timeoutMs) / 1000)) }
        let out = inbox
        inbox = []
        return out
    }
}
