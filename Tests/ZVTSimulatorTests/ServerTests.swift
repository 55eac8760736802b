import XCTest
import ZVT

@testable import ZVTSimulator

/// The TCP server: one register at a time, clear errors, clean stop.
final class ServerTests: XCTestCase {
    func testAddressInUseIsOneGermanSentence() throws {
        let first = try makeSimulator()
        defer { first.stop() }
        var configuration = SimulatorConfiguration()
        configuration.listen = try XCTUnwrap(first.address)
        let second = try TerminalSimulator(configuration: configuration)
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual(
                String(describing: error),
                "Die Adresse \(first.address!) ist schon belegt (läuft zvt-sim bereits?); bitte mit --listen bzw. --control einen anderen Port wählen.")
        }
    }

    func testOneRegisterAtATimeTheNextIsServedWhenTheFirstLeaves() throws {
        let simulator = try makeSimulator()
        defer { simulator.stop() }
        let first = try TestRegister(simulator)
        XCTAssertEqual(first.pay(1_00).last, Completion().apdu)
        let second = try TestRegister(simulator)
        second.send(try Authorization(amountCents: 2_00).apdu)
        XCTAssertEqual(second.receive(timeoutMs: 200), .timedOut, "waits while the first register is connected")
        first.close()
        XCTAssertEqual(second.next(), Acknowledgement.positive.apdu)
        while let message = second.next() {
            second.send(Acknowledgement.positive.apdu)
            if message.command == 0x060F { break }
        }
        XCTAssertEqual(simulator.connectionCount, 2)
        XCTAssertEqual(simulator.journal.entries.map(\.connection), [1, 2])
    }

    func testStopEndsAConnectedRegisterAndIsIdempotent() throws {
        let simulator = try makeSimulator()
        let register = try TestRegister(simulator)
        XCTAssertEqual(register.pay(1_00).last, Completion().apdu)
        simulator.stop()
        XCTAssertEqual(register.receive(timeoutMs: 1_000), .closed)
        simulator.stop()
        XCTAssertFalse(simulator.isServing)
    }
}
