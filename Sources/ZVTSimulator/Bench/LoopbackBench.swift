import Foundation
import ZVT

/// Throughput of the simulator on loopback: a register drives `payments` authorisations
/// back to back against an in-process simulator (delays off) and the journal is checked after.
///
/// The register here is a minimal one built on the codec (acknowledge everything). Run it with
/// `zvt-sim --bench N`; see docs/zvt-sim.md for figures.
public enum LoopbackBench {
    public struct Result: Sendable {
        public let label: String
        public let payments: Int
        public let seconds: Double
        public let roundTripsPerPayment: Int
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
        let socket = try Socket.connect(to: simulator.address!)
        defer { socket.close() }
        var buffer: [UInt8] = []
        let ack = Acknowledgement.positive.apdu.bytes

        func next() throws -> APDU {
            while true {
                if let apdu = try? APDUDecoder.decode(&buffer) { return apdu }
                guard case .bytes = socket.read(appendingTo: &buffer, timeoutMs: 5_000) else {
                    throw SocketError(call: "recv (bench)", code: 110)
                }
            }
        }
        /// Sends a command, acknowledges each terminal message; returns the number of messages.
        func sequence(_ command: APDU) throws -> Int {
            socket.write(command.bytes)
            _ = try next()
            var count = 0
            while true {
                let message = try next()
                count += 1
                socket.write(ack)
                if message.command == 0x060F || message.command == 0x061E { return count }
            }
        }

        let tlv: [TLVObject]? = textBlocks ? [TLVObject(0x26, children: [TLVObject(0x0A, [0x06, 0xD3])])] : nil
        _ = try sequence(Registration(password: Password(bytes: [0x12, 0x34, 0x56]), config: config, currencyCode: 978, tlv: tlv).apdu)
        let amounts: [Int64] = (0..<100).map { 1_00 + Int64($0 % 9) * 1_00 + 34 }  // all approved (,34)
        let commands = try amounts.map { try Authorization(amountCents: $0).apdu }
        var messages = 0
        let start = monotonicMilliseconds()
        for index in 0..<payments {
            messages += try sequence(commands[index % commands.count])
        }
        let seconds = Double(monotonicMilliseconds() - start) / 1000
        let booked = simulator.journal.entries.filter { $0.kind == .payment && $0.status == .booked }.count
        return Result(
            label: label, payments: payments, seconds: max(seconds, 0.001), roundTripsPerPayment: 1 + messages / max(payments, 1),
            booked: booked)
    }
}
