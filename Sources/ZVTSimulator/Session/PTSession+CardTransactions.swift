import Foundation
import SystemCalls
import ZVT

/// Card transactions: Authorisation, Refund, Reversal (ZVT 13.08 §2.2, §2.9, §2.15).
extension PTSession {
    // MARK: Authorisation 06 01, Refund 06 31 (§2.2, §2.15)

    func handleAuthorization(_ apdu: APDU) -> Bool {
        guard let command = try? Authorization(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        return startCardTransaction(.payment, fields: command.fields)
    }

    func handleRefund(_ apdu: APDU) -> Bool {
        guard let command = try? Refund(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        return startCardTransaction(.refund, fields: command.fields)
    }

    func startCardTransaction(_ kind: JournalEntry.Kind, fields: BMPList) -> Bool {
        if refuseUnknownFields(fields) { return true }
        if refuseCurrency(fields.currencyCode) { return true }
        guard let amount = fields.amountCents, amount > 0 else {
            // Amount entry on the terminal is not simulated: the amount is mandatory here.
            link.send(Self.protocolError.apdu)
            return true
        }
        let scenario = core.control.scenario(forAmountCents: amount, script: &script)
        let record = TransactionRecord(
            kind: kind, amountCents: amount, scenario: scenario, currencySent: fields.currencyCode != nil, stamp: core.timestamp())
        let delta = kind == .payment ? core.control.approveAmountDeltaCents : 0
        return runCardTransaction(record) { [core] trace in
            var decision = HostDecision(resultCode: scenario.outcome.resultCode ?? 0x00, card: core.cards.card(forTrace: trace))
            decision.text = scenario.outcome.declineText
            // The host approves another amount than asked (``SimulatorControl/approveAmountDeltaCents``).
            if decision.resultCode == 0x00, delta != 0 { decision.amountCents = max(1, amount &+ delta) }
            return decision
        }
    }

    /// What the (simulated) host answered.
    struct HostDecision {
        var resultCode: UInt8
        var card: SimulatedCard?
        var text: String? = nil
        var amountCents: Int64? = nil
        var reversesReceipt: Int? = nil
        var reversesTrace: Int? = nil
    }

    /// The common flow of payment, refund and reversal: acknowledgement, card and PIN (with
    /// intermediate statuses), host, Status-Information, receipts, Completion.
    func runCardTransaction(_ start: TransactionRecord, host: (Int) -> HostDecision) -> Bool {
        var record = start
        let scenario = record.scenario
        faults = scenario.faults
        journaledCurrent = false
        link.splitBytes = faults.contains(.splitBytes)
        let registration = core.registration.current

        if faults.contains(.nack) {
            link.send(refusal(0x9A))
            core.log(.transactions, "Verbindung \(connection): \(scenario) → 84 9A 00 (kein Journaleintrag)")
            return true
        }
        if scenario.outcome == .busy || scenario.outcome == .hostUnreachable {
            let code: UInt8 = scenario.outcome == .busy ? 0x9C : 0x7D
            link.send(refusal(code))
            core.log(.transactions, "Verbindung \(connection): \(scenario) → Ablehnung \(Hex.string([code])) (kein Journaleintrag)")
            return true
        }
        if faults.contains(.slowAck) {
            // Nothing has started before the acknowledgement: a register that gives up leaves no trace.
            do { try pause(ms: timing.t3Ms * 2) } catch {
                link.close()
                core.log(.transactions, "Verbindung \(connection): \(scenario): Kasse hat vor der späten Quittung aufgegeben (kein Journaleintrag)")
                return false
            }
        }
        link.send(Acknowledgement.positive.apdu, hold: faults.contains(.mergeWrites))

        do {
            if scenario.outcome == .endOfDayRequired || core.control.endOfDayRequired {
                record.resultCode = 0xF0
                record.text = "Kassenschnitt erforderlich"
                journal(record, .declined, note: "Kassenschnitt erforderlich: 06 1E F0 ohne Status-Information")
                try finishWithAbort(0xF0)
                return afterSequence()
            }

            // Card.
            try intermediate(0x0A, "Karte einstecken", registration)
            let cardWaitMs = scenario.outcome == .clerkAbort ? timing.cardWaitMs : 0
            if try waitForAbort(ms: cardWaitMs) || scenario.outcome == .clerkAbort {
                let note = abortRequested ? "Abbruch durch die Kasse (06 B0) beim Warten auf die Karte" : "keine Karte innerhalb der Kartenwartezeit"
                return try failBeforeHost(&record, code: 0x6C, note: note, registration)
            }
            if scenario.outcome == .cardUnreadable {
                try intermediate(0x0C, "Karte nicht lesbar", registration)
                return try failBeforeHost(&record, code: 0x64, note: "Karte nicht lesbar", registration)
            }

            // PIN.
            try intermediate(0x01, "PIN eingeben", registration)
            if scenario.outcome == .pinTimeout {
                _ = try waitForAbort(ms: timing.pinTimeoutMs)
                let note = abortRequested ? "Abbruch durch die Kasse (06 B0) bei der PIN-Eingabe" : "Zeitüberschreitung am PIN-Pad"
                return try failBeforeHost(&record, code: 0x6C, note: note, registration)
            }
            if scenario.outcome == .pinRetry {
                try intermediate(0x15, "Geheimzahl falsch", registration)
                try intermediate(0x01, "PIN erneut eingeben", registration)
            }
            if try waitForAbort(ms: 0) {
                return try failBeforeHost(&record, code: 0x6C, note: "Abbruch durch die Kasse (06 B0) vor der Autorisierung", registration)
            }
            if scenario.outcome == .pinRetryStatus {
                guard try wrongPinStatusInformation(&record, registration) else { return false }
            }

            // Host.
            try intermediate(0x17, "Bitte warten", registration)
            let trace = core.journal.takeTrace()
            record.trace = trace
            let decision = host(trace)
            record.resultCode = decision.resultCode
            record.card = decision.card
            record.text = decision.text
            if let amount = decision.amountCents { record.amountCents = amount }
            record.reversesReceipt = decision.reversesReceipt
            record.reversesTrace = decision.reversesTrace
            try slowHost(registration)

            if faults.contains(.dropBeforeStatus) {
                link.close()
                let approved = record.resultCode == 0x00
                journal(
                    record, approved ? .autoReversed : .declined,
                    note: "Verbindung vor der Status-Information getrennt (Fehler drop-before-status)")
                return false
            }
            if decision.resultCode == 0x00 { record.receipt = core.journal.takeReceipt() }
            return try deliverResult(&record, registration)
        } catch Interruption.connectionLost(let reason) {
            link.close()
            // Already decided (e.g. booked, then the register vanished at the Completion): that stands.
            if journaledCurrent { return false }
            // Host approved but the result never got through: the terminal reverses it.
            let hostApproved = record.trace != nil && record.resultCode == 0x00
            if record.trace == nil && record.resultCode == 0x00 { record.resultCode = 0x6C }
            journal(record, hostApproved ? .autoReversed : .declined, note: reason)
            return false
        } catch {
            link.close()
            return false
        }
    }

    /// §2.2.6: the host reports result 37 (PIN incorrect) in a first Status-Information; the
    /// terminal then restarts PIN entry. `false` if the register did not take it (connection closed).
    func wrongPinStatusInformation(_ record: inout TransactionRecord, _ registration: RegistrationState) throws -> Bool {
        try intermediate(0x17, "Bitte warten", registration)
        record.trace = core.journal.takeTrace()
        record.resultCode = 0x37
        var fields = BMPList([TerminalFields.result(0x37), TerminalFields.amount(record.amountCents), TerminalFields.trace(record.trace!)])
        for field in TerminalFields.timeAndDate(record.stamp) { fields.append(field) }
        fields.append(TerminalFields.terminalID(config.terminalID))
        fields.append(TerminalFields.additionalText("PIN falsch", charset: profile.charset))
        switch deliver(StatusInformation(fields: fields).apdu) {
        case .timedOut, .closed:
            link.close()
            journal(record, .declined, note: "keine Quittung auf die Status-Information 27 37 (PIN falsch)")
            return false
        case .accepted, .refused:
            break
        }
        try intermediate(0x15, "Geheimzahl falsch", registration)
        try intermediate(0x01, "PIN erneut eingeben", registration)
        if timing.pinRetryMs > 0 { _ = try waitForAbort(ms: timing.pinRetryMs) }
        record.trace = nil
        record.resultCode = 0x00
        return true
    }

    /// Card-stage failure (no host contact, no trace): `04 0F 27 <rc>`, then `06 1E 01 <rc>`.
    func failBeforeHost(_ record: inout TransactionRecord, code: UInt8, note: String, _ registration: RegistrationState) throws -> Bool {
        record.resultCode = code
        var fields = BMPList([TerminalFields.result(code)])
        fields.append(TerminalFields.terminalID(config.terminalID))
        let outcome = deliver(StatusInformation(fields: fields).apdu)
        journal(record, .declined, note: note)
        switch outcome {
        case .timedOut, .closed:
            link.close()
            return false
        case .accepted, .refused:
            break
        }
        if !faults.contains(.noCompletionAfterError) { try finishWithAbort(code) }
        return afterSequence()
    }

    /// Sends the Status-Information, handles the register's answer, prints, completes.
    func deliverResult(_ record: inout TransactionRecord, _ registration: RegistrationState) throws -> Bool {
        let approved = record.resultCode == 0x00
        let status = StatusInformation(fields: statusFields(for: record, tlvAllowed: registration.tlvAllowed)).apdu
        link.armLineFaults(faults)
        var outcome = deliver(status)
        var repeats = 0
        // §2.2.6: `84 9C 00` = "not yet": ask again after 2 s, at most 3 times, then reverse.
        while case .refused(let ack) = outcome, ack.code == 0x9C, repeats < 3 {
            repeats += 1
            Syscall.sleep(milliseconds: timing.goodsRetryMs)
            outcome = deliver(status)
        }
        switch outcome {
        case .accepted:
            break
        case .refused(let ack):
            let note = "Status-Information mit \(Hex.string(ack.apdu.bytes.prefix(3))) beantwortet: Zahlung vom Terminal storniert"
            journal(record, approved ? .autoReversed : .declined, note: approved ? note : nil)
            if approved, repeats > 0 {
                _ = deliver(StatusInformation(fields: BMPList([TerminalFields.result(0x6C)])).apdu)
            }
            try finishWithAbort(approved ? 0x6C : record.resultCode)
            return afterSequence()
        case .timedOut, .closed:
            link.close()
            let reason =
                outcome == .closed
                ? "Verbindung beendet, bevor die Kasse die Status-Information quittierte"
                : "keine Quittung auf die Status-Information innerhalb T3"
            if approved && !config.autoReversal {
                journal(record, .booked, note: reason + " (Autostorno ausgeschaltet)")
            } else {
                journal(record, approved ? .autoReversed : .declined, note: reason)
            }
            return false
        }
        if faults.contains(.duplicateStatus) {
            if deliver(status) == .closed { link.close() }
        }
        if faults.contains(.dropAfterStatus) {
            journal(record, approved ? .booked : .declined, note: "Verbindung nach der quittierten Status-Information getrennt (Fehler drop-after-status)")
            link.close()
            return false
        }
        guard approved else {
            journal(record, .declined, note: nil)
            if !faults.contains(.noCompletionAfterError) { try finishWithAbort(record.resultCode) }
            return afterSequence()
        }
        // Receipts: the transaction stands only if the register takes every one (§2.2.8).
        if registration.printsPaymentReceipts {
            let printed = printTransactionReceipts(record, registration)
            if let problem = printed {
                let status: JournalEntry.Status = config.autoReversal ? .autoReversed : .booked
                journal(record, status, note: problem)
                if link.isClosed { return false }
                if config.autoReversal { try finishWithAbort(0x6C) } else { try finishWithCompletion() }
                return afterSequence()
            }
        } else if faults.contains(.dropDuringReceipts) {
            // No receipts go through the register: the acknowledged 04 0F was the last thing needed.
            journal(record, .booked, note: "Verbindung vor dem Abschluss getrennt, keine Belege über die Kasse (Fehler drop-during-receipts)")
            link.close()
            return false
        }
        journal(record, .booked, note: nil)
        try finishWithCompletion()
        return afterSequence()
    }

    /// BMP fields of a Status-Information in the §3.1.1 order.
    func statusFields(for record: TransactionRecord, tlvAllowed: Bool) -> BMPList {
        var fields = BMPList([TerminalFields.result(record.resultCode)])
        fields.append(TerminalFields.amount(record.amountCents))
        if let trace = record.trace { fields.append(TerminalFields.trace(trace)) }
        if let original = record.reversesTrace { fields.append(TerminalFields.originalTrace(original)) }
        for field in TerminalFields.timeAndDate(record.stamp) { fields.append(field) }
        let approved = record.resultCode == 0x00
        if approved, let card = record.card {
            for field in TerminalFields.cardFields(card, fullCardNumber: profile.sendsFullCardNumber) { fields.append(field) }
        }
        fields.append(TerminalFields.terminalID(config.terminalID))
        if approved, let card = record.card { fields.append(TerminalFields.approvalCode(card.approvalCode)) }
        if record.currencySent { fields.append(TerminalFields.currency(config.currencyCode)) }
        if let receipt = record.receipt { fields.append(TerminalFields.receipt(receipt)) }
        if let card = record.card { fields.append(BMPField(0x8A, [card.cardType])) }
        if approved { fields.append(TerminalFields.vuNumber("4711000000001")) }
        if let text = record.text { fields.append(TerminalFields.additionalText(text, charset: profile.charset)) }
        if let card = record.card { fields.append(TerminalFields.cardName(card.name)) }
        if tlvAllowed, approved {
            // TLV 2F payment type: online PIN, online, chip (§3.1.1 TLV tags).
            fields.append(
                BMPField(tlv: [
                    TLVObject(0x2F, children: [TLVObject(0x1F10, [0x02]), TLVObject(0x1F11, [0x01]), TLVObject(0x1F12, [0x01])])
                ]))
        }
        return fields
    }

    // MARK: Reversal 06 30 (§2.9)

    func handleReversal(_ apdu: APDU) -> Bool {
        guard let command = try? Reversal(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        if refuseCurrency(command.fields.currencyCode) { return true }
        guard let receipt = command.receiptNumber else {
            link.send(Self.protocolError.apdu)
            return true
        }
        let requestedAmount = command.fields.amountCents
        let scenario = core.control.scenario(forAmountCents: nil, script: &script, amountRules: false)
        let lookup = core.journal.payment(receipt: receipt)
        let record = TransactionRecord(
            kind: .reversal, amountCents: requestedAmount ?? lookup?.entry.amountCents ?? 0, scenario: scenario,
            currencySent: command.fields.currencyCode != nil, stamp: core.timestamp())
        return runCardTransaction(record) { _ in
            var decision = HostDecision(resultCode: scenario.outcome.resultCode ?? 0x00, card: lookup?.entry.card)
            decision.reversesReceipt = receipt
            guard let (original, reversed) = lookup else {
                decision.resultCode = 0xB5
                decision.text = "Beleg \(format4(receipt)) nicht gefunden"
                return decision
            }
            decision.reversesTrace = original.trace
            decision.amountCents = original.amountCents
            if reversed {
                decision.resultCode = 0xB4
                decision.text = "Beleg \(format4(receipt)) bereits storniert"
            } else if let requestedAmount, requestedAmount != original.amountCents {
                decision.resultCode = 0xB7
                decision.text = "Betrag passt nicht zu Beleg \(format4(receipt))"
                decision.amountCents = requestedAmount
            } else if decision.resultCode == 0x00 {
                decision.text = nil
            } else {
                decision.text = scenario.outcome.declineText
            }
            return decision
        }
    }
}
