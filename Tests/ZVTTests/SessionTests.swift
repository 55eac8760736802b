import TestSupport
import XCTest

@testable import ZVT

/// The sans-I/O session, driven with explicit times (milliseconds): no sleeping.
final class SessionTests: XCTestCase {
    typealias Action = CommandSession.Action
    let ack = APDU(0x80, 0x00)
    let config = SessionConfiguration(t3Ms: 5_000, t4Ms: 180_000, completionGraceMs: 5_000)
    /// Registered so that the terminal prints its own receipts (e.g. config 08): nothing follows the 04 0F.
    let noECRReceipts = SessionConfiguration(t3Ms: 5_000, t4Ms: 180_000, completionGraceMs: 5_000, paymentReceiptsViaECR: false)

    func payment(_ cents: Int64 = 1234) throws -> CommandSession {
        CommandSession(command: try Authorization(amountCents: cents).apdu, configuration: config)
    }

    func apdu(_ text: String) -> APDU { try! APDU.decodeSingle(hex(text)) }

    func sent(_ actions: [Action]) -> [APDU] {
        actions.compactMap { if case .send(let apdu) = $0 { return apdu } else { return nil } }
    }

    func result(_ actions: [Action]) -> SequenceResult? {
        for action in actions { if case .finished(let result) = action { return result } }
        return nil
    }

    func testApprovalAcknowledgesEveryMessageAndRecordsBeforeTheAck() throws {
        var session = try payment()
        XCTAssertEqual(sent(session.start(now: 0)), [try Authorization(amountCents: 1234).apdu])
        XCTAssertEqual(session.deadline, 5_000)
        XCTAssertEqual(session.receive(ack, now: 100), [])
        XCTAssertEqual(session.deadline, 180_100)
        let status = session.receive(try Traces.apdu("dce-valina/data050730027.hex"), now: 1_000)
        XCTAssertEqual(status, [.send(ack), .showStatus("Karte vorhalten\neinstecken/durchziehen", .insertCard)])
        let info = try Traces.apdu("dce-valina/data081649050.hex")
        let actions = session.receive(info, now: 20_000)
        XCTAssertEqual(actions, [.record(try StatusInformation(apdu: info)), .send(ack)], "record first, then the commit ack")
        let receipt = session.receive(try Traces.apdu("dce-valina/data051327012.hex"), now: 21_000)
        XCTAssertEqual(sent(receipt), [ack])
        XCTAssertTrue(receipt.contains { if case .printReceipt(let r) = $0 { return r.receiptType == 1 && r.lines.count == 33 } else { return false } })
        let end = session.receive(APDU(0x06, 0x0F), now: 22_000)
        XCTAssertEqual(sent(end), [ack])
        let r = try XCTUnwrap(result(end))
        XCTAssertEqual(r.outcome, .success)
        XCTAssertTrue(r.completed)
        XCTAssertEqual(r.statusInformation?.fields.receiptNumber, 22)
        XCTAssertEqual(r.receipts.count, 1)
        XCTAssertTrue(session.isFinished)
        XCTAssertNil(session.deadline)
        XCTAssertEqual(session.receive(ack, now: 23_000), [], "nothing after the end")
    }

    func testDeclineTakesTheResultFromStatusInformationWithHostText() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        _ = session.receive(try Traces.apdu("dce-valina/1618046758827PT.hex"), now: 5_000)
        let end = session.receive(apdu("06 1E 01 05"), now: 5_100)
        let r = try XCTUnwrap(result(end))
        XCTAssertEqual(r.outcome, .declined(ResultCode(rawValue: 0x05)))
        XCTAssertEqual(r.text, "Karte abgelehnt")
        XCTAssertNotNil(r.terminalAbort)
    }

    func testAbortAtTheTerminal6C() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        XCTAssertEqual(sent(session.receive(try Traces.apdu("dce-valina/1620217578711PT.hex"), now: 60_000)), [ack])
        let r = try XCTUnwrap(result(session.receive(try Traces.apdu("dce-valina/1620217579741PT.hex"), now: 60_100)))
        XCTAssertEqual(r.outcome, .aborted(.aborted))
        XCTAssertEqual(r.text, "Abbruch durch Zeitüberschreitung oder Abbruchtaste")
        XCTAssertFalse(r.abortRequested)
    }

    func testTerminalAbortWithoutStatusInformationCarriesTheResult() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        let r = try XCTUnwrap(result(session.receive(apdu("06 1E 01 64"), now: 500)))
        XCTAssertEqual(r.outcome, .declined(.cardNotReadable))
        XCTAssertEqual(r.text, "Karte nicht lesbar")
    }

    func testAbortByTheClerkSendsAbortAndWaitsForTheTerminal() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        _ = session.receive(apdu("04 FF 01 0A"), now: 100)
        let abort = session.requestAbort(now: 2_000)
        XCTAssertEqual(sent(abort), [APDU(0x06, 0xB0)])
        XCTAssertEqual(session.requestAbort(now: 2_100), [], "a second request sends nothing more")
        XCTAssertEqual(session.receive(ack, now: 2_200), [], "the terminal's ack to 06 B0 needs no answer")
        XCTAssertFalse(session.isFinished)
        _ = session.receive(apdu("04 0F 02 27 6C"), now: 2_500)
        let r = try XCTUnwrap(result(session.receive(apdu("06 1E 01 6C"), now: 2_600)))
        XCTAssertEqual(r.outcome, .aborted(.aborted))
        XCTAssertTrue(r.abortRequested)
    }

    func testAbortRequestedBeforeTheAcknowledgementIsSentAfterIt() throws {
        var session = try payment()
        _ = session.start(now: 0)
        XCTAssertEqual(session.requestAbort(now: 10), [])
        XCTAssertEqual(sent(session.receive(ack, now: 20)), [APDU(0x06, 0xB0)])
    }

    func testAbortByTheClerkCanLoseAgainstAnApproval() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        _ = session.requestAbort(now: 100)
        _ = session.receive(apdu("84 1E 01 6C"), now: 150)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 3_000)
        let late = session.requestAbort(now: 3_100)
        XCTAssertEqual(sent(late), [])
        let r = try XCTUnwrap(result(session.receive(APDU(0x06, 0x0F), now: 3_200)))
        XCTAssertEqual(r.outcome, .success, "the terminal approved; the abort came too late")
        XCTAssertTrue(r.abortRequested)
    }

    func testNegativeAcknowledgementsRefuseTheCommand() throws {
        for (answer, code) in [("84 83 00", ResultCode.functionNotPossible), ("84 1E 01 7D", .communicationError), ("84 6F 00", .wrongCurrency)] {
            var session = try payment()
            _ = session.start(now: 0)
            let actions = session.receive(apdu(answer), now: 100)
            XCTAssertEqual(sent(actions), [], "no answer to an answer")
            let r = try XCTUnwrap(result(actions), answer)
            XCTAssertEqual(r.outcome, .failed(.refused(code)), answer)
            XCTAssertEqual(r.refusal, try Acknowledgement(apdu: apdu(answer)))
        }
        var logOff = CommandSession(command: LogOff().apdu, configuration: config)
        _ = logOff.start(now: 0)
        XCTAssertEqual(result(logOff.receive(ack, now: 5))?.outcome, .success)
    }

    func testT3TimeoutWithoutAcknowledgement() throws {
        var session = try payment()
        _ = session.start(now: 0)
        XCTAssertEqual(session.timerFired(now: 4_999), [], "not yet")
        let r = try XCTUnwrap(result(session.timerFired(now: 5_000)))
        XCTAssertEqual(r.outcome, .unknown(.noAcknowledgement), "the terminal may have started the payment")
        var enquiry = CommandSession(command: StatusEnquiry().apdu, configuration: config)
        _ = enquiry.start(now: 0)
        XCTAssertEqual(result(enquiry.timerFired(now: 5_000))?.outcome, .failed(.noAcknowledgement))
    }

    func testT4TimeoutWithoutIntermediateStatusIsOutcomeUnknown() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 1_000)
        XCTAssertEqual(session.timerFired(now: 180_999), [])
        let r = try XCTUnwrap(result(session.timerFired(now: 181_000)))
        XCTAssertEqual(r.outcome, .unknown(.completionTimeout))
        XCTAssertFalse(r.completed)
    }

    func testIntermediateStatusRestartsAndExtendsT4() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        _ = session.receive(apdu("04 FF 01 17"), now: 170_000)
        XCTAssertEqual(session.deadline, 350_000, "restarted by 04 FF")
        XCTAssertEqual(session.timerFired(now: 181_000), [])
        // 04 FF with timeout 05 minutes: T4 becomes 300 s
        _ = session.receive(apdu("04 FF 02 0A 05"), now: 200_000)
        XCTAssertEqual(session.deadline, 500_000)
        XCTAssertEqual(session.timerFired(now: 499_999), [])
        // a later 04 FF without timeout restarts with the carried T4
        _ = session.receive(apdu("04 FF 01 17"), now: 300_000)
        XCTAssertEqual(session.deadline, 600_000)
        // a carried value below the default never shortens T4 below 180 s (docs/zvt-field-notes.md, timers)
        _ = session.receive(apdu("04 FF 02 0A 01"), now: 400_000)
        XCTAssertEqual(session.deadline, 580_000)
        XCTAssertEqual(result(session.timerFired(now: 580_000))?.outcome, .unknown(.completionTimeout))
    }

    func testMissingCompletionAfterAnErrorEndsAfterTheGraceTime() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        _ = session.receive(apdu("04 0F 02 27 64"), now: 10_000)
        XCTAssertEqual(session.deadline, 15_000)
        XCTAssertEqual(session.timerFired(now: 14_999), [])
        let r = try XCTUnwrap(result(session.timerFired(now: 15_000)))
        XCTAssertEqual(r.outcome, .declined(.cardNotReadable))
        XCTAssertFalse(r.completed)
    }

    /// ZVT 13.08 §2.2.6: after `04 0F 27 37` (PIN falsch) the terminal asks for the PIN again
    /// (`04 FF`): T4 applies again instead of the grace time, the last `04 0F` counts, and silence
    /// after the retry prompt leaves the outcome unknown, never a decline.
    func testIntermediateStatusAfterAnErrorWaitsForTheTerminalsLastWord() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        _ = session.receive(apdu("04 0F 02 27 37"), now: 10_000)
        XCTAssertEqual(session.deadline, 15_000, "the grace time after an error")
        _ = session.receive(apdu("04 FF 01 01"), now: 11_000)
        XCTAssertEqual(session.deadline, 191_000, "T4 again: the terminal goes on")
        XCTAssertEqual(session.timerFired(now: 15_000), [])
        var retried = session
        _ = retried.receive(apdu("04 0F 02 27 00"), now: 40_000)
        let approved = try XCTUnwrap(result(retried.receive(apdu("06 0F 00"), now: 41_000)))
        XCTAssertEqual(approved.outcome, .success)
        let silent = try XCTUnwrap(result(session.timerFired(now: 191_000)))
        XCTAssertEqual(silent.outcome, .unknown(.completionTimeout))
    }

    /// A Completion with BMP 27 ≠ 00 and no Status-Information ends the command as refused, not
    /// as done; a Completion with 27 = 00 or without a result is success.
    func testACompletionCarryingAnErrorResultIsNotASuccess() throws {
        for (completionHex, expected) in [
            ("06 0F 02 27 05", SequenceResult.Outcome.declined(ResultCode(rawValue: 0x05))),
            ("06 0F 02 27 00", .success), ("06 0F 00", .success),
        ] {
            var session = CommandSession(command: EndOfDay(password: .zero).apdu, configuration: config)
            _ = session.start(now: 0)
            _ = session.receive(ack, now: 0)
            let r = try XCTUnwrap(result(session.receive(apdu(completionHex), now: 1_000)), completionHex)
            XCTAssertEqual(r.outcome, expected, completionHex)
        }
    }

    func testMissingCompletionAfterApprovalWithoutECRReceiptsKeepsTheApproval() throws {
        var session = CommandSession(command: try Authorization(amountCents: 1234).apdu, configuration: noECRReceipts)
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 10_000)
        XCTAssertEqual(session.deadline, 190_000, "T4, not the error grace")
        let r = try XCTUnwrap(result(session.timerFired(now: 190_000)))
        XCTAssertEqual(r.outcome, .success, "no receipts can follow: the acknowledged 04 0F is the commit point (ZVT 13.08 §2.2.8)")
        XCTAssertFalse(r.completed)
    }

    func testMissingCompletionAfterApprovalWhileReceiptsMayFollowIsOutcomeUnknown() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 10_000)
        _ = session.receive(try Traces.apdu("dce-valina/data051327012.hex"), now: 11_000)
        XCTAssertEqual(session.deadline, 191_000, "T4 from the receipt")
        let r = try XCTUnwrap(result(session.timerFired(now: 191_000)))
        XCTAssertEqual(r.outcome, .unknown(.noCompletionAfterResult(timedOut: true)), "the terminal may be waiting to reverse (ZVT 13.08 §2.2.8)")
        XCTAssertFalse(r.completed)
        XCTAssertEqual(r.statusInformation?.fields.receiptNumber, 22, "what is known is kept for the recovery")
        XCTAssertEqual(r.receipts.count, 1)
        XCTAssertTrue(r.text.hasPrefix("Ergebnis unbekannt: Nach dem Ergebnis kam innerhalb von T4 kein Abschluss"), r.text)
    }

    func testConnectionLostBeforeTheResultIsOutcomeUnknown() throws {
        for lostAt in ["before ack", "after ack", "after 04 FF"] {
            var session = try payment()
            _ = session.start(now: 0)
            if lostAt != "before ack" { _ = session.receive(ack, now: 10) }
            if lostAt == "after 04 FF" { _ = session.receive(apdu("04 FF 01 0A"), now: 20) }
            let r = try XCTUnwrap(result(session.connectionLost(now: 30)), lostAt)
            XCTAssertEqual(r.outcome, .unknown(.connectionLost), lostAt)
            XCTAssertNil(r.statusInformation)
        }
        var admin = CommandSession(command: EndOfDay(password: .zero).apdu, configuration: config)
        _ = admin.start(now: 0)
        XCTAssertEqual(result(admin.connectionLost(now: 1))?.outcome, .failed(.connectionLost))
    }

    func testConnectionLostAfterTheAcknowledgedResultWithoutECRReceipts() throws {
        var session = CommandSession(command: try Authorization(amountCents: 1234).apdu, configuration: noECRReceipts)
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 20)
        let r = try XCTUnwrap(result(session.connectionLost(now: 30)))
        XCTAssertEqual(r.outcome, .success, "the 04 0F was acknowledged and no receipts follow: the payment stands (ZVT 13.08 §2.2.8)")
        XCTAssertFalse(r.completed)
        XCTAssertEqual(r.statusInformation?.fields.trace, 22)

        // … but if our acknowledgement could not be written, the terminal may reverse: unknown.
        var unsent = CommandSession(command: try Authorization(amountCents: 1234).apdu, configuration: noECRReceipts)
        _ = unsent.start(now: 0)
        _ = unsent.receive(ack, now: 10)
        _ = unsent.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 20)
        let u = try XCTUnwrap(result(unsent.connectionLost(now: 30, unsentAcknowledgement: true)))
        XCTAssertEqual(u.outcome, .unknown(.connectionLost))
        XCTAssertEqual(u.statusInformation?.fields.receiptNumber, 22, "what is known is kept")
    }

    /// ZVT 13.08 §2.2.8: with receipts via the ECR the terminal keeps an approval only after it got the
    /// acknowledgement of every receipt message too; only the Completion says none is left.
    func testConnectionLostAfterTheAcknowledgedApprovalBeforeTheCompletionIsOutcomeUnknown() throws {
        let info = try Traces.apdu("dce-valina/data081649050.hex")
        let merchant = try Traces.apdu("dce-valina/data051327012.hex")  // 06 D3, closes the receipt
        let cases: [(String, [APDU])] = [
            ("no receipt yet", []),
            ("one 06 D3 receipt acknowledged", [merchant]),
            ("06 D3 receipt, then 06 D1 lines of the next", [merchant, PrintLine(attribute: 0, text: "Kundenbeleg").apdu]),
        ]
        for (name, receipts) in cases {
            for unsentAcknowledgement in [false, true] {
                let label = "\(name), ack \(unsentAcknowledgement ? "not sent" : "sent")"
                var session = try payment()
                _ = session.start(now: 0)
                _ = session.receive(ack, now: 10)
                XCTAssertEqual(session.receive(info, now: 20), [.record(try StatusInformation(apdu: info)), .send(ack)], label)
                for (i, receipt) in receipts.enumerated() {
                    XCTAssertEqual(sent(session.receive(receipt, now: 30 + Int64(i))), [ack], label)
                }
                let r = try XCTUnwrap(result(session.connectionLost(now: 100, unsentAcknowledgement: unsentAcknowledgement)), label)
                XCTAssertEqual(
                    r.outcome, unsentAcknowledgement ? .unknown(.connectionLost) : .unknown(.noCompletionAfterResult(timedOut: false)), label)
                XCTAssertNotEqual(r.outcome, .success, label)
                XCTAssertFalse(r.completed, label)
                XCTAssertEqual(r.statusInformation?.fields.receiptNumber, 22, "\(label): what is known is kept for the recovery")
                XCTAssertEqual(r.receipts.count, receipts.count, "\(label): an open receipt is handed over too")
                XCTAssertEqual(
                    r.text,
                    "Ergebnis unbekannt: \(unsentAcknowledgement ? SessionProblem.connectionLost : .noCompletionAfterResult(timedOut: false)). Bitte Belegwiederholung abfragen"
                )
            }
        }
        XCTAssertEqual(
            SessionProblem.noCompletionAfterResult(timedOut: false).description,
            "Verbindung nach dem Ergebnis, vor dem Abschluss verloren (ohne quittierte Belege storniert das Terminal die Zahlung)")
    }

    func testCompletionAfterTheReceiptsCommitsTheApproval() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 20)
        _ = session.receive(try Traces.apdu("dce-valina/data051327012.hex"), now: 30)
        let end = session.receive(APDU(0x06, 0x0F), now: 40)
        XCTAssertEqual(sent(end), [ack])
        let r = try XCTUnwrap(result(end))
        XCTAssertEqual(r.outcome, .success)
        XCTAssertTrue(r.completed)
        XCTAssertEqual(session.connectionLost(now: 50), [], "a connection lost after the Completion changes nothing")
    }

    func testAbortAfterAnApprovalWhileReceiptsWereDueIsOutcomeUnknown() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 10)
        _ = session.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 20)
        let r = try XCTUnwrap(result(session.receive(apdu("06 1E 01 6C"), now: 30)))
        XCTAssertEqual(r.outcome, .unknown(.abortAfterApproval(.aborted)), "the terminal may have reversed (ZVT 13.08 §2.2.8)")
        XCTAssertTrue(r.completed)

        // Without receipts via the ECR the 06 1E only closes the sequence (ZVT 13.08 §2.2.8).
        var plain = CommandSession(command: try Authorization(amountCents: 1234).apdu, configuration: noECRReceipts)
        _ = plain.start(now: 0)
        _ = plain.receive(ack, now: 10)
        _ = plain.receive(try Traces.apdu("dce-valina/data081649050.hex"), now: 20)
        XCTAssertEqual(result(plain.receive(apdu("06 1E 01 6C"), now: 30))?.outcome, .success)
    }

    func testAcknowledgedDeclineAndAdministrationResultsStandWithoutCompletion() throws {
        // A declining 04 0F moves no money: it stands even while receipts may follow.
        var declined = try payment()
        _ = declined.start(now: 0)
        _ = declined.receive(ack, now: 10)
        _ = declined.receive(apdu("04 0F 02 27 05"), now: 20)
        _ = declined.receive(PrintLine(attribute: 0, text: "Abgelehnt").apdu, now: 30)
        XCTAssertEqual(result(declined.connectionLost(now: 40))?.outcome, .declined(ResultCode(rawValue: 0x05)))
        // End-of-Day is no financial command: its acknowledged 04 0F stands.
        var eod = CommandSession(command: EndOfDay(password: .zero).apdu, configuration: config)
        _ = eod.start(now: 0)
        _ = eod.receive(ack, now: 10)
        _ = eod.receive(apdu("04 0F 02 27 00"), now: 20)
        XCTAssertEqual(result(eod.connectionLost(now: 30))?.outcome, .success)
    }

    func testRegistrationConfigDecidesWhetherReceiptsFollowTheResult() {
        // ZVT 13.08 §2.1 table 1: bit 02 = ECR prints payment receipts, bit 80 = as print commands.
        for config: UInt8 in [0xBE, 0xBA, 0x8E, 0xDE, 0x86, 0x82] {
            XCTAssertTrue(SessionConfiguration.paymentReceiptsViaECR(registrationConfig: config), Hex.string([config]))
        }
        for config: UInt8 in [0x08, 0x00, 0xBC, 0x84, 0x3E, 0x02] {
            XCTAssertFalse(SessionConfiguration.paymentReceiptsViaECR(registrationConfig: config), Hex.string([config]))
        }
        XCTAssertTrue(SessionConfiguration().paymentReceiptsViaECR, "unknown registration: receipts may follow")
    }

    func testUnknownIntermediateCodesAndUnknownCommands() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        for code: UInt8 in 0xA0...0xA5 {
            let actions = session.receive(APDU(0x04, 0xFF, data: [code]), now: 100)
            XCTAssertEqual(actions, [.send(ack), .showStatus("Bitte warten…", IntermediateStatus(rawValue: code))])
        }
        let withText = session.receive(IntermediateStatusInformation(status: IntermediateStatus(rawValue: 0xA3), texts: ["Bitte PIN eingeben"]).apdu, now: 200)
        XCTAssertEqual(withText.last, .showStatus("Bitte PIN eingeben", IntermediateStatus(rawValue: 0xA3)))
        XCTAssertEqual(sent(session.receive(try Traces.apdu("feig-cvend/1682080275.777628000_192.168.0.59_192.168.0.139.blob"), now: 300)), [APDU(0x84, 0x83)])
        XCTAssertEqual(sent(session.receive(APDU(0x04, 0xFF), now: 300)), [ack], "even a malformed 04 FF gets its ack")
        XCTAssertFalse(session.isFinished)
    }

    func testTerminalThatSkipsTheAcknowledgement() throws {
        var session = try payment()
        _ = session.start(now: 0)
        XCTAssertEqual(sent(session.receive(apdu("04 FF 01 17"), now: 10)), [ack])
        XCTAssertEqual(session.deadline, 180_010)
    }

    func testPaymentEndingWithoutStatusInformationIsNotGuessed() throws {
        var session = try payment()
        _ = session.start(now: 0)
        _ = session.receive(ack, now: 0)
        let r = try XCTUnwrap(result(session.receive(APDU(0x06, 0x0F), now: 10)))
        XCTAssertEqual(r.outcome, .unknown(.protocolViolation("Abschluss ohne Status-Information")))
    }

    func testAdministrationSequences() throws {
        var enquiry = CommandSession(command: StatusEnquiry(password: .zero).apdu, configuration: config)
        _ = enquiry.start(now: 0)
        _ = enquiry.receive(ack, now: 0)
        let r = try XCTUnwrap(result(enquiry.receive(try Traces.apdu("feig-cvend/1680728219.054216000_pt_ecr.blob"), now: 10)))
        XCTAssertEqual(r.outcome, .success)
        XCTAssertEqual(r.completion?.softwareVersion, "GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26")
        XCTAssertEqual(r.completion?.terminalStatus, .ready)

        var eod = CommandSession(command: EndOfDay(password: .zero).apdu, configuration: config)
        _ = eod.start(now: 0)
        _ = eod.receive(ack, now: 0)
        _ = eod.receive(try Traces.apdu("feig-cvend/1680761828.489701000_pt_ecr.blob"), now: 100_000)
        _ = eod.receive(try Traces.apdu("dce-valina/1617777384987PT.hex"), now: 100_100)
        let e = try XCTUnwrap(result(eod.receive(APDU(0x06, 0x0F), now: 100_200)))
        XCTAssertEqual(e.outcome, .success)
        XCTAssertEqual(e.statusInformation?.totals.totalCents, 958)
        XCTAssertEqual(e.receipts.first?.receiptType, 0x03)

        // 06 D1 lines are collected into a receipt closed by an attribute ≥ 81
        var reg = CommandSession(command: Registration(password: .zero, config: 0xBA).apdu, configuration: config)
        _ = reg.start(now: 0)
        _ = reg.receive(ack, now: 0)
        _ = reg.receive(PrintLine(attribute: 0, text: "Zeile 1").apdu, now: 1)
        let closing = reg.receive(PrintLine(attribute: 0x81, text: "Ende").apdu, now: 2)
        XCTAssertTrue(
            closing.contains(
                .printReceipt(
                    PrintedReceipt(
                        receiptType: nil,
                        lines: [
                            PrintedLine(attribute: 0, text: "Zeile 1"), PrintedLine(attribute: 0x81, text: "Ende"),
                        ]))))
        // A line feed (attribute FF, its count in the text byte) mid-receipt does not end it (§3.5, Table 16).
        _ = reg.receive(PrintLine(attribute: 0, text: "Zeile 2").apdu, now: 2)
        XCTAssertFalse(reg.receive(APDU(0x06, 0xD1, data: [0xFF, 0x02]), now: 2).contains { if case .printReceipt = $0 { true } else { false } })
        let second = reg.receive(PrintLine(attribute: 0x81, text: "Ende 2").apdu, now: 2)
        XCTAssertTrue(
            second.contains(
                .printReceipt(
                    PrintedReceipt(
                        receiptType: nil,
                        lines: [
                            PrintedLine(attribute: 0, text: "Zeile 2"), PrintedLine(attribute: 0, text: ""), PrintedLine(attribute: 0, text: ""),
                            PrintedLine(attribute: 0x81, text: "Ende 2"),
                        ]))), "\(second)")
        let done = try XCTUnwrap(result(reg.receive(try Traces.apdu("dce-valina/1620218414428PT.hex"), now: 3)))
        XCTAssertEqual(done.completion?.fields.terminalId, "29001006")
    }
}
