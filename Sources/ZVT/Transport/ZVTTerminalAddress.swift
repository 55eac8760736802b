import SystemCalls

/// Where the EC terminal is and how to speak to it, from the one address text the register's
/// configuration, `webkasse zvt --terminal` and `webkasse run --terminal` take (docs/zvt.md, "Addresses"):
///
/// | Text | Transport |
/// |---|---|
/// | `HOST[:PORT]` (IPv6 as `[addr]:port`, port 20007 if none) | ZVT over TCP/IP, bare APDUs (PA00P016 §4) |
/// | `serial:/dev/ttyUSB0[?baud=9600][&stopbits=2]` | the serial transport protocol on a serial device (§2.1, §3) |
/// | `framed:HOST:PORT` | the serial transport protocol over TCP, for LAN-serial converters |
public enum ZVTTerminalAddress: Equatable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case serial(path: String, baudRate: Int, stopBits: Int)
    case framed(host: String, port: UInt16)

    /// 9600 baud (PA00P016 §2.1; 115200 optional).
    public static let defaultBaudRate = 9600
    /// Two stop bits, as PA00P016 §2.1 asks of both directions; a receiver set to one stop bit
    /// reads them as a pause, so this also suits terminals that "accept 1 stop bit".
    public static let defaultStopBits = 2

    public static let serialPrefix = "serial:"
    public static let framedPrefix = "framed:"

    /// Parses an address; the error names the part that is wrong.
    public init(parsing text: String) throws(ZVTTerminalAddressError) {
        func fail(_ expected: String) -> ZVTTerminalAddressError { ZVTTerminalAddressError(address: text, expected: expected) }
        if text.hasPrefix(Self.serialPrefix) {
            let rest = text.dropFirst(Self.serialPrefix.count)
            let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts[0])
            guard path.hasPrefix("/"), path.count > 1 else {
                throw fail("ein Gerätepfad nach »serial:«, z. B. serial:/dev/ttyUSB0 (nicht »\(path)«)")
            }
            var baudRate = Self.defaultBaudRate
            var stopBits = Self.defaultStopBits
            if parts.count == 2 {
                for setting in parts[1].split(separator: "&", omittingEmptySubsequences: false) {
                    let pair = setting.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    let key = String(pair[0])
                    let value = pair.count == 2 ? String(pair[1]) : ""
                    switch key {
                    case "baud":
                        guard let rate = Int(value), SerialPort.baudRates.contains(rate) else {
                            throw fail(
                                "eine Baudrate aus \(SerialPort.baudRates.map(String.init).joined(separator: ", ")) (nicht »\(value)«)")
                        }
                        baudRate = rate
                    case "stopbits":
                        guard let bits = Int(value), bits == 1 || bits == 2 else { throw fail("stopbits=1 oder stopbits=2 (nicht »\(value)«)") }
                        stopBits = bits
                    default:
                        throw fail("nach »?« nur baud=… und stopbits=…, getrennt durch & (nicht »\(setting)«)")
                    }
                }
            }
            self = .serial(path: path, baudRate: baudRate, stopBits: stopBits)
        } else if text.hasPrefix(Self.framedPrefix) {
            let target = String(text.dropFirst(Self.framedPrefix.count))
            // A converter has no standard port, so it must be named.
            guard let (host, port) = TCPTransport.parse(target), target.hasSuffix(":\(port)") else {
                throw fail("HOST:PORT des LAN-Seriell-Wandlers nach »framed:«, Port 1–65535 (nicht »\(target)«)")
            }
            self = .framed(host: host, port: port)
        } else {
            guard let (host, port) = TCPTransport.parse(text) else {
                throw fail("HOST oder HOST:PORT (Port 1–65535, Standard 20007), serial:GERÄT[?baud=9600] oder framed:HOST:PORT")
            }
            self = .tcp(host: host, port: port)
        }
    }

    /// A new, unconnected transport to this address.
    public func makeTransport() -> ZVTTransport {
        switch self {
        case .tcp(let host, let port): return TCPTransport(host: host, port: port)
        case .serial(let path, let baudRate, let stopBits): return SerialTransport(line: .device(path: path, baudRate: baudRate, stopBits: stopBits))
        case .framed(let host, let port): return SerialTransport(line: .tcp(host: host, port: port))
        }
    }

    /// The address in its canonical form (defaults written out).
    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .serial(let path, let baudRate, let stopBits):
            return "serial:\(path)?baud=\(baudRate)" + (stopBits == Self.defaultStopBits ? "" : "&stopbits=\(stopBits)")
        case .framed(let host, let port): return "framed:\(host):\(port)"
        }
    }
}

/// A terminal address that cannot be used; `expected` says what belongs in the wrong part.
public struct ZVTTerminalAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public let address: String
    /// What was expected, as a German phrase that follows "erwartet wird" and quotes the wrong part.
    public let expected: String

    public var description: String { "Terminal-Adresse »\(address)«: erwartet wird \(expected)." }
}
