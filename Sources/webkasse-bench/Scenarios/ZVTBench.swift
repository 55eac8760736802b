import Foundation
import SystemCalls
import ZVT
import ZVTSimulator

/// `zvt`: complete authorisations per second between the project's driver and the simulator on
/// loopback (delays off), against a baseline that moves the very same bytes over loopback with
/// the same round trips but no codec, session or journal (plain sockets). The difference per
/// transaction is the protocol stack's overhead.
enum ZVTBench {
    static func run(report: Report, payments: Int) throws {
        for (label, config, blocks) in [("minimal", UInt8(0x80), false), ("full", UInt8(0xBE), true)] {
            // One traced transaction gives the exact byte exchange for the baseline.
            let exchange = try traceOneTransaction(config: config, textBlocks: blocks)
            let ours = try LoopbackBench.run(label: label, payments: payments, config: config, textBlocks: blocks, journalPath: nil)
            guard ours.approved == payments, ours.booked == payments else {
                throw BenchError("zvt \(label): \(ours.approved) genehmigt, \(ours.booked) gebucht von \(payments)")
            }
            let baselineSeconds = try plainExchange(exchange, repetitions: payments)
            let oursPerTx = ours.seconds / Double(payments) * 1e6
            let basePerTx = baselineSeconds / Double(payments) * 1e6
            report.add("zvt", "\(label)_messages_per_tx", Double(exchange.count), "messages")
            report.add("zvt", "\(label)_authorizations", ours.perSecond, "tx/s")
            report.add("zvt", "\(label)_per_tx", oursPerTx, "us")
            report.add("zvt", "\(label)_baseline_plain_sockets", Double(payments) / baselineSeconds, "tx/s")
            report.add("zvt", "\(label)_overhead_per_tx", oursPerTx - basePerTx, "us")
            report.add("zvt", "\(label)_ratio", oursPerTx / basePerTx, "x")
        }
        report.note(
            "zvt",
            "goal: ≥ 2000 authorisations/s; minimal = registration 80 (no 04 FF, no receipts), full = registration BE + TLV 26 {06 D3} (3 × 04 FF, Status-Information, 2 receipt blocks, Completion); baseline = the same bytes and round trips over plain loopback sockets"
        )
        report.finish("zvt")
    }

    /// The messages of one approved authorisation in order: (direction, bytes).
    static func traceOneTransaction(config: UInt8, textBlocks: Bool) throws -> [(fromTerminal: Bool, bytes: [UInt8])] {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.logLevel = .quiet
        let simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        defer { simulator.stop() }
        // Only the payment's exchange is traced, not the registration's.
        let trace = LockedTrace()
        let tracing = LockedFlag()
        let driver = ZVTDriver(
            configuration: ZVTDriver.Configuration(
                password: Password(bytes: [0x12, 0x34, 0x56]), registrationConfig: config, registrationTLV: textBlocks ? .on : .off),
            transport: TCPTransport(host: "127.0.0.1", port: simulator.address!.port),
            handlers: .init(trace: { direction, bytes in if tracing.isSet { trace.append(direction == .fromTerminal, bytes) } }))
        defer { driver.disconnect() }
        guard driver.register().outcome == .success else { throw BenchError("Anmeldung am Simulator fehlgeschlagen") }
        tracing.set()
        guard case .approved = driver.authorize(amountCents: 1_234) else { throw BenchError("Testzahlung nicht genehmigt") }
        return trace.messages()
    }

    /// Replays `exchange` `repetitions` times between two plain sockets on loopback; each side
    /// writes its messages and reads the other side's exactly as in the trace. Returns seconds.
    static func plainExchange(_ exchange: [(fromTerminal: Bool, bytes: [UInt8])], repetitions: Int) throws -> Double {
        let listener = try StreamSocket.listen(host: "127.0.0.1", port: 0, backlog: 1)
        let server = Thread {
            guard let connection = try? listener.accept(timeoutMs: -1) else { return }
            let fd = connection.descriptor
            for _ in 0..<repetitions {
                for message in exchange {
                    if message.fromTerminal { writeAll(fd, message.bytes) } else { readExactly(fd, message.bytes.count) }
                }
            }
            connection.close()
        }
        server.start()
        let client = try StreamSocket.connect(host: "127.0.0.1", port: listener.localPort)
        let fd = client.descriptor
        let start = nowNanoseconds()
        for _ in 0..<repetitions {
            for message in exchange {
                if message.fromTerminal { readExactly(fd, message.bytes.count) } else { writeAll(fd, message.bytes) }
            }
        }
        let seconds = Double(nowNanoseconds() - start) / 1e9
        client.close()
        listener.close()
        return seconds
    }

    /// Plain `send` calls until all of `bytes` left (no poll, unlike ``StreamSocket/write(_:)``'s users).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        try? Syscall.sendAll(fd, bytes)
    }

    /// Plain `recv` calls until `count` bytes arrived (no poll before each, as a bare baseline).
    static func readExactly(_ fd: Int32, _ count: Int) {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                (try? Syscall.receive(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[got...]))) ?? 0
            }
            guard n > 0 else { return }
            got += n
        }
    }
}

/// The traced messages, appended from the driver's thread.
// @unchecked Sendable: `items` is only reached inside `lock`.
final class LockedTrace: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Bool, [UInt8])] = []
    func append(_ fromTerminal: Bool, _ bytes: [UInt8]) {
        lock.lock()
        items.append((fromTerminal, bytes))
        lock.unlock()
    }
    func messages() -> [(fromTerminal: Bool, bytes: [UInt8])] {
        lock.lock()
        defer { lock.unlock() }
        return items.map { ($0.0, $0.1) }
    }
}

// @unchecked Sendable: `on` is only read and written under `lock`.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    var isSet: Bool { lock.withLock { on } }
    func set() { lock.withLock { on = true } }
}
