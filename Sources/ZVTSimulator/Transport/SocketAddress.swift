/// A host and port, e.g. `127.0.0.1:20007`.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (or just `PORT`, meaning 127.0.0.1).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, let port = UInt16(parts[0]) {
            self.init(host: "127.0.0.1", port: port)
        } else if parts.count == 2, !parts[0].isEmpty, let port = UInt16(parts[1]) {
            self.init(host: String(parts[0]), port: port)
        } else {
            return nil
        }
    }

    public var description: String { "\(host):\(port)" }
}
