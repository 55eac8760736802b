import Foundation
import SystemCalls
import XCTest
import ZVT

@testable import ZVTSimulator

/// A bare register for tests: raw APDUs over loopback, decoded with the project's codec.
/// It acknowledges what the test tells it to, so tests can misbehave on purpose.
final class TestRegister {
    let socket: StreamSocket
    private var buffer: [UInt8] = []
    /// Bytes that could not start an APDU (banners, garbage), as the codec reported them.
    private(set) var skipped: [UInt8] = []
    /// Sizes of the individual reads (to see split and merged writes).
    private(set) var readSizes: [Int] = []
    /// Every byte read, as it came off the socket (the decoder masks card numbers).
    private(set) var received: [UInt8] = []

    init(_ simulator: TerminalSimulator) throws {
        socket = try StreamSocket.connect(host: simulator.address!.host, port: simulator.address!.port)
    }

    deinit { socket.close() }

    func send(_ apdu: APDU) { XCTAssertNoThrow(try socket.write(apdu.bytes)) }
    func sendBytes(_ bytes: [UInt8]) { XCTAssertNoThrow(try socket.write(bytes)) }

    enum Event: Equatable {
        case apdu(APDU)
        case timedOut
        case closed
    }

    /// The next APDU within `timeoutMs`.
    func receive(timeoutMs: Int = 3_000) -> Event {
        let deadline = monotonicMilliseconds() + Int64(timeoutMs)
        while true {
            do {
                if let apdu = try APDUDecoder.decode(&buffer) { return .apdu(apdu) }
            } catch ZVTCodecError.unexpectedBytes(let bytes) {
                skipped += bytes
                continue
            } catch {
                return .closed
            }
            let remaining = Int(max(0, deadline - monotonicMilliseconds()))
            switch (try? socket.read(appendingTo: &buffer, timeoutMs: remaining)) ?? .closed {
            case .bytes(let count):
                readSizes.append(count)
                received += buffer.suffix(count)
            case .timedOut: return .timedOut
            case .closed: return .closed
            }
        }
    }

    /// The next APDU or a test failure.
    func next(timeoutMs: Int = 3_000, file: StaticString = #filePath, line: UInt = #line) -> APDU? {
        let event = receive(timeoutMs: timeoutMs)
        guard case .apdu(let apdu) = event else {
            XCTFail("no APDU from the simulator: \(event)", file: file, line: line)
            return nil
        }
        return apdu
    }

    /// What the register answers to one terminal message: an APDU to send, or nothing.
    typealias Answer = (APDU) -> APDU?
    static func ackEverything(_ message: APDU) -> APDU? { Acknowledgement.positive.apdu }

    /// Result of one command sequence as the register saw it.
    struct Sequence {
        var acknowledgement: APDU?
        var messages: [APDU] = []
        var ended: Event? = nil
        var statusInformation: [StatusInformation] { messages.compactMap { try? StatusInformation(apdu: $0) } }
        var intermediateCodes: [UInt8] { messages.filter { $0.command == 0x04FF }.compactMap { $0.data.first } }
        var last: APDU? { messages.last }
        var commands: [UInt16] { messages.map(\.command) }
    }

    /// Sends `command`, then collects terminal messages, answering each with `answer`, until
    /// `06 0F` / `06 1E` (or a time-out / close).
    func run(_ command: APDU, answer: Answer = TestRegister.ackEverything, timeoutMs: Int = 3_000) -> Sequence {
        send(command)
        var sequence = Sequence()
        guard case .apdu(let ack) = receive(timeoutMs: timeoutMs) else { return sequence }
        sequence.acknowledgement = ack
        guard ack == Acknowledgement.positive.apdu else { return sequence }
        while true {
            let event = receive(timeoutMs: timeoutMs)
            guard case .apdu(let message) = event else {
                sequence.ended = event
                return sequence
            }
            sequence.messages.append(message)
            if let reply = answer(message) { send(reply) }
            if message.command == 0x060F || message.command == 0x061E { return sequence }
        }
    }

    /// Registration `06 00` with `config`, EUR, and TLV 26 listing `06 D3` when `textBlocks`.
    @discardableResult
    func register(config: UInt8 = 0xBE, textBlocks: Bool = true, file: StaticString = #filePath, line: UInt = #line) -> Sequence {
        let tlv: [TLVObject]? = textBlocks ? [TLVObject(0x26, children: [TLVObject(0x0A, [0x06, 0xD3])])] : nil
        let sequence = run(Registration(password: Password("123456")!, config: config, currencyCode: 978, tlv: tlv).apdu)
        XCTAssertEqual(sequence.acknowledgement, Acknowledgement.positive.apdu, file: file, line: line)
        XCTAssertEqual(sequence.last?.command, 0x060F, file: file, line: line)
        return sequence
    }

    func pay(_ cents: Int64, answer: Answer = TestRegister.ackEverything, timeoutMs: Int = 3_000) -> Sequence {
        run(try! Authorization(amountCents: cents).apdu, answer: answer, timeoutMs: timeoutMs)
    }

    func close() { socket.close() }
}

/// T3 and T4 in the tests: short, with room for a loaded 2-core CI machine.
let testT3Ms = 500
let testT4Ms = 1_200

/// A simulator on an ephemeral loopback port with short timers and a pinned clock.
func makeSimulator(
    journalPath: String? = nil, t3Ms: Int = testT3Ms, t4Ms: Int = testT4Ms, configure: (inout SimulatorConfiguration) -> Void = { _ in }
) throws -> TerminalSimulator {
    var configuration = SimulatorConfiguration()
    configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
    configuration.journalPath = journalPath
    configuration.timing = .fast(t3Ms: t3Ms, t4Ms: t4Ms)
    configuration.seed = 42
    configuration.timeZone = TimeZone(identifier: "Europe/Berlin")!
    let fixed = Date(timeIntervalSince1970: 1_795_000_000)
    configuration.now = { fixed }
    if ProcessInfo.processInfo.environment["ZVT_SIM_TEST_LOG"] != nil { configuration.logLevel = .apdus }
    configure(&configuration)
    let simulator = try TerminalSimulator(configuration: configuration)
    try simulator.start()
    return simulator
}

extension APDU {
    static func hex(_ text: String) -> APDU { try! APDU.decodeSingle(Hex.bytes(text)!, tolerant: false) }
}
