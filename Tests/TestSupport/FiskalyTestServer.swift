import Foundation
import SystemCalls

/// fiskaly SIGN DE v2 in the test suite (docs/fiscal.md, "fiskaly SIGN DE"): plain HTTP/1.1 on
/// loopback, one request per connection, implementing the documented subset with its state
/// machine — `POST /auth` and bearer tokens; the TSS (CREATED → UNINITIALIZED → INITIALIZED,
/// DISABLED from the last two), admin PIN and sign-in; clients (REGISTERED); transactions by
/// revision (1 starts ACTIVE, each next revision one more; the same revision with the same body
/// again answers the stored answer, anything else is 409); the export (PENDING, then COMPLETED,
/// then a TAR).
///
/// Every revision is really signed with ECDSA P-256 (SHA-256, plain r‖s) by `openssl` with a key
/// made at start; what is signed is a `;`-joined line of the log's fields, **not** a TR-03151 log
/// message — the software TSE's tests verify those.
///
/// Faults on request (``inject(_:on:times:)``): drop the answer after processing (close without
/// replying), answer 500/503 without processing, or process and never answer (a time-out).
// @unchecked Sendable: all state is touched only under `lock`.
public final class FiskalyTestServer: @unchecked Sendable {
    public enum Fault: Sendable, Equatable {
        /// Processes the request, then closes the connection without a reply.
        case dropAnswer
        /// Answers this status (with fiskaly's error body) without processing.
        case status(Int)
        /// Processes the request and never answers (until the client gives up).
        case hold
    }

    /// Which requests a fault applies to.
    public enum Target: Sendable, Equatable {
        case auth
        case transactionStart
        case transactionUpdate
        case transactionFinish
        case exportFile
        case any
    }

    /// One request as the server saw it; `status` nil when no answer was sent.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var body: [UInt8]
        public var status: Int?
        /// The bearer token sent, if any.
        public var bearer: String?
        public var line: String { "\(method) \(path)" }
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    public let apiKey = "test-key-\(UUID().uuidString.prefix(8))"
    public let apiSecret = "test-secret-\(UUID().uuidString)"
    public private(set) var port: UInt16 = 0
    /// How often the export's state is asked before it is COMPLETED.
    public var exportPollsBeforeCompletion: Int {
        get { lock.withLock { pollsBeforeCompletion } }
        set { lock.withLock { pollsBeforeCompletion = newValue } }
    }

    private let lock = NSLock()
    private var listener: StreamSocket?
    private var stopped = false
    private var faults: [(fault: Fault, target: Target, remaining: Int)] = []
    private var log: [Request] = []
    private var tokens: Set<String> = []
    private var tssById: [String: TSS] = [:]
    private var exports: [String: Export] = [:]
    private var pollsBeforeCompletion = 1
    private let signer: Signer

    private struct TSS {
        var state = "CREATED"
        var adminPUK: String
        var adminPIN: String?
        var adminSignedIn = false
        var clients: [String: String] = [:]  // client id → serial number
        var transactions: [String: Transaction] = [:]
        var signatureCounter: UInt64 = 0
        var transactionCounter: UInt64 = 0
    }

    private struct Transaction {
        var number: UInt64
        var timeStart: Int64
        var state: String
        /// Per revision: the canonical request body and the answer given.
        var revisions: [Int: (request: [UInt8], answer: [String: Any])] = [:]
        var latest: Int { revisions.keys.max() ?? 0 }
    }

    private struct Export {
        var tssId: String
        var polls = 0
        var state = "PENDING"
    }

    public init() throws {
        signer = try Signer()
        let socket = try StreamSocket.listen(host: "127.0.0.1", port: 0)
        listener = socket
        port = socket.localPort
        let thread = Thread { [self] in acceptLoop(socket) }
        thread.name = "fiskaly test server"
        thread.start()
    }

    deinit { stop() }

    /// The `[fiscal] fiskaly_url` of this server.
    public var baseURL: String { "http://127.0.0.1:\(port)/api/v2" }

    public func stop() {
        let socket = lock.withLock {
            stopped = true
            let socket = listener
            listener = nil
            return socket
        }
        socket?.shutdown()
        socket?.close()
    }

    /// The next `times` requests matching `target` get `fault`.
    public func inject(_ fault: Fault, on target: Target, times: Int = 1) {
        lock.withLock { faults.append((fault, target, times)) }
    }

    /// Forgets every access token: the next call with one is answered 401.
    public func expireAccessTokens() { lock.withLock { tokens.removeAll() } }

    /// Every request so far, in order.
    public var requests: [Request] { lock.withLock { log } }

    public func tssState(_ id: String) -> String? { lock.withLock { tssById[id]?.state } }
    public func adminPIN(_ id: String) -> String? { lock.withLock { tssById[id]?.adminPIN } }
    public func clients(_ id: String) -> [String: String] { lock.withLock { tssById[id]?.clients ?? [:] } }
    /// How many transactions the TSS has (each started once, whatever was retried).
    public func transactionCount(_ id: String) -> Int { lock.withLock { tssById[id]?.transactions.count ?? 0 } }
    public func transactionState(_ id: String, tx: String) -> String? { lock.withLock { tssById[id]?.transactions[tx]?.state } }
    /// The public key (uncompressed P-256 point) every signature verifies with.
    public var publicKey: [UInt8] { signer.publicKey }

    /// Whether `signature` (plain r‖s) is this server's ECDSA signature over `message`.
    public func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool { signer.verify(signature, message) }

    // MARK: - Connections

    private func acceptLoop(_ socket: StreamSocket) {
        while true {
            let accepted: StreamSocket?
            do { accepted = try socket.accept(timeoutMs: 100) } catch { return }
            if lock.withLock({ stopped }) { return }
            guard let connection = accepted else { continue }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "fiskaly test server connection"
            thread.start()
        }
    }

    private func serve(_ connection: StreamSocket) {
        defer {
            connection.shutdown()
            connection.close()
        }
        guard let request = readRequest(connection) else { return }
        let fault = takeFault(for: request)
        if case .status(let status) = fault {
            record(request, status: status)
            write(connection, status: status, body: Self.errorBody(status, "E_INJECTED", "injected failure"))
            return
        }
        let (status, body, contentType) = lock.withLock { handle(request) }
        switch fault {
        case .dropAnswer:
            record(request, status: nil)
        case .hold:
            record(request, status: nil)
            // Until the client gives up and closes (or the server stops).
            var ignored: [UInt8] = []
            while !lock.withLock({ stopped }) {
                guard let result = try? connection.read(appendingTo: &ignored, timeoutMs: 100), result != .closed else { return }
            }
        default:
            record(request, status: status)
            write(connection, status: status, body: body, contentType: contentType)
        }
    }

    private func readRequest(_ connection: StreamSocket) -> Request? {
        var buffer: [UInt8] = []
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if headerEnd == nil, let end = Self.find(separator, in: buffer) {
                headerEnd = end
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
            }
            if let end = headerEnd, buffer.count >= end + 4 + contentLength {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                let words = lines.first?.split(separator: " ") ?? []
                guard words.count >= 2 else { return nil }
                let target = words[1].split(separator: "?", maxSplits: 1)
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
                }
                var request = Request(
                    method: String(words[0]), path: String(target[0]), query: target.count > 1 ? String(target[1]) : "",
                    body: Array(buffer[(end + 4)..<(end + 4 + contentLength)]), status: nil)
                request.bearer = headers["authorization"].map { String($0.dropFirst("Bearer ".count)) }
                return request
            }
            guard let result = try? connection.read(appendingTo: &buffer, timeoutMs: 5000), case .bytes = result else { return nil }
        }
    }

    private func write(_ connection: StreamSocket, status: Int, body: [UInt8], contentType: String = "application/json") {
        let head =
            "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try? connection.write(Array(head.utf8) + body)
    }

    private func record(_ request: Request, status: Int?) {
        var seen = request
        seen.status = status
        lock.withLock { log.append(seen) }
    }

    private func takeFault(for request: Request) -> Fault? {
        lock.withLock {
            let targets = Self.targets(of: request)
            guard let index = faults.firstIndex(where: { $0.remaining > 0 && ($0.target == .any || targets.contains($0.target)) }) else {
                return nil
            }
            faults[index].remaining -= 1
            return faults[index].fault
        }
    }

    private static func targets(of request: Request) -> [Target] {
        let segments = request.path.split(separator: "/")
        if request.path.hasSuffix("/auth"), segments.count == 3 { return [.auth] }
        if request.method == "PUT", segments.count == 6, segments[4] == "tx" {
            let state = request.json?["state"] as? String
            if request.query == "tx_revision=1" { return [.transactionStart] }
            return state == "FINISHED" ? [.transactionFinish] : [.transactionUpdate]
        }
        if request.method == "GET", request.path.hasSuffix("/file") { return [.exportFile] }
        return []
    }

    // MARK: - The API (called under `lock`)

    private func handle(_ request: Request) -> (Int, [UInt8], String) {
        var segments = request.path.split(separator: "/").map(String.init)
        guard segments.starts(with: ["api", "v2"]) else { return Self.error(404, "E_NOT_FOUND", "no such path") }
        segments.removeFirst(2)
        let body = request.json ?? [:]
        if request.method == "POST", segments == ["auth"] {
            guard body["api_key"] as? String == apiKey, body["api_secret"] as? String == apiSecret else {
                return Self.error(401, "E_UNAUTHORIZED", "invalid api key or secret")
            }
            let token = "token-\(UUID().uuidString)"
            tokens.insert(token)
            return Self.json(200, ["access_token": token, "access_token_expires_in": 86_400, "refresh_token": "refresh-\(token)"])
        }
        guard let bearer = request.bearer, tokens.contains(bearer) else { return Self.error(401, "E_UNAUTHORIZED", "missing or expired token") }
        guard segments.count >= 2, segments[0] == "tss" else { return Self.error(404, "E_NOT_FOUND", "no such path") }
        let id = segments[1]
        if segments.count == 2 {
            switch request.method {
            case "PUT":
                guard tssById[id] == nil else { return Self.error(409, "E_TSS_CONFLICT", "tss exists") }
                let puk = String(UUID().uuidString.prefix(10))
                tssById[id] = TSS(adminPUK: puk)
                var answer = tssJSON(id)
                answer["admin_puk"] = puk
                return Self.json(200, answer)
            case "GET":
                guard tssById[id] != nil else { return Self.error(404, "E_TSS_NOT_FOUND", "no such tss") }
                return Self.json(200, tssJSON(id))
            case "PATCH":
                return changeState(id, to: body["state"] as? String ?? "")
            default: return Self.error(405, "E_METHOD", "method not allowed")
            }
        }
        guard var tss = tssById[id] else { return Self.error(404, "E_TSS_NOT_FOUND", "no such tss") }
        defer { tssById[id] = tss }
        switch (request.method, Array(segments.dropFirst(2))) {
        case ("PATCH", ["admin"]):
            guard tss.state == "UNINITIALIZED" || tss.state == "INITIALIZED" else { return Self.error(409, "E_TSS_STATE", "tss is \(tss.state)") }
            guard body["admin_puk"] as? String == tss.adminPUK else { return Self.error(403, "E_ADMIN_PUK", "wrong admin puk") }
            guard let pin = body["new_admin_pin"] as? String, pin.count >= 6 else { return Self.error(400, "E_ADMIN_PIN", "pin too short") }
            tss.adminPIN = pin
            return Self.json(200, [:])
        case ("POST", ["admin", "auth"]):
            guard let pin = tss.adminPIN, body["admin_pin"] as? String == pin else { return Self.error(401, "E_ADMIN_PIN", "wrong admin pin") }
            tss.adminSignedIn = true
            return Self.json(200, [:])
        case ("POST", ["admin", "logout"]):
            tss.adminSignedIn = false
            return Self.json(200, [:])
        case ("PUT", let rest) where rest.count == 2 && rest[0] == "client":
            guard tss.state == "INITIALIZED" else { return Self.error(409, "E_TSS_STATE", "tss is \(tss.state)") }
            guard tss.adminSignedIn else { return Self.error(401, "E_ADMIN_NOT_AUTHENTICATED", "admin not signed in") }
            guard let serial = body["serial_number"] as? String, !serial.isEmpty else { return Self.error(400, "E_SERIAL", "serial_number missing") }
            if tss.clients[rest[1]] != nil { return Self.error(409, "E_CLIENT_CONFLICT", "client exists") }
            tss.clients[rest[1]] = serial
            return Self.json(200, ["_id": rest[1], "serial_number": serial, "state": "REGISTERED", "tss_id": id])
        case ("PUT", let rest) where rest.count == 2 && rest[0] == "tx":
            return putTransaction(&tss, tssId: id, txId: rest[1], query: request.query, body: request.body)
        case ("GET", let rest) where rest.count == 2 && rest[0] == "tx":
            guard let tx = tss.transactions[rest[1]], let latest = tx.revisions[tx.latest] else {
                return Self.error(404, "E_TX_NOT_FOUND", "no such transaction")
            }
            return Self.json(200, latest.answer)
        case ("PUT", let rest) where rest.count == 2 && rest[0] == "export":
            guard exports[rest[1]] == nil else { return Self.error(409, "E_EXPORT_CONFLICT", "export exists") }
            exports[rest[1]] = Export(tssId: id)
            return Self.json(200, ["_id": rest[1], "state": "PENDING"])
        case ("GET", let rest) where rest.count == 2 && rest[0] == "export":
            guard var export = exports[rest[1]], export.tssId == id else { return Self.error(404, "E_EXPORT_NOT_FOUND", "no such export") }
            export.polls += 1
            if export.polls >= pollsBeforeCompletion { export.state = "COMPLETED" }
            exports[rest[1]] = export
            return Self.json(200, ["_id": rest[1], "state": export.state])
        case ("GET", let rest) where rest.count == 3 && rest[0] == "export" && rest[2] == "file":
            guard let export = exports[rest[1]], export.state == "COMPLETED" else { return Self.error(409, "E_EXPORT_STATE", "export not completed") }
            return (200, tar(tss, tssId: id), "application/x-tar")
        default:
            return Self.error(404, "E_NOT_FOUND", "no such path")
        }
    }

    private func changeState(_ id: String, to state: String) -> (Int, [UInt8], String) {
        guard var tss = tssById[id] else { return Self.error(404, "E_TSS_NOT_FOUND", "no such tss") }
        let allowed: Bool
        switch (tss.state, state) {
        case ("CREATED", "UNINITIALIZED"), ("UNINITIALIZED", "DISABLED"), ("INITIALIZED", "DISABLED"): allowed = true
        case ("UNINITIALIZED", "INITIALIZED"):
            guard tss.adminSignedIn else { return Self.error(401, "E_ADMIN_NOT_AUTHENTICATED", "admin not signed in") }
            allowed = true
        default: allowed = false
        }
        guard allowed else { return Self.error(409, "E_TSS_STATE_TRANSITION", "\(tss.state) → \(state) not allowed") }
        tss.state = state
        tssById[id] = tss
        return Self.json(200, tssJSON(id))
    }

    private func putTransaction(_ tss: inout TSS, tssId: String, txId: String, query: String, body raw: [UInt8]) -> (Int, [UInt8], String) {
        guard query.hasPrefix("tx_revision="), let revision = Int(query.dropFirst("tx_revision=".count)), revision >= 1 else {
            return Self.error(400, "E_TX_REVISION", "tx_revision missing")
        }
        guard tss.state == "INITIALIZED" else { return Self.error(409, "E_TSS_STATE", "tss is \(tss.state)") }
        guard let body = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else { return Self.error(400, "E_BODY", "no JSON") }
        let canonical = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])).map { [UInt8]($0) } ?? []
        guard let clientId = body["client_id"] as? String, let clientSerial = tss.clients[clientId] else {
            return Self.error(400, "E_CLIENT_NOT_FOUND", "client not registered")
        }
        guard let state = body["state"] as? String, ["ACTIVE", "FINISHED", "CANCELLED"].contains(state) else {
            return Self.error(400, "E_TX_STATE", "state must be ACTIVE, FINISHED or CANCELLED")
        }
        var tx: Transaction
        if let existing = tss.transactions[txId] {
            if let stored = existing.revisions[revision] {
                // The same revision again: the stored answer if it is the same call, else a conflict.
                guard stored.request == canonical else { return Self.error(409, "E_TX_REVISION_CONFLICT", "revision \(revision) differs") }
                return Self.json(200, stored.answer)
            }
            guard revision == existing.latest + 1 else {
                return Self.error(409, "E_TX_REVISION_CONFLICT", "revision \(revision) after \(existing.latest)")
            }
            guard existing.state == "ACTIVE" else { return Self.error(409, "E_TX_STATE", "transaction is \(existing.state)") }
            tx = existing
        } else {
            guard revision == 1 else { return Self.error(409, "E_TX_REVISION_CONFLICT", "a transaction starts with revision 1") }
            guard state == "ACTIVE" else { return Self.error(400, "E_TX_STATE", "a transaction starts ACTIVE") }
            tss.transactionCounter += 1
            tx = Transaction(number: tss.transactionCounter, timeStart: Self.now(), state: "ACTIVE")
        }
        let (processType, processData): (String, String)
        switch Self.process(body["schema"] as? [String: Any]) {
        case .success(let process): (processType, processData) = process
        case .failure(let failure): return Self.error(400, "E_SCHEMA", failure.message)
        }
        tss.signatureCounter += 1
        let logTime = Self.now()
        tx.state = state
        let operation = revision == 1 ? "StartTransaction" : state == "ACTIVE" ? "UpdateTransaction" : "FinishTransaction"
        let message = [operation, clientSerial, processType, processData, "\(tx.number)", "\(tss.signatureCounter)", "\(logTime)"]
            .joined(separator: ";")
        let signature = signer.sign(Array(message.utf8))
        var answer: [String: Any] = [
            "_id": txId, "_type": "TRANSACTION", "number": tx.number, "state": state, "revision": revision, "latest_revision": revision,
            "client_id": clientId, "client_serial_number": clientSerial, "tss_id": tssId, "tss_serial_number": signer.serialNumber,
            "time_start": tx.timeStart,
            "log": ["operation": operation, "timestamp": logTime, "timestamp_format": "unixTime"],
            "signature": [
                "value": Data(signature).base64EncodedString(), "algorithm": "ecdsa-plain-SHA256", "counter": tss.signatureCounter,
                "public_key": Data(signer.publicKey).base64EncodedString(),
            ],
        ]
        if let schema = body["schema"] { answer["schema"] = schema }
        if state != "ACTIVE" {
            answer["time_end"] = logTime
            answer["qr_code_data"] = [
                "V0", clientSerial, processType, processData, "\(tx.number)", "\(tss.signatureCounter)", Self.iso(tx.timeStart), Self.iso(logTime),
                "ecdsa-plain-SHA256", "unixTime", Data(signature).base64EncodedString(), Data(signer.publicKey).base64EncodedString(),
            ].joined(separator: ";")
        }
        tx.revisions[revision] = (canonical, answer)
        tss.transactions[txId] = tx
        return Self.json(200, answer)
    }

    /// Process type and data from the body's schema: `raw` as given, `standard_v1` as the `Beleg^…`
    /// fiskaly builds (DSFinV-K § 1.7.1), nothing without a schema.
    private static func process(_ schema: [String: Any]?) -> Result<(String, String), ProcessError> {
        guard let schema else { return .success(("", "")) }
        if let raw = schema["raw"] as? [String: Any] {
            guard let type = raw["process_type"] as? String, let data = (raw["process_data"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
                return .failure(ProcessError("raw needs process_type and base64 process_data"))
            }
            return .success((type, String(decoding: data, as: UTF8.self)))
        }
        guard let receipt = (schema["standard_v1"] as? [String: Any])?["receipt"] as? [String: Any],
            let perRate = receipt["amounts_per_vat_rate"] as? [[String: Any]], let perPayment = receipt["amounts_per_payment_type"] as? [[String: Any]]
        else { return .failure(ProcessError("standard_v1.receipt needs amounts_per_vat_rate and amounts_per_payment_type")) }
        let rates = ["NORMAL", "REDUCED_1", "SPECIAL_RATE_1", "SPECIAL_RATE_2", "NULL"]
        var amounts = Array(repeating: "0.00", count: rates.count)
        for entry in perRate {
            guard let rate = entry["vat_rate"] as? String, let index = rates.firstIndex(of: rate), let amount = entry["amount"] as? String else {
                return .failure(ProcessError("unknown vat_rate"))
            }
            amounts[index] = amount
        }
        var payments: [String] = []
        for entry in perPayment {
            guard let type = entry["payment_type"] as? String, ["CASH", "NON_CASH"].contains(type), let amount = entry["amount"] as? String else {
                return .failure(ProcessError("unknown payment_type"))
            }
            payments.append("\(amount):\(type == "CASH" ? "Bar" : "Unbar")" + ((entry["currency_code"] as? String).map { ":" + $0 } ?? ""))
        }
        return .success(("Kassenbeleg-V1", "Beleg^" + amounts.joined(separator: "_") + "^" + payments.joined(separator: "_")))
    }

    private struct ProcessError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private func tssJSON(_ id: String) -> [String: Any] {
        let tss = tssById[id]
        return [
            "_id": id, "_type": "TSS", "state": tss?.state ?? "", "serial_number": signer.serialNumber,
            "public_key": Data(signer.publicKey).base64EncodedString(), "signature_algorithm": "ecdsa-plain-SHA256",
            "signature_timestamp_format": "unixTime", "signature_counter": "\(tss?.signatureCounter ?? 0)",
            "transaction_counter": "\(tss?.transactionCounter ?? 0)",
        ]
    }

    /// A TAR (ustar) with `info.csv` and one file per transaction answer, enough to be read back.
    private func tar(_ tss: TSS, tssId: String) -> [UInt8] {
        var files: [(String, [UInt8])] = [("info.csv", Array("\"description:\",\"\",\"manufacturer:\",\"fiskaly test server\"\r\n".utf8))]
        for (txId, tx) in tss.transactions.sorted(by: { $0.value.number < $1.value.number }) {
            for revision in tx.revisions.keys.sorted() {
                let data = (try? JSONSerialization.data(withJSONObject: tx.revisions[revision]!.answer, options: [.sortedKeys])) ?? Data()
                files.append(("tx_\(tx.number)_\(revision)_\(txId.prefix(8)).json", [UInt8](data)))
            }
        }
        var out: [UInt8] = []
        for (name, data) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { header[offset + i] = byte } }
            put(name, at: 0)
            put("0000600", at: 100)
            put("0000000", at: 108)
            put("0000000", at: 116)
            put(String(format: "%011o", data.count), at: 124)
            put(String(format: "%011o", Int(Self.now())), at: 136)
            put("        ", at: 148)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257)
            put("00", at: 263)
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(String(format: "%06o", checksum), at: 148)
            header[154] = 0
            header[155] = UInt8(ascii: " ")
            out += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    private static func iso(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private static func json(_ status: Int, _ object: [String: Any]) -> (Int, [UInt8], String) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return (status, [UInt8](data), "application/json")
    }

    private static func errorBody(_ status: Int, _ code: String, _ message: String) -> [UInt8] {
        json(status, ["status_code": status, "error": "Error", "code": code, "message": message]).1
    }

    private static func error(_ status: Int, _ code: String, _ message: String) -> (Int, [UInt8], String) {
        (status, errorBody(status, code, message), "application/json")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// ECDSA P-256 with SHA-256 through the `openssl` command: the server's key, its plain (r‖s)
/// signatures and their check.
private final class Signer: Sendable {
    let directory: String
    let publicKey: [UInt8]
    let serialNumber: String

    init() throws {
        directory = NSTemporaryDirectory() + "fiskaly-test-server-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", directory + "/key.pem"])
        try Self.openssl(["ec", "-in", directory + "/key.pem", "-pubout", "-outform", "DER", "-out", directory + "/public.der"])
        try Self.openssl(["ec", "-in", directory + "/key.pem", "-pubout", "-out", directory + "/public.pem"])
        let spki = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/public.der")))
        publicKey = Array(spki.suffix(65))
        let digest = try Self.openssl(["dgst", "-sha256", "-r", directory + "/public.der"])
        serialNumber = String(digest.prefix(64))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func sign(_ message: [UInt8]) -> [UInt8] {
        let name = UUID().uuidString
        let input = "\(directory)/\(name).msg"
        let output = "\(directory)/\(name).sig"
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        guard FileManager.default.createFile(atPath: input, contents: Data(message)),
            (try? Self.openssl(["dgst", "-sha256", "-sign", directory + "/key.pem", "-out", output, input])) != nil,
            let der = FileManager.default.contents(atPath: output)
        else { return [] }
        return Self.plain(fromDER: [UInt8](der))
    }

    func verify(_ signature: [UInt8], _ message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        let name = UUID().uuidString
        let input = "\(directory)/\(name).msg"
        let sig = "\(directory)/\(name).sig"
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: sig)
        }
        guard FileManager.default.createFile(atPath: input, contents: Data(message)),
            FileManager.default.createFile(atPath: sig, contents: Data(Self.der(fromPlain: signature)))
        else { return false }
        let result = try? runProcess(
            "/usr/bin/env", ["openssl", "dgst", "-sha256", "-verify", directory + "/public.pem", "-signature", sig, input])
        return result?.status == 0
    }

    @discardableResult
    private static func openssl(_ arguments: [String]) throws -> String {
        let result = try runProcess("/usr/bin/env", ["openssl"] + arguments)
        guard result.status == 0 else { throw NSError(domain: "openssl", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        return result.stdout
    }

    /// `SEQUENCE { INTEGER r, INTEGER s }` → r‖s, 32 bytes each.
    static func plain(fromDER der: [UInt8]) -> [UInt8] {
        var index = 2
        if der.count > 1, der[1] & 0x80 != 0 { index = 2 + Int(der[1] & 0x7F) }
        var out: [UInt8] = []
        for _ in 0..<2 {
            guard index + 2 <= der.count, der[index] == 0x02 else { return [] }
            let length = Int(der[index + 1])
            let integer = Array(der[(index + 2)..<min(der.count, index + 2 + length)]).drop { $0 == 0 }
            out += [UInt8](repeating: 0, count: max(0, 32 - integer.count)) + integer.suffix(32)
            index += 2 + length
        }
        return out
    }

    /// r‖s → `SEQUENCE { INTEGER r, INTEGER s }`.
    static func der(fromPlain plain: [UInt8]) -> [UInt8] {
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.isEmpty { value = [0] }
            if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(plain[0..<32]) + integer(plain[32..<64])
        return [0x30, UInt8(body.count)] + body
    }
}
