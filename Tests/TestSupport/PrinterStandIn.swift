import ESCPOS
import Foundation
import SystemCalls

/// A receipt printer in the test suite, on loopback TCP (docs/printer.md, "Tests"): it decodes
/// the ESC/POS it gets back to text in the selected code page (``ESCPOSReader``), records cuts
/// and drawer kicks, answers `DLE EOT` from ``status``, and can be told to run out of paper, go
/// offline (refuse connections) or drop the connection.
// @unchecked Sendable: every mutable property is touched only under `lock`.
public final class PrinterStandIn: @unchecked Sendable {
    /// One cut-off piece of paper: its lines as printed, and the text of each QR code on it (`GS ( k`).
    public struct Printout: Sendable {
        public let lines: [String]
        public let styledLines: [(String, TextStyle)]
        public let qrCodes: [String]
        public var text: String { lines.joined(separator: "\n") }
    }

    public private(set) var port: UInt16 = 0
    private let lock = NSLock()
    private var listener: StreamSocket?
    private var connections: [StreamSocket] = []
    private var statusNow = PrinterStatus.ready
    private var current: [(String, TextStyle)] = []
    private var currentQR: [String] = []
    private var printoutsSoFar: [Printout] = []
    private var kicks: [(pin: UInt8, t1: UInt8, t2: UInt8)] = []
    private var queries = 0
    private var codePages: [UInt8] = []
    private var qr: [[UInt8]] = []
    private var textBeforeCodePage = false
    private var stopped = false

    public init() throws {
        try listen(port: 0)
    }

    deinit { stop() }

    /// `tcp://127.0.0.1:PORT` for `[printer] device`.
    public var device: String { "tcp://127.0.0.1:\(port)" }

    /// What `DLE EOT` answers from now on (paper out, cover open …).
    public var status: PrinterStatus {
        get { lock.withLock { statusNow } }
        set { lock.withLock { statusNow = newValue } }
    }

    /// The pieces of paper cut so far (text after the last cut is not yet one).
    public var printouts: [Printout] { lock.withLock { printoutsSoFar } }
    public var drawerKicks: [(pin: UInt8, t1: UInt8, t2: UInt8)] { lock.withLock { kicks } }
    public var statusQueries: Int { lock.withLock { queries } }
    /// The data of every QR code printed.
    public var qrCodes: [[UInt8]] { lock.withLock { qr } }
    /// Whether some text came before any `ESC t` of its connection (the € would print wrong).
    public var sawTextBeforeCodePage: Bool { lock.withLock { textBeforeCodePage } }

    /// Stops listening: connections are refused until ``comeBack()`` (a printer switched off).
    public func goOffline() {
        lock.withLock {
            // shutdown first: a thread polling the socket keeps it alive past close (Linux), and
            // connections would queue on it until that poll ends.
            listener?.shutdown()
            listener?.close()
            listener = nil
        }
        dropConnections()
    }

    /// Listens again on the same port.
    public func comeBack() throws { try listen(port: port) }

    /// Closes every open connection (a cable pulled mid-job).
    public func dropConnections() {
        let open = lock.withLock {
            let all = connections
            connections.removeAll()
            return all
        }
        for connection in open {
            connection.shutdown()
            connection.close()
        }
    }

    public func stop() {
        lock.withLock { stopped = true }
        goOffline()
    }

    /// Waits until `count` printouts have been cut or `timeout` passes.
    @discardableResult
    public func waitForPrintouts(_ count: Int, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if printouts.count >= count { return true }
            usleep(10_000)
        }
        return printouts.count >= count
    }

    /// Waits until `count` drawer kicks came or `timeout` passes.
    @discardableResult
    public func waitForDrawerKicks(_ count: Int, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if drawerKicks.count >= count { return true }
            usleep(10_000)
        }
        return drawerKicks.count >= count
    }

    private func listen(port: UInt16) throws {
        let socket = try StreamSocket.listen(host: "127.0.0.1", port: port)
        lock.withLock {
            listener = socket
            self.port = socket.localPort
        }
        let thread = Thread { [self] in acceptLoop(socket) }
        thread.name = "printer stand-in"
        thread.start()
    }

    private func acceptLoop(_ socket: StreamSocket) {
        while true {
            let accepted: StreamSocket?
            do { accepted = try socket.accept(timeoutMs: 100) } catch { return }
            if lock.withLock({ stopped || listener !== socket }) { return }
            guard let connection = accepted else { continue }
            lock.withLock { connections.append(connection) }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "printer stand-in connection"
            thread.start()
        }
    }

    private func serve(_ connection: StreamSocket) {
        var reader = ESCPOSReader()
        var buffer: [UInt8] = []
        defer { connection.close() }
        while true {
            buffer.removeAll(keepingCapacity: true)
            let result: ReadResult
            do { result = try connection.read(appendingTo: &buffer, timeoutMs: 200) } catch { return }
            switch result {
            case .closed: return
            case .timedOut:
                if lock.withLock({ stopped }) { return }
                continue
            case .bytes:
                for event in reader.read(buffer) { handle(event, reader: reader, connection: connection) }
            }
        }
    }

    private func handle(_ event: ESCPOSReader.Event, reader: ESCPOSReader, connection: StreamSocket) {
        switch event {
        case .statusQuery(let n):
            let reply = lock.withLock {
                queries += 1
                return statusNow.reply(to: n)
            }
            if let reply { try? connection.write([reply]) }
        case .line(let text, let style):
            lock.withLock {
                if reader.codePage == nil { textBeforeCodePage = true }
                current.append((text, style))
            }
        case .cut:
            lock.withLock {
                printoutsSoFar.append(Printout(lines: current.map(\.0), styledLines: current, qrCodes: currentQR))
                current.removeAll()
                currentQR.removeAll()
            }
        case .drawerKick(let pin, let t1, let t2): lock.withLock { kicks.append((pin, t1, t2)) }
        case .codePage(let n): lock.withLock { codePages.append(n) }
        case .qrCode(let data, _, _):
            lock.withLock {
                qr.append(data)
                currentQR.append(String(decoding: data, as: UTF8.self))
            }
        case .initialize, .feed, .unknown: break
        }
    }
}

/// A customer display on a pseudo-terminal: what the two rows show now (``PoleDisplayReader``).
// @unchecked Sendable: `reader` is touched only under `lock`.
public final class CustomerDisplayStandIn: @unchecked Sendable {
    private let master: SerialPort
    /// The path the counter opens as `[display] device`.
    public let devicePath: String
    private let lock = NSLock()
    private var reader = PoleDisplayReader()
    private var running = true

    public init() throws {
        let pair = try SerialPort.openPseudoTerminal()
        master = pair.master
        devicePath = pair.slavePath
        let thread = Thread { [self] in readLoop() }
        thread.name = "display stand-in"
        thread.start()
    }

    deinit { stop() }

    public func stop() { lock.withLock { running = false } }

    public var rows: (top: String, bottom: String) { lock.withLock { (reader.top, reader.bottom) } }

    /// Waits until the top row (trailing spaces dropped) is `top`.
    @discardableResult
    public func waitForTop(_ top: String, timeout: TimeInterval = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if rows.top.trimmingCharacters(in: .whitespaces) == top { return true }
            usleep(10_000)
        }
        return false
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        while lock.withLock({ running }) {
            buffer.removeAll(keepingCapacity: true)
            guard (try? master.read(appendingTo: &buffer, timeoutMs: 100)) != nil else { return }
            if !buffer.isEmpty { lock.withLock { reader.read(buffer) } }
        }
    }
}
