import Synchronization
import XCTest
import ZVT

@testable import ZVTSimulator

/// Vendor profiles (docs/zvt-field-notes.md, vendor deviations) against the project's driver and raw bytes.
final class ProfileTests: XCTestCase {
    var simulator: TerminalSimulator!

    override func setUpWithError() throws { simulator = try makeSimulator() }
    override func tearDown() { simulator?.stop() }

    private func makeDriver(charset: ZVTCharacterSet = .cp437) -> ZVTDriver {
        let session = SessionConfiguration(t3Ms: Int64(testT3Ms), t4Ms: Int64(testT4Ms), completionGraceMs: 200, charset: charset)
        var configuration = ZVTDriver.Configuration(password: Password("123456")!, session: session, pollIntervalMs: 20)
        configuration.busyRetryDelayMs = 5
        let driver = ZVTDriver(configuration: configuration, transport: TCPTransport(host: "127.0.0.1", port: simulator.address!.port))
        XCTAssertEqual(driver.register().outcome, .success)
        return driver
    }

    /// One payment of `cents` by a bare register with the simulator under `profile`: the sequence
    /// as the register decoded it and the bytes as they came off the socket.
    private func payOnce(_ cents: Int64, profile: VendorProfile) throws -> (sequence: TestRegister.Sequence, received: [UInt8]) {
        simulator.control.profile = profile
        let register = try TestRegister(simulator)
        register.register()
        let sequence = register.pay(cents)
        register.close()  // one register at a time
        return (sequence, register.received)
    }

    func testStandardReceiptsAreGermanInCP437() throws {
        let driver = makeDriver()
        defer { driver.disconnect() }
        guard case .approved(let paid) = driver.authorize(amountCents: 12_34) else { return XCTFail() }
        XCTAssertEqual(paid.receipts.map(\.receiptType), [0x01, 0x02])
        XCTAssertTrue(paid.receipts[0].text.contains("Händlerbeleg"), paid.receipts[0].text)
        XCTAssertTrue(paid.receipts[1].text.contains("Kundenbeleg"))
        XCTAssertTrue(paid.receipts[1].text.contains("gültig bis"))
        XCTAssertTrue(paid.receipts[1].text.contains("12,34 EUR"))
        XCTAssertTrue(paid.receipts[1].text.contains(try XCTUnwrap(paid.maskedPAN)))
    }

    /// `refuse-tlv-registration`: a Registration with BMP 06 is refused (`84 83 00`, CCV `84 1E 01 83`)
    /// or ended with `06 1E 01 83`, and leaves the terminal as it was; one without BMP 06 is taken,
    /// and its receipts then come as `06 D1` lines.
    func testARegistrationWithTLVIsRefusedOnRequestAndOneWithoutTaken() throws {
        let tlv = [TLVObject(0x26, children: [TLVObject(0x0A, [0x06, 0xD3])])]
        let withTLV = Registration(password: Password("123456")!, config: 0xBE, currencyCode: 978, tlv: tlv).apdu
        for (refusal, profile, expected) in [
            (TLVRegistrationRefusal.on, VendorProfile.standard, "84 83 00"), (.on, .ccv, "84 1E 01 83"), (.abort, .standard, "06 1E 01 83"),
        ] {
            let label = "\(refusal) \(profile)"
            simulator.control.refusesTLVRegistration = refusal
            simulator.control.profile = profile
            let register = try TestRegister(simulator)
            let refused = register.run(withTLV)
            if refusal == .abort {
                XCTAssertEqual(refused.acknowledgement, Acknowledgement.positive.apdu, label)
                XCTAssertEqual(refused.last.map { Hex.string($0.bytes) }, expected, label)
            } else {
                XCTAssertEqual(refused.acknowledgement.map { Hex.string($0.bytes) }, expected, label)
                XCTAssertEqual(refused.messages, [], label)
            }
            XCTAssertFalse(simulator.core.registration.current.registered, "\(label): nothing registered")
            register.register(textBlocks: false)
            XCTAssertTrue(simulator.core.registration.current.registered, label)
            XCTAssertFalse(simulator.core.registration.current.tlvAllowed, label)
            XCTAssertTrue(register.pay(12_34).commands.contains(0x06D1), "\(label): receipts as print lines")
            register.close()
            simulator.core.registration.withLock { $0 = RegistrationState() }
        }
    }

    func testFeigClosesReceiptsWith09FF() throws {
        let sequence = try payOnce(1_00, profile: .feig).sequence
        let block = try PrintTextBlock(apdu: XCTUnwrap(sequence.messages.first { $0.command == 0x06D3 }))
        XCTAssertEqual(TLV.first(0x25, in: block.fields.tlv)?.children.last, TLVObject(0x09, [0xFF]))
        XCTAssertTrue(block.closesReceipt)

        let driver = makeDriver()
        defer { driver.disconnect() }
        guard case .approved(let paid) = driver.authorize(amountCents: 2_00) else { return XCTFail() }
        XCTAssertEqual(paid.receipts.count, 2, "the driver sees both receipts end")
    }

    func testFeigSendsTheFullCardNumberWhichTheDecoderMasks() throws {
        let (sequence, received) = try payOnce(1_00, profile: .feig)
        let card = try XCTUnwrap(simulator.journal.entries.last?.card)
        let full = card.testCardNumber
        XCTAssertEqual(full.count, card.maskedPAN.count)
        XCTAssertTrue(full.allSatisfy(\.isNumber), full)
        XCTAssertEqual(full.prefix(6), card.maskedPAN.prefix(6))
        XCTAssertEqual(full.suffix(4), card.maskedPAN.suffix(4))
        var sum = 0
        for (position, character) in full.reversed().enumerated() {
            let digit = character.wholeNumberValue! * (position % 2 == 1 ? 2 : 1)
            sum += digit > 9 ? digit - 9 : digit
        }
        XCTAssertEqual(sum % 10, 0, "a Luhn-valid number, as a real card's")
        let onTheWire = Hex.string(received).replacingOccurrences(of: " ", with: "").uppercased()
        XCTAssertTrue(onTheWire.contains(String(full.prefix(18))), "BMP 22 carries the full number")
        let info = try XCTUnwrap(sequence.messages.first { $0.command == 0x040F })
        XCTAssertEqual(BMPList(decoding: info.data).maskedPAN, card.maskedPAN, "the decoder masks it again")
        XCTAssertTrue(card.maskedPAN.contains("*"), "the journal keeps the masked number only")
    }

    /// What the driver hands to its trace (`webkasse zvt --trace`) holds the masked number only,
    /// however the terminal's bytes were split into reads.
    func testTheDriversTraceHoldsTheMaskedNumberOnly() throws {
        simulator.control.profile = .feig
        let traced = Mutex<[UInt8]>([])
        let session = SessionConfiguration(t3Ms: Int64(testT3Ms), t4Ms: Int64(testT4Ms), completionGraceMs: 200)
        let driver = ZVTDriver(
            configuration: ZVTDriver.Configuration(password: Password("123456")!, session: session, pollIntervalMs: 20),
            transport: TCPTransport(host: "127.0.0.1", port: simulator.address!.port),
            handlers: ZVTDriver.Handlers(trace: { direction, bytes in if direction == .fromTerminal { traced.withLock { $0 += bytes } } }))
        defer { driver.disconnect() }
        XCTAssertEqual(driver.register().outcome, .success)
        guard case .approved(let paid) = driver.authorize(amountCents: 3_00) else { return XCTFail() }
        let card = try XCTUnwrap(simulator.journal.entries.last?.card)
        XCTAssertEqual(paid.maskedPAN, card.maskedPAN)
        let hex = Hex.string(traced.withLock { $0 }).replacingOccurrences(of: " ", with: "").uppercased()
        XCTAssertTrue(hex.contains("040F"), "the Status-Information is in the trace")
        XCTAssertFalse(hex.contains(String(card.testCardNumber.dropLast(4).suffix(10))), "no full number in the trace")
    }

    /// A terminal that closes the connection after every sequence: each command finds the
    /// connection closed and the driver opens a new one, without an error.
    func testATerminalThatClosesAfterEverySequenceIsReconnectedTransparently() throws {
        simulator.control.closesAfterSequence = true
        let driver = makeDriver()
        defer { driver.disconnect() }
        for cents: Int64 in [1_00, 2_00, 3_00, 4_00] {
            guard case .approved(let paid) = driver.authorize(amountCents: cents) else { return XCTFail("payment of \(cents) ct") }
            XCTAssertEqual(paid.amountCents, cents)
        }
        XCTAssertEqual(driver.endOfDay().outcome, .success)
        XCTAssertEqual(simulator.journal.entries.filter(\.isBooked).count, 4)
        XCTAssertEqual(simulator.connectionCount, 6, "registration, four payments and the End-of-Day, one connection each")
    }

    /// After `04 0F 27 37` (PIN falsch) the terminal asks for the PIN again and the customer
    /// takes longer than the grace after an error: the driver waits for the terminal's last word
    /// (ZVT 13.08 §2.2.6) and reports the approval, not a decline.
    func testASlowPinRetryAfterAnErrorStatusIsWaitedFor() throws {
        simulator.stop()
        simulator = try makeSimulator { $0.timing.pinRetryMs = 600 }
        let session = SessionConfiguration(t3Ms: Int64(testT3Ms), t4Ms: 5_000, completionGraceMs: 200)
        let driver = ZVTDriver(
            configuration: ZVTDriver.Configuration(password: Password("123456")!, session: session, pollIntervalMs: 20),
            transport: TCPTransport(host: "127.0.0.1", port: simulator.address!.port))
        defer { driver.disconnect() }
        XCTAssertEqual(driver.register().outcome, .success)
        guard case .approved(let paid) = driver.authorize(amountCents: 10_27) else { return XCTFail("the retried PIN was approved") }
        XCTAssertEqual(paid.amountCents, 10_27)
        XCTAssertEqual(simulator.journal.entries.filter(\.isBooked).count, 1)
    }

    func testValinaSendsLatin1() throws {
        let sequence = try payOnce(1_00, profile: .valina).sequence
        let block = try XCTUnwrap(sequence.messages.first { $0.command == 0x06D3 })
        XCTAssertTrue(block.data.contains(0xE4), "ä in ISO 8859-1")
        XCTAssertFalse(block.data.contains(0x84), "not ä in CP437")

        let driver = makeDriver(charset: .latin1)
        defer { driver.disconnect() }
        guard case .approved(let paid) = driver.authorize(amountCents: 2_00) else { return XCTFail() }
        XCTAssertTrue(paid.receipts[0].text.contains("Händlerbeleg"))
        guard case .declined(let declined) = driver.authorize(amountCents: 2_15) else { return XCTFail() }
        XCTAssertEqual(declined.statusInformation?.resultText(.latin1), "Limit überschritten")
    }

    func testCCVRefusesWithTheCodeInTheData() throws {
        simulator.control.profile = .ccv
        let register = try TestRegister(simulator)
        XCTAssertEqual(register.pay(1_25).acknowledgement, APDU.hex("84 1E 01 9C"))
        XCTAssertEqual(register.pay(1_74).acknowledgement, APDU.hex("84 1E 01 9A"))
        XCTAssertEqual(register.pay(1_28).acknowledgement, APDU.hex("84 1E 01 7D"), "the CCV IM30's answer")
        register.close()  // one register at a time

        let driver = makeDriver()
        defer { driver.disconnect() }
        let busy = driver.run(try Authorization(amountCents: 3_25).apdu)
        XCTAssertEqual(busy.outcome, .failed(.refused(.pleaseWait)), "the code comes from the data")
        XCTAssertTrue(simulator.journal.entries.isEmpty)
    }

    func testPAXRepeatReceiptHasNoStatusInformation() throws {
        simulator.control.profile = .pax
        let driver = makeDriver()
        defer { driver.disconnect() }
        guard case .approved = driver.authorize(amountCents: 1_00) else { return XCTFail() }
        let last = driver.lastTransaction()
        XCTAssertNil(last.statusInformation)
        XCTAssertEqual(last.completion, Completion())
        // The counter's recovery of a lost answer then stays pending
        // (CardSettlementByHandTests.testAnApprovalTheTerminalCannotRepeatStaysPendingUntilASupervisorSettlesItByHand).
    }

    func testProfileOverTheControlInterpreter() {
        let interpreter = ControlInterpreter(simulator: simulator)
        XCTAssertEqual(interpreter.execute("profile valina").text, "OK Profil valina\n")
        XCTAssertEqual(simulator.control.profile, .valina)
        XCTAssertEqual(
            interpreter.execute("profile ingenico").text, "ERR »profile« braucht einen dieser Namen: standard, feig, valina, ccv, pax.\n")
        XCTAssertTrue(interpreter.execute("status").text.contains("\"profile\":\"valina\""))
        _ = interpreter.execute("clear")
        XCTAssertEqual(simulator.control.profile, .standard)
    }
}
