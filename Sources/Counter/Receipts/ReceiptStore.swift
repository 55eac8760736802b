import Foundation
import KasseCore
import Ledger
import SystemCalls

/// A receipt after booking: where its file is and whether the printer got it.
public struct DeliveredReceipt: Sendable {
    public let number: Int64
    public let text: String
    /// The file written for this receipt (`nil` for reprints, which only go to the printer).
    public let file: String?
    /// Why the file could not be written, if it could not (the booking stands).
    public let fileProblem: String?
}

/// One file per receipt: `<register dir>/receipts/000123.txt`, written atomically after the
/// booking. Missing files (e.g. after a crash right after booking) are written again at start.
public struct ReceiptStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func path(of number: Int64) -> String {
        let digits = String(number)
        return directory + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".txt"
    }

    public func exists(_ number: Int64) -> Bool { FileManager.default.fileExists(atPath: path(of: number)) }

    /// Writes `text` as the file of receipt `number` (temporary file, then rename).
    public func write(_ text: String, number: Int64) throws {
        let final = path(of: number)
        let temporary = final + ".tmp"
        // Plain write without fsync: the booking is already durable in the ledger, and a receipt
        // file lost to a power cut is written again from the ledger at the next start
        // (`CounterService.rewriteMissingReceiptFiles`). Foundation's createFile would fsync.
        let bytes = Array(text.utf8)
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        do {
            let fd: Int32
            do {
                fd = try Syscall.open(temporary, flags, permissions: 0o600)
            } catch .noSuchFileOrDirectory {
                // The directory is created (0700) on first use, not checked before every receipt.
                try DataDirectory.createDirectory(directory)
                fd = try Syscall.open(temporary, flags, permissions: 0o600)
            }
            do {
                defer { Syscall.close(fd) }
                try Syscall.writeAll(fd, bytes)
            } catch {
                try? Syscall.unlink(temporary)
                throw error
            }
            do { try Syscall.rename(temporary, to: final) } catch {
                try? Syscall.unlink(temporary)
                throw error
            }
        } catch let error as Errno {
            throw POSIXError(error.code)
        }
    }

    /// Which receipts of `range` have a file, from one read of the directory (no `stat` per
    /// receipt: a day with 100,000 receipts is checked in milliseconds at start).
    public func numbersWithFiles(in range: ClosedRange<Int64>) -> Set<Int64> {
        var found = Set<Int64>()
        guard let dir = opendir(directory) else { return found }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let number: Int64? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                // "000123.txt": digits, then exactly ".txt".
                var value: Int64 = 0
                var index = 0
                while index < raw.count, raw[index] >= 0x30, raw[index] <= 0x39, index < 18 {
                    value = value * 10 + Int64(raw[index] - 0x30)
                    index += 1
                }
                guard index >= 6, index + 4 < raw.count, raw[index] == 0x2E, raw[index + 1] == 0x74, raw[index + 2] == 0x78,
                    raw[index + 3] == 0x74, raw[index + 4] == 0
                else { return nil }
                return value
            }
            if let number, range.contains(number) { found.insert(number) }
        }
        return found
    }

    /// Whether the file of `number` is missing or empty (a crash before its data reached the disk).
    public func needsRewrite(_ number: Int64) -> Bool {
        var info = stat()
        return stat(path(of: number), &info) != 0 || info.st_size == 0
    }

    public func read(_ number: Int64) -> String? {
        FileManager.default.contents(atPath: path(of: number)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Sends receipt text somewhere (a printer). Must never block the counter for long.
public protocol ReceiptPrinter: AnyObject, Sendable {
    func send(_ text: String, receiptNumber: Int64)
    /// A booked receipt (`copy`: a reprint marked »Kopie«).
    func print(receipt text: String, number: Int64, copy: Bool)
    /// A booked receipt with its TSE block (``ReceiptFiscalBlock``), rendered into `text`: an
    /// ESC/POS printer prints the block's QR code natively; others print the text as it is.
    func print(receipt text: String, number: Int64, copy: Bool, fiscal: ReceiptFiscalBlock?)
    /// A report (Z, X, the terminal's End-of-Day receipt); `number` is the Z number, 0 for others.
    func printReport(_ text: String, number: Int64)
    /// Opens the cash drawer plugged into the printer (docs/printer.md, "Drawer").
    func openDrawer()
}

extension ReceiptPrinter {
    public func print(receipt text: String, number: Int64, copy: Bool) { send(text, receiptNumber: number) }
    public func print(receipt text: String, number: Int64, copy: Bool, fiscal: ReceiptFiscalBlock?) {
        print(receipt: text, number: number, copy: copy)
    }
    public func printReport(_ text: String, number: Int64) { send(text, receiptNumber: number) }
    /// A printer without a drawer port (a command, a file) opens none.
    public func openDrawer() {}
}

/// Pipes each receipt into a shell command configured by the office (e.g. `lp -d bon`), in the
/// background. Failures are collected in ``problems``; the booking is never affected.
// @unchecked Sendable: `failures` is only touched under `lock`; the print jobs run one at a time on `queue`; the rest is constant.
public final class CommandPrinter: ReceiptPrinter, @unchecked Sendable {
    public let command: String
    private let lock = NSLock()
    private var failures: [String] = []
    private let group = DispatchGroup()
    private let queue = DispatchQueue(label: "webkasse.printer")
    /// A print job taking longer than this is killed and reported.
    public let timeoutSeconds: Double

    public init(command: String, timeoutSeconds: Double = 30) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    /// Failures so far (German sentences), and clears them.
    public func takeProblems() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let out = failures
        failures.removeAll()
        return out
    }

    /// Waits until every job sent so far has finished (tests, and before the program exits).
    public func waitUntilIdle() { group.wait() }

    private func fail(_ message: String) {
        lock.lock()
        failures.append(message)
        lock.unlock()
    }

    public func send(_ text: String, receiptNumber: Int64) {
        group.enter()
        queue.async { [self] in
            defer { group.leave() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                fail("Beleg \(receiptNumber): der Druckbefehl »\(command)« lässt sich nicht starten (\(error.localizedDescription)). Bitte nachdrucken.")
                return
            }
            let handle = input.fileHandleForWriting
            // A printer command that does not read must not block us: ignore SIGPIPE/EPIPE.
            signal(SIGPIPE, SIG_IGN)
            try? handle.write(contentsOf: Data(text.utf8))
            try? handle.close()
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                fail("Beleg \(receiptNumber): der Druckbefehl »\(command)« antwortet nicht und wurde abgebrochen. Bitte nachdrucken.")
                return
            }
            process.waitUntilExit()
            if process.terminationStatus != 0 {
                fail("Beleg \(receiptNumber): der Druckbefehl »\(command)« ist mit Status \(process.terminationStatus) gescheitert. Bitte nachdrucken.")
            }
        }
    }
}
