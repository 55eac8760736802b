import Exports
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// `webkasse central export --format dsfinvk`: the DSFinV-K of Kassenabschlüsse from the centre
/// (docs/dsfinvk.md, docs/central.md "Export"), built by the counter's ``DSFinVKBuilder`` from the
/// centre's typed rows and its copy of the TSE answers (`tse_transactions`), so that a register's
/// files are those `webkasse export --format dsfinvk` writes on the counter; recorded in the
/// centre's export register.
public struct CentralDSFinVKRequest: Sendable {
    /// Empty: every register at the centre.
    public var registers: [String]
    public var scope: DSFinVKExport.Scope
    public var outputPath: String
    public var master: DSFinVKMasterData
    public var timeZone: TimeZone
    public var exportedBy: String

    public init(
        registers: [String], scope: DSFinVKExport.Scope, outputPath: String, master: DSFinVKMasterData, timeZone: TimeZone, exportedBy: String
    ) {
        self.registers = registers
        self.scope = scope
        self.outputPath = outputPath
        self.master = master
        self.timeZone = timeZone
        self.exportedBy = exportedBy
    }
}

public enum CentralDSFinVKExport {
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
    }

    public static func run(_ request: CentralDSFinVKRequest, store: CentralStore, now: Date = Date()) throws -> Outcome {
        let available = try store.registers()
        let registers = request.registers.isEmpty ? available : request.registers.sorted()
        for register in registers where !available.contains(register) {
            throw ExportError.invalidScope(
                "Die Zentrale hat keine Buchungen der Kasse »\(register)«\(available.isEmpty ? "" : " (vorhanden: \(available.joined(separator: ", ")))").")
        }
        if case .zNumber = request.scope, registers.count != 1 {
            throw ExportError.invalidScope("--z gilt für eine Kasse: bitte --register angeben (vorhanden: \(registers.joined(separator: ", "))).")
        }
        var builder = DSFinVKBuilder(master: request.master, timeZone: request.timeZone)
        var closings: [(register: String, zNumber: Int64, businessDate: String)] = []
        var parts: [CentralStore.ExportPart] = []
        for register in registers {
            let boundaries = try store.dayCloseBoundaries(register: register)
            let selected: [DayCloseBoundary]
            switch request.scope {
            case .zNumber(let z):
                guard let close = boundaries.first(where: { $0.zNumber == z }) else {
                    let last = boundaries.last.map { "der letzte ist Z \($0.zNumber)" } ?? "es gibt noch keinen"
                    throw ExportError.invalidScope("Die Kasse \(register) hat in der Zentrale keinen Tagesabschluss Z \(z) (\(last)).")
                }
                selected = [close]
            case .dates(let from, let to):
                selected = boundaries.filter { $0.businessDate >= from.iso && $0.businessDate <= to.iso }
            case .all:
                selected = boundaries
            }
            guard let first = selected.first, let last = selected.last else { continue }
            let operators = Dictionary(try store.operators(register: register).map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            var closedAt: [Int64: Instant] = [:]
            for boundary in selected {
                let range = (boundary.afterSeq + 1)...boundary.seq
                let events = try store.records(register: register, in: range).map(\.event)
                var close: DayCloseRecord?
                for case .dayClose(let record) in events where record.zNumber == boundary.zNumber { close = record }
                guard let close else {
                    throw ExportError.invalidScope(
                        "Kasse \(register): Der Tagesabschluss Z \(boundary.zNumber) fehlt in der Zentrale; bitte `webkasse central verify` ausführen.")
                }
                closedAt[close.zNumber] = close.closedAt
                // The sales the period's stornos cancel, with the Kassenabschluss that holds them.
                var originals: [String: DSFinVKClosingInput.Original] = [:]
                for case .storno(let storno) in events where originals[storno.saleId] == nil {
                    guard let (seq, sale) = try store.sale(register: register, id: storno.saleId),
                        let holder = boundaries.first(where: { $0.afterSeq < seq && seq <= $0.seq })
                    else { continue }
                    let holderClosedAt: Instant
                    if let known = closedAt[holder.zNumber] {
                        holderClosedAt = known
                    } else if let record = try store.dayClose(register: register, zNumber: holder.zNumber) {
                        holderClosedAt = record.closedAt
                    } else {
                        continue
                    }
                    originals[storno.saleId] = .init(sale: sale, zNumber: holder.zNumber, closedAt: holderClosedAt)
                }
                let input = DSFinVKClosingInput(register: register, close: close, events: events, operators: operators, originals: originals)
                try builder.add(input, tse: DSFinVKTSEData(records: try store.tseTransactions(register: register, in: range)))
                closings.append((register, close.zNumber, close.businessDate))
            }
            let earlier = try store.exportedRanges(register: register, format: DSFinVKExport.formatName)
            parts.append(
                CentralStore.ExportPart(
                    register: register, afterSeq: first.afterSeq, throughSeq: last.seq, recordCount: Int64(builder.transactionCount[register] ?? 0),
                    totalCents: builder.paymentTotal[register] ?? 0, isRepeat: earlier.contains { $0.overlaps((first.afterSeq + 1)...last.seq) }))
        }
        guard !closings.isEmpty else {
            if case .dates(let from, let to) = request.scope {
                throw ExportError.nothingToExport(
                    "Zwischen \(from.german) und \(to.german) hat die Zentrale keinen Tagesabschluss; die DSFinV-K enthält nur abgeschlossene Tage. Es wurde keine Datei angelegt."
                )
            }
            throw ExportError.nothingToExport(
                "Die Zentrale hat noch keinen Tagesabschluss; die DSFinV-K enthält nur abgeschlossene Tage. Es wurde keine Datei angelegt.")
        }
        let (digest, byteCount) = try DSFinVKExport.writeArchive(
            builder, title: "DSFinV-K " + registers.joined(separator: ", "), path: request.outputPath,
            timeZone: request.timeZone, now: now)
        do {
            try store.recordExport(
                id: UUID().uuidString.lowercased(), format: DSFinVKExport.formatName, scope: request.scope.text, parts: parts,
                fileName: CentralExport.absolute(request.outputPath), sha256: digest, exportedBy: request.exportedBy)
        } catch {
            try? Syscall.unlink(request.outputPath)
            throw ExportError.writeFailed(path: request.outputPath, reason: "der Export konnte nicht in der Zentrale vermerkt werden (\(error))")
        }
        return Outcome(
            path: request.outputPath, sha256: digest, byteCount: byteCount, closings: closings,
            transactionCount: builder.transactionCount.values.reduce(0, +), payments: Money(cents: builder.paymentTotal.values.reduce(0, +)),
            isRepeat: parts.contains { $0.isRepeat })
    }
}
