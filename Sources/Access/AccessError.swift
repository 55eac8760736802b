import KasseCore

/// A refusal or mistake in operators, PINs, rights and approvals.
///
/// Every description is one German sentence for the clerk or administrator. None ever contains a PIN.
public enum AccessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A role name that is not one of the four.
    case unknownRole(String)
    /// An operator without any role.
    case noRoles
    /// `login` (holding `held`) may not perform `operation`, which needs one of `needed`.
    case denied(operation: Permission, login: String, held: Set<Role>, needed: Set<Role>)
    /// A new PIN breaks the PIN rules (4 to 8 digits).
    case pinRuleViolated
    /// The two entries of a new PIN differ.
    case pinMismatch
    /// A login id breaks the rules.
    case invalidLogin(String)
    /// A name is empty, too long or has control characters.
    case invalidName
    /// A login id is taken.
    case loginTaken(String)
    /// No operator has this login id (used by administration, never by the log-in screen).
    case unknownOperator(String)
    /// A stored PIN hash cannot be read (`reason` names the part).
    case malformedPINHash(reason: String)
    /// Log-in refused: unknown id or wrong PIN. `remainingAttempts` is nil for an unknown id.
    case wrongCredentials(remainingAttempts: Int?)
    /// The operator is locked: automatically for `minutesLeft` more minutes, or by hand (nil) until unlocked.
    case locked(login: String, minutesLeft: Int?)
    /// This wrong PIN locked the operator for `minutes` minutes.
    case lockedNow(login: String, minutes: Int)
    /// An action needs a second person's approval and none was given.
    case approvalRequired(ApprovableAction)
    /// The approval for the action already backs another booking: each approval authorises exactly one.
    case approvalAlreadyUsed(ApprovableAction)
    /// The approver is the operator who asks for the approval.
    case approverIsRequester(login: String)
    /// The approver lacks the Kassenaufsicht role.
    case approverLacksRole(login: String, held: Set<Role>)
    /// The first operator already exists; setup runs once on an empty ledger.
    case setupAlreadyDone
    /// The last active administrator cannot lose the role or be locked by hand.
    case lastAdministrator(login: String)

    public var description: String {
        switch self {
        case .unknownRole(let word):
            return "Unbekannte Rolle »\(word)«; möglich sind \(Role.allCases.map(\.germanName).joined(separator: ", "))."
        case .noRoles:
            return "Ein Bediener braucht mindestens eine Rolle (\(Role.allCases.map(\.germanName).joined(separator: ", ")))."
        case .denied(let operation, let login, let held, let needed):
            let neededText = needed.count == 1 ? "die Rolle \(Role.germanList(needed))" : "eine der Rollen \(Role.germanList(needed))"
            return "»\(operation.germanName)« braucht \(neededText); »\(login)« hat \(held.isEmpty ? "keine Rolle" : Role.germanList(held))."
        case .pinRuleViolated:
            return "Die PIN muss aus \(PIN.minimumLength) bis \(PIN.maximumLength) Ziffern bestehen."
        case .pinMismatch:
            return "Die beiden PIN-Eingaben stimmen nicht überein; bitte neu eingeben."
        case .invalidLogin(let login):
            return
                "Die Kennung »\(login)« ist ungültig: erlaubt sind \(OperatorAccount.loginLength.lowerBound) bis \(OperatorAccount.loginLength.upperBound) Zeichen a–z, 0–9, Punkt, - und _, beginnend mit einem Buchstaben."
        case .invalidName:
            return "Der Name muss 1 bis \(OperatorAccount.maximumNameLength) Zeichen lang sein und darf keine Steuerzeichen enthalten."
        case .loginTaken(let login):
            return "Die Kennung »\(login)« ist schon vergeben."
        case .unknownOperator(let login):
            return "Es gibt keinen Bediener mit der Kennung »\(login)«."
        case .malformedPINHash(let reason):
            return "Der gespeicherte PIN-Hash ist unlesbar (\(reason)); die PIN muss neu gesetzt werden."
        case .wrongCredentials(let remaining):
            guard let remaining else { return "Kennung oder PIN falsch." }
            return "Kennung oder PIN falsch; noch \(remaining) Versuch\(remaining == 1 ? "" : "e") bis zur Sperre."
        case .locked(let login, let minutesLeft):
            if let minutesLeft {
                return
                    "»\(login)« ist nach zu vielen falschen PINs noch \(minutesLeft) Minute\(minutesLeft == 1 ? "" : "n") gesperrt; eine Kassenaufsicht kann entsperren."
            }
            return "»\(login)« ist gesperrt; eine Kassenaufsicht oder die Administration kann entsperren."
        case .lockedNow(let login, let minutes):
            return "Zu viele falsche PINs: »\(login)« ist für \(minutes) Minute\(minutes == 1 ? "" : "n") gesperrt; eine Kassenaufsicht kann entsperren."
        case .approvalRequired(let action):
            return "\(action.germanName) braucht die Freigabe einer zweiten Person mit der Rolle Kassenaufsicht (Vier-Augen-Prinzip)."
        case .approvalAlreadyUsed(let action):
            return
                "Diese Freigabe wurde schon für eine Buchung verwendet und gilt nur einmal: \(action.germanName) braucht eine neue Freigabe einer zweiten Person mit der Rolle Kassenaufsicht."
        case .approverIsRequester(let login):
            return "»\(login)« kann die eigene Buchung nicht freigeben; es muss eine zweite Person mit der Rolle Kassenaufsicht sein."
        case .approverLacksRole(let login, let held):
            return "»\(login)« hat \(Role.germanList(held)) und darf nicht freigeben; nötig ist die Rolle Kassenaufsicht."
        case .setupAlreadyDone:
            return "Die Ersteinrichtung ist schon erfolgt; weitere Bediener legt die Administration an."
        case .lastAdministrator(let login):
            return "»\(login)« ist die letzte aktive Administration; zuerst einem anderen Bediener die Rolle Administration geben."
        }
    }
}
