import SystemCalls
import XCTest
import ZVT

@testable import ZVTSimulator

/// The simulator on a serial line (PA00P016 §3): over a pseudo-terminal pair and over framed TCP,
/// against the project's driver, and byte by byte against a hand-made register.
final class SerialTests: XCTestCase {
    var simulator: TerminalSimulator!

    override func tearDown() {
        simulator?.stop()
    }

    private func start(_ line: SimulatorLine) throws {
        simulator = try makeSimulator(t4Ms: 5_000) { $0.line = line }
    }

    private func makeDriver() throws -> ZVTDriver {
        let session = SessionConfiguration(t3Ms: 2_000, t4Ms: 5_000, completionGraceMs: 200)
        let configuration = ZVTDriver.Configuration(password: Password("123456")!, session: session, registrationConfig: 0xBE, pollIntervalMs: 20)
        let address = try ZVTTerminalAddress(parsing: try XCTUnwrap(simulator.registerAddress))
        return ZVTDriver(configuration: configuration, transport: address.makeTransport())
    }

    private var bookedPayments: [JournalEntry] { simulator.journal.entries.filter { $0.isBooked && $0.kind == .payment } }

    /// Approved by the driver, booked once at the terminal with the same receipt and trace.
    private func assertPaidOnce(_ driver: ZVTDriver, cents: Int64, file: StaticString = #filePath, line: UInt = #line) {
        let before = bookedPayments.count
        guard case .approved(let transaction) = driver.authorize(amountCents: cents) else {
            return XCTFail("\(cents): not approved", file: file, line: line)
        }
        let booked = bookedPayments
        XCTAssertEqual(booked.count, before + 1, "\(cents): booked exactly once", file: file, line: line)
        XCTAssertEqual(booked.last?.receipt, transaction.receiptNumber, file: file, line: line)
        XCTAssertEqual(booked.last?.trace, transaction.trace, file: file, line: line)
        XCTAssertEqual(booked.last?.amountCents, cents, file: file, line: line)
        XCTAssertTrue(transaction.completed, "\(cents): Completion received", file: file, line: line)
    }

    func testThePseudoTerminalIsNamedAsARegisterAddress() throws {
        try start(.pseudoTerminal)
        let path = try XCTUnwrap(simulator.serialDevicePath)
        XCTAssertTrue(path.hasPrefix("/dev/pts/"), path)
        XCTAssertEqual(simulator.registerAddress, "serial:\(path)")
        XCTAssertNil(simulator.address)
    }

    func testPaymentsRefundAndReversalOverAPseudoTerminal() throws {
        try start(.pseudoTerminal)
        let driver = try makeDriver()
        defer { driver.disconnect() }
        XCTAssertEqual(driver.register().outcome, .success)
        assertPaidOnce(driver, cents: 1234)
        guard case .declined(let failure) = driver.authorize(amountCents: 113) else { return XCTFail("1,13 is declined") }
        XCTAssertEqual(failure.resultCode, ResultCode(rawValue: 0x05))
        guard case .approved = driver.refund(amountCents: 500) else { return XCTFail("refund") }
        let receipt = try XCTUnwrap(bookedPayments.first?.receipt)
        guard case .approved = driver.reverse(receiptNumber: receipt) else { return XCTFail("reversal") }
        XCTAssertEqual(simulator.journal.entries.filter(\.isBooked).map(\.kind), [.payment, .refund, .reversal])
        // A register that closes the device and opens it again carries on.
        driver.disconnect()
        assertPaidOnce(driver, cents: 4200)
    }

    /// Every serial line fault, each once: the payment still completes, booked once.
    func testLineFaultsStillBookOnce() throws {
        try start(.pseudoTerminal)
        let driver = try makeDriver()
        defer { driver.disconnect() }
        XCTAssertEqual(driver.register().outcome, .success)
        for cents: Int64 in [181, 182, 183, 184, 171, 173] { assertPaidOnce(driver, cents: cents) }
        XCTAssertEqual(
            bookedPayments.map(\.scenario),
            ["approve+serial-nak", "approve+serial-no-ack", "approve+serial-bad-crc", "approve+serial-lost-frame", "approve+split-bytes", "approve+garbage"])
    }

    func testPaymentsAndFaultsOverFramedTCP() throws {
        try start(.framedTCP)
        XCTAssertEqual(simulator.registerAddress, "framed:127.0.0.1:\(simulator.address!.port)")
        let driver = try makeDriver()
        defer { driver.disconnect() }
        XCTAssertEqual(driver.register().outcome, .success)
        for cents: Int64 in [1234, 181, 183] { assertPaidOnce(driver, cents: cents) }
    }

    /// `--serial-device`: the simulator opens an existing tty (here the slave of a pair this test
    /// holds, the register on the master side), at the given rate.
    func testAnExistingSerialDevice() throws {
        let (master, slavePath) = try SerialPort.openPseudoTerminal()
        defer { master.close() }
        try start(.device(path: slavePath, baudRate: 19200))
        XCTAssertEqual(simulator.registerAddress, "serial:\(slavePath)?baud=19200")
        let register = SerialLine(channel: master)
        try register.send(Hex.bytes("05 01 03 12 34 56")!)
        XCTAssertEqual(try register.receive(timeoutMs: 3_000), Hex.bytes("80 00 00"))
        XCTAssertEqual(try register.receive(timeoutMs: 3_000)?.prefix(2), [0x06, 0x0F])
        try register.send(Hex.bytes("80 00 00")!)
    }

    func testStopEndsAWaitingSerialSession() throws {
        try start(.pseudoTerminal)
        for _ in 0..<100 where !simulator.isServing { usleep(10_000) }
        XCTAssertTrue(simulator.isServing, "a session waits for the register's first command")
        let started = Date()
        simulator.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        simulator = nil
    }

    // MARK: Byte by byte

    /// A register written by hand on the slave side: frames and single bytes, nothing of the project's link.
    final class RawRegister {
        let port: SerialPort
        var buffer: [UInt8] = []

        init(path: String) throws { port = try SerialPort.open(path: path, baudRate: 9600) }

        func sendFrame(_ apdu: String) throws { try port.write(SerialFrame.encode(Hex.bytes(apdu)!)) }
        func sendByte(_ byte: UInt8) throws { try port.write([byte]) }

        /// The next thing the terminal sent, or nil after `timeoutMs`.
        func next(timeoutMs: Int = 3_000) throws -> SerialFrame.Event? {
            let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
            while true {
                if let event = SerialFrame.decode(&buffer) { return event }
                let left = Int(deadline.timeIntervalSinceNow * 1000)
                guard left > 0, try port.read(appendingTo: &buffer, timeoutMs: left) != .timedOut else { return nil }
            }
        }

        /// The next frame's APDU, after acknowledging it.
        func acknowledgedFrame(file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8]? {
            guard case .frame(let apdu) = try next() else {
                XCTFail("expected a frame", file: file, line: line)
                return nil
            }
            try sendByte(SerialFrame.ack)
            return apdu
        }
    }

    func testTheTerminalAcknowledgesNAKsAndRepeatsLikeTheSpecSays() throws {
        try start(.pseudoTerminal)
        let register = try RawRegister(path: try XCTUnwrap(simulator.serialDevicePath))
        defer { register.port.close() }

        // 1,81: the terminal refuses our acknowledgement of its 04 0F once (serial-nak).
        try register.sendFrame("06 01 0A 04 00 00 00 00 01 81 49 09 78")
        XCTAssertEqual(try register.next(), .ack, "each frame is acknowledged at once (§3.2)")
        XCTAssertEqual(try register.acknowledgedFrame(), Hex.bytes("80 00 00"))
        XCTAssertEqual(try register.acknowledgedFrame()?.prefix(2), [0x04, 0x0F])
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .nak, "fault serial-nak")
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack, "the repeat is taken")
        XCTAssertEqual(try register.acknowledgedFrame(), Hex.bytes("06 0F 00"))
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack)

        // 1,83: the 04 0F comes with a wrong CRC; after our NAK it comes again, intact.
        try register.sendFrame("06 01 0A 04 00 00 00 00 01 83 49 09 78")
        XCTAssertEqual(try register.next(), .ack)
        XCTAssertEqual(try register.acknowledgedFrame(), Hex.bytes("80 00 00"))
        guard case .badCRC(let damaged) = try register.next() else { return XCTFail("expected a damaged frame") }
        try register.sendByte(SerialFrame.nak)
        XCTAssertEqual(try register.acknowledgedFrame(), damaged, "repeated after NAK (§3.5)")
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack)
        XCTAssertEqual(try register.acknowledgedFrame(), Hex.bytes("06 0F 00"))
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack)

        // 12,34 without our ACK of the terminal's 80 00 00: it comes again after T2, and only that.
        try register.sendFrame("06 01 0A 04 00 00 00 00 12 34 49 09 78")
        XCTAssertEqual(try register.next(), .ack)
        XCTAssertEqual(try register.next(), .frame(Hex.bytes("80 00 00")!))
        let silence = Date()
        XCTAssertEqual(try register.next(), .frame(Hex.bytes("80 00 00")!), "repeated when T2 passed (§3.4.2)")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(silence), 0.9, "T2 of the fast timing is 1 s")
        try register.sendByte(SerialFrame.ack)
        XCTAssertEqual(try register.acknowledgedFrame()?.prefix(2), [0x04, 0x0F])
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack)
        XCTAssertEqual(try register.acknowledgedFrame(), Hex.bytes("06 0F 00"))
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack)

        XCTAssertTrue(simulator.journal.waitForEntries(count: 3, timeoutMs: 2_000))
        XCTAssertEqual(bookedPayments.map(\.amountCents), [181, 183, 1234], "each booked once")
    }

    func testNoiseAndADamagedFrameFromTheRegister() throws {
        try start(.pseudoTerminal)
        let register = try RawRegister(path: try XCTUnwrap(simulator.serialDevicePath))
        defer { register.port.close() }
        try register.port.write(Array("AT\r\n".utf8))  // noise: no answer
        var damaged = SerialFrame.encode(Hex.bytes("05 01 03 12 34 56")!)
        damaged[damaged.count - 1] ^= 0x01
        try register.port.write(damaged)
        XCTAssertEqual(try register.next(), .nak, "a bad CRC is refused (§3.2.2)")
        try register.sendFrame("05 01 03 12 34 56")
        XCTAssertEqual(try register.next(), .ack)
        XCTAssertEqual(try register.acknowledgedFrame(), Hex.bytes("80 00 00"))
        XCTAssertEqual(try register.acknowledgedFrame()?.prefix(2), [0x06, 0x0F], "the Status Enquiry's Completion")
        try register.sendFrame("80 00 00")
        XCTAssertEqual(try register.next(), .ack)
        XCTAssertNil(try register.next(timeoutMs: 300), "nothing more")
    }
}
