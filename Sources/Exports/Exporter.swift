import KasseCore

/// Runs an export: streams bookings through a format's writer into an output, in constant memory.
public enum Exporter {
    /// The outcome of a written export.
    public struct Result: Equatable, Sendable {
        public let format: ExportFormat
        public let path: String
        public let totals: ExportTotals
        /// SHA-256 of the file's bytes, lower-case hex.
        public let sha256: String
        public let byteCount: Int64
    }

    /// Bytes are handed to the output in chunks of about this size.
    static let flushThreshold = 1 << 16

    /// Writes every booking of `source` in `format` to `output` and returns the totals.
    /// Throws ``ExportError/notBalanced(debit:credit:)`` if the bookings do not balance.
    public static func write(
        _ source: BookingSource, format: ExportFormat, context: ExportContext,
        to output: ExportOutput, progress: ExportProgress? = nil
    ) throws -> ExportTotals {
        var writer = format.makeWriter(context: context)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(flushThreshold + 4096)
        var totals = ExportTotals()
        try writer.begin(into: &buffer)
        try source.forEachBooking { line in
            try writer.write(line, into: &buffer)
            totals.add(line)
            progress?.update(totals.recordCount)
            if buffer.count >= flushThreshold {
                try output.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try writer.finish(into: &buffer)
        try output.write(buffer)
        progress?.finish(totals.recordCount)
        guard totals.isBalanced else {
            throw ExportError.notBalanced(debit: totals.debitTotal.formatted, credit: Money(cents: totals.creditCents).formatted)
        }
        return totals
    }

    /// Writes the export to `path` through a temporary file that is renamed only when complete;
    /// on any error nothing is left under `path`.
    public static func export(
        _ source: BookingSource, format: ExportFormat, context: ExportContext, path: String,
        progress: ExportProgress? = nil
    ) throws -> Result {
        let file = try ExportFile(path: path)
        do {
            let totals = try write(source, format: format, context: context, to: file, progress: progress)
            let digest = try file.commit()
            return Result(format: format, path: path, totals: totals, sha256: digest, byteCount: file.byteCount)
        } catch {
            file.abandon()
            throw error
        }
    }
}
