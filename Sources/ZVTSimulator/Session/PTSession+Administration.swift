import Foundation
import ZVT

/// Registration and administration: End-of-Day, Turnover Totals, Repeat Receipt, Diagnosis,
/// Status Enquiry (ZVT 13.08 §2.1, §2.16, §2.17, §2.20, §2.43, §2.56).
extension PTSession {
    // MARK: Registration 06 00 (§2.1)

    func handleRegistration(_ apdu: APDU) -> Bool {
        guard let registration = try? Registration(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(registration.fields) { return true }
        if registration.fields[0x06] != nil, let refused = refuseTLVRegistration() { return refused }
        if refuseCurrency(registration.currencyCode) { return true }
        link.send(Acknowledgement.positive.apdu)
        let tlv = registration.tlv
        let permitted = TLV.first(0x26, in: tlv).map { container in
            Set(container.children.filter { $0.tag == 0x0A && $0.value.count == 2 }.map { UInt16($0.value[0]) << 8 | UInt16($0.value[1]) })
        }
        let state = RegistrationState(
            registered: true, config: registration.config, tlvAllowed: registration.fields[0x06] != nil,
            permittedCommands: permitted)
        core.registration.withLock { $0 = state }
        var fields = BMPList([BMPField(0x19, [0x00]), TerminalFields.terminalID(config.terminalID)])
        if registration.currencyCode != nil { fields.append(TerminalFields.currency(config.currencyCode)) }
        if state.tlvAllowed, let container = TLV.first(0x26, in: tlv) {
            fields.append(BMPField(tlv: [container]))
        }
        core.log(.transactions, "Verbindung \(connection): Anmeldung, Konfiguration \(Hex.string([registration.config]))")
        _ = deliver(Completion(content: .fields(fields)).apdu)
        return afterSequence()
    }

    /// A Registration with BMP 06 refused as ``SimulatorControl/refusesTLVRegistration`` says
    /// (the registration state stays as it was); `nil` = not refused.
    private func refuseTLVRegistration() -> Bool? {
        switch core.control.refusesTLVRegistration {
        case .off:
            return nil
        case .on:
            link.send(refusal(0x83))
            core.log(.transactions, "Verbindung \(connection): Anmeldung mit TLV abgelehnt → \(Hex.string(refusal(0x83).bytes))")
            return true
        case .abort:
            link.send(Acknowledgement.positive.apdu)
            core.log(.transactions, "Verbindung \(connection): Anmeldung mit TLV abgelehnt → 06 1E 01 83")
            switch deliver(TerminalAbort(resultCode: .functionNotPossible).apdu) {
            case .timedOut, .closed: return false
            case .accepted, .refused: return afterSequence()
            }
        }
    }

    // MARK: End-of-Day 06 50, Turnover Totals 06 10 (§2.16, §2.43)

    func handleEndOfDay(_ apdu: APDU) -> Bool {
        guard let command = try? EndOfDay(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        link.send(Acknowledgement.positive.apdu)
        let registration = core.registration.current
        do {
            try intermediate(0x17, "Kassenschnitt", registration)
            let totals = core.journal.batchTotals
            let trace = core.journal.takeTrace()
            let stamp = core.timestamp()
            /// The totals message for `part` of the batch: result (in a `04 0F`), total, trace, time, BMP 60.
            func report(_ part: BatchTotals, result: Bool) -> BMPList {
                var fields = BMPList(result ? [TerminalFields.result(0x00)] : [])
                fields.append(TerminalFields.amount(part.totalCents))
                fields.append(TerminalFields.trace(trace))
                for field in TerminalFields.timeAndDate(stamp) { fields.append(field) }
                fields.append(TerminalFields.individualTotals(part, layout: core.control.individualTotals))
                return fields
            }
            let reportKind = core.control.endOfDayReport
            var parts = [totals]
            if reportKind == .perGroup {
                let groups = (0..<totals.counts.count).filter { totals.counts[$0] > 0 }.map { slot -> BatchTotals in
                    var part = BatchTotals()
                    part.counts[slot] = totals.counts[slot]
                    part.amounts[slot] = totals.amounts[slot]
                    part.firstReceipt = totals.firstReceipt
                    part.lastReceipt = totals.lastReceipt
                    return part
                }
                if !groups.isEmpty { parts = groups }
            }
            var entry = JournalEntry(
                number: 0, time: stamp.iso, kind: .endOfDay, status: .closed, trace: trace, receipt: nil,
                amountCents: totals.totalCents, resultCode: "00", scenario: "end-of-day", connection: connection)
            entry.totals = totals.lines
            for part in reportKind == .inCompletion ? [] : parts {
                switch deliver(StatusInformation(fields: report(part, result: true)).apdu) {
                case .accepted:
                    continue
                case .refused, .timedOut, .closed:
                    entry.status = .declined
                    entry.note = "Kasse hat die Summen nicht quittiert: Kassenschnitt nicht durchgeführt"
                    core.journal.append(entry)
                    if link.isClosed { return false }
                    try finishWithAbort(0x77)
                    return afterSequence()
                }
            }
            core.journal.append(entry)
            core.control.endOfDayRequired = false
            core.log(.transactions, "Verbindung \(connection): Kassenschnitt \(ReceiptText.euros(totals.totalCents)), \(totals.totalCount) Zahlungen")
            if registration.printsAdminReceipts {
                var lines = [
                    ReceiptText.centred("Kassenschnitt"), ReceiptText.plain(""), ReceiptText.plain(ReceiptText.line("Terminal-ID", config.terminalID)),
                    ReceiptText.plain(stamp.receiptText), ReceiptText.plain(ReceiptText.line("Trace-Nr.", String(trace))),
                ]
                for line in totals.lines where line.count > 0 {
                    lines.append(ReceiptText.plain(ReceiptText.line("\(line.slot) x\(line.count)", ReceiptText.euros(line.amountCents))))
                }
                lines.append(PrintedLine(attribute: ReceiptText.doubleHeightAttribute, text: ReceiptText.line("Summe", ReceiptText.euros(totals.totalCents))))
                lines.append(ReceiptText.centred("Kassenschnitt erfolgt"))
                _ = printReceipt(type: 0x03, lines: lines, registration)
            }
            try finishWithCompletion(reportKind == .inCompletion ? report(totals, result: false) : BMPList())
            return afterSequence()
        } catch {
            link.close()
            return false
        }
    }

    func handleTurnoverTotals(_ apdu: APDU) -> Bool {
        guard let command = try? TurnoverTotals(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        link.send(Acknowledgement.positive.apdu)
        let totals = core.journal.batchTotals
        var fields = BMPList([TerminalFields.result(0x00), TerminalFields.amount(totals.totalCents)])
        for field in TerminalFields.timeAndDate(core.timestamp()) { fields.append(field) }
        fields.append(TerminalFields.individualTotals(totals, layout: core.control.individualTotals))
        switch deliver(StatusInformation(fields: fields).apdu) {
        case .timedOut, .closed:
            link.close()
            return false
        case .accepted, .refused:
            do { try finishWithCompletion() } catch { return false }
            return afterSequence()
        }
    }

    // MARK: Repeat Receipt 06 20 (§2.20)

    func handleRepeatReceipt(_ apdu: APDU) -> Bool {
        guard let command = try? RepeatReceipt(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        link.send(Acknowledgement.positive.apdu)
        let registration = core.registration.current
        let service = command.serviceByte ?? 0
        do {
            guard let last = core.journal.lastTransaction else {
                try finishWithAbort(0x83)
                return afterSequence()
            }
            let record = Self.record(from: last, timeZone: config.timeZone)
            if profile == .pax {
                // PAX A80: only the Completion (docs/zvt-field-notes.md, vendor deviations).
                try finishWithCompletion()
                return afterSequence()
            }
            if service & 0x01 != 0 {
                switch deliver(StatusInformation(fields: statusFields(for: record, tlvAllowed: registration.tlvAllowed)).apdu) {
                case .timedOut, .closed:
                    link.close()
                    return false
                case .accepted, .refused:
                    break
                }
            }
            if service & 0x02 == 0, registration.printsPaymentReceipts {
                let lines = [ReceiptText.centred("Belegwiederholung")] + receiptLines(record, copy: "Kopie Kunde")
                _ = printReceipt(type: 0x02, lines: lines, registration)
            }
            try finishWithCompletion()
            return afterSequence()
        } catch {
            link.close()
            return false
        }
    }

    /// A journal entry as the transaction record it was (for Repeat Receipt). An auto-reversed
    /// payment is reported with result 6C and the text "Autostorno", so a register that recovers
    /// with Repeat Receipt learns that it did not stand.
    static func record(from entry: JournalEntry, timeZone: TimeZone) -> TransactionRecord {
        let date = ISO8601DateFormatter().date(from: entry.time) ?? Date()
        var record = TransactionRecord(
            kind: entry.kind, amountCents: entry.amountCents, scenario: (try? Scenario(parsing: entry.scenario)) ?? Scenario(),
            currencySent: false, stamp: Timestamp(date, timeZone: timeZone))
        record.trace = entry.trace
        record.receipt = entry.receipt
        record.card = entry.card
        record.resultCode = UInt8(entry.resultCode, radix: 16) ?? 0xFF
        record.reversesReceipt = entry.reversesReceipt
        record.reversesTrace = entry.reversesTrace
        if entry.status == .autoReversed {
            record.resultCode = 0x6C
            record.text = "Autostorno"
        }
        return record
    }

    // MARK: Diagnosis 06 70, Status Enquiry 05 01 (§2.17, §2.56)

    func handleDiagnosis(_ apdu: APDU) -> Bool {
        guard let command = try? Diagnosis(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        link.send(Acknowledgement.positive.apdu)
        do {
            try intermediate(0x17, "Diagnose", core.registration.current)
            try finishWithCompletion()
            return afterSequence()
        } catch {
            link.close()
            return false
        }
    }

    func handleStatusEnquiry(_ apdu: APDU) -> Bool {
        guard let command = try? StatusEnquiry(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        link.send(Acknowledgement.positive.apdu)
        let service = command.serviceByte ?? 0
        let version: [UInt8]? = service & 0x02 != 0 ? nil : ZVTCharacterSet.cp437.encode(config.softwareVersion)
        let status = core.control.endOfDayRequired ? TerminalStatus.reconciliationRequired : TerminalStatus.ready
        let completion = Completion(content: .statusEnquiry(softwareVersion: version, terminalStatus: status, fields: BMPList()))
        switch deliver(completion.apdu) {
        case .timedOut, .closed:
            link.close()
            return false
        case .accepted, .refused:
            return true
        }
    }
}
