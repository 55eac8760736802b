import Access
import CLISupport
import Counter
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// The ledger, configuration and access rules of one register, as the shell commands open them.
struct AccessContext {
    let configuration: Configuration
    let data: String
    let ledger: Ledger
    let access: AccessControl
    let log: FileLog

    /// Opens `--data`/`--config`/`--register`. `create`: make the ledger if it does not exist yet (setup).
    static func open(_ args: ArgumentList, create: Bool) throws -> AccessContext {
        let data = DataDirectory.resolve(option: args.value("data"))
        let configuration = try configuration(args)
        let path = DataDirectory.ledgerPath(data: data, register: configuration.registerID)
        guard create || FileManager.default.fileExists(atPath: path) else {
            throw AccessCommandError("Für die Kasse »\(configuration.registerID)« gibt es in \(data) kein Kassenbuch; zuerst »webkasse operator setup«.")
        }
        try FileSecurity.configure(group: configuration.fileGroup)
        let ledger = try Ledger(path: path)
        let log = FileLog(data: data)
        return AccessContext(
            configuration: configuration, data: data, ledger: ledger, access: AccessControl(store: ledger, configuration: configuration, log: log), log: log)
    }

    /// The configuration of `--data`/`--config`, with `--register`.
    static func configuration(_ args: ArgumentList) throws -> Configuration {
        let data = DataDirectory.resolve(option: args.value("data"))
        var configuration = try Configuration.load(path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data))
        if let register = args.value("register") { configuration.registerID = register }
        return configuration
    }

}

/// A refusal of a shell command, as one German sentence.
struct AccessCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `webkasse operator setup|add|list|lock|unlock|set-pin|roles` (docs/access.md).
enum OperatorCommand {
    static let help = """
        Aufruf:
          webkasse operator setup --login KENNUNG --name NAME      Ersteinrichtung: erster Bediener (Administration + Kassenaufsicht)
          webkasse operator add KENNUNG --name NAME --roles ROLLEN --by ADMIN
          webkasse operator list
          webkasse operator roles KENNUNG ROLLEN --by ADMIN          Rollen ersetzen
          webkasse operator set-pin KENNUNG [--by ADMIN]            ohne --by: die eigene PIN
          webkasse operator lock KENNUNG --by KENNUNG [--reason TEXT]
          webkasse operator unlock KENNUNG --by KENNUNG
        ROLLEN: durch Komma getrennt aus Sachbearbeitung (sb), Kassenaufsicht (ka), Stadtkasse (sk), Administration (admin).
        PINs (4 bis 8 Ziffern) werden ohne Echo vom Terminal gelesen, neue PINs zweimal; ist die
        Standardeingabe kein Terminal, kommt jede PIN auf einer eigenen Zeile (zuerst die von --by).
        Optionen: --data VERZEICHNIS, --config DATEI, --register KASSE.
        Mit [central] in der Konfiguration verwaltet die Zentrale die Bediener (webkasse central
        operator …) und die Kasse übernimmt sie bei jeder Lieferung; hier gehen dann nur list und
        unlock nach zu vielen falschen PINs an dieser Kasse.
        """

    /// The options of `webkasse operator` and `webkasse central operator`.
    static let valueOptions: Set<String> = ["data", "config", "register", "by", "name", "roles", "login", "reason"]

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: valueOptions, flagOptions: ["help"])
        guard let action = args.positionals.first, !args.flag("help") else {
            print(help)
            return args.flag("help") ? .success : .usage
        }
        return try perform(action, args, command: "webkasse operator") { create in
            let configuration = try AccessContext.configuration(args)
            let central = !configuration.centralURL.isEmpty
            if central { try refuseWhileCentral(action) }
            let context = try AccessContext.open(args, create: create && !central)
            if central, action == "unlock", let login = args.positionals.dropFirst().first {
                try refuseCentralUnlock(login, access: context.access)
            }
            return (context.access, context.configuration.zone)
        }
    }

    /// With `[central]` the centre keeps the operators (docs/central.md, "Bediener aus der
    /// Zentrale"): a counter lists them and unlocks an automatic lock (too many wrong PINs at this
    /// counter); everything else is done at the centre.
    static func refuseWhileCentral(_ action: String) throws {
        guard ["setup", "add", "roles", "set-pin", "lock"].contains(action) else { return }
        throw AccessCommandError(
            "Diese Kasse bekommt ihre Bediener von der Zentrale ([central] in der Konfiguration); Bediener, Rollen, PINs und Sperren bitte in der Zentrale ändern: »webkasse central operator \(action) …«. Die Kasse übernimmt sie bei der nächsten Lieferung (webkasse sync)."
        )
    }

    /// A lock by hand came from the centre: only the centre lifts it.
    static func refuseCentralUnlock(_ login: String, access: AccessControl) throws {
        guard let account = try access.account(login: login), account.lockout.status(at: Date()) == .lockedByHand else { return }
        throw AccessCommandError(
            "»\(account.login)« wurde von Hand gesperrt (in der Zentrale); entsperren kann nur die Zentrale: »webkasse central operator unlock \(account.login) --by KENNUNG«."
        )
    }

    /// One action against the operators of `open(create)`'s access control (a register's ledger
    /// or the centre): the same rules, prompts and messages for both.
    static func perform(_ action: String, _ args: ArgumentList, command: String, open: (_ create: Bool) throws -> (AccessControl, TimeZone)) throws
        -> ExitCode
    {
        let rest = Array(args.positionals.dropFirst())
        func target() throws -> String {
            guard let login = rest.first else { throw UsageError.missingArgument("KENNUNG") }
            return login
        }
        func noMore(_ count: Int) throws { if rest.count > count { throw UsageError.unexpectedArgument(rest[count]) } }
        /// The operator named by `--by`, after their PIN (a log-in, audited like one).
        func actor(_ access: AccessControl, default login: String? = nil) throws -> OperatorAccount {
            guard let login = args.value("by") ?? login else { throw UsageError.missingOption("by") }
            let pin = try PINPrompt.read("PIN von »\(login)«: ")
            return try access.logIn(login: login, pin: pin)
        }
        do {
            switch action {
            case "setup":
                try noMore(0)
                let (access, _) = try open(true)
                guard try access.needsSetup() else { throw AccessError.setupAlreadyDone }
                let login = try args.value("login") ?? PINPrompt.read("Kennung: ", echo: true)
                let name = try args.value("name") ?? PINPrompt.read("Name: ", echo: true)
                let pin = try PINPrompt.read("Neue PIN: ")
                let repeated = try PINPrompt.read("Neue PIN wiederholen: ")
                let account = try access.setUp(login: login, name: name, pin: pin, pinRepeated: repeated)
                print("Erster Bediener \(account.displayName) angelegt mit den Rollen \(Role.germanList(account.roles)).")
            case "add":
                try noMore(1)
                let login = try target()
                let name = try args.required("name")
                let roles = try Role.parseList(try args.required("roles"))
                let (access, _) = try open(false)
                let admin = try actor(access)
                let pin = try PINPrompt.read("Neue PIN für »\(login)«: ")
                let repeated = try PINPrompt.read("Neue PIN wiederholen: ")
                let account = try access.addOperator(by: admin, login: login, name: name, roles: roles, pin: pin, pinRepeated: repeated)
                print("Bediener \(account.displayName) angelegt mit den Rollen \(Role.germanList(account.roles)).")
            case "list":
                try noMore(0)
                let (access, zone) = try open(false)
                list(try access.directory(), zone: zone, setup: command + " setup")
            case "roles":
                try noMore(2)
                let login = try target()
                guard rest.count == 2 else { throw UsageError.missingArgument("ROLLEN") }
                let roles = try Role.parseList(rest[1])
                let (access, _) = try open(false)
                let admin = try actor(access)
                try access.setRoles(by: admin, login: login, roles: roles)
                print("»\(login)« hat jetzt die Rollen \(Role.germanList(roles)).")
            case "set-pin":
                try noMore(1)
                let login = try target()
                let (access, _) = try open(false)
                let actor = try actor(access, default: login)
                let pin = try PINPrompt.read("Neue PIN für »\(login)«: ")
                let repeated = try PINPrompt.read("Neue PIN wiederholen: ")
                try access.setPIN(by: actor, login: login, pin: pin, pinRepeated: repeated)
                print("Die PIN von »\(login)« ist geändert.")
            case "lock":
                try noMore(1)
                let login = try target()
                let (access, _) = try open(false)
                let actor = try actor(access)
                try access.lock(by: actor, login: login, reason: args.value("reason") ?? "")
                print("»\(login)« ist gesperrt, bis eine Kassenaufsicht oder die Administration entsperrt.")
            case "unlock":
                try noMore(1)
                let login = try target()
                let (access, _) = try open(false)
                let actor = try actor(access)
                try access.unlock(by: actor, login: login)
                print("»\(login)« ist entsperrt.")
            default:
                throw UsageError.unknownSubcommand(action, known: ["setup", "add", "list", "roles", "set-pin", "lock", "unlock"])
            }
            return .success
        } catch let error as AccessError {
            printError("\(command) \(action): \(error)")
            switch error {
            case .wrongCredentials, .locked, .lockedNow, .denied: return .failure
            default: return .dataError
            }
        } catch let error as PINPrompt.NoInput {
            printError("\(command) \(action): \(error)")
            return .usage
        } catch let error as AccessCommandError {
            printError("\(command) \(action): \(error)")
            return .dataError
        } catch let error as ConfigurationError {
            printError("\(command) \(action): \(error)")
            return .dataError
        } catch let error as FileSecurityError {
            printError("\(command) \(action): \(error)")
            return .ioError
        }
    }

    static func list(_ directory: OperatorDirectory, zone: TimeZone, setup: String = "webkasse operator setup") {
        let now = Date()
        let formatter = DateFormatter()
        formatter.timeZone = zone
        formatter.dateFormat = "dd.MM.yyyy HH:mm"
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0) }
        print(pad("Kennung", 14) + pad("Name", 24) + pad("Rollen", 46) + "Status")
        for account in directory.all {
            var status: String
            switch account.lockout.status(at: now) {
            case .open: status = "aktiv"
            case .lockedByHand: status = "gesperrt"
            case .lockedUntil(let until): status = "gesperrt bis \(formatter.string(from: until))"
            }
            let failures = account.lockout.consecutiveFailures(at: now)
            if failures > 0, case .open = account.lockout.status(at: now) { status += " (\(failures) Fehlversuch\(failures == 1 ? "" : "e"))" }
            print(pad(account.login, 14) + pad(account.name, 24) + pad(Role.germanList(account.roles), 46) + status)
        }
        if directory.isEmpty { print("(keine Bediener – Ersteinrichtung mit »\(setup)«)") }
    }
}
