import CLISupport
import Counter
import Fiscal
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// `webkasse fiscal report|export-tse` (docs/fiscal.md): what the notification to the tax office
/// needs (§ 146a Abs. 4 AO), and the TSE's export as the TAR of TR-03151.
enum FiscalCommand {
    static let help = """
        Aufruf: webkasse fiscal setup [--config DATEI] [--data VERZEICHNIS]
                webkasse fiscal report [--config DATEI] [--data VERZEICHNIS]
                webkasse fiscal export-tse --out DATEI.tar [--config DATEI] [--data VERZEICHNIS]

        setup       richtet bei tse = fiskaly die TSS bei fiskaly ein (einmal je Kasse; ein
                    abgebrochenes Einrichten wird fortgesetzt) und schreibt die TSS-Datei (0600).
        report      zeigt, was die Mitteilung an das Finanzamt nach § 146a Abs. 4 AO braucht:
                    Steuerpflichtiger und Steuernummer ([fiscal] operator_name, [office] tax_number),
                    Art, Seriennummer und BSI-ID der TSE, Art des Systems, Software und Version,
                    Seriennummer des Systems (= Client-ID der TSE), Anschaffungsdatum.
                    Exit 0 meldefähig, 3 wenn noch etwas fehlt (die Software-TSE ist nie meldefähig).
        export-tse  schreibt den Export der TSE (TAR nach BSI TR-03151: Log-Nachrichten,
                    Zertifikat, info.csv) nach DATEI.tar.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["config", "data", "out"], flagOptions: ["help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        let verbs = ["setup", "report", "export-tse"]
        guard let verb = args.positionals.first else { throw UsageError.missingSubcommand(known: verbs) }
        guard verbs.contains(verb) else { throw UsageError.unknownSubcommand(verb, known: verbs) }
        if args.positionals.count > 1 { throw UsageError.unexpectedArgument(args.positionals[1]) }
        if verb == "export-tse", (args.value("out") ?? "").isEmpty { throw UsageError.missingOption("out") }
        let data = DataDirectory.resolve(option: args.value("data"))
        let configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data),
                centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse fiscal: \(error)")
            return .dataError
        }
        let registerDirectory = DataDirectory.registerDirectory(data: data, register: configuration.registerID)
        if verb == "setup" {
            guard configuration.fiscal.tse == .fiskaly else {
                printError("webkasse fiscal: setup richtet nur eine fiskaly-TSS ein ([fiscal] tse = fiskaly); die Software-TSE braucht keins.")
                return .dataError
            }
            do {
                let fiskaly = try FiscalSigner.fiskalyConfiguration(configuration, registerDirectory: registerDirectory)
                try FileSecurity.createDirectory((fiskaly.tssFile as NSString).deletingLastPathComponent)
                let report = try FiskalySetUp.run(configuration: fiskaly)
                print("fiskaly-TSS \(report.tssId) eingerichtet, Seriennummer \(report.serialNumber)")
                for step in report.steps { print("  " + step) }
                return .success
            } catch let error as TSEError {
                printError("webkasse fiscal: \(error.message)")
                return .ioError
            } catch {
                printError("webkasse fiscal: \(error)")
                return .dataError
            }
        }
        let signer: FiscalSigner?
        do {
            signer = try FiscalSigner.configured(configuration, registerDirectory: registerDirectory, isTraining: DataDirectory.isTrainingData(data))
        } catch {
            printError("webkasse fiscal: \(error)")
            return .dataError
        }
        switch verb {
        case "report":
            var description: TSEDescription?
            if let signer {
                do { description = try signer.device.describe() } catch {
                    printError("webkasse fiscal: \(error.message)")
                    return .ioError
                }
            }
            let fiscal = configuration.fiscal
            let notification = TaxOfficeNotification(
                operatorName: fiscal.operatorName.isEmpty ? configuration.officeName : fiscal.operatorName, taxNumber: configuration.taxNumber,
                registerSerialNumber: fiscal.effectiveClientId(registerId: configuration.registerID), acquisitionDate: fiscal.acquisitionDate,
                tseKind: TSEKind(rawValue: fiscal.tse.rawValue) ?? .none, tseSerialNumber: description?.serialNumber,
                certificationId: description?.certificationId, tseSignatureCounter: description?.signatureCounter)
            print(notification.lines.joined(separator: "\n"))
            return notification.problems.isEmpty ? .success : .dataError
        default:
            let out = args.value("out") ?? ""
            guard let signer else {
                printError("webkasse fiscal: Keine TSE eingestellt ([fiscal] tse = none): es gibt nichts zu exportieren.")
                return .dataError
            }
            do { try signer.device.exportTAR(to: out) } catch {
                printError("webkasse fiscal: \(error.message)")
                return .ioError
            }
            print("TSE-Export geschrieben: \(out)")
            return .success
        }
    }
}
