import Foundation
import KasseCore
import Ledger
import SystemCalls

/// Which bookings an export takes from the ledger.
public enum ExportScope: Equatable, Sendable {
    /// Every closed day (the default).
    case closedDays
    /// Business dates `from … to` (closed days; open ones only with `includeOpenDays`).
    case dates(from: BookingDate, to: BookingDate)
    /// The period of one day close (Z number) of one register.
    case zNumber(Int64)
    /// Exactly the closed-day bookings no earlier export of this format contained.
    case new

    /// What the export log records: `alle`, `2026-11-26..2026-11-27`, `Z 12`, `neu`.
    public var text: String {
        switch self {
        case .closedDays: return "alle"
        case .dates(let from, let to): return from.iso + ".." + to.iso
        case .zNumber(let z): return "Z \(z)"
        case .new: return "neu"
        }
    }
}

/// An export from the registers' ledgers in a data directory, recorded in each ledger.
public struct LedgerExportRequest: Sendable {
    public var dataDirectory: String
    /// The registers to export; empty = every register in the data directory.
    public var registers: [String]
    public var format: ExportFormat
    public var scope: ExportScope
    /// Include bookings of days not yet closed (marked provisional; never counted as exported).
    public var includeOpenDays: Bool
    public var outputPath: String
    public var settings: ExportSettings
    public var timeZone: TimeZone
    public var exportedBy: String

    public init(
        dataDirectory: String, registers: [String], format: ExportFormat, scope: ExportScope, includeOpenDays: Bool,
        outputPath: String, settings: ExportSettings, timeZone: TimeZone, exportedBy: String
    ) {
        self.dataDirectory = dataDirectory
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

/// Runs a ``LedgerExportRequest``.
public enum LedgerExport {
    /// What a run did.
    public struct Outcome: Sendable {
        public let result: Exporter.Result
        /// The registers read and the runs recorded in their ledgers (same order).
        public let registers: [String]
        public let records: [ExportRecord]
        /// The range (or part of it) had been exported in this format before.
        public let isRepeat: Bool
    }

    /// One register's part of the export.
    struct Plan {
        let register: String
        let ledger: Ledger
        let converter: LedgerBookingConverter
        /// Journal ranges to read, ascending.
        let ranges: [ClosedRange<Int64>]
        /// The closed part of what is read: recorded as exported.
        let recordedAfter: Int64
        let recordedThrough: Int64
        let isRepeat: Bool
        let firstDate: String?
        let lastDate: String?
    }

    /// Writes the export and records it. Returns `nil` when there is nothing to export (no file
    /// is written then); `--new` treats that as normal, other scopes as ``ExportError/nothingToExport(_:)``.
    public static func run(_ request: LedgerExportRequest, now: Date = Date(), progress: ExportProgress? = nil) throws -> Outcome? {
        // Training ledgers (`webkasse run --training`) never reach the treasury.
        guard !DataDirectory.isTrainingData(request.dataDirectory) else {
            throw ExportError.invalidScope(
                "\(request.dataDirectory) enthält Schulungsdaten (webkasse run --training): sie werden nie an die Stadtkasse exportiert.")
        }
        let registers = try resolveRegisters(data: request.dataDirectory, requested: request.registers)
        if case .zNumber = request.scope, registers.count != 1 {
            throw ExportError.invalidScope("--z gilt für eine Kasse: bitte --register angeben (vorhanden: \(registers.joined(separator: ", "))).")
        }
        var plans: [Plan] = []
        for register in registers { plans.append(try plan(register: register, request: request)) }

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

        let context = ExportContext(
            settings: request.settings, from: from, to: to, createdAt: ExportTimestamp(now, timeZone: request.timeZone),
            exportedBy: request.exportedBy, title: title(registers: registers, from: from, to: to),
            includesProvisional: request.includeOpenDays)
        let source = PlannedSource(
            plans: plans,
            dateFilter: { () -> ClosedRange<BookingDate>? in
                if case .dates(let f, let t) = request.scope { return f...t }
                return nil
            }())

        // The estimate costs a count over the ranges: only for a bar that is drawn.
        if let progress, progress.isEnabled {
            var estimate: Int64 = 0
            for plan in plans {
                for range in plan.ranges { estimate += try plan.ledger.bookingLineEstimate(inJournal: range) }
            }
            progress.total = Int(estimate)
        }
        let file = try ExportFile(path: request.outputPath)
        let totals: ExportTotals
        let digest: String
        do {
            totals = try Exporter.write(source, format: request.format, context: context, to: file, progress: progress)
            if totals.recordCount == 0 {
                file.abandon()
                return try nothing(request)
            }
            digest = try file.commit()
        } catch {
            file.abandon()
            throw error
        }

        // Record the run in every ledger it read; if that fails, take the file back.
        var records: [ExportRecord] = []
        do {
            for plan in plans {
                let part = source.partsByRegister[plan.register] ?? PlannedSource.Part()
                let record = ExportRecord(
                    id: UUID().uuidString.lowercased(), format: request.format.rawValue, scope: request.scope.text,
                    afterSeq: plan.recordedAfter, throughSeq: plan.recordedThrough, fileName: absolute(request.outputPath),
                    recordCount: Int64(part.recordCount), total: Money(cents: part.debitCents), fileSHA256: digest, isRepeat: plan.isRepeat,
                    operatorId: nil, at: Instant(now))
                // A fresh connection: the reading one may still hold its snapshot (an unfinished cached
                // statement), which would make the write fail if the counter booked meanwhile.
                let writer = try Ledger(data: request.dataDirectory, register: plan.register)
                try writer.transaction { _ = try writer.append(.export(record), at: Instant(now)) }
                records.append(record)
            }
        } catch {
            try? Syscall.unlink(request.outputPath)
            throw ExportError.writeFailed(path: request.outputPath, reason: "der Export konnte nicht im Kassenbuch vermerkt werden (\(error))")
        }
        let result = Exporter.Result(format: request.format, path: request.outputPath, totals: totals, sha256: digest, byteCount: file.byteCount)
        return Outcome(result: result, registers: plans.map(\.register), records: records, isRepeat: plans.contains { $0.isRepeat })
    }

    private static func nothing(_ request: LedgerExportRequest) throws -> Outcome? {
        switch request.scope {
        case .new: return nil
        case .closedDays:
            throw ExportError.nothingToExport(
                "Es gibt noch keine Buchungen abgeschlossener Tage\(request.includeOpenDays ? "" : " (offene Tage nur mit --open-days)"); es wurde keine Datei angelegt."
            )
        case .dates(let from, let to):
            throw ExportError.nothingToExport(
                "Vom \(from.german) bis \(to.german) gibt es keine Buchungen\(request.includeOpenDays ? "" : " abgeschlossener Tage (offene Tage nur mit --open-days)"); es wurde keine Datei angelegt."
            )
        case .zNumber(let z):
            throw ExportError.nothingToExport("Der Tagesabschluss Z \(z) enthält keine Buchungen; es wurde keine Datei angelegt.")
        }
    }

    /// The registers of `requested` (all of the data directory when empty) that have a ledger there.
    static func resolveRegisters(data: String, requested: [String]) throws -> [String] {
        let available = DataDirectory.registers(in: data)
            .filter { FileManager.default.fileExists(atPath: DataDirectory.ledgerPath(data: data, register: $0)) }
        if requested.isEmpty {
            guard !available.isEmpty else {
                throw ExportError.invalidScope(
                    "Im Datenverzeichnis \(data) gibt es kein Kassenbuch (…/KASSE/\(DataDirectory.ledgerFileName)); bitte --data prüfen.")
            }
            return available.sorted()
        }
        for register in requested where !available.contains(register) {
            throw ExportError.invalidScope(
                "Für die Kasse »\(register)« gibt es kein Kassenbuch in \(data)\(available.isEmpty ? "" : " (vorhanden: \(available.sorted().joined(separator: ", ")))")."
            )
        }
        return requested
    }

    static func plan(register: String, request: LedgerExportRequest) throws -> Plan {
        let ledger = try Ledger(data: request.dataDirectory, register: register)
        let closes = try ledger.dayCloseBoundaries()
        let lastClose = closes.last?.seq ?? 0
        let head = try ledger.chainHead().seq
        let readLimit = request.includeOpenDays ? head : lastClose
        let converter = LedgerBookingConverter(
            register: register, settings: request.settings, closes: closes,
            operators: try ledger.operators())
        // Journal ranges earlier runs of this format exported (each run: after … through].
        let earlier: [ClosedRange<Int64>] = try ledger.exportRuns()
            .filter { $0.format == request.format.rawValue && $0.throughSeq > $0.afterSeq }
            .map { ($0.afterSeq + 1)...$0.throughSeq }

        var ranges: [ClosedRange<Int64>] = []
        switch request.scope {
        case .closedDays:
            if readLimit >= 1 { ranges = [1...readLimit] }
        case .dates(let from, let to):
            if let found = try ledger.journalRange(businessDatesFrom: from.iso, to: to.iso), found.lowerBound <= readLimit {
                ranges = [found.lowerBound...min(found.upperBound, readLimit)]
            }
        case .zNumber(let z):
            guard let close = closes.first(where: { $0.zNumber == z }) else {
                let last = closes.last.map { "der letzte ist Z \($0.zNumber)" } ?? "es gibt noch keinen"
                throw ExportError.invalidScope("Die Kasse \(register) hat keinen Tagesabschluss Z \(z) (\(last)).")
            }
            ranges = [(close.afterSeq + 1)...close.seq]
        case .new:
            if lastClose >= 1 { ranges = subtract(earlier, from: 1...lastClose) }
        }

        // What this run counts as exported: the closed part of what it reads.
        let closedRanges = ranges.compactMap { r -> ClosedRange<Int64>? in
            r.lowerBound <= lastClose ? r.lowerBound...min(r.upperBound, lastClose) : nil
        }
        let recordedAfter = (closedRanges.first?.lowerBound ?? (lastClose + 1)) - 1
        let recordedThrough = closedRanges.last?.upperBound ?? recordedAfter
        let isRepeat = closedRanges.contains { r in earlier.contains { $0.overlaps(r) } }

        var firstDate: String?
        var lastDate: String?
        if let lower = ranges.first?.lowerBound, let upper = ranges.last?.upperBound,
            let found = try ledger.businessDates(inJournal: lower...upper)
        {
            (firstDate, lastDate) = (found.first, found.last)
        }
        return Plan(
            register: register, ledger: ledger, converter: converter, ranges: ranges, recordedAfter: recordedAfter,
            recordedThrough: recordedThrough, isRepeat: isRepeat, firstDate: firstDate, lastDate: lastDate)
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

    static func title(registers: [String], from: BookingDate, to: BookingDate) -> String {
        let who = registers.count == 1 ? "Kasse " + registers[0] : "\(registers.count) Kassen"
        return who + " " + (from == to ? from.german : from.german + "-" + to.german)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// Streams the planned registers' ledgers as booking lines, counting per register what the
/// export log records (lines and debit total).
final class PlannedSource: BookingSource {
    /// One register's share of the export.
    struct Part {
        var recordCount = 0
        var debitCents: Int64 = 0
    }

    let plans: [LedgerExport.Plan]
    let dateFilter: ClosedRange<BookingDate>?
    private(set) var partsByRegister: [String: Part] = [:]

    init(plans: [LedgerExport.Plan], dateFilter: ClosedRange<BookingDate>?) {
        self.plans = plans
        self.dateFilter = dateFilter
    }

    var expectedCount: Int? { nil }

    func forEachBooking(_ body: (BookingLine) throws -> Void) throws {
        for plan in plans {
            var converter = plan.converter
            var part = Part()
            let ledger = plan.ledger
            for range in plan.ranges {
                try ledger.forEachBookedEntry(in: range) { seq, entry in
                    try converter.forEachLine(seq: seq, entry: entry, original: { try ledger.bookedSale(id: $0) }) { line in
                        if let dateFilter, !dateFilter.contains(line.businessDate) { return }
                        part.recordCount += 1
                        part.debitCents += line.amount.magnitude.cents
                        try body(line)
                    }
                }
            }
            partsByRegister[plan.register] = part
        }
    }
}
