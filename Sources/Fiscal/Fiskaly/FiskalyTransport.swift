import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange with fiskaly: what came back, or why nothing did.
public struct FiskalyHTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Sends one HTTP request and waits for the whole answer (at most `timeoutSeconds`). A transport
/// failure (no connection, the connection dropped before the answer, time-out) is
/// ``TSEError/unreachable(_:)`` with a German reason; every HTTP status is an answer.
public protocol FiskalyTransport: Sendable {
    func send(method: String, url: URL, headers: [String: String], body: [UInt8]?, timeoutSeconds: Double) throws(TSEError) -> FiskalyHTTPResponse
}

/// ``FiskalyTransport`` over Foundation's URLSession (FoundationNetworking on Linux), made
/// synchronous: the TSE interface blocks (``TechnicalSecurityDevice``).
public final class URLSessionFiskalyTransport: FiskalyTransport {
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    public func send(method: String, url: URL, headers: [String: String], body: [UInt8]?, timeoutSeconds: Double) throws(TSEError) -> FiskalyHTTPResponse {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body) }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.set(data: data, response: response as? HTTPURLResponse, error: error)
            done.signal()
        }
        task.resume()
        // URLSession's time-out is an idle time-out; this bounds the whole exchange.
        if done.wait(timeout: .now() + timeoutSeconds + 1) == .timedOut {
            task.cancel()
            throw .unreachable("Zeitüberschreitung nach \(Self.seconds(timeoutSeconds)) s bei \(method) \(url.path)")
        }
        let (data, response, error) = outcome.value
        if let error {
            if (error as? URLError)?.code == .timedOut {
                throw .unreachable("Zeitüberschreitung nach \(Self.seconds(timeoutSeconds)) s bei \(method) \(url.path)")
            }
            throw .unreachable("keine Antwort auf \(method) \(url.path) (\(Self.reason(error)))")
        }
        guard let response else { throw .unreachable("keine HTTP-Antwort auf \(method) \(url.path)") }
        return FiskalyHTTPResponse(status: response.statusCode, body: [UInt8](data ?? Data()))
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func reason(_ error: any Error) -> String {
        guard let urlError = error as? URLError else { return "\(error)" }
        switch urlError.code {
        case .networkConnectionLost: return "Verbindung abgebrochen"
        case .cannotConnectToHost: return "Verbindung abgelehnt"
        case .cannotFindHost, .dnsLookupFailed: return "Rechnername unbekannt"
        case .notConnectedToInternet: return "kein Netz"
        case .badServerResponse, .cannotParseResponse: return "Antwort abgebrochen"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
            return "TLS-Verbindung fehlgeschlagen"
        default: return "URLError \(urlError.code.rawValue)"
        }
    }

    /// The completion handler's result, handed to the waiting thread.
    // @unchecked Sendable: written once under `lock` before the semaphore is signalled.
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: (Data?, HTTPURLResponse?, (any Error)?) = (nil, nil, nil)
        func set(data: Data?, response: HTTPURLResponse?, error: (any Error)?) { lock.withLock { stored = (data, response, error) } }
        var value: (Data?, HTTPURLResponse?, (any Error)?) { lock.withLock { stored } }
    }
}
