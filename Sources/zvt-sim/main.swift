import CLISupport
import Foundation
import ZVT
import ZVTSimulator

/// `zvt-sim [OPTIONEN]` — a simulated EC terminal (ZVT over TCP or a serial line) for tests and demonstrations.
let usage = """
    Aufruf: zvt-sim [OPTIONEN]

    Simuliertes EC-Terminal (ZVT über TCP oder seriell, Terminalseite). Bedient eine Kasse zur Zeit.

      --listen HOST:PORT      Adresse für die Kasse (Standard 127.0.0.1:20007)
      --framed                auf --listen das serielle Protokoll sprechen (DLE STX … CRC, ACK/NAK),
                              wie hinter einem LAN-Seriell-Wandler; Kasse: framed:HOST:PORT
      --serial                serielles Protokoll auf einem neuen Pseudo-Terminal; der Gerätepfad
                              (z. B. /dev/pts/7) wird ausgegeben; Kasse: serial:/dev/pts/7
      --serial-device PFAD    serielles Protokoll auf einer vorhandenen Schnittstelle (z. B. /dev/ttyUSB1)
      --baud N                Baudrate für --serial-device (Standard 9600)
      --t2-ms N               Zeitgrenze T2 der seriellen Leitung (5000): so lange wartet das Terminal auf ACK
      --control HOST:PORT     Steuerport für Textbefehle (Standard 127.0.0.1:20017)
      --no-control            keinen Steuerport öffnen
      --journal DATEI         Journal (JSON Lines; Standard <Datenverzeichnis>/zvt-sim-journal.jsonl,
                              Datenverzeichnis = $WEBKASSE_DATA, $XDG_DATA_HOME/webkasse oder ~/.local/share/webkasse)
      --no-journal            Journal nur im Speicher
      --seed N                Startwert der Kartendaten (Standard 0)
      --outcome SZENARIO      dauerhaftes Szenario statt der Betragsregeln, z. B. decline-05
      --script "S1 S2 …"      Szenarien der ersten Verbindung der Reihe nach
      --banner                Nicht-ZVT-Text bei jedem Verbindungsaufbau senden
      --close-after-sequence  Verbindung nach jeder Befehlsfolge schließen (wie manche Terminals)
      --eod-required          Terminalstatus F0 bis zum ersten Kassenschnitt
      --refuse-tlv-registration on|abort  Anmeldung mit TLV (BMP 06) ablehnen: 84 83 00 bzw. 06 1E 01 83
      --profile NAME          Herstellereigenheiten: standard, feig, valina, ccv, pax
      --terminal-id NNNNNNNN  Terminal-ID (Standard 52999001)
      --time-zone ZONE        Zeitzone der Belege und des Journals, z. B. Europe/Berlin (Standard: die des Systems)
      --password NNNNNN       Passwort, das Befehle mitbringen müssen (Standard: jedes wird angenommen)
      --t3-ms N, --t4-ms N    Zeitgrenzen T3 (5000) und T4 (180000) in Millisekunden
      --step-delay-ms N       Pause vor jeder Terminalnachricht (Standard 0 = aus)
      --pin-retry-ms N        so lange gibt pin-retry-status die PIN nach »PIN falsch« erneut ein (Standard 0)
      --card-wait-ms N        Kartenwartezeit bei clerk-abort (Standard 30000)
      --pin-timeout-ms N      PIN-Wartezeit bei pin-timeout (Standard 0)
      --realistic             Pausen wie ein echtes Terminal (400 ms je Schritt, PIN-Pad 20 s)
      --no-auto-reversal      ohne Quittung der Status-Information nicht stornieren
      --fsync                 Journal nach jeder Zeile auf die Platte zwingen
      --verbose               jedes APDU protokollieren;  --quiet  nichts protokollieren
      --bench N               Durchsatz messen: N Zahlungen über Loopback (eigener Port), dann Ende

    Ergebnisse nach Betrag (Cent): ,13 abgelehnt 05  ,14 abgelehnt 51  ,15 abgelehnt 61
      ,21 Karte nicht lesbar  ,22 PIN falsch, dann richtig (,27 mit 04 0F 27 37 dazwischen)
      ,23 Warten auf Karte (Abbruch 06 B0)
      ,24 PIN-Zeitüberschreitung  ,25 besetzt (84 9C)  ,26 Kassenschnitt nötig (F0)  ,28 Host nicht erreichbar (84 7D)
      ,51 langsame Quittung  ,52 langsam (T4/2)  ,53 langsam mit 04 FF  ,61/,62 Abbruch vor/nach 04 0F
      ,63 Abbruch beim Belegdruck (Autostorno)
      ,71 Einzelbytes  ,72 zusammengelegt  ,73 Müllbytes  ,74 NACK  ,75 kein Abschluss nach Fehler
      ,76 doppelte Status-Information
      nur seriell: ,81 NAK auf die Quittung der Status-Information  ,82 deren ACK geht verloren
      ,83 Status-Information mit falscher Prüfsumme  ,84 Status-Information geht verloren (T2);
      alle anderen Beträge werden genehmigt.
    Details: docs/zvt-sim.md

    """

func parseAddress(_ text: String, option: String) throws -> SocketAddress {
    guard let address = SocketAddress(parsing: text) else {
        throw UsageError.invalidValue(option: option, value: text, expected: "HOST:PORT, z. B. 127.0.0.1:20007")
    }
    return address
}

/// `<data directory>/zvt-sim-journal.jsonl`, the data directory as Web-Kasse's ledgers use it
/// (`$WEBKASSE_DATA`, else `$XDG_DATA_HOME/webkasse`, else `~/.local/share/webkasse`), created if missing.
func defaultJournalPath() throws -> String {
    let environment = ProcessInfo.processInfo.environment
    let directory: String
    if let data = environment["WEBKASSE_DATA"], !data.isEmpty {
        directory = data
    } else if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
        directory = xdg + "/webkasse"
    } else {
        directory = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/webkasse"
    }
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
        throw JournalError(path: directory, line: nil, reason: "Das Verzeichnis für das Journal kann nicht angelegt werden; bitte --journal DATEI angeben.")
    }
    return directory + "/zvt-sim-journal.jsonl"
}

func run() throws -> ExitCode {
    let words = Array(CommandLine.arguments.dropFirst())
    if words.contains("--help") || words.contains("-h") {
        print(usage, terminator: "")
        return .success
    }
    let arguments = try ArgumentList(
        words,
        valueOptions: [
            "listen", "control", "journal", "seed", "outcome", "script", "profile", "password", "terminal-id", "t3-ms", "t4-ms", "step-delay-ms",
            "pin-retry-ms", "time-zone", "refuse-tlv-registration",
            "card-wait-ms", "pin-timeout-ms", "bench", "serial-device", "baud", "t2-ms",
        ],
        flagOptions: [
            "no-control", "no-journal", "banner", "close-after-sequence", "eod-required", "no-auto-reversal", "fsync", "verbose", "quiet", "realistic",
            "serial", "framed",
        ])
    if let extra = arguments.positionals.first { throw UsageError.unexpectedArgument(extra) }
    if let payments = try arguments.integer("bench", in: 1...10_000_000) { return try bench(payments: payments) }

    var configuration = SimulatorConfiguration()
    configuration.logLevel = arguments.flag("verbose") ? .apdus : (arguments.flag("quiet") ? .quiet : .transactions)
    configuration.listen = try parseAddress(arguments.value("listen") ?? "127.0.0.1:20007", option: "listen")
    configuration.line = try line(arguments)
    configuration.control =
        arguments.flag("no-control")
        ? nil : try parseAddress(arguments.value("control") ?? "127.0.0.1:20017", option: "control")
    configuration.journalPath = arguments.flag("no-journal") ? nil : try (arguments.value("journal") ?? defaultJournalPath())
    configuration.syncJournal = arguments.flag("fsync")
    if let seed = arguments.value("seed") {
        guard let value = UInt64(seed) else {
            throw UsageError.invalidValue(option: "seed", value: seed, expected: "eine nicht negative ganze Zahl")
        }
        configuration.seed = value
    }
    if let name = arguments.value("time-zone") {
        guard let zone = TimeZone(identifier: name) else {
            throw UsageError.invalidValue(option: "time-zone", value: name, expected: "eine Zeitzone wie Europe/Berlin")
        }
        configuration.timeZone = zone
    }
    if let id = arguments.value("terminal-id") {
        guard id.count == 8, id.allSatisfy(\.isNumber) else {
            throw UsageError.invalidValue(option: "terminal-id", value: id, expected: "genau 8 Ziffern")
        }
        configuration.terminalID = id
    }
    if let password = arguments.value("password") {
        guard password.count == 6, password.allSatisfy(\.isNumber) else {
            throw UsageError.invalidValue(option: "password", value: password, expected: "genau 6 Ziffern")
        }
        configuration.password = password
    }
    let limit = 0...86_400_000
    if arguments.flag("realistic") {
        configuration.timing.stepDelayMs = 400
        configuration.timing.pinTimeoutMs = 20_000
    }
    if let value = try arguments.integer("t3-ms", in: 1...600_000) { configuration.timing.t3Ms = value }
    if let value = try arguments.integer("t4-ms", in: 1...limit.upperBound) { configuration.timing.t4Ms = value }
    if let value = try arguments.integer("step-delay-ms", in: limit) { configuration.timing.stepDelayMs = value }
    if let value = try arguments.integer("pin-retry-ms", in: limit) { configuration.timing.pinRetryMs = value }
    if let value = try arguments.integer("card-wait-ms", in: limit) { configuration.timing.cardWaitMs = value }
    if let value = try arguments.integer("pin-timeout-ms", in: limit) { configuration.timing.pinTimeoutMs = value }
    if let value = try arguments.integer("t2-ms", in: 1...60_000) { configuration.timing.serialLink.acknowledgementMs = Int64(value) }
    configuration.autoReversal = !arguments.flag("no-auto-reversal")

    let sticky = try arguments.value("outcome").map { try Scenario(parsing: $0) }
    let profile = try arguments.value("profile").map { name -> VendorProfile in
        guard let profile = VendorProfile(rawValue: name) else {
            throw UsageError.invalidValue(
                option: "profile", value: name, expected: VendorProfile.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return profile
    }
    let tlvRefusal = try arguments.value("refuse-tlv-registration").map { mode -> TLVRegistrationRefusal in
        guard let refusal = TLVRegistrationRefusal(rawValue: mode) else {
            throw UsageError.invalidValue(
                option: "refuse-tlv-registration", value: mode, expected: TLVRegistrationRefusal.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return refusal
    }
    let script = try (arguments.value("script") ?? "").split(separator: " ").map { try Scenario(parsing: String($0)) }

    let simulator: TerminalSimulator
    do {
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
    } catch let error as JournalError {
        printError("zvt-sim: \(error)")
        return .dataError
    } catch {
        printError("zvt-sim: \(error)")
        return .ioError
    }
    if let sticky { simulator.control.setSticky(sticky) }
    if let profile { simulator.control.profile = profile }
    if !script.isEmpty { simulator.control.setScriptForNextConnection(script) }
    simulator.control.bannerOnConnect = arguments.flag("banner")
    simulator.control.closesAfterSequence = arguments.flag("close-after-sequence")
    simulator.control.endOfDayRequired = arguments.flag("eod-required")
    if let tlvRefusal { simulator.control.refusesTLVRegistration = tlvRefusal }

    let counters = simulator.journal.counters
    var lines: [String]
    switch configuration.line {
    case .tcp:
        lines = ["zvt-sim: EC-Terminal (ZVT/TCP) lauscht auf \(simulator.address!)"]
    case .framedTCP:
        lines = ["zvt-sim: EC-Terminal (ZVT seriell über TCP) lauscht auf \(simulator.address!) – Kasse: --terminal \(simulator.registerAddress!)"]
    case .pseudoTerminal, .device:
        lines = ["zvt-sim: EC-Terminal (ZVT seriell) an \(simulator.serialDevicePath!) – Kasse: --terminal \(simulator.registerAddress!)"]
    }
    if let control = simulator.controlAddress {
        lines.append("zvt-sim: Steuerung auf \(control) – z. B. `printf 'next decline-05\\n' | nc -q1 \(control.host) \(control.port)`,")
        lines.append(
            "         Befehle: next, script, set, eod-required, banner, close-after-sequence, refuse-tlv-registration, clear, status, journal, totals, help")
    }
    lines.append(
        "zvt-sim: Journal \(configuration.journalPath ?? "(nur im Speicher)"), letzte Belegnummer \(counters.receipt), letzter Trace \(counters.trace)")
    lines.append("zvt-sim: Ergebnis nach Cent-Betrag (z. B. 12,13 € → abgelehnt 05); `zvt-sim --help` listet alle Regeln. Ende mit Strg-C.")
    print(lines.joined(separator: "\n"))
    fflush(nil)

    // Serve until interrupted; the journal is written line by line, so nothing needs flushing.
    signal(SIGPIPE, SIG_IGN)
    while true { sleep(3600) }
}

/// The line from `--serial`, `--serial-device PFAD [--baud N]` or `--framed` (at most one).
func line(_ arguments: ArgumentList) throws -> SimulatorLine {
    let device = arguments.value("serial-device")
    let chosen = [arguments.flag("serial") ? "--serial" : nil, device.map { _ in "--serial-device" }, arguments.flag("framed") ? "--framed" : nil]
        .compactMap { $0 }
    if chosen.count > 1 {
        throw UsageError.invalidValue(
            option: "serial", value: chosen.joined(separator: " "), expected: "höchstens eine von --serial, --serial-device, --framed")
    }
    if let text = arguments.value("baud"), device == nil {
        throw UsageError.invalidValue(option: "baud", value: text, expected: "--baud nur zusammen mit --serial-device")
    }
    if arguments.flag("serial") { return .pseudoTerminal }
    if arguments.flag("framed") { return .framedTCP }
    guard let device else { return .tcp }
    // The register's address parser checks path and rate, so both sides accept the same.
    let baudText = arguments.value("baud") ?? "\(ZVTTerminalAddress.defaultBaudRate)"
    let address: ZVTTerminalAddress
    do {
        address = try ZVTTerminalAddress(parsing: "serial:\(device)?baud=\(baudText)")
    } catch {
        let option = error.expected.contains("Baudrate") ? "baud" : "serial-device"
        throw UsageError.invalidValue(option: option, value: option == "baud" ? baudText : device, expected: error.expected)
    }
    guard case .serial(let path, let baudRate, _) = address else {
        throw UsageError.invalidValue(option: "serial-device", value: device, expected: "ein Gerätepfad wie /dev/ttyUSB1")
    }
    return .device(path: path, baudRate: baudRate)
}

/// `--bench N`: authorisations per second on loopback with the project's ZVT driver, minimal and
/// full registration, journal on disk.
func bench(payments: Int) throws -> ExitCode {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zvt-sim-bench-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var ok = true
    for (label, config, blocks) in [
        ("Anmeldung 80 (ohne Zwischenstatus, ohne Belege)", UInt8(0x80), false),
        ("Anmeldung BE + 06 D3 (3 × 04 FF, 2 Belege)", UInt8(0xBE), true),
    ] {
        let journal = directory.appendingPathComponent("\(config).jsonl").path
        let result = try LoopbackBench.run(label: label, payments: payments, config: config, textBlocks: blocks, journalPath: journal)
        let rate = Int(result.perSecond.rounded())
        print(
            "zvt-sim bench: \(label): \(result.payments) Zahlungen in \(String(format: "%.2f", result.seconds)) s = \(rate)/s, "
                + "genehmigt \(result.approved), im Journal gebucht \(result.booked)")
        ok = ok && result.booked == payments && result.approved == payments
    }
    return ok ? .success : .failure
}

do {
    exit(try run())
} catch let error as UsageError {
    printError("zvt-sim: \(error)")
    printError("Hilfe: zvt-sim --help")
    exit(.usage)
} catch let error as JournalError {
    printError("zvt-sim: \(error)")
    exit(.dataError)
} catch let error as ScenarioError {
    printError("zvt-sim: \(error)")
    exit(.usage)
} catch {
    printError("zvt-sim: \(error)")
    exit(.ioError)
}
