import Access
import Foundation
import KasseCore
import Ledger

/// What the counter service asks before it books (issue 6): may this operator do this, and — for
/// a storno, a cash withdrawal or a day-close difference above the threshold — did a second
/// operator with Kassenaufsicht approve it with their PIN? ``AccessControl`` answers.
public protocol CounterAccessGuard: AnyObject {
    /// Throws unless `operatorId` may perform `permission` and, if `approval` needs a second
    /// person, `approvedBy` granted exactly that approval (recorded as `approval.granted`).
    func check(_ permission: Permission, operatorId: String, approval: ApprovableAction?, approvedBy: String?) throws
}

extension CounterAccessGuard {
    public func check(_ permission: Permission, operatorId: String) throws {
        try check(permission, operatorId: operatorId, approval: nil, approvedBy: nil)
    }
}

extension AccessControl: CounterAccessGuard {
    /// How long a granted approval may be used for its booking.
    public static let approvalValiditySeconds: TimeInterval = 15 * 60

    public func check(_ permission: Permission, operatorId: String, approval action: ApprovableAction?, approvedBy: String?) throws {
        let directory = try directory()
        guard let account = directory.account(id: operatorId) else {
            throw AccessError.unknownOperator(try ledger.operatorRecord(id: operatorId)?.login ?? operatorId)
        }
        _ = try authorize(permission, account)
        guard let action, fourEyes.needsApproval(action) else { return }
        guard let approvedBy, let approver = directory.account(id: approvedBy) else { throw AccessError.approvalRequired(action) }
        try fourEyes.checkApprover(approver, for: action, requestedBy: account)
        // The approver must have entered their PIN for exactly this action, for this requester, lately.
        let since = currentDate().addingTimeInterval(-Self.approvalValiditySeconds)
        let granted = try ledger.auditEvents(kinds: [AuditEventType.approvalGranted.rawValue]).reversed().contains { stored in
            guard let event = try? AccessControl.decode(stored), event.at >= since, event.actorID == operatorId,
                event.fields[AuditField.approver] == approvedBy, event.fields[AuditField.action] == action.kind
            else { return false }
            switch action {
            case .storno: return true
            case .cashWithdrawal(let amount), .dayCloseDifference(let amount): return event.fields[AuditField.amount] == String(amount.cents)
            }
        }
        guard granted else { throw AccessError.approvalRequired(action) }
    }
}
