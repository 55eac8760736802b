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

    /// Whether the logged-in operator lacks the role Tagesabschluss (a clerk holding the shift):
    /// the close then needs a supervisor's approval on the spot, whatever the difference
    /// (docs/dayclose.md, "Approved on the spot").
    public var closesOnApproval: Bool { !session.currentOperator.may(.closeDay) && session.currentOperator.may(.closeShift) }

    /// Starts a day close for the logged-in operator (role: Tagesabschluss, or — for a clerk —
    /// the right to close the shift, the supervisor approving at the end).
    public func prepare(blindCount: Bool) throws -> DayClosePreparation {
        if closesOnApproval { try requireClerkHoldsTheShift() }
        return try service.prepare(operatorId: session.currentOperator.id, blindCount: blindCount, onApproval: closesOnApproval)
    }

    /// A clerk closes only the shift she holds.
    private func requireClerkHoldsTheShift() throws {
        let holder = try session.shiftHolder()
        guard let holder else { throw SessionError.noOpenShift }
        guard holder == session.currentOperator.id else {
            throw SessionError.notShiftHolder(holder: try session.access.account(id: holder)?.login ?? holder)
        }
    }

    /// Whether closing with `counted` needs a supervisor's approval: a difference above the
    /// threshold, or any close by a clerk.
    public func needsApproval(counted: Money) throws -> Bool { try closesOnApproval || service.needsApproval(counted: counted) }

    /// The approval of a second operator with Kassenaufsicht for closing with `counted`: of the
    /// difference, or — for a clerk — of the close itself (which covers the difference).
    public func approval(counted: Money, approverLogin: String, pin: String) throws -> Approval {
        let difference = try service.difference(counted: counted)
        return try session.approval(
            for: closesOnApproval ? .dayClose(difference) : .dayCloseDifference(difference), approverLogin: approverLogin, pin: pin)
    }

    /// Closes the day with a count by denomination. A difference above the configured threshold
    /// needs the approval of a second operator with Kassenaufsicht for exactly that difference;
    /// the approver is recorded on the close.
    public func close(_ request: DayCloseRequest, approval: Approval?) throws -> DayCloseOutcome {
        let onApproval = closesOnApproval
        let approvedBy = try needsApproval(counted: request.count.total) ? approval?.approverID : nil
        let holder = try session.shiftHolder()
        if onApproval { try requireClerkHoldsTheShift() }
        let outcome = try service.close(request, operatorId: session.currentOperator.id, approvedBy: approvedBy, onApproval: onApproval)
        var fields = [
            "shift": outcome.record.shiftId, "z": String(outcome.record.zNumber), AuditField.subject: holder ?? session.currentOperator.id,
            "difference_cents": String(outcome.record.difference.cents),
        ]
        if onApproval, let approvedBy { fields["authorised_by"] = approvedBy }
        try session.access.record(.shiftClosed, actor: session.currentOperator.id, fields: fields)
        return outcome
    }

    /// The X report as text (role: Zwischenbericht).
    public func interimReportText() throws -> String {
        try service.interimReportText(operatorId: session.currentOperator.id)
    }
}
