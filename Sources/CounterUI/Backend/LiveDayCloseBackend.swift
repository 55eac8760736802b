import Access
import Counter
import Foundation
import KasseCore
import Ledger

/// The day close on the real counter service, through the logged-in operator's
/// ``DayCloseSession``: count by denomination, four eyes for a difference above the threshold,
/// terminal End-of-Day, Z report from the booked records (written beside the receipts and printed
/// by the service). The session of a preparation is kept for its close, which reuses its period.
extension LiveCounterBackend {
    public func prepareDayClose(blindCount: Bool) throws -> DayCloseSheet {
        let dayClose = DayCloseSession(session: try requireSession(), settings: dayCloseSettings)
        let preparation = try dayClose.prepare(blindCount: blindCount)
        preparedDayClose = dayClose
        return DayCloseSheet(
            zNumber: preparation.zNumber, businessDay: BusinessCalendar.germanDate(preparation.businessDate),
            expected: try preparation.period.expected.total(), floatSuggestion: preparation.floatSuggestion,
            cheques: preparation.period.cheques.map(\.amount), pendingCardPayments: preparation.draft.pendingCardPayments,
            approvalThreshold: dayCloseSettings.approvalThreshold, closesOnApproval: dayClose.closesOnApproval)
    }

    public func dayCloseNeedsApproval(counted: Money) throws -> Bool {
        try dayCloseSession().needsApproval(counted: counted)
    }

    public func closeDay(_ request: DayCloseRequest, approverLogin: String?, approverPIN: String?) throws -> DayCloseDone {
        let dayClose = try dayCloseSession()
        var approval: Approval?
        if try dayClose.needsApproval(counted: request.count.total) {
            guard let approverLogin, let approverPIN else { throw CounterUserError("Die Differenz braucht die Freigabe einer Kassenaufsicht.") }
            approval = try dayClose.approval(counted: request.count.total, approverLogin: approverLogin, pin: approverPIN)
        }
        let outcome = try dayClose.close(request, approval: approval)
        preparedDayClose = nil
        try renewBasketDate()
        // The printer only when one is set up (the service sends the report to it then).
        let printed = service.printer == nil ? "; kein Drucker eingerichtet" : " und an den Drucker gesendet"
        let note =
            outcome.reportFile.map { "Z-Bericht \(outcome.record.zNumber) gespeichert (\(($0 as NSString).lastPathComponent))\(printed)." }
            ?? (outcome.fileProblem ?? "")
        let terminalNote = outcome.terminalReceiptFile.map { " Kassenschnittbeleg des Terminals: \(($0 as NSString).lastPathComponent)." } ?? ""
        return DayCloseDone(
            zNumber: outcome.record.zNumber,
            reportLines: outcome.reportText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init),
            note: note + terminalNote, warnings: outcome.warnings.map(\.description))
    }

    public func interimReportLines() throws -> [String] {
        try dayCloseSession().interimReportText().split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    public func printInterimReport() throws -> String {
        guard let printer = service.printer else { throw CounterUserError("An dieser Kasse ist kein Bondrucker eingerichtet.") }
        printer.printReport(try dayCloseSession().interimReportText(), number: 0)
        return "Der Zwischenbericht (X) geht an den Drucker."
    }

    /// The day close of the logged-in operator: the prepared one, or a new one.
    private func dayCloseSession() throws -> DayCloseSession {
        let session = try requireSession()
        if let preparedDayClose, preparedDayClose.session === session { return preparedDayClose }
        return DayCloseSession(session: session, settings: dayCloseSettings)
    }
}
