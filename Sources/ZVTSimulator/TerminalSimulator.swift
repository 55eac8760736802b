import Foundation
import SystemCalls
import ZVT

/// A simulated EC terminal: the PT side of ZVT over TCP — or over a serial line (PA00P016 §3:
/// a pseudo-terminal pair, a serial device, or framed TCP as behind a LAN-serial converter,
/// ``SimulatorConfiguration/line``) — serving one register at a time.
///
/// ```swift
/// var configuration = SimulatorConfiguration()
/// configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)   // any free port
/// let simulator = try TerminalSimulator(configuration: configuration)
/// try simulator.start()
/// simulator.control.queueNext(Scenario(.decline05))
/// // … connect a register to simulator.address …
/// simulator.stop()
/// ```
///
/// It keeps running when a register disconnects at any moment; further connection attempts wait
/// in the listen backlog while one register is served.
// @unchecked Sendable: the stored properties are constants; the server state is reached only through `state`'s lock.
public final class TerminalSimulator: @unchecked Sendable {
    public let configuration: SimulatorConfiguration
    /// The terminal's own journal of every transaction.
    public var journal: Journal { core.journal }
    /// Next outcome, script, faults.
    public var control: SimulatorControl { core.control }

    let core: SimulatorCore
    private let state = Locked(ServerState())
    private let finished = DispatchSemaphore(value: 0)
    private let controlFinished = DispatchSemaphore(value: 0)

    private struct ServerState {
        var listener: StreamSocket?
        var controlListener: StreamSocket?
        var current: StreamSocket?
        var controlClient: StreamSocket?
        var serialPort: SerialPort?
        var serialDevicePath: String?
        var stopping = false
        var address: SocketAddress?
        var controlAddress: SocketAddress?
        var serving = false
    }

    /// Opens the journal (counters continue from it); nothing listens before ``start()``.
    public init(configuration: SimulatorConfiguration) throws {
        self.configuration = configuration
        let journal = try Journal(path: configuration.journalPath, syncEachWrite: configuration.syncJournal)
        core = SimulatorCore(configuration: configuration, journal: journal)
    }

    /// Where registers connect (with the real port when 0 was configured). `nil` before ``start()``
    /// and on a serial line.
    public var address: SocketAddress? { state.withLock { $0.address } }
    /// The serial device registers open (`serial:PATH`): the slave side of the pseudo-terminal, or
    /// the configured device. `nil` before ``start()`` and on TCP.
    public var serialDevicePath: String? { state.withLock { $0.serialDevicePath } }
    /// The address a register is given: `HOST:PORT`, `framed:HOST:PORT` or `serial:PATH` (docs/zvt.md, "Addresses").
    public var registerAddress: String? {
        switch configuration.line {
        case .tcp: return address?.description
        case .framedTCP: return address.map { "framed:\($0)" }
        case .pseudoTerminal: return serialDevicePath.map { "serial:\($0)" }
        case .device(let path, let baudRate): return "serial:\(path)?baud=\(baudRate)"
        }
    }
    /// Where the control interface listens, if configured.
    public var controlAddress: SocketAddress? { state.withLock { $0.controlAddress } }
    /// How many registers connected since start.
    public var connectionCount: Int { core.connectionCount.current }
    /// Whether a register is connected right now.
    public var isServing: Bool { state.withLock { $0.serving } }

    /// Binds the ports (or opens the serial line) and starts serving on background threads.
    public func start() throws {
        var listener: StreamSocket? = nil
        var bound: SocketAddress? = nil
        var port: SerialPort? = nil
        var devicePath: String? = nil
        switch configuration.line {
        case .tcp, .framedTCP:
            let socket = try StreamSocket.listen(host: configuration.listen.host, port: configuration.listen.port)
            listener = socket
            bound = SocketAddress(host: configuration.listen.host, port: socket.localPort)
        case .pseudoTerminal:
            let pair = try SerialPort.openPseudoTerminal()
            port = pair.master
            devicePath = pair.slavePath
        case .device(let path, let baudRate):
            port = try SerialPort.open(path: path, baudRate: baudRate)
            devicePath = path
        }
        var controlListener: StreamSocket? = nil
        var controlBound: SocketAddress? = nil
        if let controlAddress = configuration.control {
            let socket = try StreamSocket.listen(host: controlAddress.host, port: controlAddress.port)
            controlListener = socket
            controlBound = SocketAddress(host: controlAddress.host, port: socket.localPort)
        }
        state.withLock {
            $0.listener = listener
            $0.address = bound
            $0.serialPort = port
            $0.serialDevicePath = devicePath
            $0.controlListener = controlListener
            $0.controlAddress = controlBound
        }
        let serverThread = Thread { [self, listener, port] in
            if let listener { serve(listener) } else if let port { serveSerial(port) }
        }
        serverThread.name = "zvt-sim server"
        serverThread.start()
        if let controlListener {
            let controlThread = Thread { [self] in serveControl(controlListener) }
            controlThread.name = "zvt-sim control"
            controlThread.start()
        } else {
            controlFinished.signal()
        }
    }

    /// Stops listening, ends the current connection and waits (briefly) for the threads.
    public func stop() {
        let sockets: [StreamSocket?] = state.withLock { s in
            guard !s.stopping else { return [] }
            s.stopping = true
            return [s.listener, s.controlListener, s.current, s.controlClient]
        }
        guard !sockets.isEmpty else { return }
        for socket in sockets { socket?.shutdown() }
        _ = finished.wait(timeout: .now() + 5)
        _ = controlFinished.wait(timeout: .now() + 5)
        for socket in sockets { socket?.close() }
        state.withLock { $0.serialPort }?.close()
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func serve(_ listener: StreamSocket) {
        defer { finished.signal() }
        while !stopping {
            let accepted: StreamSocket?
            do {
                accepted = try listener.accept(timeoutMs: -1)
            } catch {
                if stopping { break }
                core.log(.transactions, "zvt-sim: \(error)")
                Syscall.sleep(milliseconds: 100)
                continue
            }
            guard let socket = accepted else { continue }
            let number = core.connectionCount.withLock { count -> Int in
                count += 1
                return count
            }
            let registered: Bool = state.withLock { s in
                guard !s.stopping else { return false }
                s.current = socket
                s.serving = true
                return true
            }
            guard registered else {
                socket.close()
                break
            }
            core.log(.transactions, "Verbindung \(number): Kasse verbunden")
            let log: (String) -> Void = { [core] line in core.log(.transactions, line) }
            let logAPDUs = configuration.logLevel >= .apdus
            let link: RegisterLink
            if configuration.line == .framedTCP {
                let line = SerialLine(channel: socket, timing: configuration.timing.serialLink)
                line.log = log
                link = RegisterLink(
                    serial: line, closeChannel: { socket.shutdown() }, reassemblyMs: configuration.timing.t3Ms, logAPDUs: logAPDUs, log: log,
                    shouldStop: { [self] in stopping })
            } else {
                link = RegisterLink(socket: socket, reassemblyMs: configuration.timing.t3Ms, logAPDUs: logAPDUs, log: log)
            }
            PTSession(core: core, link: link, connection: number).run()
            state.withLock {
                $0.current = nil
                $0.serving = false
            }
            socket.close()
            core.log(.transactions, "Verbindung \(number): getrennt")
        }
    }

    /// Serves registers on a serial line, one session after the other: the line has no
    /// connection, so a session ends where TCP would close (T3 without acknowledgement, a
    /// transmission error, `close-after-sequence`) and the next begins with the next command.
    private func serveSerial(_ port: SerialPort) {
        defer { finished.signal() }
        let log: (String) -> Void = { [core] line in core.log(.transactions, line) }
        let line = SerialLine(channel: port, timing: configuration.timing.serialLink)
        line.log = log
        while !stopping {
            let number = core.connectionCount.withLock { count -> Int in
                count += 1
                return count
            }
            state.withLock { $0.serving = true }
            let link = RegisterLink(
                serial: line, closeChannel: nil, reassemblyMs: configuration.timing.t3Ms, logAPDUs: configuration.logLevel >= .apdus, log: log,
                shouldStop: { [self] in stopping })
            PTSession(core: core, link: link, connection: number).run()
            state.withLock { $0.serving = false }
            if link.lineLost && !stopping {
                core.log(.transactions, "zvt-sim: \(port.path) antwortet nicht mehr; neuer Versuch in 1 s")
                Syscall.sleep(milliseconds: 1_000)
            }
        }
    }

    private func serveControl(_ listener: StreamSocket) {
        defer { controlFinished.signal() }
        let interpreter = ControlInterpreter(simulator: self)
        while !stopping {
            guard let client = try? listener.accept(timeoutMs: -1) else {
                if stopping { break }
                continue
            }
            state.withLock { $0.controlClient = client }
            var buffer: [UInt8] = []
            reading: while !stopping {
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    buffer.removeSubrange(...newline)
                    let reply = interpreter.execute(line)
                    if (try? client.write(Array(reply.text.utf8))) == nil || reply.closes { break reading }
                }
                if ((try? client.read(appendingTo: &buffer, timeoutMs: -1)) ?? .closed) == .closed { break }
            }
            state.withLock { $0.controlClient = nil }
            client.close()
        }
    }
}
