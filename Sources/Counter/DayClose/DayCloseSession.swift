import Access
import Foundation
import KasseCore
import Ledger

/// The day close as the logged-in operator does it: the ``DayCloseService`` with the session's
/// access control as its guard (role and four eyes are checked there, once per operation), the
/// logged-in operator as the one who closes, and the close audited as the end of the shift.
public final class DayCloseSession {
    public let session: CounterSession
    public let service: DayCloseService

    public init(session: CounterSession, settings: DayCloseSettings) {
        self.session = session
        service = DayCloseService(counter: session.service, settings: settings, accessGuard: session.access)
    }

    /// Starts a day close for the logged-in operator (role: Tagesabschluss).
    public func prepare(blindCount: Bool) throws -> DayClosePreparation {
        try service.prepare(operatorId: session.currentOperator.id, blindCount: blindCount)
    }

    /// Whether closing with `counted` needs a supervisor's approval (difference above the threshold).
    public func needsApproval(counted: Money) throws -> Bool { try service.needsApproval(counted: counted) }

    /// The approval of a second operator with Kassenaufsicht for closing with `counted`.
    public func approval(counted: Money, approverLogin: String, pin: String) throws -> Approval {
        try session.approval(for: .dayCloseDifference(try service.difference(counted: counted)), approverLogin: approverLogin, pin: pin)
    }

    /// Closes the day with a count by denomination. A difference above the configured threshold
    /// needs the approval of a second operator with Kassenaufsicht for exactly that difference;
    /// the approver is recorded on the close.
    public func close(_ request: DayCloseRequest, approval: Approval?) throws -> DayCloseOutcome {
        let approvedBy = try service.needsApproval(counted: request.count.total) ? approval?.approverID : nil
        let holder = try session.shiftHolder()
        let outcome = try service.close(request, operatorId: session.currentOperator.id, approvedBy: approvedBy)
        try session.access.record(
            .shiftClosed, actor: session.currentOperator.id,
            fields: [
                "shift": outcome.record.shiftId, "z": String(outcome.record.zNumber), AuditField.subject: holder ?? session.currentOperator.id,
                "difference_cents": String(outcome.record.difference.cents),
            ])
        return outcome
    }

    /// The X report as text (role: Zwischenbericht).
    public func interimReportText() throws -> String {
        try service.interimReportText(operatorId: session.currentOperator.id)
    }
}
