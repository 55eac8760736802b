import SystemCalls

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Exit statuses shared by every Web-Kasse executable (documented in README.md).
public enum ExitCode: Int32, Sendable {
    /// The command did what was asked.
    case success = 0
    /// A check found problems (tariffs check, verify) or a payment was declined.
    case failure = 1
    /// The command line was wrong.
    case usage = 2
    /// Input data was unusable (malformed file, bad amount, …).
    case dataError = 3
    /// The EC terminal could not be reached or broke the protocol.
    case terminalError = 4
    /// A card payment's outcome is unknown: recovery is needed (see `webkasse zvt repeat-receipt`).
    case outcomeUnknown = 5
    /// The card payment was aborted (by the clerk or at the terminal).
    case aborted = 6
    /// An I/O or internal problem (disk full, read-only ledger, …).
    case ioError = 7
}

/// Writes `message` and a newline to standard error (unbuffered, so it never interleaves badly).
public func printError(_ message: String) {
    try? Syscall.writeAll(2, Array((message + "\n").utf8))
}

/// Ends the process with `code`.
public func exit(_ code: ExitCode) -> Never {
    fflush(nil)
    #if canImport(Glibc)
        Glibc.exit(code.rawValue)
    #else
        Darwin.exit(code.rawValue)
    #endif
}
