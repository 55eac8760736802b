import XCTest
import ZVT

@testable import ZVTSimulator

/// The other commands: Reversal, Refund, End-of-Day, Turnover Totals, Repeat Receipt, Log-Off,
/// Diagnosis, Status Enquiry, unknown commands and wrong currencies.
final class CommandTests: XCTestCase {
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

    private func receiptOf(_ sequence: TestRegister.Sequence) throws -> Int {
        try XCTUnwrap(sequence.statusInformation.first?.fields.receiptNumber)
    }

    func testReversalByReceiptNumberThenAlreadyReversedThenUnknown() throws {
        let payment = register.pay(25_00)
        let receipt = try receiptOf(payment)
        let originalTrace = try XCTUnwrap(payment.statusInformation.first?.fields.trace)

        let reversal = register.run(try Reversal(password: password, receiptNumber: receipt).apdu)
        let status = try XCTUnwrap(reversal.statusInformation.first)
        XCTAssertEqual(status.resultCode, .success)
        XCTAssertEqual(status.fields.amountCents, 25_00)
        XCTAssertEqual(status.fields.originalTrace, originalTrace)
        XCTAssertNotEqual(status.fields.receiptNumber, receipt, "the reversal has its own receipt number")
        XCTAssertEqual(reversal.last, Completion().apdu)
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.kind, .reversal)
        XCTAssertEqual(entry.status, .booked)
        XCTAssertEqual(entry.reversesReceipt, receipt)
        XCTAssertEqual(entry.reversesTrace, originalTrace)

        let again = register.run(try Reversal(password: password, receiptNumber: receipt).apdu)
        XCTAssertEqual(again.statusInformation.first?.resultCode, .alreadyReversed)
        XCTAssertEqual(again.last, TerminalAbort(resultCode: .alreadyReversed).apdu)

        let unknown = register.run(try Reversal(password: password, receiptNumber: 4711).apdu)
        XCTAssertEqual(unknown.statusInformation.first?.resultCode, .reversalNotPossible)

        let payment2 = register.pay(10_00)
        let wrongAmount = register.run(try Reversal(password: password, receiptNumber: receiptOf(payment2), amountCents: 9_99).apdu)
        XCTAssertEqual(wrongAmount.statusInformation.first?.resultCode?.rawValue, 0xB7)
        XCTAssertEqual(simulator.journal.batchTotals.totalCents, 10_00, "only the unreversed payment counts")
    }

    func testRefund() throws {
        let sequence = register.run(try Refund(password: password, amountCents: 5_00).apdu)
        XCTAssertEqual(sequence.statusInformation.first?.resultCode, .success)
        XCTAssertEqual(simulator.journal.entries.last?.kind, .refund)
        XCTAssertEqual(simulator.journal.entries.last?.status, .booked)
    }

    func testEndOfDayReportsTotalsPerCardTypeThenZeroes() throws {
        _ = register.pay(10_00)
        _ = register.pay(20_00)
        let third = register.pay(30_00)
        _ = register.pay(40_13)  // declined: not in the totals
        _ = register.run(try Reversal(password: password, receiptNumber: receiptOf(third)).apdu)
        let expected = simulator.journal.batchTotals
        XCTAssertEqual(expected.totalCents, 30_00)
        XCTAssertEqual(expected.totalCount, 2)

        let totals = register.run(TurnoverTotals(password: password).apdu)
        XCTAssertEqual(totals.statusInformation.first?.totals.totalCents, 30_00)
        XCTAssertEqual(totals.last, Completion().apdu)

        let endOfDay = register.run(EndOfDay(password: password).apdu)
        let status = try XCTUnwrap(endOfDay.statusInformation.first)
        XCTAssertEqual(status.resultCode, .success)
        XCTAssertEqual(status.totals.totalCents, 30_00)
        let individual = try XCTUnwrap(status.totals.individual)
        XCTAssertEqual(individual.groups.map(\.count), expected.counts)
        XCTAssertEqual(individual.groups.map(\.amountCents), expected.amounts)
        XCTAssertEqual(individual.firstReceipt, 1)
        XCTAssertTrue(endOfDay.commands.contains(0x06D3), "administration receipt (config BE has 04)")
        XCTAssertEqual(endOfDay.last, Completion().apdu)
        let entry = try XCTUnwrap(simulator.journal.entries.last)
        XCTAssertEqual(entry.kind, .endOfDay)
        XCTAssertEqual(entry.totals?.reduce(0) { $0 + $1.amountCents }, 30_00)

        XCTAssertEqual(simulator.journal.batchTotals.totalCents, 0, "zeroed after End-of-Day")
        let after = register.run(EndOfDay(password: password).apdu)
        XCTAssertEqual(after.statusInformation.first?.totals.totalCents, 0)
    }

    func testRepeatReceiptSendsTheLastStatusInformationOnlyWithServiceByte01() throws {
        let payment = register.pay(12_34)
        let original = try XCTUnwrap(payment.statusInformation.first)

        let repeated = register.run(RepeatReceipt(password: password, serviceByte: 0x01).apdu)
        let again = try XCTUnwrap(repeated.statusInformation.first)
        XCTAssertEqual(again.resultCode, .success)
        XCTAssertEqual(again.fields.receiptNumber, original.fields.receiptNumber)
        XCTAssertEqual(again.fields.trace, original.fields.trace)
        XCTAssertEqual(again.fields.amountCents, original.fields.amountCents)
        XCTAssertEqual(again.fields.time, original.fields.time)
        XCTAssertTrue(repeated.commands.contains(0x06D3), "the receipt is printed again")
        XCTAssertEqual(repeated.last, Completion().apdu)

        let quiet = register.run(RepeatReceipt(password: password, serviceByte: 0x02).apdu)
        XCTAssertEqual(quiet.commands, [0x060F], "02: no print, 00: no Status-Information")
        XCTAssertEqual(simulator.journal.entries.count, 1, "repeating is no new transaction")
    }

    func testRepeatReceiptWithoutAnyTransaction() throws {
        simulator.stop()
        simulator = try makeSimulator()
        register = try TestRegister(simulator)
        let sequence = register.run(RepeatReceipt(password: password, serviceByte: 0x01).apdu)
        XCTAssertEqual(sequence.messages, [TerminalAbort(resultCode: .functionNotPossible).apdu])
    }

    func testLogOffFallsBackToConfig86() throws {
        register.send(LogOff().apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu)
        XCTAssertEqual(register.receive(timeoutMs: 100), .timedOut, "no Completion after Log-Off")
        let payment = register.pay(1_00)
        XCTAssertEqual(payment.intermediateCodes, [], "86 has no bit 08")
        XCTAssertTrue(payment.commands.contains(0x06D1), "86: receipts as print lines, no TLV")
        XCTAssertNil(payment.statusInformation.first?.fields[0x06])
    }

    func testDiagnosisAndStatusEnquiry() throws {
        let diagnosis = register.run(Diagnosis(type: 0x02).apdu)
        XCTAssertEqual(diagnosis.acknowledgement, Acknowledgement.positive.apdu)
        XCTAssertEqual(diagnosis.last, Completion().apdu)

        let enquiry = register.run(StatusEnquiry(password: password).apdu)
        let completion = try Completion(apdu: XCTUnwrap(enquiry.last), pendingCommand: 0x0501)
        XCTAssertEqual(completion.terminalStatus, .ready)
        XCTAssertEqual(completion.softwareVersion, "webkasse-zvt-sim 1.0")
        let short = register.run(StatusEnquiry(password: password, serviceByte: 0x02).apdu)
        XCTAssertEqual(short.last, APDU.hex("06 0F 01 00"), "service byte 02: no software version")
    }

    func testUnknownCommandAndUnknownBMPAndWrongCurrency() throws {
        XCTAssertEqual(register.run(APDU.hex("06 99 00")).acknowledgement, APDU.hex("84 83 00"))
        XCTAssertEqual(register.run(APDU.hex("06 01 02 C7 00")).acknowledgement, APDU.hex("84 83 00"), "unknown BMP C7")
        XCTAssertEqual(register.run(APDU.hex("06 00 06 12 34 56 BA 08 40")).acknowledgement, APDU.hex("84 1E 03 6F 09 78"))
        XCTAssertEqual(register.run(APDU.hex("06 01 0A 04 00 00 00 00 12 34 49 08 40")).acknowledgement, APDU.hex("84 1E 03 6F 09 78"))
        XCTAssertEqual(register.run(APDU.hex("06 01 00")).acknowledgement, APDU.hex("84 9A 00"), "no amount")
        register.send(AbortCommand().apdu)
        XCTAssertEqual(register.next(), Acknowledgement.positive.apdu, "abort while idle: nothing to abort")
        XCTAssertEqual(register.receive(timeoutMs: 50), .timedOut, "and no Completion")
        XCTAssertTrue(simulator.journal.entries.isEmpty)
    }

    func testWrongPasswordIsRefusedWhenOneIsConfigured() throws {
        register.close()
        simulator.stop()
        simulator = try makeSimulator { $0.password = "123456" }
        register = try TestRegister(simulator)
        let wrong = Password("000000")!
        let registration = register.run(Registration(password: wrong, config: 0xBE).apdu)
        XCTAssertEqual(registration.acknowledgement, Acknowledgement.positive.apdu)
        XCTAssertEqual(registration.messages, [APDU.hex("06 1E 01 83")])
        XCTAssertFalse(simulator.core.registration.current.registered)
        XCTAssertEqual(register.run(try Refund(password: wrong, amountCents: 1_00).apdu).messages, [APDU.hex("06 1E 01 83")])
        XCTAssertEqual(register.run(EndOfDay(password: wrong).apdu).messages, [APDU.hex("06 1E 01 83")])
        XCTAssertTrue(simulator.journal.entries.isEmpty)
        // The right one, and payments (which carry none), work.
        register.register()
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu)
        XCTAssertEqual(register.run(StatusEnquiry().apdu).last?.command, 0x060F, "05 01 without password")
    }

    func testRegistrationEchoesTag26AndCurrency() throws {
        let sequence = register.register(config: 0xBE)
        let completion = try Completion(apdu: XCTUnwrap(sequence.last), pendingCommand: 0x0600)
        XCTAssertEqual(completion.fields.paymentType, 0x00, "status byte 00")
        XCTAssertEqual(completion.fields.terminalId, "52999001")
        XCTAssertEqual(completion.fields.currencyCode, 978)
        XCTAssertNotNil(TLV.first(0x26, in: completion.fields.tlv))
        XCTAssertNil(TLV.first(0x1F73, in: completion.fields.tlv), "no message sequence ids")
    }
}
