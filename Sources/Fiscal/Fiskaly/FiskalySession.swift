import Foundation

/// A signed-in conversation with fiskaly SIGN DE v2 (docs/fiscal.md, "fiskaly SIGN DE"):
/// `POST /auth` with the API key and secret gives the bearer token; the token is fetched again
/// when it has run out or an answer is 401. Every call is repeated unchanged after a transport
/// failure or a 5xx answer, up to ``FiskalyConfiguration/attempts`` times — all calls the client
/// makes are idempotent (PUT with the caller's ids and revision, PATCH to a state, GET).
///
/// Neither the API secret nor a PIN ever goes into an error text: errors name the method and
/// the path only.
// @unchecked Sendable: the token is read and replaced only under `lock`; the rest is constant.
final class FiskalySession: @unchecked Sendable {
    let configuration: FiskalyConfiguration
    private let transport: any FiskalyTransport
    private let apiSecret: String
    private let lock = NSLock()
    private var token: (value: String, expires: Date)?

    init(configuration: FiskalyConfiguration, transport: any FiskalyTransport) throws(TSEError) {
        self.configuration = configuration
        self.transport = transport
        let secret = try OwnerOnlyFile.read(configuration.apiSecretFile, what: "Die fiskaly-API-Secret-Datei")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw .storage("Die fiskaly-API-Secret-Datei \(configuration.apiSecretFile) ist leer") }
        apiSecret = secret
    }

    /// A fiskaly answer that is not a success: its status and fiskaly's `code` and `message`.
    struct Refusal: Error {
        var status: Int
        var code: String
        var message: String
    }

    /// Sends `method path` with `body` (JSON) and returns the answer's bytes on 2xx. A 4xx other
    /// than 401 is ``Refusal`` (the caller decides what it means), everything else ``TSEError``.
    func call(_ method: String, _ path: String, query: String? = nil, json body: [String: Any]? = nil) throws(CallError) -> [UInt8] {
        let bytes: [UInt8]?
        if let body {
            guard let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]) else {
                throw .device(.malformedAnswer("Anfrage \(method) \(path) lässt sich nicht als JSON schreiben"))
            }
            bytes = [UInt8](data)
        } else {
            bytes = nil
        }
        var renewedToken = false
        var attempt = 1
        while true {
            let response: FiskalyHTTPResponse
            do {
                let bearer = try accessToken()
                response = try send(method, path, query: query, body: bytes, bearer: bearer)
            } catch let failure {
                guard case .unreachable = failure, attempt < configuration.attempts else { throw .device(failure) }
                configuration.pauseBeforeRetry(attempt)
                attempt += 1
                continue
            }
            switch response.status {
            case 200..<300:
                return response.body
            case 401 where !renewedToken:
                lock.withLock { token = nil }
                renewedToken = true
            case 500..<600 where attempt < configuration.attempts:
                configuration.pauseBeforeRetry(attempt)
                attempt += 1
            case 500..<600:
                throw .device(.unreachable("\(method) \(path): fiskaly antwortet HTTP \(response.status)\(Self.detail(response.body))"))
            default:
                let (code, message) = Self.errorFields(response.body)
                throw .refusal(Refusal(status: response.status, code: code, message: message))
            }
        }
    }

    /// Why a call gave no success: the device failed, or fiskaly refused with a 4xx.
    enum CallError: Error {
        case device(TSEError)
        case refusal(Refusal)

        /// As the TSE's error, naming the call.
        func tseError(_ method: String, _ path: String) -> TSEError {
            switch self {
            case .device(let error): return error
            case .refusal(let refusal):
                let code = refusal.code.isEmpty ? "" : " \(refusal.code)"
                let message = refusal.message.isEmpty ? "" : ": \(refusal.message)"
                return .refused("\(method) \(path): HTTP \(refusal.status)\(code)\(message)")
            }
        }
    }

    /// `call` with every failure as the TSE's error.
    func request(_ method: String, _ path: String, query: String? = nil, json body: [String: Any]? = nil) throws(TSEError) -> [UInt8] {
        do { return try call(method, path, query: query, json: body) } catch { throw error.tseError(method, path) }
    }

    /// The bearer token, fetched with `POST /auth` when there is none or it has (almost) run out.
    private func accessToken() throws(TSEError) -> String {
        let now = configuration.clock()
        if let current = lock.withLock({ token }), current.expires > now { return current.value }
        let body: [String: Any] = ["api_key": configuration.apiKey, "api_secret": apiSecret]
        let data = (try? JSONSerialization.data(withJSONObject: body)).map { [UInt8]($0) } ?? []
        let response = try send("POST", "/auth", query: nil, body: data, bearer: nil)
        guard response.status == 200 else {
            if response.status == 401 || response.status == 403 {
                throw .refused("POST /auth: API-Key oder API-Secret abgelehnt (HTTP \(response.status)); bitte [fiscal] api_key und api_secret_file prüfen")
            }
            if response.status >= 500 { throw .unreachable("POST /auth: fiskaly antwortet HTTP \(response.status)") }
            throw .refused("POST /auth: HTTP \(response.status)\(Self.detail(response.body))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let value = object["access_token"] as? String, !value.isEmpty
        else { throw .malformedAnswer("POST /auth: kein access_token in der Antwort") }
        // Renewed a minute early, so a token never runs out between check and use.
        let lifetime = (object["access_token_expires_in"] as? NSNumber)?.doubleValue ?? 300
        let expires = now.addingTimeInterval(max(0, lifetime - 60))
        lock.withLock { token = (value, expires) }
        return value
    }

    private func send(_ method: String, _ path: String, query: String?, body: [UInt8]?, bearer: String?) throws(TSEError) -> FiskalyHTTPResponse {
        guard let url = URL(string: configuration.baseURL + path + (query.map { "?" + $0 } ?? "")) else {
            throw .refused("[fiscal] fiskaly_url »\(configuration.baseURL)« ist keine URL")
        }
        var headers = ["Accept": "application/json"]
        if body != nil { headers["Content-Type"] = "application/json" }
        if let bearer { headers["Authorization"] = "Bearer \(bearer)" }
        return try transport.send(method: method, url: url, headers: headers, body: body, timeoutSeconds: configuration.requestTimeoutSeconds)
    }

    /// fiskaly's error body `{status_code, error, code, message}`.
    private static func errorFields(_ body: [UInt8]) -> (code: String, message: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return ("", "") }
        return ((object["code"] as? String) ?? "", (object["message"] as? String) ?? (object["error"] as? String) ?? "")
    }

    private static func detail(_ body: [UInt8]) -> String {
        let (code, message) = errorFields(body)
        let text = [code, message].filter { !$0.isEmpty }.joined(separator: ": ")
        return text.isEmpty ? "" : " (\(text))"
    }
}

/// Decoding fiskaly's JSON answers.
enum FiskalyJSON {
    static func object(_ bytes: [UInt8], _ what: String) throws(TSEError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw .malformedAnswer("\(what): kein JSON-Objekt")
        }
        return object
    }

    static func string(_ object: [String: Any], _ key: String, _ what: String) throws(TSEError) -> String {
        guard let value = object[key] as? String else { throw .malformedAnswer("\(what): \(key) fehlt") }
        return value
    }

    /// A count fiskaly writes as a number or as a string of digits.
    static func count(_ object: [String: Any], _ key: String, _ what: String) throws(TSEError) -> UInt64 {
        if let number = object[key] as? NSNumber, number.int64Value >= 0 { return number.uint64Value }
        if let text = object[key] as? String, let value = UInt64(text) { return value }
        throw .malformedAnswer("\(what): \(key) fehlt oder ist keine Zahl")
    }

    static func nested(_ object: [String: Any], _ key: String, _ what: String) throws(TSEError) -> [String: Any] {
        guard let value = object[key] as? [String: Any] else { throw .malformedAnswer("\(what): \(key) fehlt") }
        return value
    }

    static func base64(_ object: [String: Any], _ key: String, _ what: String) throws(TSEError) -> [UInt8] {
        guard let text = object[key] as? String, let data = Data(base64Encoded: text) else {
            throw .malformedAnswer("\(what): \(key) fehlt oder ist kein Base64")
        }
        return [UInt8](data)
    }
}
