import ESCPOS
import Foundation
import KasseCore
import SystemCalls

/// One connection to the receipt printer: ESC/POS bytes out, status replies in (docs/printer.md,
/// "Devices"). The transports are those of python-escpos (FISCAL-DEVICES-CENTRAL-NOTES §2,
/// "Transports"): raw TCP (port 9100), a device file opened read-write, and a plain file.
public protocol PrinterPort: AnyObject {
    /// Whether the printer can answer `DLE EOT` on this port (a plain file cannot).
    var answersStatus: Bool { get }
    func write(_ bytes: [UInt8]) throws
    /// The next byte the printer sends, waiting up to `timeoutMs`; nil when none came.
    func readByte(timeoutMs: Int) throws -> UInt8?
    func close()
}

/// Why the printer could not be reached or written to (German, for the status line and dialogs).
public struct PrinterPortError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension PrinterPort {
    /// Asks `DLE EOT 1`, `2` and `4` one after the other and decodes the replies
    /// (``PrinterStatus``); a printer that does not answer within `timeoutMs` is offline.
    func queryStatus(timeoutMs: Int) throws -> PrinterStatus {
        guard answersStatus else { return .ready }
        var replies: [UInt8] = []
        for query in PrinterStatus.queries {
            try write(query)
            // Skip bytes that are not status replies (a stray byte of an earlier answer).
            var reply: UInt8?
            while reply == nil {
                guard let byte = try readByte(timeoutMs: timeoutMs) else { return PrinterStatus(offline: true) }
                if PrinterStatus.isReply(byte) { reply = byte }
            }
            replies.append(reply!)
        }
        return try PrinterStatus.decode(printer: replies[0], offlineCause: replies[1], paper: replies[2])
    }
}

/// `tcp://HOST:PORT`: the printer's raw port.
final class TCPPrinterPort: PrinterPort {
    private let socket: StreamSocket
    private var buffer: [UInt8] = []
    var answersStatus: Bool { true }

    init(host: String, port: Int, connectTimeoutMs: Int) throws {
        do {
            socket = try StreamSocket.connect(host: host, port: UInt16(port), timeoutMs: connectTimeoutMs)
        } catch {
            throw PrinterPortError("Drucker \(host):\(port) nicht erreichbar (\(error))")
        }
        socket.setNoDelay()
    }

    func write(_ bytes: [UInt8]) throws {
        do { try socket.write(bytes) } catch { throw PrinterPortError("Verbindung zum Drucker unterbrochen (\(error))") }
    }

    func readByte(timeoutMs: Int) throws -> UInt8? {
        if buffer.isEmpty {
            let result: ReadResult
            do { result = try socket.read(appendingTo: &buffer, timeoutMs: timeoutMs) } catch {
                throw PrinterPortError("Verbindung zum Drucker unterbrochen (\(error))")
            }
            if case .closed = result { throw PrinterPortError("Der Drucker hat die Verbindung getrennt") }
        }
        return buffer.isEmpty ? nil : buffer.removeFirst()
    }

    func close() { socket.close() }
}

/// A device file (`/dev/usb/lp0`) or, with `answersStatus` false, a plain file to append to (`file:PATH`).
final class FilePrinterPort: PrinterPort {
    private let file: DeviceFile
    private var buffer: [UInt8] = []
    let answersStatus: Bool

    init(device path: String) throws {
        do { file = try DeviceFile.openDevice(path) } catch { throw PrinterPortError("Drucker \(path) lässt sich nicht öffnen (\(error))") }
        answersStatus = true
    }

    init(appendingTo path: String) throws {
        do { file = try DeviceFile.openForAppending(path) } catch { throw PrinterPortError("Druckdatei \(path) lässt sich nicht öffnen (\(error))") }
        answersStatus = false
    }

    func write(_ bytes: [UInt8]) throws {
        do { try file.write(bytes) } catch { throw PrinterPortError("Schreiben auf \(file.path) gescheitert (\(error))") }
    }

    func readByte(timeoutMs: Int) throws -> UInt8? {
        if buffer.isEmpty {
            do { _ = try file.read(appendingTo: &buffer, timeoutMs: timeoutMs) } catch {
                throw PrinterPortError("Lesen von \(file.path) gescheitert (\(error))")
            }
        }
        return buffer.isEmpty ? nil : buffer.removeFirst()
    }

    func close() { file.close() }
}

extension PrinterSettings.Device {
    /// Opens a port to this device (nil for ``none`` and ``command(_:)``, which are not ESC/POS ports).
    func openPort(connectTimeoutMs: Int = 3_000) throws -> PrinterPort? {
        switch self {
        case .none, .command: return nil
        case .tcp(let host, let port): return try TCPPrinterPort(host: host, port: port, connectTimeoutMs: connectTimeoutMs)
        case .deviceFile(let path): return try FilePrinterPort(device: path)
        case .file(let path): return try FilePrinterPort(appendingTo: path)
        }
    }
}

extension PrinterSettings {
    /// The encoder, cut and drawer pulse these settings ask for.
    var encoder: ESCPOSEncoder {
        switch codePage {
        case .cp858: ESCPOSEncoder(codePage: .cp858)
        case .cp1252: ESCPOSEncoder(codePage: .cp1252)
        case .iso885915: ESCPOSEncoder(codePage: .iso885915)
        }
    }

    var cutMode: CutMode? {
        switch cut {
        case .partial: .partial
        case .full: .full
        case .none: nil
        }
    }

    var drawerPulse: DrawerPulse? {
        switch drawer {
        case .pin2: DrawerPulse(pin: .pin2, onMs: drawerOnMs, offMs: drawerOffMs)
        case .pin5: DrawerPulse(pin: .pin5, onMs: drawerOnMs, offMs: drawerOffMs)
        case .none: nil
        }
    }
}
