import Foundation
import ZVT

/// Why a sequence stopped early.
enum Interruption: Error {
    /// No acknowledgement within T3, or the register closed the connection.
    case connectionLost(String)
}

/// How the register answered one message of the terminal.
enum AckOutcome: Equatable {
    /// `80 00` or `84 00`.
    case accepted
    /// Any other `84 xx`.
    case refused(Acknowledgement)
    /// Nothing within T3.
    case timedOut
    /// The connection ended.
    case closed
}

/// A transaction in progress, recorded in the journal when it ends.
struct TransactionRecord {
    var kind: JournalEntry.Kind
    var amountCents: Int64
    var scenario: Scenario
    var currencySent: Bool
    var trace: Int? = nil
    var receipt: Int? = nil
    var card: SimulatedCard? = nil
    var resultCode: UInt8 = 0x00
    var text: String? = nil
    var reversesReceipt: Int? = nil
    var reversesTrace: Int? = nil
    var stamp: Timestamp
}

/// The terminal's side of one register connection (ZVT 13.08 §2, §3; digest D7, D17 "PT simulator").
///
/// One command at a time: answer it with `80 00 00` (or a refusal), then, as master, send one
/// message at a time and wait for the register's acknowledgement (T3) before the next. The
/// transaction is committed only when the register acknowledged the Status-Information and
/// every receipt after it (§2.2.8); otherwise it is reversed and journaled as `autoReversed`.
final class PTSession {
    private let core: SimulatorCore
    private let link: RegisterLink
    private let connection: Int
    private var script: [Scenario]
    private var faults: Set<Fault> = []
    /// The register sent `06 B0` while the terminal was master.
    private var abortRequested = false

    private var timing: SimulatorTiming { core.configuration.timing }
    private var config: SimulatorConfiguration { core.configuration }

    init(core: SimulatorCore, link: RegisterLink, connection: Int) {
        self.core = core
        self.link = link
        self.connection = connection
        self.script = core.control.takeScriptForConnection()
    }

    /// Serves the register until it disconnects (or the connection must be closed).
    func run() {
        if core.control.bannerOnConnect {
            link.sendRaw(Array(config.bannerText.utf8))
        }
        while case .apdu(let apdu) = link.receive(timeoutMs: -1) {
            faults = []
            abortRequested = false
            link.splitBytes = false
            let keepOpen = handle(apdu)
            link.flush()
            if !keepOpen || link.isClosed { break }
        }
        link.close()
    }

    // MARK: Dispatch

    /// Handles one command of the register; `false` closes the connection.
    private func handle(_ apdu: APDU) -> Bool {
        switch apdu.commandClass {
        case 0x80, 0x84:
            core.log(.apdus, "  (Quittung ohne offene Nachricht ignoriert)")
            return true
        default:
            break
        }
        switch apdu.command {
        case Registration.command: return handleRegistration(apdu)
        case Authorization.command: return handleAuthorization(apdu)
        case Refund.command: return handleRefund(apdu)
        case Reversal.command: return handleReversal(apdu)
        case EndOfDay.command: return handleEndOfDay(apdu)
        case TurnoverTotals.command: return handleTurnoverTotals(apdu)
        case RepeatReceipt.command: return handleRepeatReceipt(apdu)
        case LogOff.command:
            link.send(Acknowledgement.positive.apdu)
            core.registration.withLock { $0.logOff() }
            core.log(.transactions, "Verbindung \(connection): Abmeldung (Log-Off), Konfiguration 86")
            return true
        case AbortCommand.command:
            // Nothing is running: there is nothing to abort, which is fine (§2.23).
            link.send(Acknowledgement.positive.apdu)
            return true
        case Diagnosis.command: return handleDiagnosis(apdu)
        case StatusEnquiry.command: return handleStatusEnquiry(apdu)
        default:
            link.send(Acknowledgement.unknownCommand.apdu)
            core.log(.transactions, "Verbindung \(connection): unbekannter Befehl \(Hex.string([apdu.commandClass, apdu.instruction])) → 84 83 00")
            return true
        }
    }

    /// `84 83 00` if the fields hold an unknown BMP (§13: "answer unknown BMPs with 84 83 00").
    private func refuseUnknownFields(_ fields: BMPList) -> Bool {
        guard fields.problem != nil || !fields.unparsed.isEmpty else { return false }
        link.send(Acknowledgement.unknownCommand.apdu)
        return true
    }

    /// `84 1E 03 6F <CC>` for a currency the terminal does not take (§2.1, digest D3).
    private func refuseCurrency(_ code: Int?) -> Bool {
        guard let code, code != config.currencyCode else { return false }
        let ours = BCD.encode(Int64(config.currencyCode), byteCount: 2) ?? [0x09, 0x78]
        link.send(Acknowledgement(commandClass: 0x84, code: 0x1E, data: [0x6F] + ours).apdu)
        core.log(.transactions, "Verbindung \(connection): Währung \(code) abgelehnt → 84 1E 6F")
        return true
    }

    private static let protocolError = Acknowledgement(commandClass: 0x84, code: 0x9A)

    // MARK: Registration 06 00 (§2.1)

    private func handleRegistration(_ apdu: APDU) -> Bool {
        guard let registration = try? Registration(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(registration.fields) { return true }
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
        return !link.isClosed
    }

    // MARK: Authorisation 06 01, Refund 06 31 (§2.2, §2.15)

    private func handleAuthorization(_ apdu: APDU) -> Bool {
        guard let command = try? Authorization(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        return startCardTransaction(.payment, fields: command.fields)
    }

    private func handleRefund(_ apdu: APDU) -> Bool {
        guard let command = try? Refund(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        return startCardTransaction(.refund, fields: command.fields)
    }

    private func startCardTransaction(_ kind: JournalEntry.Kind, fields: BMPList) -> Bool {
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
        return runCardTransaction(record) { [core] trace in
            var decision = HostDecision(resultCode: scenario.outcome.resultCode ?? 0x00, card: core.cards.card(forTrace: trace))
            decision.text = scenario.outcome.declineText
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
    private func runCardTransaction(_ start: TransactionRecord, host: (Int) -> HostDecision) -> Bool {
        var record = start
        let scenario = record.scenario
        faults = scenario.faults
        link.splitBytes = faults.contains(.splitBytes)
        let registration = core.registration.current

        if faults.contains(.nack) {
            link.send(Self.protocolError.apdu)
            core.log(.transactions, "Verbindung \(connection): \(scenario) → 84 9A 00 (kein Journaleintrag)")
            return true
        }
        if scenario.outcome == .busy {
            link.send(Acknowledgement(commandClass: 0x84, code: 0x9C).apdu)
            core.log(.transactions, "Verbindung \(connection): \(scenario) → 84 9C 00 (kein Journaleintrag)")
            return true
        }
        if faults.contains(.slowAck) { sleepMilliseconds(timing.t3Ms * 3 / 2) }
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
                journal(record, approved ? .autoReversed : .declined,
                        note: "Verbindung vor der Status-Information getrennt (Fehler drop-before-status)")
                return false
            }
            if decision.resultCode == 0x00 { record.receipt = core.journal.takeReceipt() }
            return try deliverResult(&record, registration)
        } catch Interruption.connectionLost(let reason) {
            link.close()
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

    /// Card-stage failure (no host contact, no trace): `04 0F 27 <rc>`, then `06 1E 01 <rc>`.
    private func failBeforeHost(_ record: inout TransactionRecord, code: UInt8, note: String, _ registration: RegistrationState) throws -> Bool {
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
    private func deliverResult(_ record: inout TransactionRecord, _ registration: RegistrationState) throws -> Bool {
        let approved = record.resultCode == 0x00
        let status = StatusInformation(fields: statusFields(for: record, tlvAllowed: registration.tlvAllowed)).apdu
        var outcome = deliver(status)
        var repeats = 0
        // §2.2.6: `84 9C 00` = "not yet": ask again after 2 s, at most 3 times, then reverse.
        while case .refused(let ack) = outcome, ack.code == 0x9C, repeats < 3 {
            repeats += 1
            sleepMilliseconds(timing.goodsRetryMs)
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
            let reason = outcome == .closed
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
        }
        journal(record, .booked, note: nil)
        try finishWithCompletion()
        return afterSequence()
    }

    /// BMP fields of a Status-Information in the §3.1.1 order.
    private func statusFields(for record: TransactionRecord, tlvAllowed: Bool) -> BMPList {
        var fields = BMPList([TerminalFields.result(record.resultCode)])
        fields.append(TerminalFields.amount(record.amountCents))
        if let trace = record.trace { fields.append(TerminalFields.trace(trace)) }
        if let original = record.reversesTrace { fields.append(TerminalFields.originalTrace(original)) }
        for field in TerminalFields.timeAndDate(record.stamp) { fields.append(field) }
        let approved = record.resultCode == 0x00
        if approved, let card = record.card {
            for field in TerminalFields.cardFields(card) { fields.append(field) }
        }
        fields.append(TerminalFields.terminalID(config.terminalID))
        if approved, let card = record.card { fields.append(TerminalFields.approvalCode(card.approvalCode)) }
        if record.currencySent { fields.append(TerminalFields.currency(config.currencyCode)) }
        if let receipt = record.receipt { fields.append(TerminalFields.receipt(receipt)) }
        if let card = record.card { fields.append(BMPField(0x8A, [card.cardType])) }
        if approved { fields.append(TerminalFields.vuNumber("4711000000001")) }
        if let text = record.text { fields.append(TerminalFields.additionalText(text)) }
        if let card = record.card { fields.append(TerminalFields.cardName(card.name)) }
        if tlvAllowed, approved {
            // TLV 2F payment type: online PIN, online, chip (§3.1.1 TLV tags).
            fields.append(BMPField(tlv: [
                TLVObject(0x2F, children: [TLVObject(0x1F10, [0x02]), TLVObject(0x1F11, [0x01]), TLVObject(0x1F12, [0x01])])
            ]))
        }
        return fields
    }

    // MARK: Reversal 06 30 (§2.9)

    private func handleReversal(_ apdu: APDU) -> Bool {
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

    // MARK: End-of-Day 06 50, Turnover Totals 06 10 (§2.16, §2.43)

    private func handleEndOfDay(_ apdu: APDU) -> Bool {
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
            var fields = BMPList([TerminalFields.result(0x00), TerminalFields.amount(totals.totalCents), TerminalFields.trace(trace)])
            for field in TerminalFields.timeAndDate(stamp) { fields.append(field) }
            fields.append(TerminalFields.individualTotals(totals))
            var entry = JournalEntry(
                number: 0, time: stamp.iso, kind: .endOfDay, status: .closed, trace: trace, receipt: nil,
                amountCents: totals.totalCents, resultCode: "00", scenario: "end-of-day", connection: connection)
            entry.totals = totals.lines
            switch deliver(StatusInformation(fields: fields).apdu) {
            case .accepted:
                core.journal.append(entry)
                core.control.endOfDayRequired = false
                core.log(.transactions, "Verbindung \(connection): Kassenschnitt \(ReceiptText.euros(totals.totalCents)), \(totals.totalCount) Zahlungen")
            case .refused, .timedOut, .closed:
                entry.status = .declined
                entry.note = "Kasse hat die Summen nicht quittiert: Kassenschnitt nicht durchgeführt"
                core.journal.append(entry)
                if link.isClosed { return false }
                try finishWithAbort(0x77)
                return afterSequence()
            }
            if registration.printsAdminReceipts {
                var lines = [ReceiptText.centered("Kassenschnitt"), "", ReceiptText.line("Terminal-ID", config.terminalID), stamp.receiptText]
                lines.append(ReceiptText.line("Trace-Nr.", String(trace)))
                for line in totals.lines where line.count > 0 {
                    lines.append(ReceiptText.line("\(line.slot) x\(line.count)", ReceiptText.euros(line.amountCents)))
                }
                lines.append(ReceiptText.line("Summe", ReceiptText.euros(totals.totalCents)))
                _ = printReceipt(type: 0x03, lines: lines, registration)
            }
            try finishWithCompletion()
            return afterSequence()
        } catch {
            link.close()
            return false
        }
    }

    private func handleTurnoverTotals(_ apdu: APDU) -> Bool {
        guard let command = try? TurnoverTotals(apdu: apdu) else {
            link.send(Self.protocolError.apdu)
            return true
        }
        if refuseUnknownFields(command.fields) { return true }
        link.send(Acknowledgement.positive.apdu)
        let totals = core.journal.batchTotals
        var fields = BMPList([TerminalFields.result(0x00), TerminalFields.amount(totals.totalCents)])
        for field in TerminalFields.timeAndDate(core.timestamp()) { fields.append(field) }
        fields.append(TerminalFields.individualTotals(totals))
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

    private func handleRepeatReceipt(_ apdu: APDU) -> Bool {
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
                let title = ReceiptText.centered("Belegwiederholung")
                let lines = [title] + receiptLines(record, copy: "Kopie Kunde")
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

    private func handleDiagnosis(_ apdu: APDU) -> Bool {
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

    private func handleStatusEnquiry(_ apdu: APDU) -> Bool {
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

    // MARK: Building blocks

    /// Sends one message as master and waits up to T3 for the register's acknowledgement.
    /// A `06 B0` arriving meanwhile is acknowledged and remembered (``abortRequested``).
    private func deliver(_ apdu: APDU) -> AckOutcome {
        if timing.stepDelayMs > 0 { sleepMilliseconds(timing.stepDelayMs) }
        guard link.send(apdu) else { return .closed }
        let deadline = monotonicMilliseconds() + Int64(timing.t3Ms)
        while true {
            let remaining = Int(max(0, deadline - monotonicMilliseconds()))
            switch link.receive(timeoutMs: remaining) {
            case .apdu(let answer):
                if answer.commandClass == 0x80 || answer.commandClass == 0x84 {
                    guard let ack = try? Acknowledgement(apdu: answer) else { continue }
                    return ack.isPositive ? .accepted : .refused(ack)
                }
                if answer.command == AbortCommand.command {
                    abortRequested = true
                    link.send(Acknowledgement.positive.apdu)
                    continue
                }
                core.log(.transactions, "Verbindung \(connection): \(Hex.string([answer.commandClass, answer.instruction])) statt Quittung erhalten, ignoriert")
            case .timedOut:
                core.log(.transactions, "Verbindung \(connection): keine Quittung auf \(Hex.string([apdu.commandClass, apdu.instruction])) innerhalb T3")
                return .timedOut
            case .closed:
                return .closed
            }
        }
    }

    /// Waits up to `ms` for the register's `06 B0` (acknowledging it); `true` if an abort came.
    private func waitForAbort(ms: Int) throws -> Bool {
        if abortRequested { return true }
        let deadline = monotonicMilliseconds() + Int64(ms)
        repeat {
            let remaining = Int(max(0, deadline - monotonicMilliseconds()))
            if remaining == 0 && !link.hasInput() { return false }
            switch link.receive(timeoutMs: remaining) {
            case .apdu(let apdu):
                if apdu.command == AbortCommand.command {
                    abortRequested = true
                    link.send(Acknowledgement.positive.apdu)
                    return true
                }
                if apdu.commandClass != 0x80 && apdu.commandClass != 0x84 {
                    core.log(.transactions, "Verbindung \(connection): \(Hex.string([apdu.commandClass, apdu.instruction])) während der Zahlung ignoriert")
                }
            case .timedOut:
                return false
            case .closed:
                throw Interruption.connectionLost("Kasse hat die Verbindung während der Zahlung beendet")
            }
        } while monotonicMilliseconds() < deadline
        return false
    }

    /// An intermediate status `04 FF`, only if the register asked for them (config bit 08).
    /// With TLV allowed it carries the display text (TLV 24/07) and a 1-minute T4, as the Valina does.
    private func intermediate(_ code: UInt8, _ text: String, _ registration: RegistrationState) throws {
        guard registration.wantsIntermediateStatus else {
            if timing.stepDelayMs > 0 { sleepMilliseconds(timing.stepDelayMs) }
            return
        }
        let message = registration.tlvAllowed
            ? IntermediateStatusInformation(status: IntermediateStatus(rawValue: code), timeoutMinutes: 1, texts: [text])
            : IntermediateStatusInformation(status: IntermediateStatus(rawValue: code))
        switch deliver(message.apdu) {
        case .accepted, .refused:
            return
        case .timedOut:
            throw Interruption.connectionLost("keine Quittung auf den Zwischenstatus \(Hex.string([code])) innerhalb T3")
        case .closed:
            throw Interruption.connectionLost("Kasse hat die Verbindung beim Zwischenstatus \(Hex.string([code])) beendet")
        }
    }

    /// The slow faults: the host takes half of T4, or 1.5 × T4 with `04 FF` every T4/2.
    private func slowHost(_ registration: RegistrationState) throws {
        if faults.contains(.slowWithinT4) { sleepMilliseconds(timing.t4Ms / 2) }
        if faults.contains(.slowExtended) {
            for _ in 0..<3 {
                sleepMilliseconds(timing.t4Ms / 2)
                try intermediate(0x17, "Bitte warten", registration)
            }
        }
    }

    private func finishWithCompletion() throws {
        switch deliver(Completion().apdu) {
        case .closed: throw Interruption.connectionLost("Verbindung vor der Quittung des Abschlusses beendet")
        default: return
        }
    }

    private func finishWithAbort(_ code: UInt8) throws {
        switch deliver(TerminalAbort(resultCode: ResultCode(rawValue: code)).apdu) {
        case .closed: throw Interruption.connectionLost("Verbindung vor der Quittung des Abbruchs beendet")
        default: return
        }
    }

    /// After a sequence: the `garbage` fault writes noise before the register's next command.
    private func afterSequence() -> Bool {
        if faults.contains(.garbage) {
            link.sendRaw([0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45, 0x0D, 0x0A, 0xFF, 0x00, 0x13])
        }
        return !link.isClosed
    }

    /// Merchant and customer receipt; `nil` if the register took every message, else why not.
    private func printTransactionReceipts(_ record: TransactionRecord, _ registration: RegistrationState) -> String? {
        for (type, copy) in [(UInt8(0x01), "Haendlerbeleg"), (UInt8(0x02), "Kundenbeleg")] {
            if let problem = printReceipt(type: type, lines: receiptLines(record, copy: copy), registration) { return problem }
        }
        return nil
    }

    private func receiptLines(_ record: TransactionRecord, copy: String) -> [String] {
        let title: String
        switch record.kind {
        case .payment: title = "Kartenzahlung"
        case .refund: title = "Gutschrift"
        case .reversal: title = "Storno"
        case .endOfDay: title = "Kassenschnitt"
        }
        let result = record.resultCode == 0x00 ? "Zahlung erfolgt" : (record.text ?? "Vorgang abgebrochen")
        return ReceiptText.transaction(
            title: title, copy: copy, terminalID: config.terminalID, stamp: record.stamp, trace: record.trace,
            receipt: record.receipt, card: record.card, amountCents: record.amountCents, resultLine: result)
    }

    /// One receipt as `06 D3` block or as `06 D1` lines (closed by `FF` line feeds); `nil` if all acknowledged.
    private func printReceipt(type: UInt8, lines: [String], _ registration: RegistrationState) -> String? {
        var messages: [APDU] = []
        if registration.printCommand == 0x06D3 {
            let printed = lines.map { PrintedLine(attribute: 0x00, text: $0) }
            messages.append(PrintTextBlock(receiptType: type, lines: printed, closes: true).apdu)
        } else {
            messages = lines.map { PrintLine(attribute: 0x00, text: $0).apdu }
            messages.append(APDU(0x06, 0xD1, data: [0xFF, 0x02]))
        }
        for message in messages {
            switch deliver(message) {
            case .accepted:
                continue
            case .refused(let ack):
                return "Beleg mit \(Hex.string(ack.apdu.bytes.prefix(3))) abgelehnt: Zahlung vom Terminal storniert"
            case .timedOut:
                link.close()
                return "keine Quittung auf den Beleg innerhalb T3: Zahlung vom Terminal storniert"
            case .closed:
                return "Verbindung beim Belegdruck beendet: Zahlung vom Terminal storniert"
            }
        }
        return nil
    }

    /// Writes the one journal line of a transaction.
    private func journal(_ record: TransactionRecord, _ status: JournalEntry.Status, note: String?) {
        var entry = JournalEntry(
            number: 0, time: record.stamp.iso, kind: record.kind, status: status, trace: record.trace,
            receipt: record.receipt, amountCents: record.amountCents, resultCode: Hex.string([record.resultCode]),
            scenario: record.scenario.description, connection: connection)
        entry.card = record.card
        entry.reversesReceipt = record.reversesReceipt
        entry.reversesTrace = record.reversesTrace
        entry.note = note
        let stored = core.journal.append(entry)
        core.log(
            .transactions,
            "Verbindung \(connection): \(record.kind.rawValue) \(ReceiptText.euros(record.amountCents)) [\(record.scenario)] → \(status.rawValue)"
                + " \(stored.resultCode)" + (record.receipt.map { ", Beleg \(format4($0))" } ?? "")
                + (record.trace.map { ", Trace \($0)" } ?? "") + (note.map { " – \($0)" } ?? ""))
    }
}
