import Foundation
import XCTest

@testable import SystemCalls

#if canImport(Glibc)
    import Glibc
#endif

/// Signals the test handler has seen (set from the handler, read by the test thread).
nonisolated(unsafe) private var interruptions = 0

/// Installs a SIGUSR1 handler *without* SA_RESTART, so a blocked call really returns EINTR.
private func installInterruptingHandler() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in interruptions += 1 }
    action.sa_flags = 0
    sigemptyset(&action.sa_mask)
    sigaction(SIGUSR1, &action, nil)
}

/// A thread that runs `body` and can be signalled while it blocks.
private final class SignalledThread: @unchecked Sendable {
    // Safe to share: `thread` is written once before `started` is signalled and only read after.
    private var thread = pthread_t()
    private let started = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        Thread { [self] in
            thread = pthread_self()
            started.signal()
            body()
            finished.signal()
        }.start()
        started.wait()
    }

    func interrupt() { pthread_kill(thread, SIGUSR1) }
}

/// Collects a value from another thread.
private final class Box<Value>: @unchecked Sendable {
    // Safe to share: written by the worker before it signals `finished`, read by the test after.
    var value: Value
    init(_ value: Value) { self.value = value }
}

final class SyscallTests: XCTestCase {
    override class func setUp() { installInterruptingHandler() }

    func testValueOrErrnoRetriesOnlyInterruptedCalls() {
        var calls = 0
        let retried = valueOrErrno(retryOnInterrupt: true) { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        XCTAssertEqual(retried, .success(7))
        XCTAssertEqual(calls, 3)

        calls = 0
        let notRetried = valueOrErrno(retryOnInterrupt: false) { () -> Int32 in
            calls += 1
            errno = EINTR
            return -1
        }
        XCTAssertEqual(notRetried, .failure(.interrupted))
        XCTAssertEqual(calls, 1)

        let other = valueOrErrno(retryOnInterrupt: true) { () -> Int32 in
            errno = ENOENT
            return -1
        }
        XCTAssertEqual(other, .failure(.noSuchFileOrDirectory))
    }

    func testErrnoNamesTheSystemsSentence() {
        XCTAssertEqual(Errno.noSuchFileOrDirectory.message, "No such file or directory")
        XCTAssertEqual(Errno.noSuchFileOrDirectory.description, "No such file or directory (errno 2)")
        XCTAssertEqual(Errno.fileExists.code, .EEXIST)
        XCTAssertThrowsError(try Syscall.open("/nonexistent-\(UUID().uuidString)/x", O_RDONLY)) {
            XCTAssertEqual($0 as? Errno, .noSuchFileOrDirectory)
        }
    }

    /// A read blocked on an empty pipe is interrupted by a signal and goes on waiting for the data.
    func testAReadInterruptedByASignalIsRetried() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer {
            Syscall.close(ends[0])
            Syscall.close(ends[1])
        }
        let readEnd = ends[0]
        let result = Box<Result<[UInt8], Errno>>(.success([]))
        let before = interruptions
        let reader = SignalledThread {
            var buffer = [UInt8](repeating: 0, count: 16)
            do throws(Errno) {
                let count = try Syscall.read(readEnd, into: &buffer)
                result.value = .success(Array(buffer[0..<count]))
            } catch {
                result.value = .failure(error)
            }
        }
        // Interrupt until the handler ran at least once while the reader blocks.
        while interruptions == before {
            reader.interrupt()
            Syscall.sleep(milliseconds: 5)
        }
        try Syscall.writeAll(ends[1], [1, 2, 3])
        reader.finished.wait()
        XCTAssertEqual(try result.value.get(), [1, 2, 3])
    }

    /// A large write into a pipe read slowly, interrupted by signals on the way: the interrupted
    /// and partial writes are continued, every byte arrives once and in order.
    func testWriteAllContinuesPartialAndInterruptedWrites() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { Syscall.close(ends[0]) }
        let writeEnd = ends[1]
        let bytes = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let outcome = Box<Errno?>(nil)
        let writer = SignalledThread {
            do throws(Errno) { try Syscall.writeAll(writeEnd, bytes) } catch { outcome.value = error }
            Syscall.close(writeEnd)
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            writer.interrupt()
            let count = try Syscall.read(ends[0], into: &chunk)
            if count == 0 { break }
            received += chunk[0..<count]
        }
        writer.finished.wait()
        XCTAssertNil(outcome.value)
        XCTAssertEqual(received.count, bytes.count)
        XCTAssertTrue(received == bytes, "bytes arrive in order")
        XCTAssertGreaterThan(interruptions, 0)
    }
}
