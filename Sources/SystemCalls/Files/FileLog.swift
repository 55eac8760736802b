import Foundation

/// The program's log: a file in the data directory (`<data>/webkasse.log`), rotated by size,
/// never the terminal (the counter screen owns it).
///
/// Defence in depth: every line is scrubbed of long digit runs (anything that could be a card
/// number) before it is written; callers must still never pass a PIN or card data.
// @unchecked Sendable: the properties are constants and each line is written (and the files rotated) under `lock`.
public final class FileLog: @unchecked Sendable {
    public enum Level: String, Sendable {
        case info = "INFO"
        case warning = "WARN"
        case error = "ERROR"
    }

    public let path: String
    public let maximumBytes: Int
    public let keptFiles: Int
    private let now: @Sendable () -> Date
    private let lock = NSLock()

    /// The log of the data directory `data`: `webkasse.log`, rotated at `maximumBytes` into
    /// `webkasse.log.1` … `.N` (the oldest is dropped).
    public init(
        data: String, name: String = "webkasse.log", maximumBytes: Int = 1_000_000, keptFiles: Int = 5, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.path = data + "/" + name
        self.maximumBytes = maximumBytes
        self.keptFiles = max(1, keptFiles)
        self.now = now
    }

    public func info(_ message: String) { write(.info, message) }
    public func warning(_ message: String) { write(.warning, message) }
    public func error(_ message: String) { write(.error, message) }

    /// Appends one line. Failures to log are ignored: logging must never stop a booking.
    public func write(_ level: Level, _ message: String) {
        let line = "\(Self.timestamp(now())) \(level.rawValue) \(Self.scrub(message).replacingOccurrences(of: "\n", with: " | "))\n"
        lock.lock()
        defer { lock.unlock() }
        rotateIfNeeded(adding: line.utf8.count)
        guard let fd = try? Syscall.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, permissions: FileSecurity.mode(directory: false)) else { return }
        defer { Syscall.close(fd) }
        try? Syscall.writeAll(fd, Array(line.utf8))
    }

    private func rotateIfNeeded(adding count: Int) {
        guard let info = try? Syscall.status(path), Int(info.st_size) + count > maximumBytes else { return }
        try? Syscall.unlink(path + ".\(keptFiles)")
        if keptFiles > 1 {
            for index in stride(from: keptFiles - 1, through: 1, by: -1) { try? Syscall.rename(path + ".\(index)", to: path + ".\(index + 1)") }
        }
        try? Syscall.rename(path, to: path + ".1")
    }

    /// Replaces every run of 12 or more digits (spaces and dashes between them allowed) by `[…]`.
    public static func scrub(_ text: String) -> String {
        var out = ""
        var run = ""
        var digits = 0
        func flush() {
            if digits >= 12 {
                let trailing = run.reversed().prefix { $0 == " " || $0 == "-" }
                out += "[…]" + String(trailing.reversed())
            } else {
                out += run
            }
            run = ""
            digits = 0
        }
        for ch in text {
            if ch.isASCII && ch.isNumber {
                run.append(ch)
                digits += 1
            } else if (ch == " " || ch == "-") && digits > 0 {
                run.append(ch)
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
