import Fiscal
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `webkasse simulate` against the ZVT simulator in a child process, kills it with SIGKILL at
/// random moments, restarts it, and proves after each round: `verify` passes, every printed
/// receipt is booked as printed, nothing is booked twice, and every approval in the terminal's
/// journal is booked or reversed (the last one may wait for the next start's recovery).
final class CrashTests: XCTestCase {
    func testKilledDuringSalesLosesAndDoublesNothing() throws { try soak(fiscal: false) }

    /// The same with the software TSE (`[fiscal] tse = software`): after every round the TSE's
    /// signature counter has no gap, every booking carries its signature, and every transaction
    /// the TSE signed is in the ledger (the last kill's may wait for the next start).
    func testKilledDuringSalesWithTheSoftwareTSEKeepsEveryTransactionSignedAndExplained() throws { try soak(fiscal: true) }

    private func soak(fiscal: Bool) throws {
        let binary = packageRoot.appendingPathComponent(".build/debug/webkasse").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("\(binary) fehlt: erst `swift build` ausführen")
        }
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        let simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        defer { simulator.stop() }
        let directory = try TemporaryDirectory(prefix: "crash-test")
        let keep = ProcessInfo.processInfo.environment["WEBKASSE_CRASH_KEEP"] != nil
        defer {
            if keep {
                try? simulator.journal.jsonLines().write(toFile: directory.path + "/terminal-journal.jsonl", atomically: true, encoding: .utf8)
                print("Crash-Test: Daten und Terminal-Journal in \(directory.path)")
            } else {
                directory.remove()
            }
        }
        let data = directory.path + "/data"
        let spool = directory.path + "/spool"
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let ledgerPath = DataDirectory.ledgerPath(data: data, register: "SIM")
        let config = try directory.write(
            "[office]\nname = Bürgeramt Crashtest\n" + (fiscal ? "[fiscal]\ntse = software\nclient_id = SIM\n" : ""), to: "webkasse.conf")
        tseDirectory = fiscal ? DataDirectory.registerDirectory(data: data, register: "SIM") + "/tse" : nil
        let environment = ProcessInfo.processInfo.environment.merging(["WEBKASSE_CONFIG": config]) { $1 }

        var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["WEBKASSE_CRASH_SEED"] ?? "") ?? 20261127)
        var kills = 0
        var round = 0
        var sales = 0
        let started = Date()
        // `WEBKASSE_CRASH_KILLS` sets how many SIGKILLs (default 12; `scripts/soak crash` uses 500).
        let targetKills = Int(ProcessInfo.processInfo.environment["WEBKASSE_CRASH_KILLS"] ?? "") ?? 12
        let maximumRounds = targetKills * 4 + 40
        while sales < 200 || kills < targetKills {
            round += 1
            XCTAssertLessThan(round, maximumRounds, "no progress")
            if round >= maximumRounds { break }
            let child = Process()
            child.executableURL = URL(fileURLWithPath: binary)
            child.arguments = [
                "simulate", "--sales", "40", "--per-day", "25", "--seed", String(round), "--data", data,
                "--terminal", "127.0.0.1:\(simulator.address!.port)",
                "--printer", "cat > \(spool)/r\(round)-$$.txt",
            ]
            // Every third round also dies right after an approval, before the booking.
            child.environment =
                round % 3 == 2
                ? environment.merging(["WEBKASSE_SIMULATE_KILL_AFTER_APPROVAL": "8"]) { $1 } : environment
            child.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            child.standardError = errors
            try child.run()
            // Kill most rounds at a random moment; let some finish.
            let killThis = round % 4 != 0
            if killThis {
                let deadline = Date().addingTimeInterval(Double(Int.random(in: 40...700, using: &random)) / 1000)
                while child.isRunning && Date() < deadline { usleep(5_000) }
                if child.isRunning { kill(child.processIdentifier, SIGKILL) }
            }
            child.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if child.terminationReason == .uncaughtSignal { kills += 1 }
            if child.terminationReason == .exit {
                XCTAssertEqual(child.terminationStatus, 0, "round \(round): \(stderr)")
                if child.terminationStatus != 0 { break }
            }
            sales = try check(ledgerPath: ledgerPath, spool: spool, journal: simulator.journal.entries, final: false, round: round)
        }
        XCTAssertGreaterThanOrEqual(kills, targetKills)
        // A last, clean start resolves whatever the last kill left pending.
        let last = Process()
        last.executableURL = URL(fileURLWithPath: binary)
        last.arguments = ["simulate", "--sales", "1", "--seed", "999", "--data", data, "--terminal", "127.0.0.1:\(simulator.address!.port)"]
        last.environment = environment
        last.standardOutput = FileHandle.nullDevice
        try last.run()
        last.waitUntilExit()
        XCTAssertEqual(last.terminationStatus, 0)
        sales = try check(ledgerPath: ledgerPath, spool: spool, journal: simulator.journal.entries, final: true, round: round + 1)
        var recovered: [CardOutcome: Int] = [:]
        try Ledger(path: ledgerPath).forEachEvent { _, event in
            if case .cardResolved(let r) = event, r.atStartup { recovered[r.outcome, default: 0] += 1 }
        }
        print("Crash-Test: beim Start geklärte Kartenzahlungen: \(recovered.map { "\($0.key.rawValue) \($0.value)" }.sorted())")
        if let tseDirectory {
            let tse = try SoftwareTSE(directory: tseDirectory)
            print("Crash-Test mit Software-TSE: \(tseChecks) Prüfungen, Signaturzähler 1–\(try tse.describe().signatureCounter) lückenlos")
        }
        print(
            "Crash-Test: \(round) Läufe, \(kills) mit SIGKILL beendet, \(sales) Verkäufe, \(simulator.journal.entries.count) Terminal-Journalzeilen, \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        )
    }

    /// Diagnosis with `WEBKASSE_CRASH_KEEP`: each transaction the terminal journaled `booked` and later
    /// overruled (once), with its journal lines and the ledger's pending records and resolutions of that amount.
    private func printSuperseded(_ raw: [ZVTSimulator.JournalEntry], lastByTrace: [Int: Int], ledger: Ledger, round: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (index, entry) in raw.enumerated() where entry.status == .booked {
            guard let trace = entry.trace, lastByTrace[trace] != index, reportedTraces.insert(trace).inserted else { continue }
            print("Crash-Test Runde \(round): Terminal-Journal, Trace \(trace) zweimal:")
            for line in raw.filter({ $0.trace == trace }) { print("  " + String(decoding: try encoder.encode(line), as: UTF8.self)) }
            var pendings: [String: PendingCardPayment] = [:]
            try ledger.forEachEvent { entry, event in
                if case .cardPending(let p) = event, p.amount.cents == raw[index].amountCents {
                    pendings[p.id] = p
                    print("  Kassenbuch #\(entry.seq) cardPending \(p.id) \(p.amount.cents) ct Verkauf \(p.saleId)")
                }
                if case .cardResolved(let r) = event, pendings[r.pendingId] != nil {
                    print("  Kassenbuch #\(entry.seq) cardResolved \(r.pendingId) \(r.outcome.rawValue) beim Start: \(r.atStartup) – \(r.detail)")
                }
                if case .sale(let sale) = event, let card = sale.payments.compactMap(\.card).first(where: { $0.traceNumber == String(format: "%06d", trace) }) {
                    print("  Kassenbuch #\(entry.seq) Verkauf \(sale.id) mit Terminal-Beleg \(card.receiptNumber)/\(card.traceNumber)")
                }
            }
        }
    }
    private var reportedTraces = Set<Int>()
    /// The software TSE's directory when the soak runs with it.
    private var tseDirectory: String?
    private var keep: Bool { ProcessInfo.processInfo.environment["WEBKASSE_CRASH_KEEP"] != nil }

    /// The checks after a round; returns the number of booked sales.
    private func check(ledgerPath: String, spool: String, journal rawJournal: [ZVTSimulator.JournalEntry], final: Bool, round: Int) throws -> Int {
        // One entry per transaction, with the terminal's last word on it: what Repeat Receipt
        // reports. (zvt-sim journals a payment a second time, as `autoReversed`, when the
        // connection drops during the Completion after it had journaled it `booked` —
        // PTSession+CardTransactions.swift, the `catch Interruption.connectionLost` after
        // `deliverResult`; its own Repeat Receipt then reports 6C "Autostorno".)
        var lastByTrace: [Int: Int] = [:]
        for (index, entry) in rawJournal.enumerated() { if let trace = entry.trace { lastByTrace[trace] = index } }
        let journal = rawJournal.enumerated().filter { $0.element.trace == nil || lastByTrace[$0.element.trace!] == $0.offset }.map(\.element)
        guard FileManager.default.fileExists(atPath: ledgerPath) else { return 0 }
        let ledger = try Ledger(path: ledgerPath)
        if keep { try printSuperseded(rawJournal, lastByTrace: lastByTrace, ledger: ledger, round: round) }
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, "round \(round): \(report.problems.prefix(3))")

        var sales = 0
        var saleIds = Set<String>()
        var cardPayments: [String: Int] = [:]  // "terminal receipt/trace" → count
        var receiptHashes: [Int64: String] = [:]
        var reversals: [String: Int] = [:]
        try ledger.forEachEvent { entry, event in
            if let number = event.receiptNumber { receiptHashes[number] = entry.hash }
            if case .sale(let sale) = event {
                sales += 1
                XCTAssertTrue(saleIds.insert(sale.id).inserted, "sale \(sale.id) booked twice")
                for card in sale.payments.compactMap(\.card) { cardPayments["\(card.receiptNumber)/\(card.traceNumber)", default: 0] += 1 }
            }
            if case .storno(let storno) = event {
                for card in storno.refunds.compactMap(\.cardReversal) { reversals["\(card.receiptNumber)/\(card.traceNumber)", default: 0] += 1 }
            }
        }
        XCTAssertTrue(cardPayments.values.allSatisfy { $0 == 1 }, "a card approval booked twice: \(cardPayments.filter { $0.value > 1 })")

        // Every receipt that reached the printer completely is booked, with the same check value.
        for name in try FileManager.default.contentsOfDirectory(atPath: spool) {
            let text = try String(contentsOfFile: spool + "/" + name, encoding: .utf8)
            guard let checkLine = text.split(separator: "\n").first(where: { $0.hasPrefix("Prüfwert ") }) else { continue }
            // Z reports of the simulated day closes also reach the printer; receipts are checked here.
            guard let numberLine = text.split(separator: "\n").first(where: { $0.hasPrefix("Beleg-Nr. ") }) else {
                XCTAssertTrue(text.contains("Z-BERICHT Nr. "), "printed text without Beleg-Nr.: \(text.prefix(200))")
                continue
            }
            let number = try XCTUnwrap(Int64(numberLine.dropFirst("Beleg-Nr. ".count)))
            let hash = try XCTUnwrap(receiptHashes[number], "printed receipt \(number) is not booked (round \(round))")
            XCTAssertEqual(String(checkLine.dropFirst("Prüfwert ".count)), String(hash.prefix(16)), "receipt \(number)")
        }

        // Every approval the terminal committed is booked or reversed.
        let reversed = Set(journal.filter { $0.kind == .reversal && $0.isBooked }.compactMap(\.reversesReceipt))
        let approvals = journal.filter { $0.kind == .payment && $0.isBooked }
        let pending = try ledger.unresolvedCardPayments()
        for (index, approval) in approvals.enumerated() {
            let key = "\(approval.receipt.map { String(format: "%04d", $0) } ?? "?")/\(approval.trace.map { String(format: "%06d", $0) } ?? "?")"
            if cardPayments[key] == 1 || reversed.contains(approval.receipt ?? -1) { continue }
            let waitsForRecovery = !final && index == approvals.count - 1 && pending.contains { $0.amount.cents == approval.amountCents }
            XCTAssertTrue(waitsForRecovery, "round \(round): approval \(key) over \(approval.amountCents) ct is neither booked nor reversed")
        }
        // And the other way: every card payment in the ledger is an approval the terminal committed.
        let committed = Set(approvals.map { "\($0.receipt.map { String(format: "%04d", $0) } ?? "?")/\($0.trace.map { String(format: "%06d", $0) } ?? "?")" })
        for key in cardPayments.keys { XCTAssertTrue(committed.contains(key), "round \(round): booked card payment \(key) is not committed at the terminal") }

        // Every reversal the terminal committed is booked as a storno, once.
        XCTAssertTrue(reversals.values.allSatisfy { $0 == 1 }, "a reversal booked twice")
        let terminalReversals = journal.filter { $0.kind == .reversal && $0.isBooked }
        for (index, reversal) in terminalReversals.enumerated() {
            let key = "\(reversal.receipt.map { String(format: "%04d", $0) } ?? "?")/\(reversal.trace.map { String(format: "%06d", $0) } ?? "?")"
            if reversals[key] == 1 { continue }
            let waitsForRecovery = !final && index == terminalReversals.count - 1 && !pending.isEmpty
            XCTAssertTrue(waitsForRecovery, "round \(round): terminal reversal \(key) is not booked as a storno")
        }
        if final { XCTAssertEqual(pending, [], "pending card payments after a clean start") }
        if let tseDirectory { try checkTSE(tseDirectory, ledger: ledger, final: final, round: round) }
        return sales
    }

    /// Opening the TSE checks that its signature counter has no gap (``SoftwareTSE`` refuses a
    /// log with one); then every booking has its TSE record, signed, and every transaction the TSE
    /// finished or left open is in the ledger — but for the last one a kill left, which the next
    /// start records.
    private func checkTSE(_ directory: String, ledger: Ledger, final: Bool, round: Int) throws {
        guard FileManager.default.fileExists(atPath: SoftwareTSE.logPath(in: directory)) else { return }
        let tse = try SoftwareTSE(directory: directory)
        let messages = tse.logMessages()
        XCTAssertEqual(messages.map(\.signatureCounter), (0..<UInt64(messages.count)).map { $0 + 1 }, "round \(round): signature counter")
        var bookings: [String] = []
        try ledger.forEachEvent { _, event in
            switch event {
            case .sale(let r): bookings.append(r.id)
            case .storno(let r): bookings.append(r.id)
            case .cashMovement(let r): bookings.append(r.id)
            default: break
            }
        }
        let records = try ledger.tseTransactions().map(\.record)
        let byBooking = Dictionary(records.compactMap { r in r.bookingId.map { ($0, r) } }, uniquingKeysWith: { first, _ in first })
        for id in bookings {
            guard let record = byBooking[id] else {
                XCTFail("round \(round): booking \(id) has no TSE record")
                continue
            }
            XCTAssertTrue(record.isSigned, "round \(round): booking \(id) not signed: \(record.error ?? "")")
        }
        let inLedger = Set(records.compactMap(\.transactionNumber))
        let signed = Set(messages.map { Int64($0.transactionNumber) })
        let unexplained = signed.subtracting(inLedger)
        XCTAssertLessThanOrEqual(unexplained.count, final ? 0 : 1, "round \(round): TSE transactions without a ledger record: \(unexplained.sorted())")
        if let number = unexplained.first { XCTAssertEqual(number, signed.max(), "round \(round): only the last transaction may wait for the start") }
        XCTAssertTrue(inLedger.isSubset(of: signed), "round \(round): the ledger names TSE transactions the TSE does not have")
        tseChecks += 1
    }
    private var tseChecks = 0
}
