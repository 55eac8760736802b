import XCTest
import ZVT

@testable import ZVTSimulator

/// Registers that misbehave and terminals that misbehave: each fault, with the journal checked
/// against what the register saw (T3 = `testT3Ms`, T4 = `testT4Ms`).
final class FaultTests: XCTestCase {
    var simulator: TerminalSimulator!
    var register: TestRegister!
    let password = Password("123456")!

    override func setUpWithError() throws {
        simulator = try makeSimulator()
        register = try TestRegister(simulator)
        register.register(config: 0xBE)
    }

    override func tearDown() {
        register?.close()
        simulator?.stop()
    }

    private func reconnect() throws {
        register.close()
        register = try TestRegister(simulator)
    }

    /// Acknowledges everything except messages with `command`, which get `reply` (nil = nothing).
    private func answering(_ command: UInt16, with reply: APDU?) -> TestRegister.Answer {
        { message in message.command == command ? reply : Acknowledgement.positive.apdu }
    }

    // MARK: The register misbehaves

    func testMissingAckToStatusInformationIsAutoReversedAndRepeatReceiptSaysSo() throws {
        let sequence = register.pay(12_34, answer: answering(0x040F, with: nil))
        XCTAssertEqual(sequence.ended, .closed, "the terminal closes after T3")
        let seen = try XCTUnwrap(sequence.statusInformation.first)
        XCTAssertEqual(seen.resultCode, .success, "the register had an approval in hand")
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.status, .autoReversed)
        XCTAssertEqual(entry.receipt, seen.fields.receiptNumber)
        XCTAssertEqual(simulator.journal.batchTotals.totalCents, 0, "nothing stands at the terminal")

        // ZVT 13.08 §2.2.9, §2.20 recovery: the repeated Status-Information of that trace reports 6C.
        try reconnect()
        let repeated = register.run(RepeatReceipt(password: password, serviceByte: 0x03).apdu)
        let status = try XCTUnwrap(repeated.statusInformation.first)
        XCTAssertEqual(status.fields.trace, seen.fields.trace)
        XCTAssertEqual(status.resultCode, .aborted)
        XCTAssertEqual(status.fields.additionalText(), "Autostorno")
    }

    func testAutoReversalSwitchedOffKeepsThePayment() throws {
        simulator.stop()
        simulator = try makeSimulator { $0.autoReversal = false }
        try reconnect()
        _ = register.pay(12_34, answer: answering(0x040F, with: nil))
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked)
        XCTAssertNotNil(simulator.journal.entries.last?.note)
    }

    func testNegativeAnswerToStatusInformationReverses() throws {
        let sequence = register.pay(5_00, answer: answering(0x040F, with: APDU.hex("84 66 00")))
        XCTAssertEqual(sequence.last, TerminalAbort(resultCode: .aborted).apdu)
        XCTAssertEqual(simulator.journal.entries.last?.status, .autoReversed)
    }

    func testPleaseRepeatMakesTheTerminalAskAgain() throws {
        var first = true
        let sequence = register.pay(5_00) { message in
            if message.command == 0x040F && first {
                first = false
                return Acknowledgement.pleaseRepeat.apdu
            }
            return Acknowledgement.positive.apdu
        }
        XCTAssertEqual(sequence.statusInformation.count, 2)
        XCTAssertEqual(sequence.statusInformation[0], sequence.statusInformation[1])
        XCTAssertEqual(sequence.last, Completion().apdu)
        XCTAssertEqual(simulator.journal.entries.map(\.status), [.booked])
    }

    func testPrinterNotReadyForTheReceiptReverses() throws {
        let sequence = register.pay(5_00, answer: answering(0x06D3, with: Acknowledgement.printerNotReady.apdu))
        XCTAssertEqual(sequence.last, TerminalAbort(resultCode: .aborted).apdu)
        XCTAssertEqual(simulator.journal.entries.last?.status, .autoReversed)
    }

    func testMissingAckToTheCompletionClosesButThePaymentStands() throws {
        let sequence = register.pay(5_00, answer: answering(0x060F, with: nil))
        XCTAssertEqual(sequence.last, Completion().apdu)
        XCTAssertEqual(register.receive(timeoutMs: 3 * testT3Ms), .closed, "closed after T3")
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked, "committed at the acknowledged 04 0F and receipts")
    }

    /// The register vanishes at the very end: the transaction keeps its one journal line, and
    /// Repeat Receipt reports it as it stands (a crashed register must be able to recover it).
    func testRegisterGoneAtTheCompletionLeavesOneLine() throws {
        let booked = register.pay(5_00, answer: answering(0x060F, with: nil))
        XCTAssertEqual(booked.last, Completion().apdu)
        register.close()
        try reconnect()  // served only once the terminal is done with the old connection
        let declined = register.pay(5_13, answer: answering(0x061E, with: nil))
        XCTAssertEqual(declined.last, TerminalAbort(resultCode: ResultCode(rawValue: 0x05)).apdu)
        register.close()
        try reconnect()
        let repeated = register.run(RepeatReceipt(password: password, serviceByte: 0x03).apdu)
        XCTAssertEqual(repeated.statusInformation.first?.resultCode?.rawValue, 0x05)
        XCTAssertEqual(simulator.journal.entries.map(\.status), [.booked, .declined], "one line each")
        XCTAssertEqual(simulator.journal.entries.first?.receipt, booked.statusInformation.first?.fields.receiptNumber)
    }

    func testMissingAckToIntermediateStatusEndsTheAttempt() throws {
        let sequence = register.pay(5_00, answer: answering(0x04FF, with: nil))
        XCTAssertEqual(sequence.ended, .closed)
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        XCTAssertEqual(simulator.journal.entries.last?.status, .declined)
        XCTAssertNil(simulator.journal.entries.last?.receipt)
    }

    func testIncompleteAPDUIsDroppedAfterT3AndTheNextRegisterIsServed() throws {
        register.sendBytes([0x06, 0x01, 0x0A, 0x04, 0x00])
        XCTAssertEqual(register.receive(timeoutMs: 3 * testT3Ms), .closed)
        try reconnect()
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu)
    }

    func testDisconnectAtEveryMomentOfAPaymentNeverBooksWhatTheRegisterDidNotAccept() throws {
        // Close after the k-th terminal message (acknowledging those before it).
        for k in 0..<7 {
            try reconnect()
            let before = simulator.journal.entries.count
            register.send(try Authorization(amountCents: 2_00).apdu)
            XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
            var acceptedStatus = false
            for index in 0..<k {
                guard let message = register.next() else { break }
                register.send(Acknowledgement.positive.apdu)
                if message.command == 0x040F { acceptedStatus = true }
                if index == k - 1 { break }
            }
            register.close()
            XCTAssertTrue(simulator.journal.waitForEntries(count: before + 1), "k = \(k)")
            let entry = try XCTUnwrap(simulator.journal.entries.last)
            if entry.status == .booked {
                XCTAssertTrue(acceptedStatus, "booked without an accepted 04 0F (k = \(k))")
            }
        }
        try reconnect()
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu, "still serving")
    }

    // MARK: The terminal misbehaves

    func testSlowAcknowledgementComesAfterT3() throws {
        register.send(try Authorization(amountCents: 1_51).apdu)
        XCTAssertEqual(register.receive(timeoutMs: testT3Ms), .timedOut, "no 80 00 00 within T3")
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu, "but later")
    }

    func testSlowWithinT4() throws {
        register.register(config: 0xB6)  // no intermediate statuses
        register.send(try Authorization(amountCents: 1_52).apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
        let start = monotonicMilliseconds()
        XCTAssertEqual(register.next()?.command, 0x040F)
        let waited = monotonicMilliseconds() - start
        XCTAssertGreaterThanOrEqual(waited, Int64(testT4Ms / 2 - 50))
        XCTAssertLessThan(waited, Int64(testT4Ms), "within T4")
        register.send(Acknowledgement.positive.apdu)
    }

    func testSlowBeyondT4ExtendedByIntermediateStatus() throws {
        register.send(try Authorization(amountCents: 1_53).apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
        let start = monotonicMilliseconds()
        var last = start
        var longestGap: Int64 = 0
        var statuses = 0
        while let message = register.next(), message.command != 0x040F {
            let now = monotonicMilliseconds()
            longestGap = max(longestGap, now - last)
            last = now
            if message.command == 0x04FF { statuses += 1 }
            register.send(Acknowledgement.positive.apdu)
        }
        register.send(Acknowledgement.positive.apdu)
        XCTAssertGreaterThan(monotonicMilliseconds() - start, Int64(testT4Ms), "longer than T4 in total")
        XCTAssertLessThan(longestGap, Int64(testT4Ms), "but 04 FF restarted T4 in time")
        XCTAssertEqual(statuses, 3 + 3)
    }

    func testDropBeforeStatusInformation() throws {
        let sequence = register.pay(1_61)
        XCTAssertEqual(sequence.ended, .closed)
        XCTAssertTrue(sequence.statusInformation.isEmpty)
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        XCTAssertEqual(simulator.journal.entries.last?.status, .autoReversed)
        XCTAssertNil(simulator.journal.entries.last?.receipt)
        try reconnect()
        let repeated = register.run(RepeatReceipt(password: password, serviceByte: 0x01).apdu)
        XCTAssertEqual(repeated.statusInformation.first?.resultCode, .aborted, "recovery learns: not paid")
    }

    func testDropAfterStatusInformation() throws {
        let sequence = register.pay(1_62)
        XCTAssertEqual(sequence.ended, .closed)
        let status = try XCTUnwrap(sequence.statusInformation.first)
        XCTAssertEqual(status.resultCode, .success)
        XCTAssertFalse(sequence.commands.contains(0x060F), "no Completion")
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.status, .booked, "acknowledged 04 0F: the payment stands")
        XCTAssertEqual(entry.receipt, status.fields.receiptNumber)
    }

    func testDropDuringReceiptsIsAutoReversed() throws {
        let sequence = register.pay(1_63)
        XCTAssertEqual(sequence.ended, .closed)
        let status = try XCTUnwrap(sequence.statusInformation.first)
        XCTAssertEqual(status.resultCode, .success, "the register had an approval in hand")
        XCTAssertTrue(sequence.commands.contains(0x06D3), "the merchant receipt came")
        XCTAssertFalse(sequence.commands.contains(0x060F), "no Completion")
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.status, .autoReversed, "receipt acknowledgements missing: reversed (§2.2.8)")
        XCTAssertEqual(entry.receipt, status.fields.receiptNumber)
        try reconnect()
        let repeated = register.run(RepeatReceipt(password: password, serviceByte: 0x03).apdu)
        XCTAssertEqual(repeated.statusInformation.first?.fields.trace, status.fields.trace)
        XCTAssertEqual(repeated.statusInformation.first?.resultCode, .aborted, "recovery learns: not paid")
    }

    func testDropDuringReceiptsWithoutReceiptsViaTheRegisterStands() throws {
        register.register(config: 0x08)  // the terminal prints itself
        let sequence = register.pay(1_63)
        XCTAssertEqual(sequence.ended, .closed)
        XCTAssertFalse(sequence.commands.contains(0x06D3) || sequence.commands.contains(0x06D1), "no receipts to the register")
        XCTAssertFalse(sequence.commands.contains(0x060F), "no Completion")
        XCTAssertTrue(simulator.journal.waitForEntries(count: 1))
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked, "the acknowledged 04 0F was the commit point")
    }

    func testSplitBytes() throws {
        let sequence = register.pay(1_71)
        XCTAssertEqual(sequence.last, Completion().apdu)
        XCTAssertGreaterThan(register.readSizes.count, sequence.messages.count + 5, "APDUs arrived in pieces")
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked)
    }

    func testMergedWrites() throws {
        register.send(try Authorization(amountCents: 1_72).apdu)
        _ = try register.socket.waitReadable(timeoutMs: 2_000)
        let readsBefore = register.readSizes.count
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
        XCTAssertEqual(register.next()?.command, 0x04FF)
        XCTAssertEqual(register.readSizes.count, readsBefore + 1, "80 00 00 and 04 FF came in one piece")
        register.send(Acknowledgement.positive.apdu)
        while let message = register.next() {
            register.send(Acknowledgement.positive.apdu)
            if message.command == 0x060F { break }
        }
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked)
    }

    func testBannerOnConnectIsNoise() throws {
        simulator.control.bannerOnConnect = true
        try reconnect()
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu)
        XCTAssertEqual(register.skipped, Array("ZVT-SIM v1 ready\r\n".utf8))
    }

    func testGarbageAfterTheCompletion() throws {
        XCTAssertEqual(register.pay(1_73).last, Completion().apdu)
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu, "next command works despite the noise")
        XCTAssertEqual(register.skipped.count, 12)
    }

    func testNack() throws {
        XCTAssertEqual(register.pay(1_74).acknowledgement, APDU.hex("84 9A 00"))
        XCTAssertTrue(simulator.journal.entries.isEmpty)
    }

    func testNoCompletionAfterError() throws {
        register.send(try Authorization(amountCents: 1_75).apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
        var status: StatusInformation? = nil
        while status == nil, let message = register.next() {
            register.send(Acknowledgement.positive.apdu)
            status = try? StatusInformation(apdu: message)
        }
        XCTAssertEqual(status?.resultCode?.rawValue, 0x05)
        XCTAssertEqual(register.receive(timeoutMs: testT3Ms), .timedOut, "no 06 1E follows")
        XCTAssertEqual(simulator.journal.entries.last?.status, .declined)
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu, "the terminal is idle again")
    }

    func testDuplicateStatusInformation() throws {
        let sequence = register.pay(1_76)
        XCTAssertEqual(sequence.statusInformation.count, 2)
        XCTAssertEqual(sequence.statusInformation[0], sequence.statusInformation[1])
        XCTAssertEqual(simulator.journal.entries.count, 1, "one payment, not two")
        XCTAssertEqual(simulator.journal.batchTotals.totalCents, 1_76)
    }
}
