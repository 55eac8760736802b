import Access
import Counter
import Foundation
import KasseCore
import Ledger

/// The day close on the real counter service, through the logged-in operator's session: count by
/// denomination, four eyes for a difference above the threshold, terminal End-of-Day, Z report
/// from the booked records (written beside the receipts and printed by the service).
extension LiveCounterBackend: DayCloseBackend {
    public func prepareDayClose(blindCount: Bool) throws -> DayCloseSheet {
        let preparation = try requireSession().prepareDayClose(blindCount: blindCount, settings: dayCloseSettings)
        return DayCloseSheet(
            zNumber: preparation.zNumber, businessDay: BusinessCalendar.germanDate(preparation.businessDate),
            expected: try preparation.period.expected.total(), floatSuggestion: preparation.floatSuggestion,
            cheques: preparation.period.cheques.map(\.amount), pendingCardPayments: preparation.draft.pendingCardPayments,
            approvalThreshold: access.fourEyes.dayCloseDifferenceThreshold)
    }

    public func dayCloseNeedsApproval(counted: Money) throws -> Bool {
        try requireSession().dayCloseNeedsApproval(counted: counted)
    }

    public func closeDay(_ input: DayCloseInput, approverLogin: String?, approverPIN: String?) throws -> DayCloseDone {
        let session = try requireSession()
        let difference = try session.dayCloseDifference(countedCash: input.count.total)
        var approval: Approval?
        if session.needsApproval(.dayCloseDifference(difference)) {
            guard let approverLogin, let approverPIN else { throw CounterUserError("Die Differenz braucht die Freigabe einer Kassenaufsicht.") }
            approval = try session.approval(for: .dayCloseDifference(difference), approverLogin: approverLogin, pin: approverPIN)
        }
        let request = DayCloseRequest(
            operatorId: session.currentOperator.id, count: input.count, totalOnly: input.totalOnly, blindCount: input.blindCount,
            firstCountedCash: input.firstCountedCash, countSubmissions: input.countSubmissions, reason: input.reason,
            floatKept: input.floatKept, expectedSeen: input.expectedSeen, settings: dayCloseSettings)
        let outcome = try session.closeDay(request, approval: approval)
        try renewBasketDate()
        let note = outcome.reportFile.map { "Z-Bericht \(outcome.record.zNumber) gespeichert (\(($0 as NSString).lastPathComponent)) und an den Drucker gesendet." }
            ?? (outcome.fileProblem ?? "")
        return DayCloseDone(
            zNumber: outcome.record.zNumber, reportLines: outcome.reportText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init),
            note: note, warnings: outcome.warnings.map(\.description))
    }

    public func interimReportLines() throws -> [String] {
        try requireSession().interimReportText().split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}
