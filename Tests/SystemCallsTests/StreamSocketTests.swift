import Foundation
import XCTest

@testable import SystemCalls

#if canImport(Glibc)
    import Glibc
#endif

final class StreamSocketTests: XCTestCase {
    /// A listener on a free loopback port, a client connected to it and the accepted end.
    private func connectedPair() throws -> (listener: StreamSocket, client: StreamSocket, server: StreamSocket) {
        let listener = try StreamSocket.listen(host: "127.0.0.1", port: 0)
        let client = try StreamSocket.connect(host: "127.0.0.1", port: listener.localPort, timeoutMs: 2_000)
        let server = try XCTUnwrap(try listener.accept(timeoutMs: 2_000))
        return (listener, client, server)
    }

    func testConnectToAClosedPortIsRefusedWithItsAddress() throws {
        let listener = try StreamSocket.listen(host: "127.0.0.1", port: 0)
        let port = listener.localPort
        listener.close()
        XCTAssertThrowsError(try StreamSocket.connect(host: "127.0.0.1", port: port, timeoutMs: 2_000)) {
            XCTAssertEqual($0 as? SocketError, .failed(call: "connect 127.0.0.1:\(port)", code: .connectionRefused))
            XCTAssertEqual("\($0)", "Netzwerkfehler bei connect 127.0.0.1:\(port): \(Errno.connectionRefused).")
        }
    }

    /// A listener whose backlog is full drops further SYNs, so a connect waits: it gives up after
    /// the time allowed instead of the system's minutes.
    func testConnectGivesUpAfterItsTimeout() throws {
        let listener = try StreamSocket.listen(host: "127.0.0.1", port: 0, backlog: 0)
        var waiting: [StreamSocket] = []
        var timedOut = false
        for _ in 0..<16 {
            do {
                waiting.append(try StreamSocket.connect(host: "127.0.0.1", port: listener.localPort, timeoutMs: 100))
            } catch SocketError.connectTimedOut(let address) {
                XCTAssertEqual(address, "127.0.0.1:\(listener.localPort)")
                timedOut = true
                break
            }
        }
        XCTAssertTrue(timedOut, "a connect to a full backlog timed out")
        XCTAssertFalse(waiting.isEmpty, "the backlog took at least one connection")
    }

    func testAnUnknownHostIsNamed() {
        XCTAssertThrowsError(try StreamSocket.connect(host: "kein-solcher-rechner.invalid", port: 20007, timeoutMs: 500)) {
            XCTAssertEqual($0 as? SocketError, .cannotResolve(host: "kein-solcher-rechner.invalid"))
        }
    }

    func testReadWaitsUntilItsDeadlineThenDeliversBytesThenTheEnd() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close() }
        var buffer: [UInt8] = []
        XCTAssertEqual(try server.read(appendingTo: &buffer, timeoutMs: 20), .timedOut)
        XCTAssertEqual(try server.read(appendingTo: &buffer, timeoutMs: 0), .timedOut)
        try client.write([0x06, 0x00, 0x00])
        XCTAssertEqual(try server.read(appendingTo: &buffer, timeoutMs: 2_000), .bytes(3))
        XCTAssertEqual(buffer, [0x06, 0x00, 0x00])
        client.close()
        XCTAssertEqual(try server.read(appendingTo: &buffer, timeoutMs: 2_000), .closed)
        server.close()
        XCTAssertEqual(try server.read(appendingTo: &buffer, timeoutMs: 2_000), .closed, "a closed socket reads as closed")
    }

    /// A megabyte through a small send buffer: `send` moves part at a time and the rest
    /// follows; the reader sees every byte once, in order.
    func testWriteSendsEverythingThroughASmallSendBuffer() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close() }
        try Syscall.setOption(client.descriptor, level: SOL_SOCKET, SO_SNDBUF, 4096)
        let bytes = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        let failure = Locked<SocketError?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            do throws(SocketError) { try client.write(bytes) } catch { failure.set(error) }
            client.close()
            done.signal()
        }.start()
        var received: [UInt8] = []
        var reads = 0
        while try server.read(appendingTo: &received, timeoutMs: 5_000) != .closed { reads += 1 }
        done.wait()
        XCTAssertNil(failure.get())
        XCTAssertEqual(received.count, bytes.count)
        XCTAssertTrue(received == bytes, "bytes arrive in order")
        XCTAssertGreaterThan(reads, 1)
    }

    func testWriteToAVanishedPeerFailsInsteadOfRaisingSIGPIPE() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close() }
        server.close()
        var failed = false
        for _ in 0..<100 where !failed {
            do { try client.write([UInt8](repeating: 0, count: 65_536)) } catch { failed = true }
        }
        XCTAssertTrue(failed)
    }

    func testShutdownWakesABlockedReader() throws {
        let (listener, client, server) = try connectedPair()
        defer {
            listener.close()
            client.close()
        }
        let result = Locked<ReadResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            var buffer: [UInt8] = []
            result.set(try? server.read(appendingTo: &buffer, timeoutMs: -1))
            done.signal()
        }.start()
        Syscall.sleep(milliseconds: 20)
        server.shutdown()
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(result.get(), .closed)
    }

    func testBindingAnAddressInUseSaysSo() throws {
        let listener = try StreamSocket.listen(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        XCTAssertThrowsError(try StreamSocket.listen(host: "127.0.0.1", port: listener.localPort)) {
            XCTAssertEqual(
                "\($0)",
                "Die Adresse 127.0.0.1:\(listener.localPort) ist schon belegt (läuft zvt-sim bereits?); bitte mit --listen bzw. --control einen anderen Port wählen."
            )
        }
        XCTAssertThrowsError(try StreamSocket.listen(host: "keine-adresse", port: 0)) {
            XCTAssertEqual($0 as? SocketError, .failed(call: "inet_pton keine-adresse", code: .invalidArgument))
        }
    }
}

/// A value handed between a worker thread and the test.
private final class Locked<Value>: @unchecked Sendable {
    // Safe to share: `value` is only reached inside `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func get() -> Value { lock.withLock { value } }
}
