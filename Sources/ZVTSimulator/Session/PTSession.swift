import Foundation
import SystemCalls
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

/// The terminal's side of one register connection (ZVT 13.08 §2, §3).
///
/// One command at a time: answer it with `80 00 00` (or a refusal), then, as master, send one
/// message at a time and wait for the register's acknowledgement (T3) before the next. The
/// transaction is committed only when the register acknowledged the Status-Information and
/// every receipt after it (§2.2.8); otherwise it is reversed and journaled as `autoReversed`.
final class PTSession {
    let core: SimulatorCore
    let link: RegisterLink
    let connection: Int
    var script: [Scenario]
    var faults: Set<Fault> = []
    /// The register sent `06 B0` while the terminal was master.
    var abortRequested = false
    /// The running transaction has its journal line: a connection lost later (at the Completion)
    /// must not write a second one.
    var journaledCurrent = false

    var timing: SimulatorTiming { core.configuration.timing }
    /// Vendor quirks, read once per command.
    var profile = VendorProfile.standard
    var config: SimulatorConfiguration { core.configuration }

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
            profile = core.control.profile
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
    func handle(_ apdu: APDU) -> Bool {
        switch apdu.commandClass {
        case 0x80, 0x84:
            core.log(.apdus, "  (Quittung ohne offene Nachricht ignoriert)")
            return true
        default:
            break
        }
        if !passwordAccepted(apdu) { return refuseWrongPassword(apdu) }
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

    /// Commands that start with the positional password (ZVT 13.08 §1.2).
    static let passwordCommands: Set<UInt16> = [0x0600, 0x0610, 0x0620, 0x0630, 0x0631, 0x0650, 0x0501]

    /// Whether the command carries the configured password (always, when none is configured).
    func passwordAccepted(_ apdu: APDU) -> Bool {
        guard let expected = config.password, Self.passwordCommands.contains(apdu.command) else { return true }
        if apdu.command == StatusEnquiry.command && apdu.data.isEmpty { return true }  // 05 01 00: password optional
        guard apdu.data.count >= 3 else { return true }  // too short: the command's own check answers
        return BCD.digits(apdu.data[0..<3]) == expected
    }

    /// A wrong password: `80 00 00`, then `06 1E 01 83` (function not possible); nothing else happens.
    func refuseWrongPassword(_ apdu: APDU) -> Bool {
        link.send(Acknowledgement.positive.apdu)
        core.log(.transactions, "Verbindung \(connection): \(Hex.string([apdu.commandClass, apdu.instruction])) mit falschem Passwort → 06 1E 01 83")
        switch deliver(TerminalAbort(resultCode: .functionNotPossible).apdu) {
        case .timedOut, .closed: return false
        case .accepted, .refused: return true
        }
    }

    /// `84 83 00` if the fields hold an unknown BMP (§13: "answer unknown BMPs with 84 83 00").
    func refuseUnknownFields(_ fields: BMPList) -> Bool {
        guard fields.problem != nil || !fields.unparsed.isEmpty else { return false }
        link.send(Acknowledgement.unknownCommand.apdu)
        return true
    }

    /// `84 1E 03 6F <CC>` for a currency the terminal does not take (§2.1).
    func refuseCurrency(_ code: Int?) -> Bool {
        guard let code, code != config.currencyCode else { return false }
        let ours = BCD.encode(Int64(config.currencyCode), byteCount: 2) ?? [0x09, 0x78]
        link.send(Acknowledgement(commandClass: 0x84, code: 0x1E, data: [0x6F] + ours).apdu)
        core.log(.transactions, "Verbindung \(connection): Währung \(code) abgelehnt → 84 1E 6F")
        return true
    }

    static let protocolError = Acknowledgement(commandClass: 0x84, code: 0x9A)

    /// A negative acknowledgement `84 <rc> 00`, or `84 1E 01 <rc>` in the CCV profile (ZVT 13.08 §2.66, docs/zvt-field-notes.md, vendor deviations).
    func refusal(_ code: UInt8) -> APDU {
        profile == .ccv
            ? Acknowledgement(commandClass: 0x84, code: 0x1E, data: [code]).apdu
            : Acknowledgement(commandClass: 0x84, code: code).apdu
    }

    // MARK: Building blocks

    /// Sends one message as master and waits up to T3 for the register's acknowledgement; without
    /// one the connection is closed. A `06 B0` arriving meanwhile is acknowledged and remembered
    /// (``abortRequested``).
    func deliver(_ apdu: APDU) -> AckOutcome {
        if timing.stepDelayMs > 0 { Syscall.sleep(milliseconds: timing.stepDelayMs) }
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
                // TCP (PA00P016 §5.2.5): no answer within T3 → the sender closes; the sequence is aborted.
                core.log(
                    .transactions,
                    "Verbindung \(connection): keine Quittung auf \(Hex.string([apdu.commandClass, apdu.instruction])) innerhalb T3, Verbindung wird geschlossen"
                )
                link.close()
                return .timedOut
            case .closed:
                return .closed
            }
        }
    }

    /// Waits up to `ms` for the register's `06 B0` (acknowledging it); `true` if an abort came.
    func waitForAbort(ms: Int) throws -> Bool {
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
    func intermediate(_ code: UInt8, _ text: String, _ registration: RegistrationState) throws {
        guard registration.wantsIntermediateStatus else {
            if timing.stepDelayMs > 0 { Syscall.sleep(milliseconds: timing.stepDelayMs) }
            return
        }
        let message =
            registration.tlvAllowed
            ? IntermediateStatusInformation(status: IntermediateStatus(rawValue: code), timeoutMinutes: 1, texts: [text], charset: profile.charset)
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
    func slowHost(_ registration: RegistrationState) throws {
        if faults.contains(.slowWithinT4) { try pause(ms: timing.t4Ms / 2) }
        if faults.contains(.slowExtended) {
            for _ in 0..<3 {
                try pause(ms: timing.t4Ms / 2)
                try intermediate(0x17, "Bitte warten", registration)
            }
        }
    }

    /// Waits `ms` while watching the connection, so a register that gives up is noticed at once
    /// (and the next one served): throws if it closes. A `06 B0` is acknowledged and remembered.
    func pause(ms: Int) throws {
        let deadline = monotonicMilliseconds() + Int64(ms)
        while true {
            let remaining = Int(deadline - monotonicMilliseconds())
            if remaining <= 0 { return }
            switch link.receive(timeoutMs: remaining) {
            case .apdu(let apdu):
                if apdu.command == AbortCommand.command {
                    abortRequested = true
                    link.send(Acknowledgement.positive.apdu)
                }
            case .timedOut:
                return
            case .closed:
                throw Interruption.connectionLost("Kasse hat die Verbindung während der Wartezeit beendet")
            }
        }
    }

    func finishWithCompletion(_ fields: BMPList = BMPList()) throws {
        switch deliver(Completion(content: .fields(fields)).apdu) {
        case .closed: throw Interruption.connectionLost("Verbindung vor der Quittung des Abschlusses beendet")
        default: return
        }
    }

    func finishWithAbort(_ code: UInt8) throws {
        switch deliver(TerminalAbort(resultCode: ResultCode(rawValue: code)).apdu) {
        case .closed: throw Interruption.connectionLost("Verbindung vor der Quittung des Abbruchs beendet")
        default: return
        }
    }

    /// After a sequence: the `garbage` fault writes noise before the register's next command.
    func afterSequence() -> Bool {
        if faults.contains(.garbage) {
            link.sendRaw([0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45, 0x0D, 0x0A, 0xFF, 0x00, 0x13])
        }
        if core.control.closesAfterSequence {
            link.flush()
            link.close()
        }
        return !link.isClosed
    }

    /// Merchant and customer receipt; `nil` if the register took every message, else why not.
    func printTransactionReceipts(_ record: TransactionRecord, _ registration: RegistrationState) -> String? {
        for (type, copy) in [(UInt8(0x01), "Händlerbeleg"), (UInt8(0x02), "Kundenbeleg")] {
            if let problem = printReceipt(type: type, lines: receiptLines(record, copy: copy), registration) { return problem }
            if faults.contains(.dropDuringReceipts) {
                link.close()
                return "Verbindung nach dem Händlerbeleg, vor dem Kundenbeleg getrennt (Fehler drop-during-receipts)"
            }
        }
        return nil
    }

    func receiptLines(_ record: TransactionRecord, copy: String) -> [PrintedLine] {
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
            receipt: record.receipt, card: record.card, cardNumber: profile.sendsFullCardNumber ? record.card?.testCardNumber : nil,
            amountCents: record.amountCents, resultLine: result)
    }

    /// One receipt as `06 D3` block or as `06 D1` lines (closed by `FF` line feeds), laid out and
    /// encoded as the control settings say (``ReceiptLayout``, ``PrintLineLayout``,
    /// ``PrintCharacterSetTag``); `nil` if all acknowledged.
    func printReceipt(type: UInt8, lines: [PrintedLine], _ registration: RegistrationState) -> String? {
        var messages: [APDU] = []
        let control = core.control
        let printed = ReceiptText.laidOut(lines, control.receiptLayout)
        let charsetTag = control.printCharacterSetTag.tagValue
        let charset = charsetTag.map(ZVTCharacterSet.init(tag14:)) ?? profile.charset
        // A terminal from before 13.08 knows no 06 D3: it prints with 06 D1 even when asked for blocks.
        if registration.printCommand == 0x06D3, control.printLines == .standard {
            if profile == .feig {
                // Feig closes a receipt with tag 09 = FF (docs/zvt-field-notes.md, inconsistency 8).
                var body: [TLVObject] = []
                var attribute: UInt8 = 0
                for line in printed {
                    if line.attribute != attribute {
                        body.append(TLVObject(0x09, [line.attribute]))
                        attribute = line.attribute
                    }
                    body.append(TLVObject(0x07, charset.encode(line.text)))
                }
                body.append(TLVObject(0x09, [0xFF]))
                var objects = [TLVObject(0x1F07, [type])]
                if let charsetTag { objects.append(TLVObject(0x14, [charsetTag])) }
                let fields = BMPList([BMPField(tlv: objects + [TLVObject(0x25, children: body)])])
                messages.append(PrintTextBlock(fields: fields).apdu)
            } else {
                messages.append(PrintTextBlock(receiptType: type, lines: printed, closes: true, charset: charset, characterSetTag: charsetTag).apdu)
            }
        } else {
            // Pre-2013 (ZVT 13.08 §0 History, 14.08.2013): the receipt type after each line's text.
            var tlv: [TLVObject]? = nil
            if control.printLines == .pre2013 {
                tlv = [TLVObject(0x1F07, [type])] + (charsetTag.map { [TLVObject(0x14, [$0])] } ?? [])
            }
            let lineCharset = tlv == nil ? profile.charset : charset
            messages = printed.map { PrintLine(attribute: $0.attribute, text: $0.text, charset: lineCharset, tlv: tlv).apdu }
            // Two line feeds, then an empty last line (attribute 81) ends the receipt (§3.5, Table 16).
            let container = tlv.map { BMPField(tlv: $0).bytes } ?? []
            messages.append(APDU(0x06, 0xD1, data: [0xFF, 0x02] + container))
            messages.append(PrintLine(attribute: 0x81, text: "", tlv: tlv).apdu)
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
    func journal(_ record: TransactionRecord, _ status: JournalEntry.Status, note: String?) {
        var entry = JournalEntry(
            number: 0, time: record.stamp.iso, kind: record.kind, status: status, trace: record.trace,
            receipt: record.receipt, amountCents: record.amountCents, resultCode: Hex.string([record.resultCode]),
            scenario: record.scenario.description, connection: connection)
        entry.card = record.card
        entry.reversesReceipt = record.reversesReceipt
        entry.reversesTrace = record.reversesTrace
        entry.note = note
        assert(!journaledCurrent, "one journal line per transaction")
        guard !journaledCurrent else { return }
        journaledCurrent = true
        let stored = core.journal.append(entry)
        core.log(
            .transactions,
            "Verbindung \(connection): \(record.kind.rawValue) \(ReceiptText.euros(record.amountCents)) [\(record.scenario)] → \(status.rawValue)"
                + " \(stored.resultCode)" + (record.receipt.map { ", Beleg \(format4($0))" } ?? "")
                + (record.trace.map { ", Trace \($0)" } ?? "") + (note.map { " – \($0)" } ?? ""))
    }
}
