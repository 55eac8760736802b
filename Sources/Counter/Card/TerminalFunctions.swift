import Access
import Foundation
import KasseCore
import Ledger

/// A function of the supervisor's terminal menu (docs/ui.md, "Terminal-Menü").
public enum TerminalFunction: String, CaseIterable, Sendable {
    /// Status Enquiry 05 01 (ZVT 13.08 §2.56).
    case status
    /// Diagnosis 06 70 (§2.17).
    case diagnosis
    /// End-of-Day 06 50 (§2.16): the terminal's batch is closed; the day close counts it in.
    case endOfDay = "end_of_day"
    /// Repeat Receipt 06 20 (§2.20): the last receipt again.
    case repeatReceipt = "repeat_receipt"
    /// Repeat Receipt with Status-Information, no print (§2.20): the last transaction's data.
    case lastTransaction = "last_transaction"
    /// Registration 06 00 (§2.1) again.
    case register

    public var germanName: String {
        switch self {
        case .status: return "Status abfragen"
        case .diagnosis: return "Diagnose"
        case .endOfDay: return "Kassenschnitt"
        case .repeatReceipt: return "Letzten Beleg wiederholen"
        case .lastTransaction: return "Letzte Transaktion anzeigen"
        case .register: return "Neu anmelden"
        }
    }
}

/// What a terminal function did, for the screen: a headline and the lines to show.
public struct TerminalFunctionOutcome: Equatable, Sendable {
    public let function: TerminalFunction
    public let succeeded: Bool
    /// One sentence: "Terminal bereit", "Kassenschnitt durchgeführt: 125,00 € (3 Zahlungen)".
    public let headline: String
    /// Details: receipt lines, amount, numbers, masked card number.
    public let lines: [String]

    public init(function: TerminalFunction, succeeded: Bool, headline: String, lines: [String] = []) {
        self.function = function
        self.succeeded = succeeded
        self.headline = headline
        self.lines = lines
    }
}

/// Runs the terminal menu's functions for a supervisor (``CounterSession/terminalFunctions()``
/// checked the role): each one is audited as `terminal.command` with its result, whether the
/// terminal answered or not. Nothing here books money; an End-of-Day from the menu is counted in
/// by the next day close (``DayCloseService``).
// @unchecked Sendable: every stored property is a constant; the service and the access control serialise their ledger use, the terminal its commands.
public final class TerminalFunctions: @unchecked Sendable {
    let service: CounterService
    let access: AccessControl
    let operatorId: String

    init(service: CounterService, access: AccessControl, operatorId: String) {
        self.service = service
        self.access = access
        self.operatorId = operatorId
    }

    /// The audit field with a menu End-of-Day's action value; the day close looks for it.
    static let endOfDayAction = TerminalFunction.endOfDay.rawValue

    /// Runs `function` on the terminal (blocks: call it from a background thread) and audits it.
    public func run(_ function: TerminalFunction) throws -> TerminalFunctionOutcome {
        guard let terminal = service.terminal else { throw CounterError.noTerminal }
        var fields: [String: String] = [AuditField.action: function.rawValue]
        let outcome: TerminalFunctionOutcome
        do {
            outcome = try perform(function, terminal: terminal, fields: &fields)
            fields[AuditField.result] = outcome.succeeded ? "ok" : "refused"
            fields["text"] = outcome.headline
        } catch {
            if case .unreachable(let why) = error { service.terminalMonitor?.recordUnreachable(why) }
            fields[AuditField.result] = "error"
            fields["text"] = error.description
            try access.record(.terminalCommand, actor: operatorId, fields: fields)
            throw CounterError.terminal(error)
        }
        try access.record(.terminalCommand, actor: operatorId, fields: fields)
        return outcome
    }

    private func perform(_ function: TerminalFunction, terminal: CardTerminal, fields: inout [String: String]) throws(CardTerminalError)
        -> TerminalFunctionOutcome
    {
        switch function {
        case .status:
            guard let query = terminal as? TerminalStatusQuery, let report = try query.statusEnquiry(.onRequest) else {
                throw .failed("dieses Terminal kennt keine Statusabfrage")
            }
            service.terminalMonitor?.record(report)
            fields["status"] = String(format: "%02X", report.code)
            var lines = ["Terminalstatus \(String(format: "%02X", report.code)): \(report.text)"]
            if let remedy = report.remedy { lines.append("Abhilfe: \(remedy)") }
            if let version = report.softwareVersion, !version.isEmpty { lines.append("Software: \(version)") }
            return TerminalFunctionOutcome(
                function: function, succeeded: report.allowsPayment,
                headline: report.allowsPayment ? "Terminal bereit" : "Terminal nicht bereit: \(report.text)",
                lines: lines)
        case .endOfDay:
            guard let eod = terminal as? EndOfDayTerminal else { throw .failed("dieses Terminal kennt keinen Kassenschnitt") }
            let totals = try eod.endOfDay()
            fields[Self.totalField] = String(totals.total.cents)
            if let count = totals.count { fields["count"] = String(count) }
            if let trace = totals.trace { fields["trace"] = trace }
            let count = totals.count.map { " (\($0) \($0 == 1 ? "Zahlung" : "Zahlungen"))" } ?? ""
            var lines = ["Summe der Kartenzahlungen des Terminals: \(totals.total.formatted)\(count)"]
            if let trace = totals.trace { lines.append("Trace-Nr. \(trace)") }
            lines.append("Der nächste Tagesabschluss rechnet diesen Kassenschnitt mit.")
            return TerminalFunctionOutcome(
                function: function, succeeded: true, headline: "Kassenschnitt durchgeführt: \(totals.total.formatted)\(count)", lines: lines)
        case .lastTransaction:
            guard let last = try terminal.lastTransaction() else {
                return TerminalFunctionOutcome(function: function, succeeded: true, headline: "Das Terminal meldet keine letzte Transaktion.")
            }
            let d = last.details
            fields[Self.totalField] = String(last.amount.cents)
            fields["receipt"] = d.receiptNumber
            fields["trace"] = d.traceNumber
            let kind = last.kind == .payment ? "Zahlung" : "Storno"
            let result = last.approved ? "genehmigt" : "nicht genehmigt"
            var lines = [
                "\(kind) über \(last.amount.formatted): \(result)",
                "Beleg-Nr. \(d.receiptNumber.isEmpty ? "–" : d.receiptNumber), Trace-Nr. \(d.traceNumber.isEmpty ? "–" : d.traceNumber)",
                "Karte: \(d.cardName) \(Self.shownPAN(d.maskedPAN))",
            ]
            if !d.terminalId.isEmpty { lines.append("Terminal-ID: \(d.terminalId)") }
            if let code = d.authorizationCode, !code.isEmpty { lines.append("Autorisierung: \(code)") }
            return TerminalFunctionOutcome(
                function: function, succeeded: true, headline: "Letzte Transaktion: \(kind) \(last.amount.formatted), \(result)", lines: lines)
        case .diagnosis, .repeatReceipt, .register:
            guard let maintenance = terminal as? TerminalMaintenance else { throw .failed("dieses Terminal kennt diese Funktion nicht") }
            let report: TerminalCommandReport
            switch function {
            case .diagnosis: report = try maintenance.diagnosis()
            case .repeatReceipt: report = try maintenance.repeatReceipt()
            default: report = try maintenance.registerAgain()
            }
            let lines =
                report.lines.isEmpty && function == .repeatReceipt
                ? ["Das Terminal hat keinen Beleg an die Kasse gesandt (es druckt ihn womöglich selbst)."] : report.lines
            return TerminalFunctionOutcome(function: function, succeeded: report.succeeded, headline: report.text, lines: lines)
        }
    }

    static let totalField = AuditField.amount

    /// The card number as the screen may show it: what the terminal sent is masked on the way in
    /// (``ZVT/CardNumberMask``); one that still looks whole is shown by its last four digits only.
    static func shownPAN(_ pan: String) -> String {
        guard RecordChecks.looksLikeFullPAN(pan) else { return pan }
        return String(repeating: "*", count: max(0, pan.count - 4)) + pan.suffix(4)
    }
}
