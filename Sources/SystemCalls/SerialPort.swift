import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The one file with the terminal-device calls (termios, pseudo-terminals); errno is read only
// through the helpers of Syscalls.swift.

/// Why a serial device could not be used, as one German sentence naming the device.
public enum SerialPortError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `open(2)` of the device failed.
    case cannotOpen(path: String, code: Errno)
    /// The path is no terminal device (`tcgetattr` fails with ENOTTY).
    case notATerminal(path: String)
    /// The baud rate is none of ``SerialPort/baudRates``.
    case unsupportedBaudRate(Int)
    /// A termios, pseudo-terminal or I/O call failed.
    case failed(path: String, call: String, code: Errno)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            if code == .noSuchFileOrDirectory { return "Die serielle Schnittstelle \(path) gibt es nicht (Gerät angeschlossen?)." }
            if code.rawValue == EACCES {
                return "Keine Berechtigung für die serielle Schnittstelle \(path) (Benutzer in der Gruppe dialout?)."
            }
            return "Die serielle Schnittstelle \(path) lässt sich nicht öffnen: \(code)."
        case .notATerminal(let path):
            return "\(path) ist keine serielle Schnittstelle."
        case .unsupportedBaudRate(let rate):
            return "Die Baudrate \(rate) wird nicht unterstützt; möglich sind \(SerialPort.baudRates.map(String.init).joined(separator: ", "))."
        case .failed(let path, let call, let code):
            return "Fehler an der seriellen Schnittstelle \(path) bei \(call): \(code)."
        }
    }
}

/// An owned terminal device in raw mode: a serial port (`/dev/ttyUSB0`) or one end of a
/// pseudo-terminal pair. Reads wait with `poll`; the descriptor is closed in `deinit`.
// @unchecked Sendable: the descriptor is read and changed only under `lock`; the rest is constant.
public final class SerialPort: @unchecked Sendable {
    /// The rates a port can be set to.
    public static let baudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200]

    public let path: String
    private let lock = NSLock()
    private var fd: Int32
    /// The other end of a pseudo-terminal pair, held open so the pair stays up between users.
    private var heldPeer: Int32 = -1

    private init(path: String, descriptor: Int32) {
        self.path = path
        fd = descriptor
    }

    deinit { close() }

    /// Opens `path` raw: 8 data bits, no parity, `stopBits` (1 or 2) stop bits, no flow control
    /// (neither RTS/CTS nor XON/XOFF), `baudRate` both ways, modem lines ignored (CLOCAL);
    /// input the device held from before is discarded.
    public static func open(path: String, baudRate: Int, stopBits: Int = 2) throws(SerialPortError) -> SerialPort {
        guard let speed = speed(baudRate) else { throw .unsupportedBaudRate(baudRate) }
        // O_NONBLOCK only so the open does not wait for a carrier; blocking again below.
        let descriptor: Int32
        do {
            descriptor = try Syscall.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        } catch {
            throw .cannotOpen(path: path, code: error)
        }
        let port = SerialPort(path: path, descriptor: descriptor)
        try port.configure(speed: speed, stopBits: stopBits)
        do { try Syscall.setNonBlocking(descriptor, false) } catch { throw .failed(path: path, call: "fcntl", code: error) }
        _ = tcflush(descriptor, TCIOFLUSH)
        return port
    }

    /// A new pseudo-terminal pair: the returned port is the master side; `slavePath` (e.g.
    /// `/dev/pts/7`) is the device another program opens as its serial port. The slave is set raw
    /// and held open by this object, so a program may open and close it many times and the bytes
    /// are never echoed or translated.
    public static func openPseudoTerminal() throws(SerialPortError) -> (master: SerialPort, slavePath: String) {
        let master: Int32
        do {
            master = try Syscall.open("/dev/ptmx", O_RDWR | O_NOCTTY)
        } catch {
            throw .cannotOpen(path: "/dev/ptmx", code: error)
        }
        let port = SerialPort(path: "/dev/ptmx", descriptor: master)
        let slavePath = try slaveName(master)
        let slave = try open(path: slavePath, baudRate: 9600)
        port.heldPeer = slave.lock.withLock {
            defer { slave.fd = -1 }
            return slave.fd
        }
        var settings = termios()
        if tcgetattr(master, &settings) == 0 {
            cfmakeraw(&settings)
            _ = tcsetattr(master, TCSANOW, &settings)
        }
        return (port, slavePath)
    }

    /// Unlocks the slave of the master `master` and returns its path (`unlockpt`, `ptsname`).
    private static func slaveName(_ master: Int32) throws(SerialPortError) -> String {
        #if os(Linux)
            // The ioctls behind unlockpt(3) and ptsname(3) (asm-generic/ioctls.h: TIOCSPTLCK =
            // _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, unsigned int)); Swift's Glibc does
            // not declare posix_openpt and friends.
            var unlock: Int32 = 0
            var number: UInt32 = 0
            do {
                try nothingOrErrno(retryOnInterrupt: false) { ioctl(master, UInt(0x4004_5431), &unlock) }.get()
                try nothingOrErrno(retryOnInterrupt: false) { ioctl(master, UInt(0x8004_5430), &number) }.get()
            } catch {
                throw .failed(path: "/dev/ptmx", call: "unlockpt/ptsname", code: error)
            }
            return "/dev/pts/\(number)"
        #else
            do {
                try nothingOrErrno(retryOnInterrupt: false) { grantpt(master) }.get()
                try nothingOrErrno(retryOnInterrupt: false) { unlockpt(master) }.get()
            } catch {
                throw .failed(path: "/dev/ptmx", call: "grantpt/unlockpt", code: error)
            }
            guard let name = ptsname(master) else { throw .failed(path: "/dev/ptmx", call: "ptsname", code: .ioError) }
            return String(cString: name)
        #endif
    }

    /// The termios speed constant for `rate`, or nil if it is not one of ``baudRates``.
    static func speed(_ rate: Int) -> speed_t? {
        switch rate {
        case 1200: return speed_t(B1200)
        case 2400: return speed_t(B2400)
        case 4800: return speed_t(B4800)
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115_200: return speed_t(B115200)
        default: return nil
        }
    }

    private func configure(speed: speed_t, stopBits: Int) throws(SerialPortError) {
        var settings = termios()
        let device = fd
        do {
            try nothingOrErrno(retryOnInterrupt: false) { tcgetattr(device, &settings) }.get()
        } catch {
            if error.rawValue == ENOTTY { throw .notATerminal(path: path) }
            throw .failed(path: path, call: "tcgetattr", code: error)
        }
        cfmakeraw(&settings)
        settings.c_cflag &= ~tcflag_t(PARENB | CSIZE | CSTOPB)
        settings.c_cflag |= tcflag_t(CS8 | CLOCAL | CREAD)
        if stopBits == 2 { settings.c_cflag |= tcflag_t(CSTOPB) }
        #if canImport(Glibc)
            settings.c_cflag &= ~tcflag_t(CRTSCTS)
        #endif
        settings.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        do {
            try nothingOrErrno(retryOnInterrupt: false) { cfsetispeed(&settings, speed) }.get()
            try nothingOrErrno(retryOnInterrupt: false) { cfsetospeed(&settings, speed) }.get()
        } catch {
            throw .failed(path: path, call: "cfsetspeed", code: error)
        }
        do {
            try nothingOrErrno(retryOnInterrupt: true) { tcsetattr(device, TCSANOW, &settings) }.get()
        } catch {
            throw .failed(path: path, call: "tcsetattr", code: error)
        }
    }

    /// The descriptor, or -1 once closed.
    public var descriptor: Int32 { lock.withLock { fd } }

    /// Whether bytes (or a hang-up) are waiting, after up to `timeoutMs` (negative = forever).
    public func waitReadable(timeoutMs: Int) throws(SerialPortError) -> Bool {
        let device = descriptor
        guard device >= 0 else { return true }
        do {
            return try Syscall.poll(device, events: Int16(POLLIN), timeoutMs: timeoutMs) != nil
        } catch {
            throw .failed(path: path, call: "poll", code: error)
        }
    }

    /// Reads what is available onto the end of `buffer`, waiting up to `timeoutMs` (negative =
    /// forever). `.closed` when the device went away (end of file, or EIO: the other end of a
    /// pseudo-terminal was closed, a USB adapter was pulled).
    public func read(appendingTo buffer: inout [UInt8], timeoutMs: Int) throws(SerialPortError) -> ReadResult {
        let device = descriptor
        guard device >= 0 else { return .closed }
        guard try waitReadable(timeoutMs: timeoutMs) else { return .timedOut }
        var chunk = [UInt8](repeating: 0, count: 4096)
        do {
            let count = try Syscall.read(device, into: &chunk)
            guard count > 0 else { return .closed }
            buffer.append(contentsOf: chunk[0..<count])
            return .bytes(count)
        } catch  where error == .wouldBlock {
            return .timedOut
        } catch  where error == .ioError {
            return .closed
        } catch {
            throw .failed(path: path, call: "read", code: error)
        }
    }

    /// Writes all of `bytes` (blocking until the driver took them).
    public func write(_ bytes: [UInt8]) throws(SerialPortError) {
        do {
            try Syscall.writeAll(descriptor, bytes)
        } catch {
            throw .failed(path: path, call: "write", code: error)
        }
    }

    /// Drops what was received and not yet read (`tcflush`), e.g. before a new user takes the line.
    public func discardInput() { _ = tcflush(descriptor, TCIFLUSH) }

    /// Closes the descriptor (and a held pseudo-terminal peer); idempotent.
    public func close() {
        lock.withLock {
            if fd >= 0 {
                Syscall.close(fd)
                fd = -1
            }
            if heldPeer >= 0 {
                Syscall.close(heldPeer)
                heldPeer = -1
            }
        }
    }
}
