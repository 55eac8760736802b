import XCTest
import ZVT

@testable import ZVTSimulator

/// Every outcome rule, driven over loopback: what the register saw vs. the terminal's journal.
final class OutcomeTests: XCTestCase {
    var simulator: TerminalSimulator!
    var register: TestRegister!

    override func setUpWithError() throws {
        simulator = try makeSimulator()
        register = try TestRegister(simulator)
    }

    override func tearDown() {
        register?.close()
        simulator?.stop()
    }

    func testApprovedPaymentIsBookedWithTheNumbersTheRegisterSaw() throws {
        register.register(config: 0xBE)
        let sequence = register.pay(12_34)
        XCTAssertEqual(sequence.acknowledgement, Acknowledgement.positive.apdu)
        XCTAssertEqual(sequence.intermediateCodes, [0x0A, 0x01, 0x17])
        XCTAssertEqual(sequence.commands.filter { $0 == 0x06D3 }.count, 2, "merchant and customer receipt as 06 D3")
        XCTAssertEqual(sequence.last, Completion().apdu)
        let status = try XCTUnwrap(sequence.statusInformation.first)
        XCTAssertEqual(status.resultCode, .success)
        XCTAssertEqual(status.fields.amountCents, 12_34)
        XCTAssertEqual(status.fields.terminalId, "52999001")
        XCTAssertEqual(status.fields.currencyCode, 978)
        XCTAssertTrue(status.fields.maskedPAN?.contains("*") ?? false)
        XCTAssertNotNil(status.fields.cardName)

        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.kind, .payment)
        XCTAssertEqual(entry.status, .booked)
        XCTAssertEqual(entry.amountCents, 12_34)
        XCTAssertEqual(entry.receipt, status.fields.receiptNumber)
        XCTAssertEqual(entry.trace, status.fields.trace)
        XCTAssertEqual(entry.card?.maskedPAN, status.fields.maskedPAN)
        XCTAssertEqual(simulator.journal.entries.count, 1)
    }

    func testHostDeclinesCarryTheirCodesAndBookNothing() throws {
        register.register()
        for (cents, code) in [(Int64(10_13), UInt8(0x05)), (20_14, 0x33), (30_15, 0x3D)] {
            let sequence = register.pay(cents)
            let status = try XCTUnwrap(sequence.statusInformation.first, "amount \(cents)")
            XCTAssertEqual(status.resultCode?.rawValue, code)
            XCTAssertNotNil(status.fields.additionalText(), "decline text in BMP 3C")
            XCTAssertNil(status.fields.receiptNumber)
            XCTAssertEqual(sequence.last, TerminalAbort(resultCode: ResultCode(rawValue: code)).apdu)
            XCTAssertFalse(sequence.commands.contains(0x06D3), "no receipt for a decline")
            let entry = try XCTUnwrap(simulator.journal.entries.last)
            XCTAssertEqual(entry.status, .declined)
            XCTAssertEqual(entry.resultCode, Hex.string([code]))
            XCTAssertEqual(entry.trace, status.fields.trace)
            XCTAssertNil(entry.receipt)
        }
        XCTAssertEqual(simulator.journal.batchTotals.totalCount, 0)
    }

    func testCardNotReadable() throws {
        register.register()
        let sequence = register.pay(5_21)
        XCTAssertEqual(sequence.intermediateCodes, [0x0A, 0x0C])
        XCTAssertEqual(sequence.statusInformation.first?.resultCode, .cardNotReadable)
        XCTAssertEqual(sequence.last, TerminalAbort(resultCode: .cardNotReadable).apdu)
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.status, .declined)
        XCTAssertEqual(entry.resultCode, "64")
        XCTAssertNil(entry.trace, "the host was never asked")
    }

    func testWrongPinThenRightIsApproved() throws {
        register.register()
        let sequence = register.pay(7_22)
        XCTAssertEqual(sequence.intermediateCodes, [0x0A, 0x01, 0x15, 0x01, 0x17])
        XCTAssertEqual(sequence.statusInformation.first?.resultCode, .success)
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked)
    }

    func testWrongPinReportedInAFirstStatusInformationThenApproved() throws {
        register.register()
        let sequence = register.pay(7_27)
        let results = sequence.statusInformation.map { $0.resultCode?.rawValue }
        XCTAssertEqual(results, [0x37, 0x00], "two Status-Informations in one sequence")
        let first = sequence.statusInformation[0].fields
        let second = sequence.statusInformation[1].fields
        XCTAssertNotEqual(first.trace, second.trace, "each host request has its own trace")
        XCTAssertNil(first.receiptNumber)
        XCTAssertEqual(sequence.last, Completion().apdu)
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(simulator.journal.entries.count, 1)
        XCTAssertEqual(entry.status, .booked)
        XCTAssertEqual(entry.trace, second.trace)
        XCTAssertEqual(entry.receipt, second.receiptNumber)
    }

    func testClerkAbortDuringCardWait() throws {
        register.register()
        register.send(try Authorization(amountCents: 9_23).apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
        XCTAssertEqual(register.next()?.command, 0x04FF, "Karte einstecken")
        register.send(Acknowledgement.positive.apdu)
        register.send(AbortCommand().apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu, "the abort is acknowledged")
        let status = try StatusInformation(apdu: XCTUnwrap(register.next()))
        XCTAssertEqual(status.resultCode, .aborted)
        register.send(Acknowledgement.positive.apdu)
        XCTAssertEqual(register.next(), TerminalAbort(resultCode: .aborted).apdu)
        register.send(Acknowledgement.positive.apdu)
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.status, .declined)
        XCTAssertEqual(entry.resultCode, "6C")
        XCTAssertTrue(entry.note?.contains("06 B0") ?? false)
        // The terminal is idle again and serves the next payment.
        XCTAssertEqual(register.pay(1_00).statusInformation.first?.resultCode, .success)
    }

    func testNoCardWithinTheCardWaitEndsWith6C() throws {
        simulator.stop()
        simulator = try makeSimulator { $0.timing.cardWaitMs = 100 }
        register = try TestRegister(simulator)
        let sequence = register.pay(9_23)
        XCTAssertEqual(sequence.statusInformation.first?.resultCode, .aborted)
        XCTAssertEqual(simulator.journal.entries.last?.note, "keine Karte innerhalb der Kartenwartezeit")
    }

    func testPinPadTimeout() throws {
        register.register()
        let sequence = register.pay(4_24)
        XCTAssertEqual(sequence.intermediateCodes, [0x0A, 0x01])
        XCTAssertEqual(sequence.statusInformation.first?.resultCode, .aborted)
        XCTAssertEqual(sequence.last, TerminalAbort(resultCode: .aborted).apdu)
        XCTAssertEqual(simulator.journal.entries.last?.note, "Zeitüberschreitung am PIN-Pad")
    }

    func testBusyTerminalRefusesTheCommand() throws {
        let sequence = register.pay(3_25)
        XCTAssertEqual(sequence.acknowledgement, APDU.hex("84 9C 00"))
        XCTAssertTrue(sequence.messages.isEmpty)
        XCTAssertTrue(simulator.journal.entries.isEmpty, "a refused command is no transaction")
    }

    func testHostUnreachable() throws {
        XCTAssertEqual(register.pay(3_28).acknowledgement, APDU.hex("84 7D 00"))
        XCTAssertTrue(simulator.journal.entries.isEmpty)
    }

    func testEndOfDayRequired() throws {
        let sequence = register.pay(8_26)
        XCTAssertEqual(sequence.acknowledgement, Acknowledgement.positive.apdu)
        XCTAssertEqual(sequence.messages, [APDU.hex("06 1E 01 F0")], "06 1E without a Status-Information")
        XCTAssertEqual(simulator.journal.entries.last?.resultCode, "F0")
        XCTAssertNil(simulator.journal.entries.last?.trace)

        // The sticky F0 state: status enquiry reports F0 until an End-of-Day.
        simulator.control.endOfDayRequired = true
        XCTAssertEqual(register.pay(1_00).messages, [APDU.hex("06 1E 01 F0")])
        let enquiry = register.run(StatusEnquiry(password: Password("123456")!).apdu)
        XCTAssertEqual(try Completion(apdu: XCTUnwrap(enquiry.last), pendingCommand: 0x0501).terminalStatus, .reconciliationRequired)
        XCTAssertEqual(register.run(EndOfDay(password: Password("123456")!).apdu).last, Completion().apdu)
        XCTAssertFalse(simulator.control.endOfDayRequired)
        XCTAssertEqual(register.pay(1_00).statusInformation.first?.resultCode, .success)
    }

    func testIntermediateStatusOnlyWithConfigBit08() throws {
        register.register(config: 0xB6)  // 80+20+10+04+02: no 08
        let sequence = register.pay(1_00)
        XCTAssertEqual(sequence.intermediateCodes, [])
        XCTAssertEqual(sequence.commands.first, 0x040F)
    }

    func testReceiptsAsPrintLinesWithoutTag26AndNoneWithoutConfigBits() throws {
        register.register(config: 0x8A, textBlocks: false)  // 80+08+02: payment receipts via 06 D1
        let lines = register.pay(1_00)
        XCTAssertGreaterThan(lines.commands.filter { $0 == 0x06D1 }.count, 10)
        XCTAssertFalse(lines.commands.contains(0x06D3))
        let closing = lines.messages.filter { $0.command == 0x06D1 && (try? PrintLine(apdu: $0))?.line().closesReceipt == true }
        XCTAssertEqual(closing.count, 2, "each receipt's last line ends it (attribute 81, §3.5)")
        let feeds = lines.messages.filter { $0.command == 0x06D1 && $0.data.first == 0xFF }
        XCTAssertEqual(feeds.count, 2, "line feeds (attribute FF) before each end, which they do not replace")

        register.register(config: 0x08, textBlocks: true)  // the terminal prints
        let none = register.pay(1_00)
        XCTAssertFalse(none.commands.contains(0x06D1) || none.commands.contains(0x06D3))
    }

    func testWithoutRegistrationNoStatusesNoReceiptsNoTLV() throws {
        let sequence = register.pay(12_34)
        XCTAssertEqual(sequence.commands, [0x040F, 0x060F])
        XCTAssertNil(sequence.statusInformation.first?.fields[0x06])
        XCTAssertEqual(sequence.statusInformation.first?.fields.currencyCode, 978, "the register sent BMP 49")
    }

    func testControlQueueScriptAndStickyOverrideTheAmountRules() throws {
        register.register()
        simulator.control.queueNext(Scenario(.decline51))
        XCTAssertEqual(register.pay(1_00).statusInformation.first?.resultCode?.rawValue, 0x33)
        simulator.control.setSticky(Scenario(.cardUnreadable))
        XCTAssertEqual(register.pay(1_00).statusInformation.first?.resultCode, .cardNotReadable)
        simulator.control.setSticky(nil)
        XCTAssertEqual(register.pay(1_13).statusInformation.first?.resultCode?.rawValue, 0x05, "amount rules again")

        simulator.control.setScriptForNextConnection([Scenario(.decline61), Scenario(.approve)])
        register.close()
        register = try TestRegister(simulator)
        XCTAssertEqual(register.pay(1_13).statusInformation.first?.resultCode?.rawValue, 0x3D, "script beats the amount")
        XCTAssertEqual(register.pay(1_13).statusInformation.first?.resultCode, .success)
        XCTAssertEqual(register.pay(1_13).statusInformation.first?.resultCode?.rawValue, 0x05, "script used up")
    }
}
