import XCTest

@testable import ZVT

/// The serial transport protocol's state machine (PA00P016 §3) with explicit times.
final class SerialLinkTests: XCTestCase {
    let ack: [UInt8] = [SerialFrame.ack]
    let nak: [UInt8] = [SerialFrame.nak]
    let payment = hex("06 01 0A 04 00 00 00 00 12 34 49 09 78")
    let positive = hex("80 00 00")

    private func writes(_ outputs: [SerialLink.Output]) -> [[UInt8]] {
        outputs.compactMap { if case .write(let bytes) = $0 { return bytes } else { return nil } }
    }

    private func delivered(_ outputs: [SerialLink.Output]) -> [[UInt8]] {
        outputs.compactMap { if case .deliver(let apdu) = $0 { return apdu } else { return nil } }
    }

    private func failures(_ outputs: [SerialLink.Output]) -> [SerialLinkError] {
        outputs.compactMap { if case .failed(let error) = $0 { return error } else { return nil } }
    }

    func testAFrameGoesOutAndIsConfirmedByACK() {
        var link = SerialLink()
        let sent = link.send(payment, nowMs: 0)
        XCTAssertEqual(sent, [.write(SerialFrame.encode(payment))])
        XCTAssertEqual(writes(sent).first, hex("10 02 06 01 0A 04 00 00 00 00 12 34 49 09 78 10 03 B0 91"), "the published frame (SPEC-NOTES D14)")
        XCTAssertTrue(link.isAwaitingAcknowledgement)
        XCTAssertEqual(link.nextDeadlineMs, 5_000, "T2")
        XCTAssertEqual(link.received(ack, nowMs: 40), [.confirmed(payment)])
        XCTAssertFalse(link.hasPendingSends)
        XCTAssertNil(link.nextDeadlineMs)
        XCTAssertEqual(link.advance(nowMs: 60_000), [], "nothing repeats once acknowledged")
    }

    func testNAKRepeatsTheFrameTwiceThenReportsATransmissionError() {
        var link = SerialLink()
        let frame = SerialFrame.encode(payment)
        _ = link.send(payment, nowMs: 0)
        XCTAssertEqual(link.received(nak, nowMs: 10), [.write(frame)], "first repeat")
        XCTAssertEqual(link.received(nak, nowMs: 20), [.write(frame)], "second repeat")
        XCTAssertEqual(link.received(nak, nowMs: 30), [.failed(.notAcknowledged(apdu: payment, sends: 3, reason: .refused))])
        XCTAssertFalse(link.hasPendingSends)
        XCTAssertEqual(
            SerialLinkError.notAcknowledged(apdu: payment, sends: 3, reason: .refused).description,
            "der Block 06 01 wurde 3-mal gesendet und jedes Mal mit NAK abgelehnt (PA00P016 §3.5)")
    }

    func testNAKThenACKDeliversOnce() {
        var link = SerialLink()
        _ = link.send(payment, nowMs: 0)
        XCTAssertEqual(writes(link.received(nak, nowMs: 10)), [SerialFrame.encode(payment)])
        XCTAssertEqual(link.received(ack, nowMs: 20), [.confirmed(payment)])
    }

    func testAMissingACKRepeatsAfterT2AndGivesUpAfterTheThirdSend() {
        var link = SerialLink()
        let frame = SerialFrame.encode(payment)
        _ = link.send(payment, nowMs: 1_000)
        XCTAssertEqual(link.advance(nowMs: 5_999), [], "T2 not reached")
        XCTAssertEqual(link.advance(nowMs: 6_000), [.write(frame)], "T2 reached: repeated")
        XCTAssertEqual(link.nextDeadlineMs, 11_000, "T2 restarts with the repeat")
        XCTAssertEqual(link.advance(nowMs: 11_000), [.write(frame)])
        XCTAssertEqual(link.advance(nowMs: 16_000), [.failed(.notAcknowledged(apdu: payment, sends: 3, reason: .acknowledgementTimeout))])
        XCTAssertNil(link.nextDeadlineMs)
    }

    func testALostACKRepeatsAndTheACKOfTheRepeatConfirms() {
        var link = SerialLink()
        _ = link.send(payment, nowMs: 0)
        XCTAssertEqual(writes(link.advance(nowMs: 5_000)), [SerialFrame.encode(payment)])
        XCTAssertEqual(link.received(ack, nowMs: 5_050), [.confirmed(payment)])
    }

    func testT2IncludesTheTimeAFrameTakesOnASlowLine() {
        var link = SerialLink(timing: .line(baudRate: 9600))  // 11 bits a byte: 872 bytes/s
        let block = [0x06, 0xD3, 0xFF, 0xE8, 0x03] + [UInt8](repeating: 0x41, count: 1000)
        _ = link.send(block, nowMs: 0)
        XCTAssertEqual(link.nextDeadlineMs, 5_000 + Int64(SerialFrame.encode(block).count) * 1000 / 872 + 1)
    }

    func testTheNextAPDUWaitsForTheACKOfTheOneBefore() {
        var link = SerialLink()
        _ = link.send(positive, nowMs: 0)
        XCTAssertEqual(link.send(payment, nowMs: 1), [], "queued: one frame in flight at a time")
        XCTAssertEqual(link.received(ack, nowMs: 2), [.confirmed(positive), .write(SerialFrame.encode(payment))])
        XCTAssertEqual(link.received(ack, nowMs: 3), [.confirmed(payment)])
    }

    func testAGoodFrameIsAcknowledgedAndDelivered() {
        var link = SerialLink()
        XCTAssertEqual(link.received(SerialFrame.encode(positive), nowMs: 0), [.write(ack), .deliver(positive)])
    }

    func testDLEIsDoubledAndUndoubledByteByByte() {
        let apdu = hex("06 D1 02 10 10")
        let frame = SerialFrame.encode(apdu)
        XCTAssertEqual(frame, hex("10 02 06 D1 02 10 10 10 10 10 03 60 F7"), "each DLE of the APDU doubled, not counted in the CRC")
        var sender = SerialLink()
        XCTAssertEqual(sender.send(apdu, nowMs: 0), [.write(frame)])
        var receiver = SerialLink()
        var outputs: [SerialLink.Output] = []
        for (index, byte) in frame.enumerated() { outputs += receiver.received([byte], nowMs: Int64(index)) }
        XCTAssertEqual(outputs, [.write(ack), .deliver(apdu)])
    }

    func testABadCRCIsAnsweredWithNAKAndNotDelivered() {
        var link = SerialLink()
        var frame = SerialFrame.encode(positive)
        frame[frame.count - 1] ^= 0x01
        XCTAssertEqual(link.received(frame, nowMs: 0), [.write(nak)])
        XCTAssertEqual(link.received(SerialFrame.encode(positive), nowMs: 10), [.write(ack), .deliver(positive)], "the repeat is taken")
    }

    func testAWrongEscapeIsAnsweredWithNAK() {
        var link = SerialLink()
        XCTAssertEqual(link.received(hex("10 02 80 10 07 00"), nowMs: 0), [.write(nak), .ignored([0x00], .noise)])
    }

    func testThreeDamagedFramesInARowAreATransmissionError() {
        var link = SerialLink()
        var frame = SerialFrame.encode(positive)
        frame[frame.count - 2] ^= 0x01
        XCTAssertEqual(link.received(frame, nowMs: 0), [.write(nak)])
        XCTAssertEqual(link.received(frame, nowMs: 10), [.write(nak)])
        XCTAssertEqual(link.received(frame, nowMs: 20), [.write(nak), .failed(.receiveFailed(frames: 3))])
        XCTAssertEqual(link.received(frame, nowMs: 30), [.write(nak)], "counting starts again")
    }

    func testAGoodFrameBetweenDamagedOnesResetsTheCount() {
        var link = SerialLink()
        var bad = SerialFrame.encode(positive)
        bad[bad.count - 1] ^= 0x01
        _ = link.received(bad, nowMs: 0)
        _ = link.received(bad, nowMs: 1)
        _ = link.received(SerialFrame.encode(positive), nowMs: 2)
        XCTAssertTrue(failures(link.received(bad + bad, nowMs: 3)).isEmpty)
    }

    func testAGapOfT1InsideAFrameIsAnsweredWithNAK() {
        var link = SerialLink()
        let frame = SerialFrame.encode(payment)
        XCTAssertEqual(link.received(Array(frame.prefix(6)), nowMs: 1_000), [])
        XCTAssertEqual(link.nextDeadlineMs, 1_200, "T1")
        XCTAssertEqual(link.advance(nowMs: 1_199), [])
        XCTAssertEqual(link.advance(nowMs: 1_200), [.write(nak)], "T1 reached inside a frame: NAK, the start dropped")
        XCTAssertNil(link.nextDeadlineMs)
        XCTAssertEqual(link.received(frame, nowMs: 1_300), [.write(ack), .deliver(payment)], "the sender's repeat is taken whole")
    }

    func testLateRestOfAFrameIsNotGluedToItsStart() {
        var link = SerialLink()
        let frame = SerialFrame.encode(payment)
        _ = link.received(Array(frame.prefix(6)), nowMs: 0)
        let late = link.received(Array(frame.dropFirst(6)), nowMs: 500)
        XCTAssertEqual(late.first, .write(nak), "T1 passed before the rest came")
        XCTAssertTrue(delivered(late).isEmpty)
    }

    func testGarbageBetweenFramesIsDroppedWithoutAnAnswer() {
        var link = SerialLink()
        let garbage = Array("GARBAGE\r\n".utf8) + [0xFF, 0x00]
        let stream = garbage + SerialFrame.encode(positive) + [0x41, 0x42] + SerialFrame.encode(payment)
        let outputs = link.received(stream, nowMs: 0)
        XCTAssertEqual(delivered(outputs), [positive, payment])
        XCTAssertEqual(writes(outputs), [ack, ack], "noise gets neither ACK nor NAK (§3.2: only messages are acknowledged)")
        XCTAssertTrue(outputs.contains(.ignored([0x41, 0x42], .noise)))
        XCTAssertNil(link.nextDeadlineMs)
    }

    func testStrayNoiseByteTimesOutQuietly() {
        var link = SerialLink()
        XCTAssertEqual(link.received([SerialFrame.dle], nowMs: 0), [], "a DLE could start a frame")
        XCTAssertEqual(link.advance(nowMs: 200), [.ignored([SerialFrame.dle], .noise)], "no frame began: no NAK")
    }

    func testDLEACKConfirmsLikeACK() {
        var link = SerialLink()
        _ = link.send(payment, nowMs: 0)
        XCTAssertEqual(link.received(hex("10 06"), nowMs: 10), [.ignored([SerialFrame.dle], .noise), .confirmed(payment)])
    }

    func testAStrayACKOrNAKIsIgnored() {
        var link = SerialLink()
        XCTAssertEqual(link.received(ack + nak, nowMs: 0), [.ignored(ack, .noise), .ignored(nak, .noise)])
    }

    func testAFrameOfThePeerConfirmsTheFrameWhoseACKWasLost() {
        var ecr = SerialLink()
        _ = ecr.send(payment, nowMs: 0)
        // The terminal's ACK is lost; its `80 00 00` arrives: it has the command.
        XCTAssertEqual(ecr.received(SerialFrame.encode(positive), nowMs: 100), [.write(ack), .deliver(positive), .confirmed(payment)])
        XCTAssertEqual(ecr.advance(nowMs: 10_000), [], "no repeat after T2: the terminal would get the payment twice")
        XCTAssertEqual(ecr.received(ack, nowMs: 10_001), [.ignored(ack, .noise)], "a late ACK is harmless")
    }

    func testARepeatedFrameIsAcknowledgedAgainButDeliveredOnce() {
        var link = SerialLink()
        let frame = SerialFrame.encode(payment)
        XCTAssertEqual(link.received(frame, nowMs: 0), [.write(ack), .deliver(payment)])
        // Our ACK was lost; the register repeats after T2.
        XCTAssertEqual(link.received(frame, nowMs: 5_000), [.write(ack), .ignored(payment, .repetition)])
        // Once we answered, the same APDU is new again (every 04 FF "Bitte warten" is acknowledged).
        _ = link.send(positive, nowMs: 5_100)
        _ = link.received(ack, nowMs: 5_110)
        XCTAssertEqual(link.received(frame, nowMs: 5_200), [.write(ack), .deliver(payment)])
    }

    func testAnEqualFrameAfterTheRepeatWindowIsDelivered() {
        var link = SerialLink()
        let frame = SerialFrame.encode(positive)
        _ = link.received(frame, nowMs: 0)
        XCTAssertEqual(link.received(frame, nowMs: 15_001), [.write(ack), .deliver(positive)], "later than three times T2: not a repeat")
    }

    func testTwoFramesInOneReadAreBothDelivered() {
        var link = SerialLink()
        let status = hex("04 FF 01 0E")
        XCTAssertEqual(
            link.received(SerialFrame.encode(positive) + SerialFrame.encode(status), nowMs: 0),
            [.write(ack), .deliver(positive), .write(ack), .deliver(status)])
    }

    func testLineFaultsApplyOnce() {
        var link = SerialLink()
        link.faults.refuseNextFrame = true
        let frame = SerialFrame.encode(positive)
        XCTAssertEqual(link.received(frame, nowMs: 0), [.write(nak)], "refused as if damaged")
        XCTAssertEqual(link.received(frame, nowMs: 10), [.write(ack), .deliver(positive)], "the repeat is taken")

        link.faults.withholdNextAcknowledgement = true
        XCTAssertEqual(link.received(SerialFrame.encode(payment), nowMs: 20), [.deliver(payment)], "delivered, no ACK")

        link.faults.corruptNextFrame = true
        let corrupt = writes(link.send(positive, nowMs: 30)).first!
        XCTAssertNotEqual(corrupt, frame)
        XCTAssertEqual(writes(link.received(nak, nowMs: 40)), [frame], "the repeat has the right CRC")
        _ = link.received(ack, nowMs: 41)

        link.faults.loseNextFrame = true
        XCTAssertEqual(link.send(positive, nowMs: 50), [], "lost on the line")
        XCTAssertEqual(link.advance(nowMs: 5_050), [.write(frame)], "repeated after T2")
    }

    /// Both ends of a line through their state machines: a register's command and the terminal's
    /// answer, with the first transmission of the command refused once.
    func testTwoLinksTalkThroughALine() {
        var register = SerialLink()
        var terminal = SerialLink()
        terminal.faults.refuseNextFrame = true
        var toTerminal = writes(register.send(payment, nowMs: 0)).flatMap { $0 }
        var atTerminal: [[UInt8]] = []
        var atRegister: [[UInt8]] = []
        var now: Int64 = 0
        for _ in 0..<10 {
            now += 5
            let fromTerminal = terminal.received(toTerminal, nowMs: now)
            atTerminal += delivered(fromTerminal)
            var toRegister = writes(fromTerminal).flatMap { $0 }
            if atTerminal.count == 1, !terminal.hasPendingSends, atRegister.isEmpty {
                toRegister += writes(terminal.send(positive, nowMs: now)).flatMap { $0 }
            }
            let back = register.received(toRegister, nowMs: now)
            atRegister += delivered(back)
            toTerminal = writes(back).flatMap { $0 }
        }
        XCTAssertEqual(atTerminal, [payment], "delivered once, after the repeat")
        XCTAssertEqual(atRegister, [positive])
        XCTAssertFalse(register.hasPendingSends)
        XCTAssertFalse(terminal.hasPendingSends)
    }
}
