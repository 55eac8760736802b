import Foundation
import XCTest

@testable import SystemCalls

/// Terminal devices through a pseudo-terminal pair: raw both ways, and the German errors.
final class SerialPortTests: XCTestCase {
    private func readAll(_ port: SerialPort, count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            guard try port.read(appendingTo: &bytes, timeoutMs: 2_000) != .timedOut else { break }
        }
        return bytes
    }

    func testEveryByteValuePassesUnchangedBothWays() throws {
        let (master, slavePath) = try SerialPort.openPseudoTerminal()
        defer { master.close() }
        XCTAssertTrue(slavePath.hasPrefix("/dev/pts/"), slavePath)
        let slave = try SerialPort.open(path: slavePath, baudRate: 9600)
        defer { slave.close() }
        // CR, LF, XON/XOFF, ^C, DLE, ETX, DEL: none may be translated, eaten or echoed.
        let all = (0...255).map { UInt8($0) }
        try slave.write(all)
        XCTAssertEqual(try readAll(master, count: 256), all)
        try master.write(all.reversed())
        XCTAssertEqual(try readAll(slave, count: 256), all.reversed())
        var nothing: [UInt8] = []
        XCTAssertEqual(try master.read(appendingTo: &nothing, timeoutMs: 50), .timedOut, "no echo of what the slave read")
    }

    func testTheSlaveMayBeOpenedAgainAndStaleInputIsDropped() throws {
        let (master, slavePath) = try SerialPort.openPseudoTerminal()
        defer { master.close() }
        try SerialPort.open(path: slavePath, baudRate: 9600).close()
        try master.write([0x41, 0x42])  // nobody reads: left over for the next user
        let second = try SerialPort.open(path: slavePath, baudRate: 115_200, stopBits: 1)
        defer { second.close() }
        var bytes: [UInt8] = []
        XCTAssertEqual(try second.read(appendingTo: &bytes, timeoutMs: 50), .timedOut, "opening discards what an earlier user left")
        try master.write([0x43])
        XCTAssertEqual(try readAll(second, count: 1), [0x43])
    }

    func testErrorsNameTheDevice() {
        XCTAssertThrowsError(try SerialPort.open(path: "/nonexistent/ttyUSB9", baudRate: 9600)) {
            XCTAssertEqual("\($0)", "Die serielle Schnittstelle /nonexistent/ttyUSB9 gibt es nicht (Gerät angeschlossen?).")
        }
        XCTAssertThrowsError(try SerialPort.open(path: "/dev/null", baudRate: 9600)) {
            XCTAssertEqual($0 as? SerialPortError, .notATerminal(path: "/dev/null"))
            XCTAssertEqual("\($0)", "/dev/null ist keine serielle Schnittstelle.")
        }
        XCTAssertThrowsError(try SerialPort.open(path: "/dev/null", baudRate: 9601)) {
            XCTAssertEqual("\($0)", "Die Baudrate 9601 wird nicht unterstützt; möglich sind 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200.")
        }
    }

    func testTheLineIsSetRaw8N2WithoutFlowControl() throws {
        let (master, slavePath) = try SerialPort.openPseudoTerminal()
        defer { master.close() }
        let slave = try SerialPort.open(path: slavePath, baudRate: 19200)
        defer { slave.close() }
        var settings = termios()
        XCTAssertEqual(tcgetattr(slave.descriptor, &settings), 0)
        XCTAssertEqual(settings.c_cflag & tcflag_t(CSIZE), tcflag_t(CS8))
        XCTAssertEqual(settings.c_cflag & tcflag_t(PARENB), 0)
        XCTAssertNotEqual(settings.c_cflag & tcflag_t(CSTOPB), 0, "two stop bits (PA00P016 §2.1)")
        XCTAssertEqual(settings.c_cflag & tcflag_t(CRTSCTS), 0)
        XCTAssertEqual(settings.c_iflag & tcflag_t(IXON | IXOFF), 0)
        XCTAssertEqual(settings.c_lflag & tcflag_t(ECHO | ICANON), 0)
        XCTAssertEqual(cfgetospeed(&settings), speed_t(B19200))
    }
}
