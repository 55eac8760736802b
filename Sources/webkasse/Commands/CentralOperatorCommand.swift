import Access
import CLISupport
import Central
import Counter
import Foundation

/// `webkasse central operator setup|add|list|roles|set-pin|lock|unlock` (docs/central.md, "Bediener
/// aus der Zentrale"): the same actions, rules, PIN prompts and messages as `webkasse operator`,
/// against the centre's operators (``CentralOperatorStore``); `--by` is checked against the
/// centre's directory. Each counter takes the result at its next delivery.
enum CentralOperatorCommand {
    static let help = """
        Aufruf:
          webkasse central operator setup --login KENNUNG --name NAME      erster Bediener der Zentrale (Administration + Kassenaufsicht)
          webkasse central operator add KENNUNG --name NAME --roles ROLLEN --by ADMIN
          webkasse central operator list
          webkasse central operator roles KENNUNG ROLLEN --by ADMIN          Rollen ersetzen
          webkasse central operator set-pin KENNUNG [--by ADMIN]            ohne --by: die eigene PIN
          webkasse central operator lock KENNUNG --by KENNUNG [--reason TEXT]
          webkasse central operator unlock KENNUNG --by KENNUNG
        Dieselben Regeln wie bei `webkasse operator`, für die Bediener aller Kassen: jede Kasse
        übernimmt sie bei ihrer nächsten Lieferung (webkasse run, webkasse sync) und behält sie für
        die Anmeldung ohne Zentrale. --by meldet sich mit der PIN bei der Zentrale an.
        ROLLEN: durch Komma getrennt aus Sachbearbeitung (sb), Kassenaufsicht (ka), Stadtkasse (sk), Administration (admin).
        PINs (4 bis 8 Ziffern) werden ohne Echo vom Terminal gelesen, neue PINs zweimal; ist die
        Standardeingabe kein Terminal, kommt jede PIN auf einer eigenen Zeile (zuerst die von --by).
        Optionen: --url URL, --password-file DATEI (sonst [central] der Konfiguration), --data, --config.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: OperatorCommand.valueOptions.union(["url", "password-file"]), flagOptions: ["help"])
        guard let action = args.positionals.first, !args.flag("help") else {
            print(help)
            return args.flag("help") ? .success : .usage
        }
        let command = "webkasse central operator"
        do {
            return try OperatorCommand.perform(action, args, command: command) { _ in
                let (configured, configuration) = try CentralCommand.settings(args)
                guard let settings = configured else {
                    throw AccessCommandError("Keine Zentrale angegeben: --url postgresql://… oder [central] url in der Konfigurationsdatei.")
                }
                let store = try CentralStore(settings: settings)
                _ = try store.checkSchema()
                return (AccessControl(store: CentralOperatorStore(store: store), configuration: configuration), configuration.zone)
            }
        } catch CentralError.database(let error) where error.sqlState == .insufficientPrivilege {
            printError(
                "\(command) \(action): Diese Rolle darf die Bediener der Zentrale nicht lesen oder ändern (eine Kasse liest nur ihre Kopie); bitte mit der Rolle der Stadtkasse aufrufen (--url postgresql://stadtkasse@…). \(error)"
            )
            return .failure
        } catch let error as CentralError {
            printError("\(command) \(action): \(error)")
            return .ioError
        }
    }
}
