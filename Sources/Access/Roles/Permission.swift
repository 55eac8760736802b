/// Everything at the till that needs a right. ``AccessPolicy`` says which roles may do it.
public enum Permission: String, CaseIterable, Sendable, Codable {
    // Counter work
    case sell
    case reprintReceipt
    case interimReport
    case openShift
    case closeShift
    case handOverShift
    case requestStorno
    case depositCash
    case withdrawCash
    // Supervision
    case approveStorno
    case approveCashMovement
    case approveDayCloseDifference
    case approveCardSettlement
    case closeDay
    /// The terminal menu: status, diagnosis, End-of-Day, repeat receipt, last transaction, registration.
    case operateTerminal
    /// »No Sale«: the cash drawer opened without a booking, with a reason (docs/printer.md, "Drawer").
    case openDrawerWithoutSale
    case unlockOperator
    case viewAudit
    // Treasury
    case runExport
    case crossRegisterReport
    case verifyLedger
    // Administration
    case manageOperators
    case changeConfiguration
    case changeCatalogue

    /// The German name, used in refusals: „… darf nur … ausführen“.
    public var germanName: String {
        switch self {
        case .sell: return "Verkaufen"
        case .reprintReceipt: return "Beleg nachdrucken"
        case .interimReport: return "Zwischenbericht (X-Bericht)"
        case .openShift: return "Schicht eröffnen"
        case .closeShift: return "Schicht schließen"
        case .handOverShift: return "Kassenübergabe"
        case .requestStorno: return "Storno anfordern"
        case .depositCash: return "Einlage buchen"
        case .withdrawCash: return "Entnahme buchen"
        case .approveStorno: return "Storno genehmigen"
        case .approveCashMovement: return "Entnahme genehmigen"
        case .approveDayCloseDifference: return "Kassendifferenz beim Tagesabschluss genehmigen"
        case .approveCardSettlement: return "Ungeklärte Kartenzahlung von Hand klären"
        case .closeDay: return "Tagesabschluss"
        case .operateTerminal: return "Terminal-Menü"
        case .openDrawerWithoutSale: return "Schublade ohne Verkauf öffnen"
        case .unlockOperator: return "Bediener entsperren"
        case .viewAudit: return "Prüfprotokoll einsehen"
        case .runExport: return "Export für die Stadtkasse"
        case .crossRegisterReport: return "Berichte über Kassen und Tage"
        case .verifyLedger: return "Kassenbuch prüfen"
        case .manageOperators: return "Bediener verwalten"
        case .changeConfiguration: return "Konfiguration ändern"
        case .changeCatalogue: return "Gebührenkatalog ändern"
        }
    }
}

/// The one table of rights: for each operation, the roles that may perform it (any one suffices).
public enum AccessPolicy {
    /// Which roles may perform `operation`. Never empty.
    public static func roles(for operation: Permission) -> Set<Role> {
        switch operation {
        case .sell, .reprintReceipt, .interimReport, .openShift, .closeShift, .handOverShift, .requestStorno,
            .depositCash, .withdrawCash:
            return [.sachbearbeitung, .kassenaufsicht]
        case .approveStorno, .approveCashMovement, .approveDayCloseDifference, .approveCardSettlement, .closeDay, .operateTerminal,
            .openDrawerWithoutSale:
            return [.kassenaufsicht]
        case .unlockOperator:
            return [.kassenaufsicht, .administration]
        case .viewAudit:
            return [.kassenaufsicht, .stadtkasse, .administration]
        case .runExport, .crossRegisterReport, .verifyLedger:
            return [.stadtkasse, .kassenaufsicht]
        case .manageOperators, .changeConfiguration, .changeCatalogue:
            return [.administration]
        }
    }

    /// Whether someone holding `roles` may perform `operation`.
    public static func allows(_ roles: Set<Role>, _ operation: Permission) -> Bool {
        !roles.isDisjoint(with: Self.roles(for: operation))
    }

    /// Everything someone holding `roles` may do, in table order.
    public static func operations(for roles: Set<Role>) -> [Permission] {
        Permission.allCases.filter { allows(roles, $0) }
    }

    /// Throws ``AccessError/denied(operation:login:held:needed:)`` unless `roles` allow `operation`.
    public static func check(_ operation: Permission, login: String, roles: Set<Role>) throws(AccessError) {
        guard allows(roles, operation) else {
            throw .denied(operation: operation, login: login, held: roles, needed: Self.roles(for: operation))
        }
    }
}
