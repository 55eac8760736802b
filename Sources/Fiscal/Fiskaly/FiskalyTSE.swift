import Foundation
import KasseCore
import KasseCrypto

/// The fiskaly SIGN DE v2 cloud TSE behind ``TechnicalSecurityDevice`` (docs/fiscal.md,
/// "fiskaly SIGN DE").
///
/// A transaction is `PUT /tss/{id}/tx/{tx_id}?tx_revision=n`: `tx_id` is the caller's
/// ``TSETransactionKey``, the start is revision 1 (state ACTIVE, no process data), each further
/// call the next revision (ACTIVE for an update, FINISHED for the finish). **Retry rule:** a call
/// whose answer was lost is sent again with the *same* revision and body — by this client up to
/// ``FiskalyConfiguration/attempts`` times, and again when the caller repeats the same call — so
/// it never opens a second transaction nor skips a revision. A new call after a failed one first
/// asks fiskaly for the transaction's latest revision (`GET /tss/{id}/tx/{tx_id}`), since the
/// failed one may or may not have arrived.
// @unchecked Sendable: `progress` and `registered` are touched only under `lock`.
public final class FiskalyTSE: TechnicalSecurityDevice, @unchecked Sendable {
    public let kind = TSEKind.fiskaly
    private let session: FiskalySession
    private let record: FiskalyTSSRecord
    private let lock = NSLock()
    private var progress: [TSETransactionKey: Progress] = [:]
    private var registered: Set<String> = []

    /// Where one transaction stands: the last revision sent, what it was, and its answer if one came.
    private struct Progress {
        var revision: Int
        var call: Call
        var answer: TSELogAnswer?
    }

    /// One call's content: the same call again is a retry of the same revision.
    private struct Call: Equatable {
        var state: String
        var processType: String
        var processData: [UInt8]
    }

    /// Reads the API secret and the TSS file (both must be 0600; `webkasse fiscal setup` writes the latter).
    public init(configuration: FiskalyConfiguration, transport: any FiskalyTransport = URLSessionFiskalyTransport()) throws(TSEError) {
        guard FileManager.default.fileExists(atPath: configuration.tssFile) else {
            throw .storage("Die fiskaly-TSS-Datei \(configuration.tssFile) fehlt; bitte zuerst webkasse fiscal setup ausführen")
        }
        record = try FiskalyTSSRecord.read(configuration.tssFile)
        session = try FiskalySession(configuration: configuration, transport: transport)
    }

    public var tssId: String { record.tssId }
    private var tssPath: String { "/tss/\(record.tssId)" }

    /// `GET /tss/{id}`: serial number, public key, algorithm, time format, certificate, counter.
    public func describe() throws(TSEError) -> TSEDescription {
        let what = "GET /tss"
        let tss = try FiskalyJSON.object(try session.request("GET", tssPath), what)
        let certificate = (tss["certificate"] as? String).flatMap(Self.derFromPEM)
        return TSEDescription(
            serialNumber: try FiskalyJSON.string(tss, "serial_number", what),
            signatureAlgorithm: (tss["signature_algorithm"] as? String) ?? "ecdsa-plain-SHA256",
            logTimeFormat: (tss["signature_timestamp_format"] as? String) ?? "unixTime",
            publicKey: try FiskalyJSON.base64(tss, "public_key", what),
            certificate: certificate, certificationId: nil,
            signatureCounter: (try? FiskalyJSON.count(tss, "signature_counter", what)) ?? 0)
    }

    /// `PUT /tss/{id}/client/{client_id}` with `serial_number` = `clientId`, the admin signed in
    /// first. The client's UUID is derived from `clientId`, so every start of the till finds it again.
    public func registerClient(_ clientId: String) throws(TSEError) {
        if lock.withLock({ registered.contains(clientId) }) { return }
        try FiskalySetUp.authenticateAdmin(session, record)
        let path = "\(tssPath)/client/\(Self.clientUUID(clientId))"
        do {
            _ = try session.call("PUT", path, json: ["serial_number": clientId])
        } catch .refusal(let refusal) where refusal.status == 409 {
            // Registered before (fiskaly refuses a second PUT of the same client).
        } catch {
            throw error.tseError("PUT", path)
        }
        lock.withLock { _ = registered.insert(clientId) }
    }

    public func startTransaction(key: TSETransactionKey, clientId: String, processType: String, processData: [UInt8]) throws(TSEError)
        -> TSELogAnswer
    {
        try put(key: key, clientId: clientId, call: Call(state: "ACTIVE", processType: processType, processData: processData), start: true)
    }

    public func updateTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        try put(key: key, clientId: clientId, call: Call(state: "ACTIVE", processType: processType, processData: processData), start: false)
    }

    public func finishTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        try put(key: key, clientId: clientId, call: Call(state: "FINISHED", processType: processType, processData: processData), start: false)
    }

    /// Cancels a started transaction (state CANCELLED), e.g. an aborted sale.
    public func cancelTransaction(key: TSETransactionKey, clientId: String) throws(TSEError) -> TSELogAnswer {
        try put(key: key, clientId: clientId, call: Call(state: "CANCELLED", processType: "", processData: []), start: false)
    }

    /// `PUT /tss/{id}/export/{uuid}`, then its state asked until COMPLETED, then
    /// `GET …/export/{uuid}/file` written to `path` (0600, renamed into place when whole).
    public func exportTAR(to path: String) throws(TSEError) {
        let exportPath = "\(tssPath)/export/\(UUID().uuidString.lowercased())"
        var state = try FiskalyJSON.string(
            try FiskalyJSON.object(try session.request("PUT", exportPath, json: [:]), "PUT /export"), "state", "PUT /export")
        var polls = 0
        while state != "COMPLETED" {
            guard ["PENDING", "WORKING"].contains(state) else { throw .refused("Export \(exportPath) endet im Zustand \(state)") }
            guard polls < session.configuration.exportPolls else {
                throw .unreachable("Export \(exportPath) nach \(polls) Abfragen noch nicht fertig (\(state))")
            }
            session.configuration.pauseBetweenExportPolls()
            polls += 1
            state = try FiskalyJSON.string(
                try FiskalyJSON.object(try session.request("GET", exportPath), "GET /export"), "state", "GET /export")
        }
        let tar = try session.request("GET", exportPath + "/file")
        guard tar.count >= 512 else { throw .malformedAnswer("GET \(exportPath)/file: \(tar.count) Bytes sind kein TAR") }
        try OwnerOnlyFile.write(tar, to: path, what: "Der TSE-Export")
    }

    // MARK: - Transactions

    private func put(key: TSETransactionKey, clientId: String, call: Call, start: Bool) throws(TSEError) -> TSELogAnswer {
        let txPath = "\(tssPath)/tx/\(Self.transactionUUID(key))"
        let known = lock.withLock { progress[key] }
        let revision: Int
        if let known, known.call == call, start == (known.revision == 1) {
            // The same call again: its answer, or the same revision once more.
            if let answer = known.answer { return answer }
            revision = known.revision
        } else if start {
            revision = 1
        } else if let known, known.answer != nil {
            revision = known.revision + 1
        } else {
            // Unknown here (a restart) or the last call failed: fiskaly knows how far it got.
            let latest = try latestRevision(txPath)
            if call.state == "FINISHED", latest.state == "FINISHED" {
                let answer = try Self.answer(latest.body, call: call, what: "GET \(txPath)")
                lock.withLock { progress[key] = Progress(revision: latest.revision, call: call, answer: answer) }
                return answer
            }
            revision = latest.revision + 1
        }
        lock.withLock { progress[key] = Progress(revision: revision, call: call, answer: nil) }
        var body: [String: Any] = ["state": call.state, "client_id": Self.clientUUID(clientId)]
        // At the start type and data stay empty (fiskaly signs the start without them).
        if !call.processData.isEmpty {
            body["schema"] = try FiskalyReceiptSchema.schema(processType: call.processType, processData: call.processData)
        }
        let what = "PUT \(txPath)?tx_revision=\(revision)"
        let bytes: [UInt8]
        do {
            bytes = try session.call("PUT", txPath, query: "tx_revision=\(revision)", json: body)
        } catch .refusal(let refusal) where refusal.status == 409 && revision > 1 {
            // A conflict on a revision that may have arrived before: fiskaly's latest revision decides.
            let latest = try latestRevision(txPath)
            guard latest.revision == revision, latest.state == call.state else {
                throw .refused("\(what): HTTP 409 (fiskaly steht bei Revision \(latest.revision), \(latest.state))")
            }
            bytes = latest.body
        } catch {
            throw error.tseError("PUT", "\(txPath)?tx_revision=\(revision)")
        }
        let answer = try Self.answer(bytes, call: call, what: what)
        lock.withLock { progress[key] = Progress(revision: revision, call: call, answer: answer) }
        return answer
    }

    /// `GET /tss/{id}/tx/{tx_id}`: the transaction's latest revision, its state and the whole answer.
    private func latestRevision(_ txPath: String) throws(TSEError) -> (revision: Int, state: String, body: [UInt8]) {
        let body = try session.request("GET", txPath)
        let object = try FiskalyJSON.object(body, "GET \(txPath)")
        let revision = try FiskalyJSON.count(object, object["latest_revision"] != nil ? "latest_revision" : "revision", "GET \(txPath)")
        return (Int(revision), try FiskalyJSON.string(object, "state", "GET \(txPath)"), body)
    }

    /// The transaction answer as ``TSELogAnswer``: `number`, `time_start`, `log.timestamp`
    /// (`time_end` for the finish), `log.timestamp_format`, `tss_serial_number`,
    /// `signature.{value, algorithm, counter, public_key}`; process type and data as signed,
    /// read from `qr_code_data` when fiskaly gives it (it builds the sale's `Beleg^…` itself).
    private static func answer(_ bytes: [UInt8], call: Call, what: String) throws(TSEError) -> TSELogAnswer {
        let tx = try FiskalyJSON.object(bytes, what)
        let signature = try FiskalyJSON.nested(tx, "signature", what)
        let log = try FiskalyJSON.nested(tx, "log", what)
        let start = try FiskalyJSON.count(tx, "time_start", what)
        let logTime = call.state == "ACTIVE" ? try FiskalyJSON.count(log, "timestamp", what) : try FiskalyJSON.count(tx, "time_end", what)
        var processType = call.processType
        var processData = call.processData
        if let qr = tx["qr_code_data"] as? String {
            let fields = qr.split(separator: ";", omittingEmptySubsequences: false)
            if fields.count == 12 {
                processType = String(fields[2])
                processData = Array(fields[3].utf8)
            }
        }
        return TSELogAnswer(
            transactionNumber: try FiskalyJSON.count(tx, "number", what),
            signatureCounter: try FiskalyJSON.count(signature, "counter", what),
            startTime: Instant(millisecondsSinceEpoch: Int64(start) * 1000),
            logTime: Instant(millisecondsSinceEpoch: Int64(logTime) * 1000),
            signature: try FiskalyJSON.base64(signature, "value", what),
            signatureAlgorithm: try FiskalyJSON.string(signature, "algorithm", what),
            logTimeFormat: try FiskalyJSON.string(log, "timestamp_format", what),
            serialNumber: try FiskalyJSON.string(tx, "tss_serial_number", what),
            publicKey: try FiskalyJSON.base64(signature, "public_key", what),
            processType: processType, processData: processData)
    }

    // MARK: - Ids

    /// fiskaly's client id (a UUID) for the register's serial number: derived, so it needs no storage.
    public static func clientUUID(_ clientId: String) -> String { derivedUUID("webkasse-client:" + clientId) }

    /// fiskaly's `tx_id`: the key itself when it is a UUID (the counter's keys are), else derived from it.
    public static func transactionUUID(_ key: TSETransactionKey) -> String {
        if let uuid = UUID(uuidString: key.value) { return uuid.uuidString.lowercased() }
        return derivedUUID("webkasse-tx:" + key.value)
    }

    /// A name-based UUID (RFC 9562 version 8, SHA-256 of `name`).
    private static func derivedUUID(_ name: String) -> String {
        var bytes = Array(LibCrypto.sha256(Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }

    /// A PEM certificate's DER bytes (the Base64 between the armour lines).
    private static func derFromPEM(_ pem: String) -> [UInt8]? {
        let base64 = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
