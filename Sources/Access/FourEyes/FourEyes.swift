import Foundation
import KasseCore

/// A booking that may need a second person's approval (Vier-Augen-Prinzip).
public enum ApprovableAction: Sendable, Equatable {
    /// Cancelling a whole sale.
    case storno
    /// Cash leaving the drawer (Entnahme, Abschöpfung an die Stadtkasse) of this amount.
    case cashWithdrawal(Money)
    /// Closing the day with this difference between counted and expected cash (negative: shortfall).
    case dayCloseDifference(Money)
    /// Closing the day, with this difference, by the shift's holder who lacks the role
    /// Tagesabschluss (a clerk): a supervisor authorises it on the spot (docs/dayclose.md); her
    /// approval also covers the difference.
    case dayClose(Money)
    /// Settling by hand a card payment whose outcome the terminal cannot tell (docs/ledger.md,
    /// "Card payments"): the supervisor has read the terminal's own journal or slip.
    case cardSettlementByHand

    /// The operation the approver's role must allow.
    public var approvingPermission: Permission {
        switch self {
        case .storno: return .approveStorno
        case .cashWithdrawal: return .approveCashMovement
        case .dayCloseDifference: return .approveDayCloseDifference
        case .dayClose: return .closeDay
        case .cardSettlementByHand: return .approveCardSettlement
        }
    }

    /// `Ein Storno`, `Eine Entnahme von 50,00 €`, `Ein Tagesabschluss mit 7,50 € Differenz`.
    public var germanName: String {
        switch self {
        case .storno: return "Ein Storno"
        case .cashWithdrawal(let amount): return "Eine Entnahme von \(amount.magnitude.formatted)"
        case .dayCloseDifference(let difference): return "Ein Tagesabschluss mit \(difference.formatted) Differenz"
        case .dayClose: return "Ein Tagesabschluss ohne eigene Rolle Kassenaufsicht"
        case .cardSettlementByHand: return "Eine von Hand geklärte Kartenzahlung"
        }
    }

    /// The stored name of the kind (`storno`, `cash_withdrawal`, `day_close_difference`).
    public var kind: String {
        switch self {
        case .storno: return "storno"
        case .cashWithdrawal: return "cash_withdrawal"
        case .dayCloseDifference: return "day_close_difference"
        case .dayClose: return "day_close"
        case .cardSettlementByHand: return "card_settlement_by_hand"
        }
    }
}

/// A granted approval: who asked, who approved (after entering their own id and PIN), for what, when.
/// Only ``FourEyesRules/approve(_:requestedBy:approver:authentication:at:)`` makes one.
public struct Approval: Sendable, Equatable {
    public let action: ApprovableAction
    public let requesterID: String
    public let approverID: String
    public let approverLogin: String
    public let at: Date
}

/// Which bookings need a second person with the Kassenaufsicht role, and who may be that person.
public struct FourEyesRules: Sendable, Equatable {
    /// A day-close difference whose magnitude is above this needs approval.
    public let dayCloseDifferenceThreshold: Money

    public init(dayCloseDifferenceThreshold: Money) {
        self.dayCloseDifferenceThreshold = dayCloseDifferenceThreshold
    }

    public init(configuration: Configuration) {
        self.init(dayCloseDifferenceThreshold: configuration.dayCloseDifferenceApproval)
    }

    /// Whether `action` needs a second person's approval.
    public func needsApproval(_ action: ApprovableAction) -> Bool {
        switch action {
        case .storno, .cardSettlementByHand, .dayClose: return true
        case .cashWithdrawal(let amount): return !amount.isZero
        case .dayCloseDifference(let difference): return difference.magnitude > dayCloseDifferenceThreshold
        }
    }

    /// Checks the approver before their PIN is asked: a different operator holding Kassenaufsicht.
    public func checkApprover(_ approver: OperatorAccount, for action: ApprovableAction, requestedBy requester: OperatorAccount) throws(AccessError) {
        guard approver.id != requester.id else { throw .approverIsRequester(login: approver.login) }
        guard approver.may(action.approvingPermission) else { throw .approverLacksRole(login: approver.login, held: approver.roles) }
        // Authorising a clerk's close also approves its difference.
        if case .dayClose(let difference) = action, needsApproval(.dayCloseDifference(difference)),
            !approver.may(.approveDayCloseDifference)
        {
            throw .approverLacksRole(login: approver.login, held: approver.roles)
        }
    }

    /// The approval, if `authentication` accepted an approver who passes ``checkApprover(_:for:requestedBy:)``.
    public func approve(
        _ action: ApprovableAction, requestedBy requester: OperatorAccount, approver: OperatorAccount?, authentication: AuthenticationResult, at now: Date
    ) throws(AccessError) -> Approval {
        if let approver { try checkApprover(approver, for: action, requestedBy: requester) }
        switch authentication.outcome {
        case .refused(let error): throw error
        case .accepted(let account):
            try checkApprover(account, for: action, requestedBy: requester)
            return Approval(action: action, requesterID: requester.id, approverID: account.id, approverLogin: account.login, at: now)
        }
    }

    /// How long a granted approval may be used for its booking.
    public static let approvalValiditySeconds: TimeInterval = 15 * 60

    /// Whether `event` is an `approval.granted` by `approverID` for exactly `action`, asked by `requesterID`.
    public static func grants(_ event: AuditEvent, _ action: ApprovableAction, requestedBy requesterID: String, approvedBy approverID: String) -> Bool {
        guard event.type == .approvalGranted, event.actorID == requesterID, event.fields[AuditField.approver] == approverID,
            event.fields[AuditField.action] == action.kind
        else { return false }
        switch action {
        case .storno, .cardSettlementByHand: return true
        case .cashWithdrawal(let amount), .dayCloseDifference(let amount), .dayClose(let amount):
            return event.fields[AuditField.amount] == String(amount.cents)
        }
    }

    /// Whether an approval granted by `event` may still back a booking at `now`.
    public static func isValid(_ event: AuditEvent, at now: Date) -> Bool {
        event.at >= now.addingTimeInterval(-approvalValiditySeconds)
    }

    /// Throws ``AccessError/approvalRequired(_:)`` if `action` needs approval and `approval` is missing,
    /// was given for another action, or came from the requester.
    public func require(_ action: ApprovableAction, requestedBy requesterID: String, approval: Approval?) throws(AccessError) {
        guard needsApproval(action) else { return }
        guard let approval, approval.action == action else { throw .approvalRequired(action) }
        guard approval.approverID != requesterID, approval.requesterID == requesterID else {
            throw .approverIsRequester(login: approval.approverLogin)
        }
    }
}
