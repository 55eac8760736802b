import Synchronization
import XCTest
import ZVT

@testable import ZVTSimulator

/// The project's ZVT driver against the simulator over loopback, for every outcome and fault:
/// what the driver reports vs. what the terminal's journal holds.
final class DriverTests: XCTestCase {
    var simulator: TerminalSimulator!
    var driver: ZVTDriver!

    override func setUpWithError() throws {
        simulator = try makeSimulator()
        driver = makeDriver()
        XCTAssertEqual(driver.register().outcome, .success)
    }

    override func tearDown() {
        driver?.disconnect()
        simulator?.stop()
    }

    private func makeDriver(config: UInt8 = 0xBE, handlers: ZVTDriver.Handlers = .init()) -> ZVTDriver {
        let session = SessionConfiguration(t3Ms: Int64(testT3Ms), t4Ms: Int64(testT4Ms), completionGraceMs: 200)
        var configuration = ZVTDriver.Configuration(
            password: Password("123456")!, session: session, registrationConfig: config, pollIntervalMs: 20)
        configuration.busyRetryDelayMs = 5
        return ZVTDriver(configuration: configuration, transport: TCPTransport(host: "127.0.0.1", port: simulator.address!.port), handlers: handlers)
    }

    /// Replaces the registered driver by one with `handlers` (a driver's handlers are fixed when it is made).
    private func useDriver(handlers: ZVTDriver.Handlers) {
        driver.disconnect()
        driver = makeDriver(handlers: handlers)
        XCTAssertEqual(driver.register().outcome, .success)
    }

    private var lastEntry: JournalEntry? { simulator.journal.entries.last }

    /// Approved by the driver and booked in the journal with the same receipt, trace and amount.
    private func assertApprovedAndBooked(_ outcome: PaymentOutcome, cents: Int64, file: StaticString = #filePath, line: UInt = #line) {
        guard case .approved(let transaction) = outcome else {
            return XCTFail("expected approved, got \(outcome.text)", file: file, line: line)
        }
        let booked = simulator.journal.entries.filter { $0.isBooked && $0.kind == .payment }
        guard let entry = booked.last else { return XCTFail("nothing booked", file: file, line: line) }
        XCTAssertEqual(transaction.receiptNumber, entry.receipt, file: file, line: line)
        XCTAssertEqual(transaction.trace, entry.trace, file: file, line: line)
        XCTAssertEqual(transaction.amountCents, cents, file: file, line: line)
        XCTAssertEqual(entry.amountCents, cents, file: file, line: line)
        XCTAssertEqual(transaction.maskedPAN, entry.card?.maskedPAN, file: file, line: line)
    }

    private func assertNothingBooked(_ cents: Int64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(
            simulator.journal.entries.contains { $0.isBooked && $0.amountCents == cents }, "booked at the terminal", file: file, line: line)
    }

    // MARK: Outcomes

    func testApprove() {
        let outcome = driver.authorize(amountCents: 12_34)
        assertApprovedAndBooked(outcome, cents: 12_34)
        if case .approved(let transaction) = outcome {
            XCTAssertEqual(transaction.receipts.count, 2, "merchant and customer receipt")
            XCTAssertTrue(transaction.completed)
        }
    }

    func testDeclinesWithHostCodes() {
        for (cents, code) in [(Int64(1_13), UInt8(0x05)), (1_14, 0x33), (1_15, 0x3D)] {
            guard case .declined(let failure) = driver.authorize(amountCents: cents) else {
                XCTFail("\(cents) not declined")
                continue
            }
            XCTAssertEqual(failure.resultCode.rawValue, code)
            XCTAssertEqual(lastEntry?.status, .declined)
            XCTAssertEqual(lastEntry?.resultCode, Hex.string([code]))
            assertNothingBooked(cents)
        }
    }

    func testCardUnreadable() {
        guard case .declined(let failure) = driver.authorize(amountCents: 2_21) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode, .cardNotReadable)
        XCTAssertEqual(lastEntry?.resultCode, "64")
    }

    func testPinRetryIsApproved() {
        let statuses = Locked<[String]>([])
        useDriver(handlers: .init(status: { text in statuses.withLock { $0.append(text) } }))
        assertApprovedAndBooked(driver.authorize(amountCents: 2_22), cents: 2_22)
        XCTAssertTrue(statuses.current.contains("Geheimzahl falsch"), "\(statuses.current)")
    }

    func testWrongPinInAFirstStatusInformationStillEndsApproved() {
        assertApprovedAndBooked(driver.authorize(amountCents: 2_27), cents: 2_27)
    }

    func testClerkAbortWhileTheTerminalWaitsForTheCard() {
        let current = Locked<ZVTDriver?>(nil)
        useDriver(handlers: .init(status: { text in if text == "Karte einstecken" { current.withLock { $0 }?.abort() } }))
        let driver = self.driver!
        current.withLock { $0 = driver }
        guard case .aborted(let failure) = driver.authorize(amountCents: 2_23) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode, .aborted)
        XCTAssertEqual(lastEntry?.status, .declined)
        XCTAssertEqual(lastEntry?.note, "Abbruch durch die Kasse (06 B0) beim Warten auf die Karte")
        assertNothingBooked(2_23)
    }

    func testPinPadTimeout() {
        guard case .aborted(let failure) = driver.authorize(amountCents: 2_24) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode, .aborted)
        XCTAssertEqual(lastEntry?.note, "Zeitüberschreitung am PIN-Pad")
    }

    func testBusy() throws {
        let busy = driver.run(try Authorization(amountCents: 2_25).apdu)
        XCTAssertEqual(busy.outcome, .failed(.refused(.pleaseWait)), "still busy after every retry")
        XCTAssertEqual(busy.text, "Terminal beschäftigt: bitte gleich noch einmal versuchen.")
        guard case .error = driver.authorize(amountCents: 2_25) else { return XCTFail("a refusal: nothing started") }
        XCTAssertTrue(simulator.journal.entries.isEmpty)
    }

    /// `84 9C` once, then the terminal is free: the driver sends the payment again and it is
    /// approved, once, with the clerk told in between.
    func testBusyOnceIsRetriedAndApprovedOnce() throws {
        let texts = Mutex<[String]>([])
        useDriver(handlers: ZVTDriver.Handlers(status: { text in texts.withLock { $0.append(text) } }))
        simulator.control.queueNext(Scenario(.busy))
        guard case .approved(let paid) = driver.authorize(amountCents: 4_00) else { return XCTFail("approved after the retry") }
        XCTAssertEqual(paid.amountCents, 4_00)
        XCTAssertEqual(simulator.journal.entries.filter(\.isBooked).count, 1)
        XCTAssertTrue(texts.withLock { $0 }.contains("Terminal beschäftigt – neuer Versuch 1 von 3 …"), "\(texts.withLock { $0 })")
    }

    func testEndOfDayRequired() {
        guard case .declined(let failure) = driver.authorize(amountCents: 2_26) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode.rawValue, 0xF0)
        XCTAssertEqual(lastEntry?.resultCode, "F0")
    }

    // MARK: Other commands through the driver

    func testReversalRefundEndOfDayRepeatReceipt() throws {
        guard case .approved(let paid) = driver.authorize(amountCents: 30_00) else { return XCTFail() }
        assertApprovedAndBooked(driver.authorize(amountCents: 12_00), cents: 12_00)
        guard case .approved(let reversal) = driver.reverse(receiptNumber: try XCTUnwrap(paid.receiptNumber)) else { return XCTFail() }
        XCTAssertEqual(lastEntry?.kind, .reversal)
        XCTAssertEqual(lastEntry?.receipt, reversal.receiptNumber)
        guard case .declined(let again) = driver.reverse(receiptNumber: try XCTUnwrap(paid.receiptNumber)) else { return XCTFail() }
        XCTAssertEqual(again.resultCode, .alreadyReversed)
        guard case .approved = driver.refund(amountCents: 5_00) else { return XCTFail() }
        XCTAssertEqual(lastEntry?.kind, .refund)

        let last = driver.lastTransaction()
        XCTAssertEqual(last.statusInformation?.fields.receiptNumber, lastEntry?.receipt)

        let endOfDay = driver.endOfDay()
        XCTAssertEqual(endOfDay.outcome, .success)
        XCTAssertEqual(endOfDay.statusInformation?.totals.totalCents, 12_00, "30,00 reversed; refunds are not in BMP 60")
        XCTAssertEqual(lastEntry?.kind, .endOfDay)
        XCTAssertEqual(driver.endOfDay().statusInformation?.totals.totalCents, 0)

        XCTAssertEqual(driver.statusEnquiry().completion?.terminalStatus, .ready)
        XCTAssertEqual(driver.diagnosis().outcome, .success)
        XCTAssertEqual(driver.logOff().outcome, .success)
    }

    // MARK: Faults

    func testSlowAcknowledgementLeavesTheOutcomeUnknownAndRecoveryFindsNothingBooked() {
        assertApprovedAndBooked(driver.authorize(amountCents: 1_00), cents: 1_00)
        let previousTrace = lastEntry?.trace
        guard case .outcomeUnknown(let unknown) = driver.authorize(amountCents: 3_51) else { return XCTFail() }
        XCTAssertEqual(unknown.problem, .noAcknowledgement)
        XCTAssertEqual(driver.lastTransaction().statusInformation?.fields.trace, previousTrace, "the last transaction is the one before")
        assertNothingBooked(3_51)
    }

    func testSlowWithinT4IsApproved() {
        assertApprovedAndBooked(driver.authorize(amountCents: 3_52), cents: 3_52)
    }

    func testSlowBeyondT4WithIntermediateStatusIsApproved() {
        assertApprovedAndBooked(driver.authorize(amountCents: 3_53), cents: 3_53)
    }

    func testDropBeforeStatusInformationThenRecovery() {
        assertApprovedAndBooked(driver.authorize(amountCents: 1_00), cents: 1_00)
        let previousTrace = lastEntry?.trace
        guard case .outcomeUnknown(let unknown) = driver.authorize(amountCents: 3_61) else { return XCTFail() }
        XCTAssertTrue(simulator.journal.waitForEntries(count: 2))
        XCTAssertEqual(lastEntry?.status, .autoReversed)
        XCTAssertNil(unknown.statusInformation)
        let last = driver.lastTransaction().statusInformation
        XCTAssertNotEqual(last?.fields.trace, previousTrace)
        XCTAssertEqual(last?.resultCode, .aborted, "reported as reversed (6C Autostorno)")
        assertNothingBooked(3_61)
    }

    /// Registered with receipts via the register (BE): without the Completion the driver cannot know
    /// whether the terminal kept the approval (ZVT 13.08 §2.2.8); the recovery asks and finds it booked.
    func testDropAfterStatusInformationIsUnknownUntilTheTerminalConfirmsIt() {
        guard case .outcomeUnknown(let unknown) = driver.authorize(amountCents: 3_62) else { return XCTFail() }
        XCTAssertEqual(unknown.problem, .noCompletionAfterResult(timedOut: false))
        XCTAssertEqual(lastEntry?.status, .booked)
        let last = driver.lastTransaction().statusInformation
        XCTAssertEqual(last?.resultCode, .success)
        XCTAssertEqual(last?.fields.receiptNumber, unknown.statusInformation?.fields.receiptNumber)
        XCTAssertEqual(last?.fields.trace, unknown.statusInformation?.fields.trace)
        XCTAssertEqual(last?.fields.amountCents, 3_62)
    }

    /// The terminal closes while it prints the receipts through the register: it reverses (§2.2.8)
    /// and the driver, which had acknowledged the approving 04 0F, reports unknown, not approved.
    func testDropDuringReceiptsIsUnknownAndRecoveryFindsTheReversal() {
        guard case .outcomeUnknown(let unknown) = driver.authorize(amountCents: 3_63) else { return XCTFail() }
        XCTAssertEqual(unknown.problem, .noCompletionAfterResult(timedOut: false))
        XCTAssertEqual(unknown.statusInformation?.resultCode, .success, "the approval had been acknowledged")
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        XCTAssertEqual(lastEntry?.status, .autoReversed)
        let last = driver.lastTransaction().statusInformation
        XCTAssertEqual(last?.fields.trace, unknown.statusInformation?.fields.trace)
        XCTAssertEqual(last?.resultCode, .aborted, "reported as reversed (6C Autostorno)")
        assertNothingBooked(3_63)
    }

    /// Registered so that the terminal prints its own receipts (08): nothing can follow the
    /// acknowledged 04 0F, which is then the commit point — approved without Completion.
    func testWithoutReceiptsViaTheRegisterTheAcknowledgedResultStands() {
        driver.disconnect()
        driver = makeDriver(config: 0x08)
        XCTAssertEqual(driver.register().outcome, .success)
        for cents: Int64 in [3_62, 3_63] {
            let outcome = driver.authorize(amountCents: cents)
            assertApprovedAndBooked(outcome, cents: cents)
            if case .approved(let transaction) = outcome { XCTAssertFalse(transaction.completed) }
        }
    }

    func testTransportFaultsDoNotChangeTheResult() {
        for cents: Int64 in [3_71, 3_72, 3_73, 3_76] {
            let before = simulator.journal.entries.count
            assertApprovedAndBooked(driver.authorize(amountCents: cents), cents: cents)
            XCTAssertEqual(simulator.journal.entries.count, before + 1, "one journal line for \(cents)")
        }
        XCTAssertEqual(simulator.journal.batchTotals.totalCount, 4, "the duplicate 04 0F is one payment")
    }

    func testBannerOnConnect() {
        driver.disconnect()
        simulator.control.bannerOnConnect = true
        assertApprovedAndBooked(driver.authorize(amountCents: 1_00), cents: 1_00)
    }

    func testNack() throws {
        XCTAssertEqual(driver.run(try Authorization(amountCents: 3_74).apdu).outcome, .failed(.refused(.protocolError)))
        guard case .error = driver.authorize(amountCents: 3_74) else { return XCTFail("a refusal: nothing started") }
        XCTAssertTrue(simulator.journal.entries.isEmpty)
    }

    func testNoCompletionAfterError() {
        guard case .declined(let failure) = driver.authorize(amountCents: 3_75) else { return XCTFail() }
        XCTAssertEqual(failure.resultCode.rawValue, 0x05)
        XCTAssertEqual(lastEntry?.status, .declined)
        assertApprovedAndBooked(driver.authorize(amountCents: 1_00), cents: 1_00)
    }

    func testManyPaymentsBalance() {
        var approvedCents: Int64 = 0
        for index in 0..<60 {
            let cents = Int64(1_00 + index * 7)
            if case .approved(let transaction) = driver.authorize(amountCents: cents) { approvedCents += transaction.amountCents ?? 0 }
        }
        XCTAssertEqual(simulator.journal.batchTotals.totalCents, approvedCents, "the terminal's batch equals what the register booked")
    }
}
