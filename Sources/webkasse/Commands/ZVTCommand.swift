import CLISupport
import Counter
import Dispatch
import Foundation
import KasseCore
import Ledger
import ZVT

/// `webkasse zvt …` — ZVT tools for technicians and tests (docs/zvt.md): decode APDUs, and run single
/// commands against a real terminal (or the simulator) over TCP or a serial line.
enum ZVTCommand {
    static let help = """
        Aufruf:
          webkasse zvt decode [HEX …] [--file DATEI …] [--json] [--charset cp437|latin1|utf8]
              Zerlegt APDUs Feld für Feld. Ohne HEX und --file wird Hex von der Standardeingabe gelesen
              (Leerzeichen beliebig; Zeilen einer --trace-Datei werden nach Richtung getrennt).
          webkasse zvt BEFEHL [--terminal ADRESSE] [--password NNNNNN] [--json] [--trace DATEI]
                              [--config DATEI] [--data VERZ]
              ADRESSE: HOST[:PORT] (ZVT über TCP/IP, Port 20007), serial:GERÄT[?baud=9600]
                       (serielle Schnittstelle, z. B. serial:/dev/ttyUSB0), framed:HOST:PORT
                       (serielles Protokoll über TCP, LAN-Seriell-Wandler)
              Die Einstellungen [terminal] der Konfigurationsdatei (wie bei »webkasse run«) gelten;
              Optionen haben Vorrang. Ohne --terminal: terminal.address der Datei.
              BEFEHL: register, pay --amount 12,34, refund --amount 12,34, reverse --receipt N, eod,
                      status, repeat-receipt [--no-print], abort, logoff, diagnosis
              Weitere Optionen: --charset cp437|latin1|utf8 (Texte des Terminals), --t4 SEKUNDEN.
              Strg+C während pay/refund/reverse fordert am Terminal den Abbruch an.

        Exit-Status: 0 Erfolg, 1 abgelehnt, 2 Aufruf falsch, 3 Eingabe unlesbar (decode),
                     4 Terminal- oder Verbindungsfehler, 5 Ergebnis unbekannt (Belegwiederholung nötig),
                     6 abgebrochen.
        """

    static let terminalCommands = ["register", "pay", "refund", "reverse", "eod", "status", "repeat-receipt", "abort", "logoff", "diagnosis"]

    static func run(_ arguments: [String]) throws -> ExitCode {
        guard let sub = arguments.first, sub != "--help", sub != "-h", sub != "help" else {
            print(help)
            return arguments.isEmpty ? .usage : .success
        }
        let rest = Array(arguments.dropFirst())
        if sub == "decode" { return try decode(rest) }
        guard terminalCommands.contains(sub) else {
            throw UsageError.unknownSubcommand(sub, known: ["decode"] + terminalCommands)
        }
        return try runTerminalCommand(sub, rest)
    }

    static func charset(_ args: ArgumentList) throws -> ZVTCharacterSet { try explicitCharset(args) ?? .cp437 }

    /// The character set of `--charset`, nil without the option.
    static func explicitCharset(_ args: ArgumentList) throws -> ZVTCharacterSet? {
        guard let text = args.value("charset") else { return nil }
        guard let charset = ZVTCharacterSet(rawValue: text) else {
            throw UsageError.invalidValue(option: "charset", value: text, expected: "cp437, latin1, utf8, ascii oder german-ascii")
        }
        return charset
    }

    // MARK: decode

    static func decode(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["file", "charset", "pending"], flagOptions: ["json", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        let charset = try charset(args)
        var streams: [(label: String?, bytes: [UInt8])] = []
        if !args.positionals.isEmpty {
            guard let bytes = Hex.bytes(args.positionals.joined()) else {
                printError("webkasse zvt decode: Die Eingabe ist kein gültiges Hex (erlaubt sind 0–9, A–F und Leerzeichen, gerade Anzahl Ziffern).")
                return .dataError
            }
            streams.append((nil, bytes))
        }
        for path in args.values("file") {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("webkasse zvt decode: Die Datei »\(path)« lässt sich nicht lesen.")
                return .dataError
            }
            streams.append((path, [UInt8](data)))
        }
        if streams.isEmpty {
            var lines: [String] = []
            while let line = readLine() { lines.append(line) }
            var plain: [UInt8] = []
            var toTerminal: [UInt8] = []
            var fromTerminal: [UInt8] = []
            for (index, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                var text = trimmed
                var target = 0
                if let range = trimmed.range(of: "ECR->PT") {
                    text = String(trimmed[range.upperBound...])
                    target = 1
                } else if let range = trimmed.range(of: "PT->ECR") {
                    text = String(trimmed[range.upperBound...])
                    target = 2
                }
                guard let bytes = Hex.bytes(text) else {
                    printError("webkasse zvt decode: Zeile \(index + 1) der Eingabe ist kein gültiges Hex.")
                    return .dataError
                }
                switch target {
                case 1: toTerminal += bytes
                case 2: fromTerminal += bytes
                default: plain += bytes
                }
            }
            // Trace files: decode each direction as its own stream (the ECR's commands first, so a
            // Completion can be read by the command it ends).
            if !toTerminal.isEmpty { streams.append(("ECR->PT", toTerminal)) }
            if !fromTerminal.isEmpty { streams.append(("PT->ECR", fromTerminal)) }
            if !plain.isEmpty { streams.append((nil, plain)) }
        }
        guard !streams.isEmpty else {
            printError("webkasse zvt decode: Keine Eingabe: HEX als Argument, --file DATEI oder Hex auf der Standardeingabe angeben.")
            return .usage
        }
        var pending: UInt16? = try args.value("pending").map { text in
            guard let bytes = Hex.bytes(text), bytes.count == 2 else {
                throw UsageError.invalidValue(option: "pending", value: text, expected: "ein Steuerfeld wie 0501")
            }
            return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        }
        var status = ExitCode.success
        for stream in streams {
            var buffer = stream.bytes
            if stream.label != nil && stream.label != "ECR->PT" && stream.label != "PT->ECR", let single = try? APDU.decodeSingle(buffer) {
                // A trace file with one APDU: the tolerant path also repairs the Valina length byte (docs/zvt-field-notes.md, vendor deviations).
                emit(single, source: stream.label, pending: &pending, charset: charset, json: args.flag("json"))
                continue
            }
            while !buffer.isEmpty {
                do {
                    guard let apdu = try APDUDecoder.decode(&buffer) else {
                        printError(
                            "webkasse zvt decode: Unvollständiges APDU am Ende\(stream.label.map { " von \($0)" } ?? "") (\(buffer.count) Byte: \(Hex.string(buffer.prefix(8)))…)."
                        )
                        status = .dataError
                        break
                    }
                    emit(apdu, source: stream.label, pending: &pending, charset: charset, json: args.flag("json"))
                } catch {
                    printError("webkasse zvt decode: \(error)")
                }
            }
        }
        return status
    }

    static let ecrCommands: Set<UInt16> = [
        0x0600, 0x0601, 0x0602, 0x0610, 0x0620, 0x0622, 0x0623, 0x0625, 0x0630, 0x0631, 0x0650, 0x0670, 0x06B0, 0x06C0, 0x0501, 0x0813, 0x0814,
    ]

    static func emit(_ apdu: APDU, source: String?, pending: inout UInt16?, charset: ZVTCharacterSet, json: Bool) {
        let description = MessageDescription.describe(apdu, pendingCommand: apdu.command == Completion.command ? pending : nil, charset: charset)
        if ecrCommands.contains(apdu.command) || apdu.commandClass == 0x0F { pending = apdu.command }
        if json {
            var members: [FieldValue.Member] = []
            if let source { members.append(.init("source", .string(source))) }
            if case .object(let rest) = description { members += rest }
            members.append(.init("hex", .hex(apdu.bytes)))
            print(FieldValue.object(members).json)
        } else {
            print(render(description, apdu: apdu, source: source))
        }
    }

    /// Human-readable rendering: one line per field, TLV nested by indentation.
    static func render(_ value: FieldValue, apdu: APDU, source: String?) -> String {
        var lines: [String] = []
        let name = value["name"].flatMap { if case .string(let s) = $0 { return s } else { return nil } } ?? ""
        lines.append("\(Hex.string([apdu.commandClass, apdu.instruction])) \(name), \(apdu.data.count) Byte Daten" + (source.map { " [\($0)]" } ?? ""))
        guard case .object(let members) = value else { return lines.joined(separator: "\n") }
        for member in members where !["command", "name", "length"].contains(member.key) {
            if member.key == "fields", case .array(let fields) = member.value {
                for field in fields {
                    let bmp = text(field["bmp"])
                    let label = text(field["label"])
                    let key = text(field["key"])
                    let rendered = renderValue(field["value"] ?? .null, key: key, indent: "    ")
                    lines.append("  \(bmp) \(label): " + rendered)
                }
            } else if member.key == "lines" || member.key == "displayLines", case .array(let items) = member.value {
                lines.append("  \(member.key):")
                for item in items { lines.append("    | " + text(item)) }
            } else {
                lines.append("  \(member.key): " + renderValue(member.value, key: member.key, indent: "    "))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func text(_ value: FieldValue?) -> String {
        switch value {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .bool(let b)?: return b ? "ja" : "nein"
        default: return ""
        }
    }

    static func renderValue(_ value: FieldValue, key: String, indent: String) -> String {
        switch value {
        case .int(let number):
            return key.hasSuffix("Cents") || key == "amountCents" ? Money(cents: number).formatted : String(number)
        case .string(let s):
            return s.contains("\n") || s.contains("\r") ? FieldValue.quote(s) : s
        case .bool(let b):
            return b ? "ja" : "nein"
        case .null:
            return "–"
        case .object(let members):
            if let code = members.first(where: { $0.key == "code" }), let text = members.first(where: { $0.key == "text" }) {
                return "\(Self.text(code.value)) \(Self.text(text.value))"
            }
            return members.map { "\($0.key)=" + renderValue($0.value, key: $0.key, indent: indent) }.joined(separator: ", ")
        case .array(let items):
            // TLV trees and totals groups
            var out: [String] = []
            for item in items { out += renderTLV(item, indent: indent) }
            return out.isEmpty ? "(leer)" : "\n" + out.joined(separator: "\n")
        }
    }

    static func renderTLV(_ item: FieldValue, indent: String) -> [String] {
        if let tag = item["tag"] {
            var head = indent + "TLV " + text(tag)
            if let children = item["children"], case .array(let list) = children {
                var out = [head + ":"]
                for child in list { out += renderTLV(child, indent: indent + "  ") }
                return out
            }
            head += ": " + text(item["value"])
            if let t = item["text"] { head += "  " + FieldValue.quote(text(t)) }
            return [head]
        }
        if case .object(let members) = item {
            return [indent + members.map { "\($0.key)=" + renderValue($0.value, key: $0.key, indent: indent) }.joined(separator: ", ")]
        }
        return [indent + text(item)]
    }

    // MARK: terminal commands

    static func runTerminalCommand(_ sub: String, _ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(
            arguments, valueOptions: ["terminal", "password", "amount", "receipt", "trace", "charset", "t4", "config", "data"],
            flagOptions: ["json", "no-print", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        if let extra = args.positionals.first { throw UsageError.unexpectedArgument(extra) }
        // The config file's [terminal] settings (as `webkasse run` finds them) are the defaults; options win.
        let environment = ProcessInfo.processInfo.environment
        let data = DataDirectory.resolve(option: args.value("data"), environment: environment)
        let configPath = ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data, environment: environment)
        let settings: Configuration
        do {
            settings = try Configuration.load(path: configPath, environment: environment)
        } catch {
            printError("webkasse zvt: \(error)")
            return .dataError
        }
        let address: ZVTTerminalAddress
        if let target = args.value("terminal") {
            do {
                address = try ZVTTerminalAddress(parsing: target)
            } catch {
                throw UsageError.invalidValue(option: "terminal", value: target, expected: error.expected)
            }
        } else if !settings.terminalAddress.isEmpty {
            do {
                address = try ZVTTerminalAddress(parsing: settings.terminalAddress)
            } catch {
                printError("webkasse zvt: \(configPath ?? "Umgebung"): terminal.address: \(error)")
                return .dataError
            }
        } else {
            throw UsageError.missingOption("terminal")
        }
        var configuration: ZVTDriver.Configuration
        do {
            configuration = try ZVTDriver.Configuration(settings: settings.terminal)
        } catch {
            printError("webkasse zvt: \(configPath ?? "Umgebung"): terminal.password: \(error)")
            return .dataError
        }
        if let text = args.value("password") {
            guard let parsed = Password(text) else {
                throw UsageError.invalidValue(option: "password", value: text, expected: "genau sechs Ziffern")
            }
            configuration.password = parsed
        }
        if let charset = try explicitCharset(args) { configuration.session.charset = charset }
        if let seconds = try args.integer("t4", in: 10...3600) { configuration.session.t4Ms = Int64(seconds) * 1000 }
        let password = configuration.password
        var amountCents: Int64? = nil
        if let text = args.value("amount") {
            do {
                amountCents = try Money.parse(text).cents
            } catch {
                throw UsageError.invalidValue(option: "amount", value: text, expected: "ein Betrag wie 12,34")
            }
            guard let cents = amountCents, cents > 0 else {
                throw UsageError.invalidValue(option: "amount", value: text, expected: "ein Betrag größer als 0,00")
            }
        }
        let receipt = try args.integer("receipt", in: 0...9999)
        if sub == "pay" || sub == "refund", amountCents == nil { throw UsageError.missingOption("amount") }
        if sub == "reverse", receipt == nil { throw UsageError.missingOption("receipt") }

        let transport = address.makeTransport()
        let json = args.flag("json")
        var traceFile: FileHandle? = nil
        if let path = args.value("trace") {
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                printError("webkasse zvt: Die Trace-Datei »\(path)« lässt sich nicht schreiben.")
                return .ioError
            }
            handle.seekToEndOfFile()
            traceFile = handle
            handle.write(Data("# webkasse zvt \(sub) \(address)\n".utf8))
        }
        let traceLock = NSLock()
        var handlers = ZVTDriver.Handlers(status: { text in
            if json {
                print(FieldValue.object([.init("status", .string(text))]).json)
            } else {
                print("… " + text.replacingOccurrences(of: "\n", with: " / "))
            }
            fflush(nil)
        })
        if let traceFile {
            handlers.trace = { direction, bytes in
                let stamp = ISO8601DateFormatter.withFractions.string(from: Date())
                traceLock.withLock { traceFile.write(Data("\(stamp) \(direction.rawValue) \(Hex.string(bytes))\n".utf8)) }
            }
        }
        let driver = ZVTDriver(configuration: configuration, transport: transport, handlers: handlers)
        // Ctrl+C asks the terminal to abort instead of killing the process mid-payment.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { driver.abort() }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
            traceFile?.closeFile()
        }

        switch sub {
        case "pay": return report(driver.authorize(amountCents: amountCents!), json: json)
        case "refund": return report(driver.refund(amountCents: amountCents!), json: json)
        case "reverse": return report(driver.reverse(receiptNumber: receipt!), json: json)
        case "register": return report(driver.register(), json: json)
        case "eod": return report(driver.endOfDay(), json: json)
        case "status": return report(driver.statusEnquiry(), json: json)
        case "repeat-receipt":
            let result = driver.run(RepeatReceipt(password: password, serviceByte: args.flag("no-print") ? 0x03 : 0x01).apdu)
            return report(result, json: json, lastTransaction: true)
        case "abort": return report(driver.sendAbortCommand(), json: json)
        case "logoff": return report(driver.logOff(), json: json)
        case "diagnosis": return report(driver.diagnosis(), json: json)
        default: throw UsageError.unknownSubcommand(sub, known: terminalCommands)
        }
    }

    // MARK: reporting

    static func exitCode(_ outcome: PaymentOutcome) -> ExitCode {
        switch outcome {
        case .approved: return .success
        case .declined: return .failure
        case .aborted: return .aborted
        case .outcomeUnknown: return .outcomeUnknown
        case .error: return .terminalError
        }
    }

    static func exitCode(_ outcome: SequenceResult.Outcome) -> ExitCode {
        switch outcome {
        case .success: return .success
        case .declined: return .failure
        case .aborted: return .aborted
        case .unknown: return .outcomeUnknown
        case .failed: return .terminalError
        }
    }

    static func report(_ outcome: PaymentOutcome, json: Bool) -> ExitCode {
        var members: [FieldValue.Member] = []
        switch outcome {
        case .approved(let t):
            members = [
                .init("outcome", .string("approved")), .init("text", .string(outcome.text)),
                .init("amountCents", t.amountCents.map { .int($0) } ?? .null),
                .init("receiptNumber", t.receiptNumber.map { .int(Int64($0)) } ?? .null),
                .init("trace", t.trace.map { .int(Int64($0)) } ?? .null),
                .init("terminalId", t.terminalId.map { .string($0) } ?? .null),
                .init("cardName", t.cardName.map { .string($0) } ?? .null),
                .init("maskedPAN", t.maskedPAN.map { .string($0) } ?? .null),
                .init("date", t.date.map { .string($0) } ?? .null), .init("time", t.time.map { .string($0) } ?? .null),
                .init("completed", .bool(t.completed)),
                .init("receipts", receiptsValue(t.receipts)),
            ]
        case .declined(let f), .aborted(let f):
            let isAbort: Bool = { if case .aborted = outcome { return true } else { return false } }()
            members = [
                .init("outcome", .string(isAbort ? "aborted" : "declined")), .init("text", .string(f.text)),
                .init("resultCode", .object([.init("code", .hex([f.resultCode.rawValue])), .init("text", .string(f.resultCode.text))])),
                .init("receipts", receiptsValue(f.receipts)),
            ]
        case .outcomeUnknown(let u):
            members = [
                .init("outcome", .string("outcomeUnknown")), .init("text", .string(u.text)), .init("problem", .string(u.problem.description)),
                .init("amountCents", u.amountCents.map { .int($0) } ?? .null),
                .init("receiptNumber", (u.statusInformation?.fields.receiptNumber ?? u.receiptNumber).map { .int(Int64($0)) } ?? .null),
                .init("trace", u.statusInformation?.fields.trace.map { .int(Int64($0)) } ?? .null),
                .init("recovery", .string("webkasse zvt repeat-receipt --no-print --terminal … zeigt die letzte Transaktion des Terminals")),
            ]
        case .error(let text):
            members = [.init("outcome", .string("error")), .init("text", .string(text))]
        }
        output(members, json: json)
        return exitCode(outcome)
    }

    static func report(_ result: SequenceResult, json: Bool, lastTransaction: Bool = false) -> ExitCode {
        var members: [FieldValue.Member] = [
            .init("outcome", .string(outcomeName(result.outcome))), .init("text", .string(result.text)),
        ]
        if case .declined(let code) = result.outcome {
            members.append(.init("resultCode", .object([.init("code", .hex([code.rawValue])), .init("text", .string(code.text))])))
        }
        if let completion = result.completion {
            if let status = completion.terminalStatus {
                members.append(.init("terminalStatus", .object([.init("code", .hex([status.rawValue])), .init("text", .string(status.text))])))
                if let remedy = status.remedy { members.append(.init("remedy", .string(remedy))) }
            }
            if let version = completion.softwareVersion { members.append(.init("softwareVersion", .string(version))) }
            if let tid = completion.fields.terminalId { members.append(.init("terminalId", .string(tid))) }
        }
        if let info = result.statusInformation {
            if result.command == EndOfDay.command {
                let totals = info.totals
                members.append(.init("totalCents", totals.totalCents.map { .int($0) } ?? .null))
                if let individual = totals.individual {
                    members.append(.init("receiptRange", .string("\(individual.firstReceipt)–\(individual.lastReceipt)")))
                    members.append(
                        .init(
                            "groups",
                            .array(
                                individual.groups.filter { $0.count > 0 }.map {
                                    .object([
                                        .init("name", .string($0.name)), .init("count", .int(Int64($0.count))), .init("amountCents", .int($0.amountCents)),
                                    ])
                                })))
                }
            } else {
                members.append(.init(lastTransaction ? "lastTransaction" : "statusInformation", MessageDescription.describe(info.apdu)))
            }
        }
        if !result.receipts.isEmpty { members.append(.init("receipts", receiptsValue(result.receipts))) }
        output(members, json: json)
        return exitCode(result.outcome)
    }

    static func outcomeName(_ outcome: SequenceResult.Outcome) -> String {
        switch outcome {
        case .success: return "success"
        case .declined: return "declined"
        case .aborted: return "aborted"
        case .unknown: return "outcomeUnknown"
        case .failed: return "error"
        }
    }

    static func receiptsValue(_ receipts: [PrintedReceipt]) -> FieldValue {
        .array(
            receipts.map { receipt in
                .object([
                    .init("type", receipt.receiptType.map { .int(Int64($0)) } ?? .null),
                    .init("lines", .array(receipt.lines.map { .string($0.text) })),
                ])
            })
    }

    static func output(_ members: [FieldValue.Member], json: Bool) {
        if json {
            print(FieldValue.object(members).json)
            return
        }
        let labels = [
            "outcome": "Ergebnis", "text": "Meldung", "amountCents": "Betrag", "receiptNumber": "Belegnummer", "trace": "Trace",
            "terminalId": "Terminal-ID", "cardName": "Karte", "maskedPAN": "PAN", "date": "Datum", "time": "Uhrzeit",
            "completed": "Abschluss erhalten", "resultCode": "Ergebniscode", "problem": "Problem", "recovery": "Klärung",
            "terminalStatus": "Terminalstatus", "remedy": "Abhilfe", "softwareVersion": "Software", "totalCents": "Summe",
            "groups": "Kartengruppen", "receiptRange": "Belegnummern", "statusInformation": "Status-Information", "lastTransaction": "Letzte Transaktion",
        ]
        for member in members {
            let label = labels[member.key] ?? member.key
            switch member.value {
            case .array(let items) where member.key == "receipts":
                for item in items {
                    print("Beleg" + (item["type"].map { " (Typ \(text($0)))" } ?? "") + ":")
                    if case .array(let lines)? = item["lines"] { for line in lines { print("  | " + text(line)) } }
                }
            case .array(let items) where member.key == "groups":
                print("\(label):")
                for item in items {
                    print("  \(text(item["name"])): \(text(item["count"])) × \(Money(cents: Int64(text(item["amountCents"])) ?? 0).formatted)")
                }
            case .object where member.key == "statusInformation" || member.key == "lastTransaction":
                print("\(label):")
                print(render(member.value, apdu: APDU(0x04, 0x0F), source: nil).split(separator: "\n").dropFirst().map { "  " + $0 }.joined(separator: "\n"))
            case .null:
                continue
            default:
                print("\(label): " + renderValue(member.value, key: member.key, indent: "  "))
            }
        }
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
