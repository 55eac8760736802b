import Access
import CLISupport
import Counter
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// `webkasse audit [--from …] [--to …] [--operator KENNUNG] [--type ART] [--json]` (docs/access.md):
/// the audit trail from the ledger, oldest first.
enum AuditCommand {
    static let help = """
        Aufruf: webkasse audit [--from DATUM] [--to DATUM] [--operator KENNUNG] [--type ART] [--json]

        Listet das Prüfprotokoll der Kasse: Anmeldungen und Fehlversuche, Sperren, Änderungen an
        Bedienern, Schichten und Übergaben, Freigaben, Stornos, Ein- und Auszahlungen, Tagesabschlüsse,
        Exporte, Konfigurations- und Katalogänderungen, beim Start geklärte Kartenzahlungen, Prüfläufe.
          --from, --to   Tag JJJJ-MM-TT (Ortszeit, einschließlich) oder Zeitpunkt JJJJ-MM-TTTHH:MM:SSZ
          --operator     nur Einträge von oder über diesen Bediener
          --type         Art wie login.failed, oder der Teil vor dem Punkt (login, operator, shift, …)
          --json         eine JSON-Zeile je Eintrag (mit Eintragsnummer und Hash der Kette)
        Optionen: --data VERZEICHNIS, --config DATEI, --register KASSE.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["data", "config", "register", "from", "to", "operator", "type"], flagOptions: ["json", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        if let extra = args.positionals.first { throw UsageError.unexpectedArgument(extra) }
        let context: AccessContext
        do {
            context = try AccessContext.open(args, create: false)
        } catch let error as AccessCommandError {
            printError("webkasse audit: \(error)")
            return .dataError
        } catch let error as ConfigurationError {
            printError("webkasse audit: \(error)")
            return .dataError
        } catch let error as FileSecurityError {
            printError("webkasse audit: \(error)")
            return .ioError
        }
        let zone = context.configuration.zone
        var filter = AuditFilter()
        filter.from = try instant(args.value("from"), option: "from", zone: zone, endOfDay: false)
        filter.to = try instant(args.value("to"), option: "to", zone: zone, endOfDay: true)
        let directory = try context.access.directory()
        if let login = args.value("operator") {
            guard let account = directory.account(login: login) else {
                printError("webkasse audit: \(AccessError.unknownOperator(login))")
                return .dataError
            }
            filter.operatorId = account.id
        }
        if let type = args.value("type") {
            let known = Set(AuditEventType.allCases.map(\.rawValue))
            let prefixes = Set(known.map { String($0.split(separator: ".").first!) })
            guard known.contains(type) || prefixes.contains(type) else {
                throw UsageError.invalidValue(
                    option: "type", value: type,
                    expected: "eine Art wie \(known.sorted().prefix(4).joined(separator: ", ")) … oder \(prefixes.sorted().joined(separator: ", "))")
            }
            filter.type = type
        }
        let entries = try AuditTrail.entries(context.ledger, filter: filter)
        var logins: [String: String] = [:]
        for account in directory.all { logins[account.id] = account.login }
        if args.flag("json") {
            for entry in entries { print(json(entry, logins: logins)) }
        } else {
            let formatter = DateFormatter()
            formatter.timeZone = zone
            formatter.dateFormat = "dd.MM.yyyy HH:mm:ss"
            for entry in entries {
                let who = entry.operatorId.map { logins[$0] ?? $0 } ?? "-"
                let name = AuditEventType(rawValue: entry.type)?.germanName ?? entry.type
                let details = entry.fields.sorted { $0.key < $1.key }.map { key, value in
                    "\(key)=\((key == AuditField.subject || key == AuditField.approver) ? (logins[value] ?? value) : value)"
                }.joined(separator: " ")
                print(
                    "\(String(entry.seq).leftPadded(6))  \(formatter.string(from: entry.at.date))  \(name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(who.padding(toLength: 12, withPad: " ", startingAt: 0)) \(details)"
                )
            }
            print(entries.count == 1 ? "1 Eintrag." : "\(entries.count) Einträge.")
        }
        return .success
    }

    static func json(_ entry: AuditTrailEntry, logins: [String: String]) -> String {
        var members = [
            "seq": String(entry.seq), "at": AuditJSON.string(AuditTime.string(entry.at.date)), "type": AuditJSON.string(entry.type),
            "fields": AuditJSON.object(entry.fields), "hash": AuditJSON.string(entry.hash),
        ]
        if let id = entry.operatorId {
            members["operator_id"] = AuditJSON.string(id)
            if let login = logins[id] { members["operator"] = AuditJSON.string(login) }
        }
        return AuditJSON.object(json: members)
    }

    /// `YYYY-MM-DD` (local day start, or the next day's start for `--to`) or an ISO 8601 instant.
    static func instant(_ text: String?, option: String, zone: TimeZone, endOfDay: Bool) throws -> Instant? {
        guard let text else { return nil }
        if let date = AuditTime.parse(text) ?? ISO8601DateFormatter().date(from: text) { return Instant(date) }
        let parts = text.split(separator: "-").map { Int($0) }
        if parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2] {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            if let start = calendar.date(from: DateComponents(year: y, month: m, day: d)), calendar.component(.day, from: start) == d {
                return Instant(endOfDay ? calendar.date(byAdding: .day, value: 1, to: start)! : start)
            }
        }
        throw UsageError.invalidValue(option: option, value: text, expected: "ein Tag JJJJ-MM-TT oder ein Zeitpunkt JJJJ-MM-TTTHH:MM:SSZ")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
