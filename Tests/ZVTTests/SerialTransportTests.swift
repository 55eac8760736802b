import Foundation
import SystemCalls
import XCTest

@testable import ZVT

/// A byte channel with a scripted peer: answers are queued per written frame; waiting for bytes
/// that do not come advances the ``ManualClock`` by the whole wait, so T1/T2 pass without sleeping.
final class ScriptedChannel: ByteChannel {
    let clock: ManualClock
    var incoming: [[UInt8]] = []
    var written: [[UInt8]] = []
    /// Answers to each write (the peer's side of the line).
    var answer: ([UInt8]) -> [[UInt8]] = { _ in [] }

    init(clock: ManualClock) { self.clock = clock }

    func read(appendingTo buffer: inout [UInt8], timeoutMs: Int) throws -> ReadResult {
        if incoming.isEmpty {
            guard timeoutMs >= 0 else { throw SerialLineError.io("the test would wait forever") }
            clock.advance(byMs: Int64(timeoutMs))
            return .timedOut
        }
        let bytes = incoming.removeFirst()
        buffer += bytes
        return .bytes(bytes.count)
    }

    func write(_ bytes: [UInt8]) throws {
        written.append(bytes)
        incoming += answer(bytes)
    }
}

final class SerialLineTests: XCTestCase {
    let payment = hex("06 01 0A 04 00 00 00 00 12 34 49 09 78")
    let positive = hex("80 00 00")

    func testSendReturnsWhenTheACKComes() throws {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        channel.answer = { _ in [[SerialFrame.ack]] }
        let line = SerialLine(channel: channel, clock: clock)
        try line.send(payment)
        XCTAssertEqual(channel.written, [SerialFrame.encode(payment)])
        XCTAssertEqual(clock.nowMs(), 0)
    }

    func testALostACKIsRepeatedAfterT2() throws {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        var frames = 0
        channel.answer = { _ in
            frames += 1
            return frames == 1 ? [] : [[SerialFrame.ack]]  // the first ACK is lost
        }
        let line = SerialLine(channel: channel, clock: clock)
        try line.send(payment)
        XCTAssertEqual(channel.written, [SerialFrame.encode(payment), SerialFrame.encode(payment)])
        XCTAssertEqual(clock.nowMs(), 5_000, "repeated exactly when T2 ran out (PA00P016 §3.4.2)")
    }

    func testNAKIsRepeatedAtOnce() throws {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        var frames = 0
        channel.answer = { _ in
            frames += 1
            return [[frames == 1 ? SerialFrame.nak : SerialFrame.ack]]
        }
        let line = SerialLine(channel: channel, clock: clock)
        try line.send(payment)
        XCTAssertEqual(channel.written.count, 2)
        XCTAssertEqual(clock.nowMs(), 0)
    }

    func testSilenceGivesUpAfterThreeSends() {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        let line = SerialLine(channel: channel, clock: clock)
        XCTAssertThrowsError(try line.send(payment)) {
            XCTAssertEqual($0 as? SerialLineError, .transmission(.notAcknowledged(apdu: payment, sends: 3, reason: .acknowledgementTimeout)))
        }
        XCTAssertEqual(channel.written.count, 3, "the frame and two repeats (§3.5)")
        XCTAssertEqual(clock.nowMs(), 15_000)
    }

    func testAFrameThatComesWhileSendingIsAcknowledgedAndKept() throws {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        // The ACK and the terminal's answer in one read.
        channel.answer = { written in written.count > 1 ? [[SerialFrame.ack] + SerialFrame.encode(self.positive)] : [] }
        let line = SerialLine(channel: channel, clock: clock)
        try line.send(payment)
        XCTAssertEqual(channel.written.last, [SerialFrame.ack], "acknowledged at once, before the application reads it")
        XCTAssertTrue(line.hasReceived)
        XCTAssertEqual(try line.receive(timeoutMs: 0), positive)
        XCTAssertNil(try line.receive(timeoutMs: 100))
        XCTAssertEqual(clock.nowMs(), 100)
    }

    func testADamagedFrameIsRefusedAndItsRepeatDelivered() throws {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        var damaged = SerialFrame.encode(positive)
        damaged[damaged.count - 1] ^= 0x55
        channel.incoming = [damaged]
        channel.answer = { written in written == [SerialFrame.nak] ? [SerialFrame.encode(self.positive)] : [] }
        let line = SerialLine(channel: channel, clock: clock)
        XCTAssertEqual(try line.receive(timeoutMs: 1_000), positive)
        XCTAssertEqual(channel.written, [[SerialFrame.nak], [SerialFrame.ack]])
    }

    func testAFrameSplitByMoreThanT1IsRefused() throws {
        let clock = ManualClock()
        let channel = ScriptedChannel(clock: clock)
        let frame = SerialFrame.encode(payment)
        channel.incoming = [Array(frame.prefix(5))]
        let line = SerialLine(channel: channel, clock: clock)
        XCTAssertNil(try line.receive(timeoutMs: 1_000))
        XCTAssertEqual(channel.written, [[SerialFrame.nak]], "T1 (200 ms) passed inside the frame")
    }
}

final class ZVTTerminalAddressTests: XCTestCase {
    func testTheThreeForms() throws {
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "192.168.1.50:20007"), .tcp(host: "192.168.1.50", port: 20007))
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "kasse-terminal"), .tcp(host: "kasse-terminal", port: 20007))
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "[::1]:22000"), .tcp(host: "::1", port: 22000))
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "serial:/dev/ttyUSB0"), .serial(path: "/dev/ttyUSB0", baudRate: 9600, stopBits: 2))
        XCTAssertEqual(
            try ZVTTerminalAddress(parsing: "serial:/dev/ttyUSB0?baud=115200&stopbits=1"), .serial(path: "/dev/ttyUSB0", baudRate: 115_200, stopBits: 1))
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "framed:10.0.0.7:4001"), .framed(host: "10.0.0.7", port: 4001))
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "serial:/dev/ttyS0").description, "serial:/dev/ttyS0?baud=9600")
        XCTAssertEqual(try ZVTTerminalAddress(parsing: "[::1]:22000").description, "[::1]:22000")
    }

    func testTheTransportMatchesTheForm() throws {
        XCTAssertTrue(try ZVTTerminalAddress(parsing: "127.0.0.1:20007").makeTransport() is TCPTransport)
        let serial = try XCTUnwrap(try ZVTTerminalAddress(parsing: "serial:/dev/ttyUSB0?baud=19200").makeTransport() as? SerialTransport)
        XCTAssertEqual(serial.line, .device(path: "/dev/ttyUSB0", baudRate: 19200, stopBits: 2))
        XCTAssertEqual(serial.timing.lineBytesPerSecond, 19200 / 11, "8 data bits, 2 stop bits, 1 start bit")
        let framed = try XCTUnwrap(try ZVTTerminalAddress(parsing: "framed:10.0.0.7:4001").makeTransport() as? SerialTransport)
        XCTAssertEqual(framed.line, .tcp(host: "10.0.0.7", port: 4001))
        XCTAssertNil(framed.timing.lineBytesPerSecond)
    }

    func testErrorsNameTheWrongPart() {
        func message(_ text: String) -> String {
            do {
                _ = try ZVTTerminalAddress(parsing: text)
                return "accepted"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(
            message("serial:/dev/ttyUSB0?baud=9601"),
            "Terminal-Adresse »serial:/dev/ttyUSB0?baud=9601«: erwartet wird eine Baudrate aus 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 (nicht »9601«)."
        )
        XCTAssertEqual(
            message("serial:ttyUSB0"),
            "Terminal-Adresse »serial:ttyUSB0«: erwartet wird ein Gerätepfad nach »serial:«, z. B. serial:/dev/ttyUSB0 (nicht »ttyUSB0«).")
        XCTAssertEqual(message("serial:"), "Terminal-Adresse »serial:«: erwartet wird ein Gerätepfad nach »serial:«, z. B. serial:/dev/ttyUSB0 (nicht »«).")
        XCTAssertEqual(
            message("serial:/dev/ttyS0?parity=even"),
            "Terminal-Adresse »serial:/dev/ttyS0?parity=even«: erwartet wird nach »?« nur baud=… und stopbits=…, getrennt durch & (nicht »parity=even«).")
        XCTAssertEqual(
            message("serial:/dev/ttyS0?baud=9600&stopbits=3"),
            "Terminal-Adresse »serial:/dev/ttyS0?baud=9600&stopbits=3«: erwartet wird stopbits=1 oder stopbits=2 (nicht »3«).")
        XCTAssertEqual(
            message("framed:10.0.0.7"),
            "Terminal-Adresse »framed:10.0.0.7«: erwartet wird HOST:PORT des LAN-Seriell-Wandlers nach »framed:«, Port 1–65535 (nicht »10.0.0.7«).")
        XCTAssertEqual(
            message("framed:10.0.0.7:99999"),
            "Terminal-Adresse »framed:10.0.0.7:99999«: erwartet wird HOST:PORT des LAN-Seriell-Wandlers nach »framed:«, Port 1–65535 (nicht »10.0.0.7:99999«).")
        XCTAssertEqual(
            message("10.0.0.7:0"),
            "Terminal-Adresse »10.0.0.7:0«: erwartet wird HOST oder HOST:PORT (Port 1–65535, Standard 20007), serial:GERÄT[?baud=9600] oder framed:HOST:PORT.")
    }

    func testAMissingDeviceIsAGermanConnectError() {
        let transport = SerialTransport(line: .device(path: "/nonexistent/ttyZVT", baudRate: 9600, stopBits: 2))
        XCTAssertThrowsError(try transport.connect()) {
            XCTAssertEqual(
                "\($0)",
                "Keine Verbindung zum Terminal /nonexistent/ttyZVT: Die serielle Schnittstelle /nonexistent/ttyZVT gibt es nicht (Gerät angeschlossen?).")
        }
        XCTAssertFalse(transport.isConnected)
    }
}
