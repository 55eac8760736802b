import Foundation
import TestSupport
import XCTest

@testable import ZVT

#if canImport(Glibc)
    import Glibc
#endif

/// A one-connection TCP terminal on 127.0.0.1 for testing ``TCPTransport`` with real sockets.
final class LoopbackTerminal: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let script: @Sendable (APDU) -> [[UInt8]]

    /// `script` answers each APDU with byte blocks, each written separately (with a short pause).
    init(script: @escaping @Sendable (APDU) -> [[UInt8]]) throws {
        self.script = script
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listenFD = listenFD
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, length) } }
        guard bound == 0, listen(listenFD, 1) == 0 else {
            port = 0
            throw ZVTTransportError.io("bind")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) } }
        self.port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    private func serve() {
        let fd = accept(listenFD, nil, nil)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            buffer += chunk[0..<count]
            var skipped: [UInt8] = []
            for apdu in APDUDecoder.decodeAll(&buffer, skipped: &skipped) {
                for block in script(apdu) {
                    if block.isEmpty { return }  // empty block = close the connection
                    _ = block.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    usleep(2_000)
                }
            }
        }
    }

    deinit { close(listenFD) }
}

final class TCPTransportTests: XCTestCase {
    func testParseTarget() {
        XCTAssertEqual(TCPTransport.parse("192.168.0.59:22000")?.port, 22000)
        XCTAssertEqual(TCPTransport.parse("terminal")?.port, 20007)
        XCTAssertEqual(TCPTransport.parse("[::1]:20008")?.host, "::1")
        XCTAssertNil(TCPTransport.parse("host:abc"))
        XCTAssertNil(TCPTransport.parse("host:0"))
        XCTAssertNil(TCPTransport.parse(":20007"))
    }

    func testPaymentOverRealSocketsWithSplitAndCoalescedWrites() throws {
        let info = try Traces.bytes("dce-valina/data081649050.hex")
        let counter = Collector<Int>()
        let terminal = try LoopbackTerminal { apdu in
            counter.add(1)
            switch counter.items.count {
            case 1: return [hex("80"), hex("00 00 04 FF"), hex("01 17")]
            case 2: return [Array(info.prefix(100)), Array(info.dropFirst(100)) + hex("06 0F 00")]
            default: return []
            }
        }
        let transport = TCPTransport(host: "127.0.0.1", port: terminal.port, connectTimeoutMs: 2_000)
        let driver = ZVTDriver(transport: transport)
        let outcome = driver.authorize(amountCents: 1)
        guard case .approved(let payment) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(payment.receiptNumber, 22)
        XCTAssertTrue(payment.completed)
    }

    func testConnectionDropIsOutcomeUnknownAndRefusedConnectIsAnError() throws {
        let terminal = try LoopbackTerminal { _ in [hex("80 00 00 04 FF 01 0A"), []] }
        let driver = ZVTDriver(transport: TCPTransport(host: "127.0.0.1", port: terminal.port))
        guard case .outcomeUnknown(let unknown) = driver.authorize(amountCents: 250) else { return XCTFail() }
        XCTAssertEqual(unknown.amountCents, 250)
        XCTAssertEqual(unknown.problem, .connectionLost)

        // Nobody listens on this port.
        let closedPort = try unusedPort()
        let refused = ZVTDriver(transport: TCPTransport(host: "127.0.0.1", port: closedPort, connectTimeoutMs: 500))
        let outcome = refused.statusEnquiry()
        guard case .failed(.connectFailed(let text)) = outcome.outcome else { return XCTFail("\(outcome.outcome)") }
        XCTAssertTrue(text.hasPrefix("Keine Verbindung zum Terminal 127.0.0.1:"), text)
    }
}
