import Exports
import Foundation
import KasseCore
import Ledger

/// `export`: 1,000,000 booking lines (100,000 with `--quick`) through each export format into a
/// real file (temporary file, SHA-256, rename), with the peak RSS before and after.
/// Baseline in the same run: writing the same number of bytes in 64 KiB chunks to a file.
enum ExportBench {
    /// A deterministic day of Führungszeugnis sales: two shares each, alternating cash and card.
    struct SyntheticBookings: BookingSource {
        let count: Int
        let date = BookingDate(year: 2026, month: 11, day: 26)!
        var expectedCount: Int? { count }

        func forEachBooking(_ body: (BookingLine) throws -> Void) throws {
            for i in 0..<count {
                let sale = i / 2
                let own = i % 2 == 0
                let method: PaymentMethod = sale % 2 == 0 ? .cash : .card
                try body(BookingLine(
                    sequence: Int64(sale + 1), kind: .sale, businessDate: date, register: "K1", zNumber: 1,
                    receiptNumber: "K1-" + String(sale + 1), saleID: "sale-" + String(sale + 1), lineNumber: 1, shareNumber: own ? 1 : 2,
                    itemCode: "FZ", text: own ? "Führungszeugnis (Anteil Gemeinde)" : "Führungszeugnis (Anteil Bundeskasse)",
                    account: own ? "431100" : "376100", product: own ? "1220101" : "", costCenter: "33100",
                    amount: Money(cents: own ? 520 : 780), paymentMethod: method, paymentAccount: method == .cash ? "181000" : "182100",
                    operatorName: "Anna Amt", passThrough: !own))
            }
        }
    }

    static func run(report: Report, quick: Bool) throws {
        let count = quick ? 100_000 : 1_000_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-bench-export-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let date = BookingDate(year: 2026, month: 11, day: 26)!
        let context = ExportContext(from: date, to: date, createdAt: ExportTimestamp(year: 2026, month: 11, day: 26, hour: 18, minute: 0, second: 0))
        report.add("export", "bookings", Double(count), "lines")
        let rssBefore = peakRSSKilobytes()
        var largest: Int64 = 0
        for format in ExportFormat.allCases {
            let path = directory + "/export." + format.rawValue
            var result: Exporter.Result?
            let ns = try timed { result = try Exporter.export(SyntheticBookings(count: count), format: format, context: context, path: path) }
            guard let result, result.totals.recordCount == count, result.totals.isBalanced else {
                throw ExportError.invalidScope("export bench: \(format.rawValue) did not write \(count) balanced lines")
            }
            largest = max(largest, result.byteCount)
            report.add("export", "\(format.rawValue)_seconds", Double(ns) / 1e9, "s")
            report.add("export", "\(format.rawValue)_rate", Double(count) / (Double(ns) / 1e9), "lines/s")
            report.add("export", "\(format.rawValue)_bytes", Double(result.byteCount), "bytes")
            try? FileManager.default.removeItem(atPath: path)
        }
        // Baseline: the same amount of bytes as the largest export, written raw.
        let chunk = [UInt8](repeating: 0x41, count: 1 << 16)
        let baselineNs = try timed {
            let file = try ExportFile(path: directory + "/baseline")
            var written: Int64 = 0
            while written < largest { try file.write(chunk); written += Int64(chunk.count) }
            _ = try file.commit()
        }
        report.add("export", "baseline_raw_write_seconds", Double(baselineNs) / 1e9, "s")
        report.add("export", "peak_rss_before", Double(rssBefore), "kB")
        report.add("export", "peak_rss_after", Double(peakRSSKilobytes()), "kB")
        report.note("export", "goal: peak RSS independent of the number of bookings (streaming); baseline = raw 64 KiB writes of the largest export's size")
        report.finish("export")
    }
}
