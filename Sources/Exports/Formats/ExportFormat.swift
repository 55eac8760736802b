import Foundation
import KasseCore

/// The four export formats for the treasury.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// DATEV EXTF Buchungsstapel (format 700, category 21), Windows-1252, CRLF.
    case datev
    /// Semicolon CSV for municipal finance systems, UTF-8 with BOM, decimal comma.
    case csv
    /// Plain-text accounting journal that hledger and ledger read.
    case journal
    /// JSON Lines, one object per booking.
    case jsonl

    public var germanName: String {
        switch self {
        case .datev: return "DATEV"
        case .csv: return "CSV"
        case .journal: return "Journal"
        case .jsonl: return "JSON Lines"
        }
    }

    /// A suggested file name extension.
    public var fileExtension: String {
        switch self {
        case .datev, .csv: return "csv"
        case .journal: return "journal"
        case .jsonl: return "jsonl"
        }
    }
}

/// A point in local time with milliseconds, as export headers write it.
public struct ExportTimestamp: Equatable, Sendable {
    public let year, month, day, hour, minute, second, millisecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond) =
            (year, month, day, hour, minute, second, millisecond)
    }

    /// `date` in `timeZone` (the office's local time, Europe/Berlin by default).
    public init(_ date: Date, timeZone: TimeZone = BusinessCalendar.defaultTimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        self.init(
            year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, second: c.second!,
            millisecond: (c.nanosecond ?? 0) / 1_000_000)
    }

    /// DATEV `YYYYMMDDHHMMSSmmm`.
    public var datev: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(hour, 2) + pad(minute, 2) + pad(second, 2) + pad(millisecond, 3)
    }

    /// `2026-11-27T18:30:00`
    public var iso: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) }
}

/// What every writer needs to know about the run.
public struct ExportContext: Sendable {
    public var settings: ExportSettings
    /// The business-date range the export covers (headers, DATEV Datum vom/bis).
    public var from: BookingDate
    public var to: BookingDate
    public var createdAt: ExportTimestamp
    /// Who ran the export (DATEV "Exportiert von").
    public var exportedBy: String
    /// A short title (DATEV "Bezeichnung", ≤ 30 characters).
    public var title: String
    /// Open days are included: their bookings are provisional.
    public var includesProvisional: Bool

    public init(
        settings: ExportSettings = ExportSettings(), from: BookingDate, to: BookingDate, createdAt: ExportTimestamp,
        exportedBy: String = "webkasse", title: String = "Web-Kasse", includesProvisional: Bool = false
    ) {
        self.settings = settings
        self.from = from
        self.to = to
        self.createdAt = createdAt
        self.exportedBy = exportedBy
        self.title = title
        self.includesProvisional = includesProvisional
    }
}

/// A streaming writer of one format: bytes for the start, each booking, and the end.
///
/// Writers append to a buffer the exporter flushes; they keep only bounded state (e.g. the CSV
/// summary per account × payment method × day), never the bookings themselves.
public protocol BookingWriter {
    mutating func begin(into out: inout [UInt8]) throws
    mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws
    mutating func finish(into out: inout [UInt8]) throws
}

extension ExportFormat {
    /// A fresh writer of this format for `context`.
    public func makeWriter(context: ExportContext) -> any BookingWriter {
        switch self {
        case .datev: return DATEVWriter(context: context)
        case .csv: return MunicipalCSVWriter(context: context)
        case .journal: return JournalWriter(context: context)
        case .jsonl: return JSONLinesWriter(context: context)
        }
    }
}
