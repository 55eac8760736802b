import Foundation
import ZVT

/// Throughput of the simulator on loopback: a register drives `payments` authorisations
/// back to back against an in-process simulator (delays off) and the journal is checked after.
///
/// The register is the project's ``ZVTDriver`` over ``TCPTransport``. Run it with
/// `zvt-sim --bench N`; see docs/zvt-sim.md for figures.
public enum LoopbackBench {
    public struct Result: Sendable {
        public let label: String
        public let payments: Int
        public let seconds: Double
        /// Reads by the driver (TCP may merge messages, so this is at most the message count).
        public let reads: Int
        /// Approved as the driver saw it.
        public let approved: Int
        /// Booked payments in the terminal's journal.
        public let booked: Int
        public var perSecond: Double { Double(payments) / seconds }
    }

    /// Runs `payments` authorisations after registering with `config` (and TLV 26 {06 D3} if
    /// `textBlocks`), journal in `journalPath` (or memory).
    public static func run(label: String, payments: Int, config: UInt8, textBlocks: Bool, journalPath: String?) throws -> Result {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.journalPath = journalPath
        configuration.logLevel = .quiet
        let simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        defer { simulator.stop() }
        let session = SessionConfiguration(t3Ms: 5_000, t4Ms: 180_000)
        // Only the payments' messages are counted, not the registration's.
        let messages = Locked(0)
        let counting = Locked(false)
        let driver = ZVTDriver(
            configuration: ZVTDriver.Configuration(
                password: Password(bytes: [0x12, 0x34, 0x56]), session: session, registrationConfig: config, registrationTLV: textBlocks ? .on : .off),
            transport: TCPTransport(host: "127.0.0.1", port: simulator.address!.port),
            handlers: .init(trace: { direction, _ in
                if direction == .fromTerminal, counting.withLock({ $0 }) { messages.withLock { $0 += 1 } }
            }))
        defer { driver.disconnect() }
        guard driver.register().outcome == .success else { throw BenchError.registrationFailed }
        counting.withLock { $0 = true }
        let amounts: [Int64] = (0..<9).map { 1_34 + Int64($0) * 1_00 }  // all ,34: approved
        var approved = 0
        let start = monotonicMilliseconds()
        for index in 0..<payments {
            if case .approved = driver.authorize(amountCents: amounts[index % amounts.count]) { approved += 1 }
        }
        let seconds = Double(monotonicMilliseconds() - start) / 1000
        let booked = simulator.journal.entries.filter { $0.kind == .payment && $0.status == .booked }.count
        return Result(
            label: label, payments: payments, seconds: max(seconds, 0.001), reads: messages.current, approved: approved, booked: booked)
    }
}

enum BenchError: Error, CustomStringConvertible {
    case registrationFailed
    var description: String { "Die Anmeldung am Simulator ist fehlgeschlagen." }
}
