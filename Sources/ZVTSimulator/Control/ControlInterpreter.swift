/// The text protocol of the control port: one command per line, one reply (`OK …`, `ERR …`,
/// or lines ending with a single `.`). Documented in docs/zvt-sim.md.
struct ControlInterpreter {
    let simulator: TerminalSimulator

    struct Reply {
        var text: String
        var closes = false
    }

    static let help = """
        OK Befehle:
        next SZENARIO            nächste Kartenzahlung (beliebige Verbindung), mehrfach = Warteschlange
        script SZENARIO…         Kartenzahlungen der nächsten Verbindung der Reihe nach
        set SZENARIO | set rules dauerhaft bzw. zurück zu den Betragsregeln
        eod-required on|off      Terminalstatus F0: Zahlungen werden mit 06 1E F0 abgewiesen
        banner on|off            Nicht-ZVT-Text bei jedem Verbindungsaufbau
        close-after-sequence on|off  Verbindung nach jeder Befehlsfolge schließen
        refuse-tlv-registration on|abort|off  Anmeldung mit TLV (BMP 06) ablehnen: 84 83 00 bzw. 06 1E 01 83
        end-of-day-report single|per-group|in-completion  Summen des Kassenschnitts: ein 04 0F, eines je Kartenart, im 06 0F
        print-lines standard|pre-2013  06 D1 wie ZVT 13.08 oder mit TLV (Belegart 1F07) nach dem Text
        print-charset-tag off|latin1|utf8  Belegtexte mit Tag 14 (Zeichensatz) und in diesem Zeichensatz
        receipt-layout plain|attributes  Belegzeilen ohne Attribute oder zentriert/doppelt hoch (Attribut 40/10)
        bmp60-layout standard|short|long  Einzelsummen (BMP 60): 7 Kartengruppen, ohne leere am Ende, 8 Gruppen
        approve-amount-delta CENTS  genehmigte Zahlungen über Betrag + CENTS (z. B. -50), 0 = wie angefragt
        profile NAME             Herstellereigenheiten: standard, feig, valina, ccv, pax
        clear                    alles zurücksetzen (Warteschlange, Skript, Dauer-Szenario, F0, Banner, Schließen, TLV-Ablehnung, Belege, Profil, Betragsabweichung)
        status                   Zähler und Einstellungen als eine JSON-Zeile
        journal [N]              das Journal (JSON Lines, die letzten N), Ende mit "."
        totals                   Summen seit dem letzten Kassenschnitt (JSON)
        outcomes | faults        die Namen
        quit                     Steuerverbindung schließen
        SZENARIO = ergebnis[+fehler…], z. B. decline-05, approve+split-bytes, drop-after-status
        .

        """

    func execute(_ line: String) -> Reply {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let command = words.first?.lowercased() else { return Reply(text: "ERR Leere Zeile; »help« zeigt die Befehle.\n") }
        let arguments = Array(words.dropFirst())
        let control = simulator.control
        do {
            switch command {
            case "help", "?":
                return Reply(text: Self.help)
            case "next":
                guard arguments.count == 1 else { return error("»next« braucht genau ein Szenario, z. B. »next decline-05«.") }
                let scenario = try Scenario(parsing: arguments[0])
                control.queueNext(scenario)
                return ok("nächste Kartenzahlung: \(scenario)")
            case "script":
                let list = try arguments.map { try Scenario(parsing: $0) }
                control.setScriptForNextConnection(list)
                return ok("Skript für die nächste Verbindung: \(list.map(\.description).joined(separator: " "))")
            case "set":
                guard arguments.count == 1 else { return error("»set« braucht ein Szenario oder »rules«.") }
                if arguments[0] == "rules" {
                    control.setSticky(nil)
                    return ok("Betragsregeln gelten")
                }
                let scenario = try Scenario(parsing: arguments[0])
                control.setSticky(scenario)
                return ok("dauerhaft: \(scenario)")
            case "eod-required", "banner", "close-after-sequence":
                guard arguments.count == 1, ["on", "off"].contains(arguments[0]) else {
                    return error("»\(command)« braucht »on« oder »off«.")
                }
                let on = arguments[0] == "on"
                switch command {
                case "banner": control.bannerOnConnect = on
                case "close-after-sequence": control.closesAfterSequence = on
                default: control.endOfDayRequired = on
                }
                return ok("\(command) \(arguments[0])")
            case "refuse-tlv-registration": return choose("refuse-tlv-registration", arguments, \.refusesTLVRegistration)
            case "end-of-day-report": return choose("end-of-day-report", arguments, \.endOfDayReport)
            case "print-lines": return choose("print-lines", arguments, \.printLines)
            case "print-charset-tag": return choose("print-charset-tag", arguments, \.printCharacterSetTag)
            case "receipt-layout": return choose("receipt-layout", arguments, \.receiptLayout)
            case "bmp60-layout": return choose("bmp60-layout", arguments, \.individualTotals)
            case "approve-amount-delta":
                guard arguments.count == 1, let delta = Int64(arguments[0]) else {
                    return error("»approve-amount-delta« braucht eine ganze Zahl von Cent, z. B. »approve-amount-delta -50«.")
                }
                control.approveAmountDeltaCents = delta
                return ok("approve-amount-delta \(delta)")
            case "profile":
                guard arguments.count == 1, let profile = VendorProfile(rawValue: arguments[0]) else {
                    return error("»profile« braucht einen dieser Namen: \(VendorProfile.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                control.profile = profile
                return ok("Profil \(profile.rawValue)")
            case "clear":
                control.clear()
                return ok("zurückgesetzt")
            case "status":
                return Reply(text: "OK " + statusJSON() + "\n")
            case "journal":
                var lines = simulator.journal.jsonLines().split(separator: "\n").map(String.init)
                if let count = arguments.first.flatMap({ Int($0) }) { lines = Array(lines.suffix(max(0, count))) }
                return Reply(text: lines.map { $0 + "\n" }.joined() + ".\n")
            case "totals":
                let totals = simulator.journal.batchTotals
                let slots = totals.lines.map { "\"\($0.slot)\":{\"count\":\($0.count),\"amountCents\":\($0.amountCents)}" }
                return Reply(text: "OK {\"totalCents\":\(totals.totalCents),\"count\":\(totals.totalCount),\(slots.joined(separator: ","))}\n")
            case "outcomes":
                return ok(Outcome.allCases.map(\.rawValue).joined(separator: " "))
            case "faults":
                return ok(Fault.allCases.map(\.rawValue).joined(separator: " "))
            case "quit", "exit":
                return Reply(text: "OK tschüss\n", closes: true)
            default:
                return error("Unbekannter Befehl »\(command)«; »help« zeigt die Befehle.")
            }
        } catch {
            return self.error(String(describing: error))
        }
    }

    /// Sets the control setting at `keyPath` to the one value `arguments` names (`NAME VALUE`).
    private func choose<Value: RawRepresentable & CaseIterable>(
        _ name: String, _ arguments: [String], _ keyPath: ReferenceWritableKeyPath<SimulatorControl, Value>
    ) -> Reply where Value.RawValue == String {
        guard arguments.count == 1, let value = Value(rawValue: arguments[0]) else {
            return error("»\(name)« braucht einen dieser Werte: \(Value.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        simulator.control[keyPath: keyPath] = value
        return ok("\(name) \(value.rawValue)")
    }

    private func ok(_ text: String) -> Reply { Reply(text: "OK \(text)\n") }
    private func error(_ text: String) -> Reply { Reply(text: "ERR \(text)\n") }

    private func statusJSON() -> String {
        let counters = simulator.journal.counters
        let summary = simulator.control.summary
        let registration = simulator.core.registration.current
        let control = simulator.control
        func quoted(_ text: String) -> String { "\"\(text)\"" }
        let next = summary.next.map { quoted($0.description) }.joined(separator: ",")
        let script = summary.script.map { "[" + $0.map { quoted($0.description) }.joined(separator: ",") + "]" } ?? "null"
        let sticky = summary.sticky.map { quoted($0.description) } ?? "null"
        let config = registration.registered ? quoted(String(registration.config, radix: 16, uppercase: true)) : "null"
        return "{\"connections\":\(simulator.connectionCount),\"serving\":\(simulator.isServing),"
            + "\"lastTrace\":\(counters.trace),\"lastReceipt\":\(counters.receipt),\"journalEntries\":\(simulator.journal.entries.count),"
            + "\"registeredConfig\":\(config),\"next\":[\(next)],\"script\":\(script),\"sticky\":\(sticky),"
            + "\"endOfDayRequired\":\(summary.endOfDayRequired),\"banner\":\(summary.banner),"
            + "\"closeAfterSequence\":\(summary.closeAfterSequence),\"refuseTLVRegistration\":\"\(summary.refuseTLVRegistration.rawValue)\","
            + "\"profile\":\"\(summary.profile.rawValue)\","
            + "\"endOfDayReport\":\"\(control.endOfDayReport.rawValue)\",\"printLines\":\"\(control.printLines.rawValue)\","
            + "\"printCharsetTag\":\"\(control.printCharacterSetTag.rawValue)\",\"receiptLayout\":\"\(control.receiptLayout.rawValue)\","
            + "\"bmp60Layout\":\"\(control.individualTotals.rawValue)\",\"approveAmountDeltaCents\":\(control.approveAmountDeltaCents)}"
    }
}
