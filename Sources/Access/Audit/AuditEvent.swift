import Foundation

/// The kinds of audit event. The raw values are stored in the ledger and must never change.
public enum AuditEventType: String, CaseIterable, Sendable, Codable {
    /// The first administrator/supervisor was created on an empty ledger.
    case setupCompleted = "setup.completed"
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    case logout = "logout"
    /// The screen was locked (by the operator or after idle time).
    case screenLocked = "screen.locked"
    case operatorAdded = "operator.added"
    case operatorRolesChanged = "operator.roles_changed"
    case operatorPINChanged = "operator.pin_changed"
    /// Locked automatically after too many wrong PINs, or by hand.
    case operatorLocked = "operator.locked"
    case operatorUnlocked = "operator.unlocked"
    /// An operation was refused for lack of a role.
    case accessDenied = "access.denied"
    /// A second person approved a storno, cash withdrawal or day-close difference.
    case approvalGranted = "approval.granted"
    /// A second person confirmed who they are with id and PIN (e.g. receiving for the Stadtkasse),
    /// without logging in; the field `operation` names the purpose.
    case identityConfirmed = "identity.confirmed"
    case shiftOpened = "shift.opened"
    case shiftClosed = "shift.closed"
    /// The drawer was handed to another operator with a count (Übergabe).
    case shiftHandover = "shift.handover"
    /// The storno booking itself (with its approver), as the audit trail lists it.
    case stornoBooked = "storno"
    case stornoApproved = "storno.approved"
    case cashMovement = "cash.movement"
    case dayClosed = "day.closed"
    /// The count and terminal data of a day close, kept beside the day-close booking (docs/dayclose.md).
    case dayCloseDetail = "day_close.detail"
    /// The terminal's End-of-Day result, kept as soon as it arrives (docs/dayclose.md).
    case terminalEndOfDay = "terminal.end_of_day"
    /// A function of the terminal menu was run (status, diagnosis, End-of-Day, …), with its result.
    case terminalCommand = "terminal.command"
    case exportRun = "export.run"
    case configurationChanged = "configuration.changed"
    /// The tariff catalogue changed (the detail has the file's SHA-256).
    case catalogueChanged = "catalogue.changed"
    /// A pending card payment was resolved at start-up.
    case pendingCardResolved = "card.pending_resolved"
    case verificationRun = "verify.run"
    // Kinds the counter service books itself (plain-text detail):
    /// A receipt copy (Kopie) was printed.
    case receiptReprinted = "reprint"
    /// »No Sale«: the drawer opened without a booking, with the reason as detail.
    case drawerOpened = "drawer.no_sale"
    /// A storno's card part was sent to the terminal for reversal (06 30).
    case cardReversalRequested = "card_reversal_requested"
    /// Pending card payments were resolved during operation.
    case cardRecovery = "card_recovery"
    /// Pending card payments were resolved at start-up (summary of what was done).
    case cardRecoveryAtStartup = "card_recovery_startup"
    /// The terminal approved or reversed another amount than the counter asked for; booked as
    /// asked, the terminal's amount kept with the card data (docs/ledger.md "Card payments").
    case cardAmountMismatch = "card_amount_mismatch"
    /// The TSE gave no signature: the booking went through without one (docs/fiscal.md, "TSE-Ausfall").
    case tseFailed = "tse_failed"
    /// The TSE signed again after a failure: the outage ends.
    case tseRestored = "tse_restored"
    /// At start-up, a TSE transaction without a booking was finished or recorded as aborted.
    case tseRecovered = "tse_recovered"
    /// The central database holds another entry under one of this register's numbers: delivery
    /// stopped (docs/central.md, "Forks"); the detail names the number and both hashes.
    case centralFork = "central.fork"

    public var germanName: String {
        switch self {
        case .setupCompleted: return "Ersteinrichtung"
        case .loginSucceeded: return "Anmeldung"
        case .loginFailed: return "Anmeldung fehlgeschlagen"
        case .logout: return "Abmeldung"
        case .screenLocked: return "Bildschirm gesperrt"
        case .operatorAdded: return "Bediener angelegt"
        case .operatorRolesChanged: return "Rollen geändert"
        case .operatorPINChanged: return "PIN geändert"
        case .operatorLocked: return "Bediener gesperrt"
        case .operatorUnlocked: return "Bediener entsperrt"
        case .accessDenied: return "Zugriff verweigert"
        case .approvalGranted: return "Freigabe erteilt"
        case .identityConfirmed: return "Identität bestätigt"
        case .shiftOpened: return "Schicht eröffnet"
        case .shiftClosed: return "Schicht geschlossen"
        case .shiftHandover: return "Kassenübergabe"
        case .stornoBooked: return "Storno"
        case .stornoApproved: return "Storno genehmigt"
        case .cashMovement: return "Ein-/Auszahlung"
        case .dayClosed: return "Tagesabschluss"
        case .dayCloseDetail: return "Tagesabschluss: Zählung"
        case .terminalEndOfDay: return "Kassenschnitt am Terminal"
        case .terminalCommand: return "Terminal-Menü"
        case .exportRun: return "Export"
        case .configurationChanged: return "Konfiguration geändert"
        case .catalogueChanged: return "Gebührenkatalog geändert"
        case .pendingCardResolved: return "Offene Kartenzahlung geklärt"
        case .verificationRun: return "Kassenbuch geprüft"
        case .receiptReprinted: return "Beleg nachgedruckt"
        case .drawerOpened: return "Schublade ohne Verkauf geöffnet"
        case .cardReversalRequested: return "Kartenstorno angefordert"
        case .cardRecovery: return "Kartenzahlungen geklärt"
        case .cardRecoveryAtStartup: return "Kartenzahlungen beim Start geklärt"
        case .cardAmountMismatch: return "Kartenbetrag abweichend"
        case .tseFailed: return "TSE ausgefallen"
        case .tseRestored: return "TSE wieder verfügbar"
        case .tseRecovered: return "TSE-Vorgang beim Start abgeschlossen"
        case .centralFork: return "Abweichung zur Zentrale"
        }
    }
}

/// Names of the detail fields audit events use.
public enum AuditField {
    /// The operator the event is about (id), when not the actor.
    public static let subject = "subject"
    public static let login = "login"
    public static let name = "name"
    public static let roles = "roles"
    public static let pinHash = "pin_hash"
    /// End of an automatic lock (ISO 8601 UTC); absent for a lock by hand.
    public static let until = "until"
    public static let reason = "reason"
    public static let operation = "operation"
    public static let action = "action"
    public static let amount = "amount_cents"
    public static let approver = "approver"
    public static let reference = "ref"
    public static let sha256 = "sha256"
    public static let path = "path"
    public static let result = "result"
    public static let from = "from"
    public static let to = "to"
    public static let counted = "counted_cents"
    public static let expected = "expected_cents"
    /// On a counter, an operator event taken from the centre: its number there (`operator_events.seq`)
    /// and when it was decided there (docs/central.md, "Bediener aus der Zentrale").
    public static let centralSeq = "central_seq"
    public static let centralAt = "central_at"
}

/// One audit event: kind, actor, a flat set of text fields, instant. Stored as JSON with sorted keys,
/// so the bytes (and the chain hash over them) are the same every time.
public struct AuditEvent: Sendable, Equatable {
    public let type: AuditEventType
    /// The operator who did it (id), nil for the system (start-up recovery, setup before anyone exists).
    public let actorID: String?
    public let fields: [String: String]
    public let at: Date

    public init(_ type: AuditEventType, actor actorID: String?, fields: [String: String] = [:], at: Date) {
        precondition(fields[AuditField.pinHash] == nil || [.operatorAdded, .operatorPINChanged].contains(type))
        self.type = type
        self.actorID = actorID
        self.fields = fields
        self.at = at
    }

    /// The subject operator's id, or the actor's when the event names no subject.
    public var subjectID: String? { fields[AuditField.subject] ?? actorID }

    /// The detail as stored: a JSON object with sorted keys.
    public var detailJSON: String { AuditJSON.object(fields) }

    /// Reads a stored event. Throws ``AuditDecodingError`` naming the kind or the detail.
    public init(type raw: String, actor actorID: String?, detailJSON: String, at: Date) throws(AuditDecodingError) {
        guard let type = AuditEventType(rawValue: raw) else { throw .unknownType(raw) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(detailJSON.utf8)) as? [String: Any] else {
            throw .malformedDetail(type: raw)
        }
        var fields: [String: String] = [:]
        for (key, value) in object {
            guard let text = value as? String else { throw .malformedDetail(type: raw) }
            fields[key] = text
        }
        self.type = type
        self.actorID = actorID
        self.fields = fields
        self.at = at
    }

    /// The fields for showing: the PIN hash is replaced by its parameters.
    public var displayFields: [String: String] {
        var shown = fields
        if let hash = shown[AuditField.pinHash] {
            shown[AuditField.pinHash] = (try? PINHash(encoded: hash)).map { "pbkdf2-sha256, \($0.iterations) Iterationen" } ?? "(unlesbar)"
        }
        return shown
    }
}

/// A stored audit event that cannot be read.
public enum AuditDecodingError: Error, Equatable, CustomStringConvertible {
    case unknownType(String)
    case malformedDetail(type: String)

    public var description: String {
        switch self {
        case .unknownType(let raw): return "Unbekannte Art von Prüfprotokoll-Eintrag »\(raw)«."
        case .malformedDetail(let type): return "Die Angaben eines Prüfprotokoll-Eintrags »\(type)« sind kein JSON-Objekt aus Texten."
        }
    }
}

/// ISO 8601 in UTC with milliseconds, the form instants take in audit detail fields.
public enum AuditTime {
    public static func string(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Double(millis / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        let ms = Int(millis % 1000 + 1000) % 1000
        func pad(_ n: Int?, _ width: Int) -> String {
            let text = String(n ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(ms, 3))Z"
    }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
