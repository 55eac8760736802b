import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Monotonic nanoseconds.
func nowNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Runs `body` and returns its duration in nanoseconds.
func timed(_ body: () throws -> Void) rethrows -> UInt64 {
    let start = nowNanoseconds()
    try body()
    return nowNanoseconds() - start
}

/// Latency samples in nanoseconds with percentiles.
struct Samples {
    private(set) var values: [UInt64] = []
    mutating func add(_ ns: UInt64) { values.append(ns) }
    var count: Int { values.count }
    func percentile(_ p: Double) -> UInt64 {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded(.up))
        return sorted[min(rank, sorted.count - 1)]
    }
    var total: UInt64 { values.reduce(0, +) }
}

/// Peak resident set size of this process in kB (VmHWM from /proc/self/status).
func peakRSSKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.dropFirst(6).filter(\.isNumber)) ?? 0
    }
    return 0
}

/// One printed figure: `name value unit`.
struct Figure {
    let name: String
    let value: Double
    let unit: String
}

/// Collects figures, prints them as lines or as one JSON object per scenario.
final class Report {
    let json: Bool
    private var figures: [(scenario: String, figure: Figure)] = []
    private var notes: [String: [String]] = [:]

    init(json: Bool) { self.json = json }

    func add(_ scenario: String, _ name: String, _ value: Double, _ unit: String) {
        figures.append((scenario, Figure(name: name, value: value, unit: unit)))
        if !json { print("\(scenario).\(name) \(format(value)) \(unit)") }
    }

    func note(_ scenario: String, _ text: String) {
        notes[scenario, default: []].append(text)
        if !json { print("# \(scenario): \(text)") }
    }

    func finish(_ scenario: String) {
        guard json else { return }
        let rows = figures.filter { $0.scenario == scenario }.map {
            "\"\($0.figure.name)\": {\"value\": \(format($0.figure.value)), \"unit\": \"\($0.figure.unit)\"}"
        }
        let noteList = (notes[scenario] ?? []).map { "\"" + $0.replacingOccurrences(of: "\"", with: "'") + "\"" }
        print("{\"scenario\": \"\(scenario)\", \"figures\": {\(rows.joined(separator: ", "))}, \"notes\": [\(noteList.joined(separator: ", "))]}")
    }

    private func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

/// Reads the files at `paths` once from start to end, so that what is measured next finds them
/// in the operating system's file cache, as a counter finds the ledger it has been booking into
/// all day. (Some virtual machines hand cached file pages back to their host within a minute, so
/// a ledger generated for a benchmark would otherwise be read from the disk, page by page.)
func readIntoFileCache(_ paths: [String]) {
    for path in paths {
        guard let handle = FileHandle(forReadingAtPath: path) else { continue }
        defer { try? handle.close() }
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {}
    }
}

/// Writes dirty pages out and empties the operating system's file cache (Linux, root only);
/// false when that is not allowed here.
func emptyFileCache() -> Bool {
    sync()
    guard let handle = FileHandle(forWritingAtPath: "/proc/sys/vm/drop_caches") else { return false }
    defer { try? handle.close() }
    return (try? handle.write(contentsOf: Data("1\n".utf8))) != nil
}
