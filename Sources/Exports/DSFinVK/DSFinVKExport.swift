import Foundation
import KasseCore
import Ledger
import SystemCalls

/// `webkasse export --format dsfinvk`: the DSFinV-K files of Kassenabschlüsse (day closes) in one
/// ZIP (docs/dsfinvk.md), written like every export (temporary file, then its final name, never
/// overwriting) and recorded in the ledger of each register read.
public enum DSFinVKExport {
    /// Which Kassenabschlüsse: one Z number of one register, every one whose business date lies in a
    /// range, or all.
    public enum Scope: Equatable, Sendable {
        case zNumber(Int64)
        case dates(from: BookingDate, to: BookingDate)
        case all

        /// The export log's `scope`.
        public var text: String {
            switch self {
            case .zNumber(let z): return "Z \(z)"
            case .dates(let from, let to): return from.iso + ".." + to.iso
            case .all: return "alle"
            }
        }
    }

    public struct Request {
        public var dataDirectory: String
        /// Empty: every register of the data directory.
        public var registers: [String]
        public var scope: Scope
        public var outputPath: String
        public var master: DSFinVKMasterData
        public var timeZone: TimeZone
        /// Where the TSE's answers come from (``DSFinVKWithoutTSE`` for a till without TSE).
        public var tse: DSFinVKTSESource

        public init(
            dataDirectory: String, registers: [String], scope: Scope, outputPath: String, master: DSFinVKMasterData,
            timeZone: TimeZone, tse: DSFinVKTSESource = DSFinVKWithoutTSE()
        ) {
            self.dataDirectory = dataDirectory
            self.registers = registers
            self.scope = scope
            self.outputPath = outputPath
            self.master = master
            self.timeZone = timeZone
            self.tse = tse
        }
    }

    public struct Outcome: Sendable {
        public let path: String
        public let sha256: String
        public let byteCount: Int64
        /// The Kassenabschlüsse exported: register and Z number, in order.
        public let closings: [(register: String, zNumber: Int64, businessDate: String)]
        public let transactionCount: Int
        /// Z_SE_ZAHLUNGEN over all closings.
        public let payments: Money
        public let isRepeat: Bool
        public let records: [ExportRecord]
    }

    /// The export log's `format`.
    public static let formatName = "dsfinvk"

    public static func run(_ request: Request, now: Date = Date()) throws -> Outcome {
        guard !DataDirectory.isTrainingData(request.dataDirectory) else {
            throw ExportError.invalidScope(
                "\(request.dataDirectory) enthält Schulungsdaten (webkasse run --training): sie werden nie an die Stadtkasse exportiert.")
        }
        let registers = try LedgerExport.resolveRegisters(data: request.dataDirectory, requested: request.registers)
        if case .zNumber = request.scope, registers.count != 1 {
            throw ExportError.invalidScope("--z gilt für eine Kasse: bitte --register angeben (vorhanden: \(registers.joined(separator: ", "))).")
        }

        var builder = DSFinVKBuilder(master: request.master, timeZone: request.timeZone)
        var closings: [(register: String, zNumber: Int64, businessDate: String)] = []
        var runs: [(register: String, after: Int64, through: Int64, isRepeat: Bool)] = []
        for register in registers {
            let ledger = try Ledger(data: request.dataDirectory, register: register)
            let boundaries = try ledger.dayCloseBoundaries()
            let selected: [DayCloseBoundary]
            switch request.scope {
            case .zNumber(let z):
                guard let close = boundaries.first(where: { $0.zNumber == z }) else {
                    let last = boundaries.last.map { "der letzte ist Z \($0.zNumber)" } ?? "es gibt noch keinen"
                    throw ExportError.invalidScope("Die Kasse \(register) hat keinen Tagesabschluss Z \(z) (\(last)).")
                }
                selected = [close]
            case .dates(let from, let to):
                selected = boundaries.filter { $0.businessDate >= from.iso && $0.businessDate <= to.iso }
            case .all:
                selected = boundaries
            }
            guard let first = selected.first, let last = selected.last else { continue }
            let operators = Dictionary(try ledger.operators().map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            var closedAt: [Int64: Instant] = [:]
            for boundary in selected {
                let range = (boundary.afterSeq + 1)...boundary.seq
                var events: [LedgerEvent] = []
                var close: DayCloseRecord?
                var originals: [String: DSFinVKClosingInput.Original] = [:]
                try ledger.forEachEvent(in: range) { _, event in
                    events.append(event)
                    if case .dayClose(let record) = event, record.zNumber == boundary.zNumber { close = record }
                }
                guard let close else {
                    throw ExportError.invalidScope(
                        "Kasse \(register): Der Tagesabschluss Z \(boundary.zNumber) fehlt im Kassenbuch; bitte `webkasse verify` ausführen.")
                }
                closedAt[close.zNumber] = close.closedAt
                for case .storno(let storno) in events where originals[storno.saleId] == nil {
                    guard let sale = try ledger.sale(id: storno.saleId), let entry = try ledger.journalEntry(forReceipt: sale.receiptNumber),
                        let holder = boundaries.first(where: { $0.afterSeq < entry.seq && entry.seq <= $0.seq })
                    else { continue }
                    let holderClosedAt: Instant
                    if let known = closedAt[holder.zNumber] {
                        holderClosedAt = known
                    } else if let record = try ledger.dayClose(zNumber: holder.zNumber) {
                        holderClosedAt = record.closedAt
                    } else {
                        continue
                    }
                    originals[storno.saleId] = .init(sale: sale, zNumber: holder.zNumber, closedAt: holderClosedAt)
                }
                let input = DSFinVKClosingInput(register: register, close: close, events: events, operators: operators, originals: originals)
                try builder.add(input, tse: try request.tse.tseData(ledger: ledger, register: register, journal: range))
                closings.append((register, close.zNumber, close.businessDate))
            }
            let earlier = try ledger.exportRuns().filter { $0.format == formatName && $0.throughSeq > $0.afterSeq }
            let isRepeat = earlier.contains { (($0.afterSeq + 1)...$0.throughSeq).overlaps((first.afterSeq + 1)...last.seq) }
            runs.append((register, first.afterSeq, last.seq, isRepeat))
        }
        guard !closings.isEmpty else {
            switch request.scope {
            case .dates(let from, let to):
                throw ExportError.nothingToExport(
                    "Zwischen \(from.german) und \(to.german) gibt es keinen Tagesabschluss; die DSFinV-K enthält nur abgeschlossene Tage. Es wurde keine Datei angelegt."
                )
            default:
                throw ExportError.nothingToExport(
                    "Es gibt noch keinen Tagesabschluss; die DSFinV-K enthält nur abgeschlossene Tage. Es wurde keine Datei angelegt.")
            }
        }

        let (digest, byteCount) = try writeArchive(
            builder, title: "DSFinV-K " + registers.joined(separator: ", "), path: request.outputPath, timeZone: request.timeZone, now: now)

        var records: [ExportRecord] = []
        do {
            for run in runs {
                let record = ExportRecord(
                    id: UUID().uuidString.lowercased(), format: formatName, scope: request.scope.text, afterSeq: run.after,
                    throughSeq: run.through, fileName: LedgerExport.absolute(request.outputPath),
                    recordCount: Int64(builder.transactionCount[run.register] ?? 0), total: Money(cents: builder.paymentTotal[run.register] ?? 0),
                    fileSHA256: digest, isRepeat: run.isRepeat, operatorId: nil, at: Instant(now))
                let writer = try Ledger(data: request.dataDirectory, register: run.register)
                try writer.transaction { _ = try writer.append(.export(record), at: Instant(now)) }
                records.append(record)
            }
        } catch {
            try? Syscall.unlink(request.outputPath)
            throw ExportError.writeFailed(path: request.outputPath, reason: "der Export konnte nicht im Kassenbuch vermerkt werden (\(error))")
        }
        return Outcome(
            path: request.outputPath, sha256: digest, byteCount: byteCount, closings: closings,
            transactionCount: builder.transactionCount.values.reduce(0, +),
            payments: Money(cents: builder.paymentTotal.values.reduce(0, +)), isRepeat: runs.contains { $0.isRepeat }, records: records)
    }

    /// The ZIP of `builder`'s files at `path`, written like every export (temporary file, then its
    /// final name, never overwriting): its SHA-256 and size. Also the centre's DSFinV-K.
    public static func writeArchive(_ builder: DSFinVKBuilder, title: String, path: String, timeZone: TimeZone, now: Date) throws -> (
        sha256: String, byteCount: Int64
    ) {
        let stamp = ExportTimestamp(now, timeZone: timeZone)
        let bytes: [UInt8]
        do {
            bytes = try ZIPArchive.archive(
                try DSFinVKFiles.all(builder, title: title),
                modified: .init(year: stamp.year, month: stamp.month, day: stamp.day, hour: stamp.hour, minute: stamp.minute, second: stamp.second))
        } catch is ZIPArchive.ArchiveError {
            throw ExportError.invalidScope("Der DSFinV-K-Export wäre größer als 4 GiB; bitte einen kürzeren Zeitraum wählen.")
        }
        let file = try ExportFile(path: path)
        do {
            try file.write(bytes)
            return (try file.commit(), file.byteCount)
        } catch {
            file.abandon()
            throw error
        }
    }
}
