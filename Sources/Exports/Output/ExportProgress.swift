import SystemCalls

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A progress bar on standard error, drawn only when standard error is a terminal.
///
///     Export  [##########----------]  50 %  500.000 / 1.000.000 Buchungen
public final class ExportProgress {
    /// The expected number of bookings, if known (may be set after creation).
    public var total: Int?
    private let enabled: Bool
    private var lastDrawNanos: UInt64 = 0
    private var lastShown = -1

    /// Whether the bar is drawn (standard error is a terminal, or forced).
    public var isEnabled: Bool { enabled }

    /// - Parameters:
    ///   - total: the expected number of bookings, if known.
    ///   - enabled: `nil` draws when standard error is a terminal.
    public init(total: Int?, enabled: Bool? = nil) {
        self.total = total
        self.enabled = enabled ?? (isatty(2) == 1)
    }

    /// Called per booking; redraws at most ten times a second.
    @inline(__always) public func update(_ done: Int) {
        guard enabled, done & 1023 == 0 else { return }
        let now = Self.monotonicNanos()
        guard now - lastDrawNanos >= 100_000_000 else { return }
        lastDrawNanos = now
        draw(done)
    }

    /// Draws the final state and ends the line.
    public func finish(_ done: Int) {
        guard enabled else { return }
        draw(done)
        emit("\n")
    }

    /// The bar's text for `done` bookings (without carriage return).
    public static func line(done: Int, total: Int?) -> String {
        guard let total, total > 0 else { return "Export  \(groupThousands(done)) Buchungen" }
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * 20)
        let percent = Int(fraction * 100)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled)
        let percentText = String(repeating: " ", count: 3 - String(percent).count) + String(percent)
        return "Export  [\(bar)] \(percentText) %  \(groupThousands(done)) / \(groupThousands(total)) Buchungen"
    }

    private func draw(_ done: Int) {
        guard done != lastShown else { return }
        lastShown = done
        emit("\r" + Self.line(done: done, total: total))
    }

    private func emit(_ text: String) {
        try? Syscall.writeAll(2, Array(text.utf8))
    }

    static func groupThousands(_ value: Int) -> String {
        var digits = String(value)
        var out = ""
        while digits.count > 3 {
            out = "." + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }

    static func monotonicNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
