import Access
import Foundation
import KasseCore

/// What the counter service asks before it books: may this operator do this, and — for a storno,
/// a cash withdrawal or a day-close difference above the threshold — did a second operator with
/// Kassenaufsicht approve it with their PIN? ``AccessControl`` answers (docs/access.md).
public protocol CounterAccessGuard: AnyObject {
    /// Throws unless `operatorId` may perform `permission` and, if `approval` needs a second
    /// person, `approvedBy` granted exactly that approval lately (recorded as `approval.granted`)
    /// and it backs no booking yet. Asked before anything is booked or sent to the terminal.
    func check(_ permission: Permission, operatorId: String, approval: ApprovableAction?, approvedBy: String?) throws

    /// Inside the write transaction that appended the booking at `bookingSeq`: records that the
    /// approval `approvedBy` granted `operatorId` for `action` backs it, so it backs no other.
    /// Throws ``AccessError/approvalAlreadyUsed(_:)`` (or ``AccessError/approvalRequired(_:)``) when
    /// no unused approval is left; the transaction then books nothing. With `mustBook` (the
    /// terminal has already moved the money) an unused approval is recorded if there is one, and
    /// nothing is refused.
    func recordApprovalUse(_ action: ApprovableAction, operatorId: String, approvedBy: String, bookingSeq: Int64, mustBook: Bool) throws
}

extension CounterAccessGuard {
    public func check(_ permission: Permission, operatorId: String) throws {
        try check(permission, operatorId: operatorId, approval: nil, approvedBy: nil)
    }
}

extension AccessControl: CounterAccessGuard {
    public func check(_ permission: Permission, operatorId: String, approval action: ApprovableAction?, approvedBy: String?) throws {
        let directory = try directory()
        guard let account = directory.account(id: operatorId) else {
            throw AccessError.unknownOperator(try store.operatorLogin(id: operatorId) ?? operatorId)
        }
        _ = try authorize(permission, account)
        guard let action, fourEyes.needsApproval(action) else { return }
        guard let approvedBy, let approver = directory.account(id: approvedBy) else { throw AccessError.approvalRequired(action) }
        try fourEyes.checkApprover(approver, for: action, requestedBy: account)
        // The approver must have entered their PIN for exactly this action, for this requester, lately.
        _ = try unusedApproval(action, operatorId: operatorId, approvedBy: approvedBy, withinValidity: true)
    }

    public func recordApprovalUse(_ action: ApprovableAction, operatorId: String, approvedBy: String, bookingSeq: Int64, mustBook: Bool) throws {
        guard fourEyes.needsApproval(action) else { return }
        let approvalSeq: Int64
        do {
            approvalSeq = try unusedApproval(action, operatorId: operatorId, approvedBy: approvedBy, withinValidity: !mustBook)
        } catch let error as AccessError where mustBook {
            log?.warning("Buchung ohne freie Freigabe, weil das Terminal schon gebucht hat: \(error)")
            return
        }
        try store.recordApprovalUse(approvalSeq: approvalSeq, bookingSeq: bookingSeq, action: action)
    }

    /// The newest `approval.granted` (its position) by `approvedBy` for exactly `action` asked by
    /// `operatorId` — within ``FourEyesRules/approvalValiditySeconds`` unless not `withinValidity` —
    /// that backs no booking yet.
    private func unusedApproval(_ action: ApprovableAction, operatorId: String, approvedBy: String, withinValidity: Bool) throws -> Int64 {
        let now = currentDate()
        var anyUsed = false
        for recorded in try store.auditEvents([.approvalGranted]).reversed()
        where FourEyesRules.grants(recorded.event, action, requestedBy: operatorId, approvedBy: approvedBy)
            && (!withinValidity || FourEyesRules.isValid(recorded.event, at: now))
        {
            if try !store.isApprovalUsed(recorded.seq) { return recorded.seq }
            anyUsed = true
        }
        throw anyUsed ? AccessError.approvalAlreadyUsed(action) : AccessError.approvalRequired(action)
    }
}
