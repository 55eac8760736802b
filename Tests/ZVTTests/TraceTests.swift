import TestSupport
import XCTest

@testable import ZVT

/// Every trace decodes field by field as Traces/MANIFEST.md describes.
final class TraceTests: XCTestCase {
    func testEveryTraceRoundTripsThroughItsTypedMessage() throws {
        for name in Traces.all where !Traces.missingLengthByte.contains(name) {
            let bytes = try Traces.bytes(name)
            let apdu = try APDU.decodeSingle(bytes, tolerant: false)
            let message = try Message.decode(apdu)
            XCTAssertEqual(message.apdu.bytes, try Traces.decodedBytes(name), "decode → encode of \(name)")
            XCTAssertEqual(try Message.decode(message.apdu), message, "encode → decode of \(name)")
            // No known message type leaves bytes unparsed, except the proprietary reply to 0F A1.
            if case .other = message { continue }
            if name.contains("1680761818.768770000") { continue }
            XCTAssertNil(problem(of: message), name)
        }
    }

    private func problem(of message: Message) -> ZVTCodecError? {
        switch message {
        case .statusInformation(let m): return m.fields.problem
        case .intermediateStatus(let m): return m.fields.problem
        case .printTextBlock(let m): return m.fields.problem
        case .completion(let m): return m.fields.problem
        case .terminalAbort(let m): return m.fields.problem
        case .registration(let m): return m.fields.problem
        case .endOfDay(let m): return m.fields.problem
        default: return nil
        }
    }

    func testFeigApprovedPreAuthorisationStatusInformation() throws {
        guard case .statusInformation(let info) = try Traces.message("feig-cvend/1680728165.675509000_pt_ecr.blob") else {
            return XCTFail("not 04 0F")
        }
        let f = info.fields
        XCTAssertEqual(info.resultCode, .success)
        XCTAssertEqual(f.amountCents, 2500)
        XCTAssertEqual(f.currencyCode, 978)
        XCTAssertEqual(f.time, "22:55:58")
        XCTAssertEqual(f.monthDay?.month, 4)
        XCTAssertEqual(f.monthDay?.day, 5)
        XCTAssertEqual(f.maskedPAN, "559883******8074")
        XCTAssertEqual(f.receiptNumber, 231)
        XCTAssertEqual(f.authorisationAttribute, "750071")
        XCTAssertEqual(f.trace, 975)
        XCTAssertEqual(f.paymentType, 0x60)
        XCTAssertEqual(f.terminalId, "52523535")
        XCTAssertEqual(f.expiry, "2405")
        XCTAssertEqual(f.cardType, 0x06)
        XCTAssertEqual(f[0x8C]?.byte, 0x01)
        XCTAssertEqual(f.cardName, "MasterCard")
        XCTAssertEqual(f.vuNumber, "804011926")
        XCTAssertEqual(f[0x2A]?.value.count, 15)
        XCTAssertEqual(f.fields.map(\.number), [0x27, 0x04, 0x49, 0x0C, 0x0D, 0x22, 0x87, 0x3B, 0x0B, 0x19, 0x29, 0x0E, 0x8A, 0x8C, 0x8B, 0x2A])
    }

    func testFeigIntermediateStatusAndCompletion() throws {
        guard case .intermediateStatus(let status) = try Traces.message("feig-cvend/1680728162.647465000_pt_ecr.blob") else {
            return XCTFail("not 04 FF")
        }
        XCTAssertEqual(status.status, .pleaseWait)
        XCTAssertNil(status.timeoutMinutes)
        XCTAssertEqual(status.displayText(), "Bitte warten...")
        guard case .completion(let completion) = try Traces.message("feig-cvend/1680728165.827009000_pt_ecr.blob") else {
            return XCTFail("not 06 0F")
        }
        XCTAssertEqual(completion.content, .fields(BMPList()))
    }

    func testFeigReceiptBlockWithLongLengthsInBothByteOrders() throws {
        let bytes = try Traces.bytes("feig-cvend/1680728215.585561000_pt_ecr.blob")
        XCTAssertEqual(bytes.count, 1126)
        guard case .printTextBlock(let block) = try Traces.message("feig-cvend/1680728215.585561000_pt_ecr.blob") else {
            return XCTFail("not 06 D3")
        }
        XCTAssertEqual(block.apdu.data.count, 1121)
        XCTAssertEqual(block.fields[0x06]?.value.count, 1117)
        XCTAssertEqual(block.receiptType, 0x02)
        let lines = block.lines()
        XCTAssertEqual(lines.count, 33)
        XCTAssertEqual(lines.filter { $0.text.isEmpty }.count, 7)
        XCTAssertTrue(lines.contains { $0.text.contains("** Customer Receipt **") })
        XCTAssertTrue(lines.contains { $0.text.contains("Cancellation approved") })
        XCTAssertTrue(lines.contains { $0.text.contains("EUR 25,00") })
        XCTAssertTrue(lines.allSatisfy { $0.text.count <= 40 })
        XCTAssertTrue(block.closesReceipt, "closing attribute 09 FF")
    }

    func testFeigReversalStatusInformationWithAdditionalText() throws {
        guard case .statusInformation(let info) = try Traces.message("feig-cvend/1680728215.659492000_pt_ecr.blob") else {
            return XCTFail("not 04 0F")
        }
        XCTAssertEqual(info.resultCode, .success)
        XCTAssertEqual(info.fields.amountCents, 0)
        XCTAssertEqual(info.fields.receiptNumber, 232)
        XCTAssertEqual(info.fields.trace, 977)
        XCTAssertEqual(
            info.fields.additionalText(),
            "AS-Proc-Code= 00 076 06\rCapt.-Ref.= 0099\rAID59= 081520\r DAUER   7 TAGE")
    }

    func testFeigStatusEnquiryCompletionIsPositional() throws {
        let apdu = try Traces.apdu("feig-cvend/1680728219.054216000_pt_ecr.blob")
        for pending in [nil, StatusEnquiry.command] {
            let completion = try Completion(apdu: apdu, pendingCommand: pending)
            XCTAssertEqual(completion.softwareVersion, "GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26")
            XCTAssertEqual(completion.terminalStatus, .ready)
            let tlv = completion.fields.tlv
            XCTAssertEqual(TLV.first(0x1F44, in: tlv)?.value, hex("52 52 35 35"))
            let device = try XCTUnwrap(TLV.first(0xE4, in: tlv))
            XCTAssertEqual(device.first(0x1F40)?.value, Array("cVEND plug".utf8))
            XCTAssertEqual(device.first(0x1F42)?.value, hex("17 FD 1E 3C"))
            XCTAssertEqual(device.first(0x1F43)?.value, [0x00])
            let clock = try XCTUnwrap(TLV.first(0x34, in: tlv))
            XCTAssertEqual(clock.first(0x1F0E)?.value, hex("20 23 04 05"))
            XCTAssertEqual(clock.first(0x1F0F)?.value, hex("22 56 55"))
            XCTAssertEqual(completion.apdu, apdu)
        }
    }

    func testFeigRegistrationAndItsCompletion() throws {
        guard case .registration(let registration) = try Traces.message("feig-cvend/1681273860.511128000_ecr_pt.blob") else {
            return XCTFail("not 06 00")
        }
        XCTAssertEqual(registration.password, Password("123456"))
        XCTAssertEqual(registration.config, 0xDE)
        XCTAssertEqual(registration.currencyCode, 978)
        XCTAssertNil(registration.serviceByte)
        XCTAssertTrue(registration.tlv.isEmpty)
        guard case .completion(let completion) = try Traces.message("feig-cvend/1680761818.641601000_pt_ecr.blob", pending: Registration.command) else {
            return XCTFail("not 06 0F")
        }
        XCTAssertEqual(completion.fields.paymentType, 0x10)
        XCTAssertEqual(completion.fields.terminalId, "52523535")
        XCTAssertEqual(completion.fields.currencyCode, 978)
        // Valina's registration completion
        let valina = try Completion(apdu: Traces.apdu("dce-valina/1620218414428PT.hex"), pendingCommand: Registration.command)
        XCTAssertEqual(valina.fields.paymentType, 0x00)
        XCTAssertEqual(valina.fields.terminalId, "29001006")
    }

    func testFeigEndOfDay() throws {
        guard case .endOfDay(let command) = try Traces.message("feig-cvend/1681282621.302434000_ecr_pt.blob") else {
            return XCTFail("not 06 50")
        }
        XCTAssertEqual(command.password, Password("123456"))
        XCTAssertTrue(command.fields.fields.isEmpty)
        guard case .statusInformation(let info) = try Traces.message("feig-cvend/1680761828.489701000_pt_ecr.blob") else {
            return XCTFail("not 04 0F")
        }
        let totals = info.totals
        XCTAssertEqual(totals.totalCents, 958)
        XCTAssertEqual(totals.trace, 982)
        XCTAssertEqual(totals.date?.month, 4)
        XCTAssertEqual(totals.date?.day, 6)
        XCTAssertEqual(totals.time, "08:17:06")
        XCTAssertEqual(totals.individual?.firstReceipt, 233)
        XCTAssertEqual(totals.individual?.lastReceipt, 234)
        XCTAssertEqual(totals.individual?.groups[2], .init(name: "Eurocard/Mastercard", count: 2, amountCents: 958))
        XCTAssertEqual(totals.individual?.groups.map(\.count).reduce(0, +), 2)
    }

    func testFeigGirocardStatusInformation() throws {
        guard case .statusInformation(let info) = try Traces.message("feig-cvend/1682066249.409078000_pt_ecr.blob") else {
            return XCTFail("not 04 0F")
        }
        let f = info.fields
        XCTAssertEqual(f.amountCents, 2500)
        XCTAssertEqual(f.time, "10:37:20")
        XCTAssertEqual(f[0x22]?.value.count, 10)
        XCTAssertEqual(f.maskedPAN, "471100*********8004", "sent in full, masked by the decoder")
        XCTAssertEqual(f[0x17]?.bcdNumber, 2)
        XCTAssertEqual(f.receiptNumber, 249)
        XCTAssertEqual(f.authorisationAttribute, "018372")
        XCTAssertEqual(f.trace, 1012)
        XCTAssertEqual(f.expiry, "2612")
        XCTAssertEqual(f.cardType, 0x05)
        XCTAssertEqual(f.cardName, "girocard")
        XCTAssertEqual(f.vuNumber, "16004008")
    }

    func testFeigAbortAndReadCardAndProprietaryMessages() throws {
        guard case .terminalAbort(let abort) = try Traces.message("feig-cvend/partial_reversal.blob") else {
            return XCTFail("not 06 1E")
        }
        XCTAssertEqual(abort.resultCode.rawValue, 0xB8)
        XCTAssertNil(abort.bareCurrency)
        XCTAssertEqual(abort.fields[0x87]?.value, [0xFF, 0xFF])
        XCTAssertNil(abort.fields.receiptNumber, "FFFF = no receipt")

        // 06 C0 Read Card is not a typed message: kept as a whole.
        guard case .other(let readCard) = try Traces.message("feig-cvend/1680722649.972316000_ecr_pt.blob") else {
            return XCTFail("06 C0 should stay untyped")
        }
        XCTAssertEqual(readCard.command, 0x06C0)
        XCTAssertEqual(readCard.data.count, 15)

        guard case .statusInformation(let card) = try Traces.message("feig-cvend/1680728161.963129000_pt_ecr.blob") else {
            return XCTFail("not 04 0F")
        }
        let tlv = card.fields.tlv
        XCTAssertEqual(TLV.first(0x4C, in: tlv)?.value, hex("00 00 00 00 00 00 08 1C A7 2F"))
        XCTAssertEqual(TLV.first(0x1F45, in: tlv)?.value, hex("05 78 80 70 02"))
        XCTAssertEqual(TLV.first(0x1F4D, in: tlv)?.value, hex("FE 04"))
        XCTAssertEqual(TLV.first(0x60, in: tlv)?.first(0x43)?.value, hex("A0 00 00 00 04 10 10"))

        guard case .statusInformation(let girocard) = try Traces.message("feig-cvend/status_information_read_card.blob") else {
            return XCTFail("not 04 0F")
        }
        XCTAssertEqual(girocard.fields[0x23]?.value.count, 19)
        let apps = TLV.first(0x62, in: girocard.fields.tlv)?.children ?? []
        XCTAssertEqual(apps.map { $0.first(0x41)?.value }, [hex("00 05"), hex("00 2E")])
        XCTAssertEqual(TLV.first(0x1F0B, in: girocard.fields.tlv)?.value, hex("00 00 00 01 00 00"))

        // 80 00 with 1089 bytes of data and an extended length
        guard case .acknowledgement(let ack) = try Traces.message("feig-cvend/1682080310.907262000_192.168.0.139_192.168.0.59.blob") else {
            return XCTFail("not 80 00")
        }
        XCTAssertTrue(ack.isPositive)
        XCTAssertEqual(ack.data.count, 1089)
        let block = try TLV.decode(BMPList(decoding: ack.data).fields[0].value)
        XCTAssertEqual(block.first?.first(0x1C)?.value.count, 1068)

        // 08 13 with Feig's private tags FF40/FF41 kept raw
        let config = try Traces.apdu("feig-cvend/change_host_config.blob")
        let e4 = try XCTUnwrap(TLV.first(0xE4, in: BMPList(decoding: config.data).tlv))
        XCTAssertEqual(e4.first(0xFF41)?.value, hex("D5 B7 13 69 76 C1 01"))
        XCTAssertEqual(e4.first(0xFF40)?.value, hex("12 34 56"))
    }

    func testFeigConfigurationPrintoutInCP437() throws {
        guard case .printTextBlock(let block) = try Traces.message("feig-cvend/print_system_configuration_reply.blob") else {
            return XCTFail("not 06 D3")
        }
        XCTAssertEqual(block.apdu.data.count, 4088)
        XCTAssertEqual(block.receiptType, 0x03)
        let lines = block.lines(.cp437)
        XCTAssertEqual(lines.count, 118)
        XCTAssertTrue(lines[0].text.contains("** Konfiguration **") || lines.contains { $0.text.contains("** Konfiguration **") })
        let all = lines.map(\.text).joined(separator: "\n")
        XCTAssertTrue(all.contains("ü") || all.contains("ä") || all.contains("ö"))
        XCTAssertTrue(all.contains("22000"))
        XCTAssertFalse(block.closesReceipt, "continues in a later block")
    }

    func testValinaMessages() throws {
        guard case .intermediateStatus(let status) = try Traces.message("dce-valina/data050730027.hex") else {
            return XCTFail("not 04 FF")
        }
        XCTAssertEqual(status.status, .insertCard)
        XCTAssertEqual(status.timeoutMinutes, 1)
        XCTAssertEqual(status.displayLines(), ["Karte vorhalten", "einstecken/durchziehen"])
        XCTAssertEqual(status.displayText(), "Karte vorhalten\neinstecken/durchziehen")

        guard case .intermediateStatus(let wait) = try Traces.message("dce-valina/data081621025.hex") else { return XCTFail() }
        XCTAssertEqual(wait.status.rawValue, 0x0E)
        XCTAssertEqual(wait.displayText(), "Vorgang wird bearbeitet bitte warten...")

        guard case .statusInformation(let declined) = try Traces.message("dce-valina/1618046758827PT.hex") else { return XCTFail() }
        XCTAssertEqual(declined.resultCode?.rawValue, 0x05)
        XCTAssertEqual(declined.fields.terminalId, "29001006")
        XCTAssertEqual(declined.resultText(), "Karte abgelehnt")
        XCTAssertEqual(declined.fields.cardType, 0x0D)
        XCTAssertEqual(TLV.first(0x24, in: declined.fields.tlv)?.first(0x07)?.value, Array("Karte abgelehnt".utf8))

        guard case .statusInformation(let approved) = try Traces.message("dce-valina/1618593839564PT.hex") else { return XCTFail() }
        let f = approved.fields
        XCTAssertEqual(approved.resultCode, .success)
        XCTAssertEqual(f.amountCents, 1880)
        XCTAssertEqual(f.trace, 153)
        XCTAssertEqual(f.time, "19:23:36")
        XCTAssertEqual(f[0x17]?.bcdNumber, 1)
        XCTAssertEqual(f.paymentType, 0x70)
        XCTAssertEqual(f.maskedPAN, "***************4281")
        XCTAssertEqual(f.terminalId, "29001006")
        XCTAssertEqual(f.vuNumber, "100764992")
        XCTAssertEqual(f.authorisationAttribute, "958520")
        XCTAssertEqual(f.additionalText(), "GEN.NR.:958520")
        XCTAssertEqual(f.receiptNumber, 153)
        XCTAssertEqual(f.turnoverNumber, 153)
        XCTAssertEqual(f.cardType, 0x2E)
        XCTAssertEqual(f.cardName, "MAESTRO")
        XCTAssertEqual(TLV.first(0x43, in: f.tlv)?.value, hex("A0 00 00 00 04 30 60"))
        XCTAssertEqual(TLV.first(0x1F12, in: f.tlv)?.value, [0x02])
        XCTAssertNotNil(TLV.first(0x46, in: f.tlv))
        XCTAssertNotNil(TLV.first(0x47, in: f.tlv))

        guard case .statusInformation(let small) = try Traces.message("dce-valina/data081649050.hex") else { return XCTFail() }
        XCTAssertEqual(small.fields.amountCents, 1)
        XCTAssertEqual(small.fields.trace, 22)
        XCTAssertEqual(small.fields.maskedPAN, "************5726")
        XCTAssertEqual(small.fields.cardName, "Debit Mastercard")
        XCTAssertEqual(small.fields.receiptNumber, 22)

        let enquiry = try Completion(apdu: Traces.apdu("dce-valina/1619070661833PT.hex"))
        XCTAssertEqual(enquiry.terminalStatus, .cardInserted)
        XCTAssertNil(enquiry.softwareVersion)

        guard case .statusInformation(let aborted) = try Traces.message("dce-valina/1620217578711PT.hex") else { return XCTFail() }
        XCTAssertEqual(aborted.resultCode, .aborted)
        guard case .terminalAbort(let abort) = try Traces.message("dce-valina/1620217579741PT.hex") else { return XCTFail() }
        XCTAssertEqual(abort.resultCode, .aborted)
        XCTAssertEqual(try Traces.bytes("dce-valina/data091355012.hex"), try Traces.bytes("dce-valina/1620217579741PT.hex"))
    }

    func testValinaReceiptsInLatin1() throws {
        guard case .printTextBlock(let merchant) = try Traces.message("dce-valina/data051327012.hex") else { return XCTFail() }
        XCTAssertEqual(merchant.receiptType, 0x01)
        let lines = merchant.lines(.latin1)
        XCTAssertEqual(lines.count, 33)
        XCTAssertTrue(lines.contains { $0.text.contains("** HÄNDLERBELEG **") })
        XCTAssertTrue(lines.allSatisfy { $0.text.count <= 24 })
        XCTAssertTrue(merchant.closesReceipt)

        guard case .printTextBlock(let eod) = try Traces.message("dce-valina/1617777384987PT.hex") else { return XCTFail() }
        XCTAssertEqual(eod.receiptType, 0x03)
        XCTAssertEqual(eod.lines().count, 52)
        XCTAssertTrue(eod.lines().contains { $0.text.contains("KASSENSCHNITT") })
        XCTAssertTrue(eod.lines().contains { $0.attribute == 0x40 })
        XCTAssertTrue(eod.closesReceipt)
    }
}
