import Access
import Foundation
import KasseCore
import Ledger

extension CounterSession {
    /// Starts a day close for the logged-in operator (role: Tagesabschluss).
    public func prepareDayClose(blindCount: Bool, settings: DayCloseSettings) throws -> DayClosePreparation {
        _ = try access.authorize(.closeDay, currentOperator)
        return try service.prepareDayClose(operatorId: currentOperator.id, blindCount: blindCount, settings: settings)
    }

    /// Whether closing with `counted` needs a supervisor's approval (difference above the threshold).
    public func dayCloseNeedsApproval(counted: Money) throws -> Bool {
        needsApproval(.dayCloseDifference(try dayCloseDifference(countedCash: counted)))
    }

    /// Closes the day with a count by denomination. A difference above the configured threshold
    /// needs the approval of a second operator with Kassenaufsicht for exactly that difference;
    /// the approver is recorded on the close. The request's operator is the logged-in one.
    public func closeDay(_ request: DayCloseRequest, approval: Approval?) throws -> DayCloseOutcome {
        _ = try access.authorize(.closeDay, currentOperator)
        guard request.operatorId == currentOperator.id else {
            throw SessionError.operatorMismatch(
                expected: currentOperator.login, got: try access.account(id: request.operatorId)?.login ?? request.operatorId)
        }
        let difference = try dayCloseDifference(countedCash: request.count.total)
        let action = ApprovableAction.dayCloseDifference(difference)
        try access.fourEyes.require(action, requestedBy: currentOperator.id, approval: approval)
        var request = request
        request.approvedBy = access.fourEyes.needsApproval(action) ? approval?.approverID : nil
        request.settings.approvalThreshold = access.fourEyes.dayCloseDifferenceThreshold
        let holder = try shiftHolder()
        let outcome = try service.closeDay(request)
        try access.record(.shiftClosed, actor: currentOperator.id, fields: [
            "shift": outcome.record.shiftId, "z": String(outcome.record.zNumber), AuditField.subject: holder ?? currentOperator.id,
            "difference_cents": String(outcome.record.difference.cents),
        ])
        return outcome
    }

    /// The X report as text (role: Zwischenbericht).
    public func interimReportText() throws -> String {
        _ = try access.authorize(.interimReport, currentOperator)
        return try service.interimReportText()
    }
}
