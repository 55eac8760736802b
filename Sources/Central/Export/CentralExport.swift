import Exports
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// An export across registers from the centre (docs/central.md, "Export"): the same formats,
/// booking lines and golden rules as the counter's `webkasse export` (Sources/Exports), fed from
/// the centre's typed rows instead of each ledger, and recorded in the centre's own export
/// register (`central_exports`), so that `--new` exports each entry exactly once.
public struct CentralExportRequest: Sendable {
    /// The registers to export; empty = every register at the centre.
    public var registers: [String]
    public var format: ExportFormat
    /// Every closed day, business dates, or what no earlier central export of this format held.
    public var scope: ExportScope
    public var includeOpenDays: Bool
    public var outputPath: String
    public var settings: ExportSettings
    public var timeZone: TimeZone
    public var exportedBy: String

    public init(
        registers: [String], format: ExportFormat, scope: ExportScope, includeOpenDays: Bool = false, outputPath: String,
        settings: ExportSettings, timeZone: TimeZone, exportedBy: String
    ) {
        self.registers = registers
        self.format = format
        self.scope = scope
        self.includeOpenDays = includeOpenDays
        self.outputPath = outputPath
        self.settings = settings
        self.timeZone = timeZone
        self.exportedBy = exportedBy
    }
}

public enum CentralExport {
    public struct Outcome: Sendable {
        public let result: Exporter.Result
        public let registers: [String]
        public let isRepeat: Bool
    }

    struct Plan {
        let register: String
        let converter: LedgerBookingConverter
        let ranges: [ClosedRange<Int64>]
        let recordedAfter: Int64
        let recordedThrough: Int64
        let isRepeat: Bool
        let firstDate: String?
        let lastDate: String?
    }

    /// Writes the export and records it at the centre; nil when `--new` finds nothing new.
    public static func run(_ request: CentralExportRequest, store: CentralStore, now: Date = Date()) throws -> Outcome? {
        let available = try store.registers()
        let registers = request.registers.isEmpty ? available : request.registers.sorted()
        for register in registers where !available.contains(register) {
            throw ExportError.invalidScope(
                "Die Zentrale hat keine Buchungen der Kasse »\(register)«\(available.isEmpty ? "" : " (vorhanden: \(available.joined(separator: ", ")))").")
        }
        guard !registers.isEmpty else { throw ExportError.nothingToExport("Die Zentrale hat noch keine Buchungen; es wurde keine Datei angelegt.") }
        if case .zNumber = request.scope, registers.count != 1 {
            throw ExportError.invalidScope("--z gilt für eine Kasse: bitte --register angeben (vorhanden: \(registers.joined(separator: ", "))).")
        }
        let plans = try registers.map { try plan(register: $0, request: request, store: store) }
        let dates = plans.flatMap { [$0.firstDate, $0.lastDate].compactMap { $0 } }.sorted()
        let from: BookingDate
        let to: BookingDate
        if case .dates(let f, let t) = request.scope {
            (from, to) = (f, t)
        } else if let first = dates.first.flatMap(BookingDate.init(iso:)), let last = dates.last.flatMap(BookingDate.init(iso:)) {
            (from, to) = (first, last)
        } else {
            return try nothing(request)
        }
        let who = registers.count == 1 ? "Kasse " + registers[0] : "\(registers.count) Kassen"
        let context = ExportContext(
            settings: request.settings, from: from, to: to, createdAt: ExportTimestamp(now, timeZone: request.timeZone),
            exportedBy: request.exportedBy, title: who + " " + (from == to ? from.german : from.german + "-" + to.german),
            includesProvisional: request.includeOpenDays)
        var dateFilter: ClosedRange<BookingDate>?
        if case .dates(let f, let t) = request.scope { dateFilter = f...t }
        let source = CentralBookingSource(plans: plans, store: store, dateFilter: dateFilter)
        let result = try Exporter.export(source, format: request.format, context: context, path: request.outputPath)
        if result.totals.recordCount == 0 {
            try? Syscall.unlink(request.outputPath)
            return try nothing(request)
        }
        do {
            try store.recordExport(
                id: UUID().uuidString.lowercased(), format: request.format.rawValue, scope: request.scope.text,
                parts: plans.map { plan in
                    let part = source.parts[plan.register] ?? CentralBookingSource.Part()
                    return CentralStore.ExportPart(
                        register: plan.register, afterSeq: plan.recordedAfter, throughSeq: plan.recordedThrough, recordCount: Int64(part.recordCount),
                        totalCents: part.debitCents, isRepeat: plan.isRepeat)
                }, fileName: absolute(request.outputPath), sha256: result.sha256, exportedBy: request.exportedBy)
        } catch {
            try? Syscall.unlink(request.outputPath)
            throw ExportError.writeFailed(path: request.outputPath, reason: "der Export konnte nicht in der Zentrale vermerkt werden (\(error))")
        }
        return Outcome(result: result, registers: registers, isRepeat: plans.contains { $0.isRepeat })
    }

    private static func nothing(_ request: CentralExportRequest) throws -> Outcome? {
        switch request.scope {
        case .new: return nil
        case .dates(let from, let to):
            throw ExportError.nothingToExport(
                "Vom \(from.german) bis \(to.german) hat die Zentrale keine Buchungen abgeschlossener Tage; es wurde keine Datei angelegt.")
        case .zNumber(let z): throw ExportError.nothingToExport("Der Tagesabschluss Z \(z) enthält keine Buchungen; es wurde keine Datei angelegt.")
        case .closedDays: throw ExportError.nothingToExport("Die Zentrale hat noch keine Buchungen abgeschlossener Tage; es wurde keine Datei angelegt.")
        }
    }

    /// One register's ranges, as ``LedgerExport`` plans them for a ledger.
    static func plan(register: String, request: CentralExportRequest, store: CentralStore) throws -> Plan {
        let closes = try store.dayCloseBoundaries(register: register)
        let lastClose = closes.last?.seq ?? 0
        let head = try store.head(register: register).seq
        let readLimit = request.includeOpenDays ? head : lastClose
        let converter = LedgerBookingConverter(
            register: register, settings: request.settings, closes: closes, operators: try store.operators(register: register))
        let earlier = try store.exportedRanges(register: register, format: request.format.rawValue)
        var ranges: [ClosedRange<Int64>] = []
        switch request.scope {
        case .closedDays:
            if readLimit >= 1 { ranges = [1...readLimit] }
        case .dates(let from, let to):
            if let found = try store.journalRange(register: register, businessDatesFrom: from.iso, to: to.iso), found.lowerBound <= readLimit {
                ranges = [found.lowerBound...min(found.upperBound, readLimit)]
            }
        case .zNumber(let z):
            guard let close = closes.first(where: { $0.zNumber == z }) else {
                throw ExportError.invalidScope("Die Kasse \(register) hat in der Zentrale keinen Tagesabschluss Z \(z).")
            }
            ranges = [(close.afterSeq + 1)...close.seq]
        case .new:
            if lastClose >= 1 { ranges = subtract(earlier, from: 1...lastClose) }
        }
        let closedRanges = ranges.compactMap { r -> ClosedRange<Int64>? in r.lowerBound <= lastClose ? r.lowerBound...min(r.upperBound, lastClose) : nil }
        let recordedAfter = (closedRanges.first?.lowerBound ?? (lastClose + 1)) - 1
        let recordedThrough = closedRanges.last?.upperBound ?? recordedAfter
        let isRepeat = closedRanges.contains { r in earlier.contains { $0.overlaps(r) } }
        var firstDate: String?
        var lastDate: String?
        if let lower = ranges.first?.lowerBound, let upper = ranges.last?.upperBound,
            let found = try store.businessDates(register: register, inJournal: lower...upper)
        {
            (firstDate, lastDate) = found
        }
        return Plan(
            register: register, converter: converter, ranges: ranges, recordedAfter: recordedAfter, recordedThrough: recordedThrough,
            isRepeat: isRepeat, firstDate: firstDate, lastDate: lastDate)
    }

    /// `whole` minus the union of `covered`, as ascending ranges.
    static func subtract(_ covered: [ClosedRange<Int64>], from whole: ClosedRange<Int64>) -> [ClosedRange<Int64>] {
        var result: [ClosedRange<Int64>] = []
        var next = whole.lowerBound
        for range in covered.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.upperBound < next { continue }
            if range.lowerBound > whole.upperBound { break }
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = max(next, range.upperBound + 1)
            if next > whole.upperBound { break }
        }
        if next <= whole.upperBound { result.append(next...whole.upperBound) }
        return result
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// Streams the planned registers' entries from the centre as booking lines (chunks of entries,
/// constant memory), counting per register what the export register records.
final class CentralBookingSource: BookingSource {
    struct Part {
        var recordCount = 0
        var debitCents: Int64 = 0
    }

    let plans: [CentralExport.Plan]
    let store: CentralStore
    let dateFilter: ClosedRange<BookingDate>?
    private(set) var parts: [String: Part] = [:]

    init(plans: [CentralExport.Plan], store: CentralStore, dateFilter: ClosedRange<BookingDate>?) {
        self.plans = plans
        self.store = store
        self.dateFilter = dateFilter
    }

    var expectedCount: Int? { nil }

    /// The entries are read over a second connection on a thread of their own, a chunk or two
    /// ahead of the conversion (``Prefetcher``): the server answers while lines are converted and
    /// written, and a storno's sale is looked up on this store's own connection meanwhile.
    func forEachBooking(_ body: (BookingLine) throws -> Void) throws {
        let reader = CentralStore(connection: try store.run { try store.connection.sibling() })
        let plans = self.plans
        var pending = plans.indices.flatMap { index in plans[index].ranges.map { (plan: index, range: $0) } }[...]
        var lower = pending.first?.range.lowerBound ?? 0
        let chunks = Prefetcher<(plan: Int, entries: [(Int64, BookedEntry)])> {
            while let (plan, range) = pending.first {
                guard lower <= range.upperBound else {
                    pending = pending.dropFirst()
                    lower = pending.first?.range.lowerBound ?? 0
                    continue
                }
                let upper = min(range.upperBound, lower + CentralStore.bookedChunkSize - 1)
                let entries = try reader.bookedEntries(register: plans[plan].register, in: lower...upper)
                lower = upper + 1
                return (plan, entries)
            }
            return nil
        }
        defer { chunks.cancel() }
        var converters = plans.map(\.converter)
        var parts = [Part](repeating: Part(), count: plans.count)
        while let chunk = try chunks.next() {
            let register = plans[chunk.plan].register
            for (seq, entry) in chunk.entries {
                try converters[chunk.plan].forEachLine(seq: seq, entry: entry, original: { try self.store.bookedSale(register: register, id: $0) }) {
                    line in
                    if let dateFilter, !dateFilter.contains(line.businessDate) { return }
                    parts[chunk.plan].recordCount += 1
                    parts[chunk.plan].debitCents += line.amount.magnitude.cents
                    try body(line)
                }
            }
        }
        for (index, plan) in plans.enumerated() { self.parts[plan.register] = parts[index] }
    }
}
