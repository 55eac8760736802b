import XCTest
import ZVT

@testable import ZVTSimulator

/// Whatever a register sends, the terminal answers or hangs up, and keeps serving.
final class RobustnessTests: XCTestCase {
    /// A small deterministic generator (SplitMix64) so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    }

    func testRandomCommandsNeverStopTheTerminal() throws {
        let simulator = try makeSimulator(t3Ms: 150, t4Ms: 300) { $0.timing.cardWaitMs = 50 }
        defer { simulator.stop() }
        var register = try TestRegister(simulator)
        // ZVT_SIM_FUZZ_SEED / ZVT_SIM_FUZZ_ROUNDS explore further; the default run is fixed and short.
        let environment = ProcessInfo.processInfo.environment
        var random = Generator(state: environment["ZVT_SIM_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20261127)
        let rounds = environment["ZVT_SIM_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 200
        // Stray acknowledgements while idle are ignored; a Completion from the register is no command.
        for stray in ["80 00 00", "84 9C 00"] {
            register.send(APDU.hex(stray))
            XCTAssertEqual(register.receive(timeoutMs: 200), .timedOut, stray)
        }
        register.send(APDU.hex("06 0F 00"))
        XCTAssertEqual(register.next(), APDU.hex("84 83 00"))
        let commands: [(UInt8, UInt8)] = [
            (0x06, 0x00), (0x06, 0x01), (0x06, 0x02), (0x06, 0x10), (0x06, 0x20), (0x06, 0x30), (0x06, 0x31), (0x06, 0x50),
            (0x06, 0x70), (0x06, 0xB0), (0x05, 0x01), (0x06, 0xC0), (0x08, 0x40),
        ]
        var answered = 0
        for round in 0..<rounds {
            var (commandClass, instruction) = commands[random.below(commands.count)]
            if random.below(8) == 0 {
                // Any other control field; classes 80/84 (acknowledgements) are covered above.
                commandClass = [0x04, 0x05, 0x06, 0x08, 0x0F][random.below(5)]
                instruction = random.byte()
            }
            var data: [UInt8]
            switch random.below(4) {
            case 0:  // a plausible payment with a random amount
                data = [0x04] + (BCD.encode(Int64(random.below(100_000)), byteCount: 6) ?? []) + [0x49, 0x09, 0x78]
            case 1:  // password + random tail
                data = [0x12, 0x34, 0x56] + (0..<random.below(12)).map { _ in random.byte() }
            default:
                data = (0..<random.below(40)).map { _ in random.byte() }
            }
            register.send(APDU(commandClass, instruction, data: data))
            let ackOnly = commandClass == 0x06 && (instruction == 0x02 || instruction == 0xB0)
            var ended = false
            while !ended {
                switch register.receive(timeoutMs: 1_500) {
                case .apdu(let apdu):
                    answered += 1
                    if apdu.commandClass == 0x80 || apdu.commandClass == 0x84 {
                        ended = apdu.commandClass == 0x84 || ackOnly
                        continue
                    }
                    register.send(Acknowledgement.positive.apdu)
                    ended = apdu.command == 0x060F || apdu.command == 0x061E
                case .timedOut:
                    XCTFail("round \(round): no answer to \(Hex.string([commandClass, instruction])) \(Hex.string(data))")
                    ended = true
                case .closed:
                    register = try TestRegister(simulator)
                    ended = true
                }
            }
            if round % 40 == 39 {
                // The terminal still does real work in between.
                register.close()
                register = try TestRegister(simulator)
                simulator.control.queueNext(Scenario())
                XCTAssertEqual(register.pay(1_00).last, Completion().apdu, "round \(round)")
            }
        }
        XCTAssertGreaterThan(answered, rounds)
        register.close()
        // The journal is still consistent: every line parses, numbers never repeat among booked receipts.
        let booked = simulator.journal.entries.filter(\.isBooked).compactMap(\.receipt)
        XCTAssertEqual(Set(booked).count, booked.count)
        XCTAssertEqual(
            try JSONDecoder().decode(
                [JournalEntry].self, from: Data(("[" + simulator.journal.jsonLines().split(separator: "\n").joined(separator: ",") + "]").utf8)
            ).count,
            simulator.journal.entries.count)
    }
}
