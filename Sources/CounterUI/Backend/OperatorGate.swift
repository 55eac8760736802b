import KasseCore

/// Who may log in and who may approve: operator login ids and PINs (issue 6). The live backend
/// asks it; the executable supplies the implementation on the ledger's operator records.
public protocol OperatorGate: AnyObject {
    /// True while no operator exists (first start).
    var needsFirstSetup: Bool { get }
    /// Creates the first supervisor (also administrator) on an empty ledger.
    func setUpFirstSupervisor(login: String, name: String, pin: String, pinRepeated: String) throws
    /// Checks login id and PIN (counting failures, locking after too many). Returns the
    /// operator's ledger id and display name.
    func logIn(login: String, pin: String) throws -> (id: String, name: String)
    /// Checks the PIN of the operator with ledger id `operatorId` (lock screen).
    func checkPIN(operatorId: String, pin: String) throws
    /// Whether `action` needs a second person (e.g. a day-close difference above the threshold).
    func needsApproval(_ action: ApprovalAction) -> Bool
    /// Checks a second operator's login and PIN for a four-eyes approval of `action`;
    /// `reference` names the booking (e.g. "Beleg 12"). Returns the approver's ledger id.
    func approve(_ approval: SupervisorApproval, action: ApprovalAction, reference: String?, requestedBy operatorId: String) throws -> String
    func logOut(operatorId: String)
    /// Creates the demo operators on an empty ledger (`--demo`).
    func seedDemoOperators() throws
}

/// What a supervisor approves (four eyes).
public enum ApprovalAction: Equatable, Sendable {
    case storno
    case cashWithdrawal(Money)
    /// Counted minus expected cash at the day close.
    case dayCloseDifference(Money)
}

/// What a card terminal offers the screen beyond paying: its intermediate texts and an abort.
/// The executable adapts the ZVT driver to it.
public protocol CardTerminalControls: AnyObject, Sendable {
    /// Installs (or removes) the receiver of the terminal's intermediate texts during a payment.
    func setStatusHandler(_ handler: (@Sendable (String) -> Void)?)
    /// Asks the terminal to abort the running payment.
    func abortPayment()
}
