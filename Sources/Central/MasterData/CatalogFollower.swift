import Foundation
import KasseCore

/// Follows the centre's newest catalogue into the counter's ``CatalogCache`` (docs/central.md,
/// "Stammdaten"), from the delivery's background thread at most every ``intervalMs``: never on
/// the clerk's key path. A version the counter refuses (it does not validate here) is not asked
/// for again; the counter keeps its last good version.
public final class CatalogFollower: @unchecked Sendable {
    public let cache: CatalogCache
    public static let intervalMs: Int64 = 30_000
    private var lastAsked: Int64?
    private var refused: Int64?
    private let lock = NSLock()
    private var problem: String?

    public init(cache: CatalogCache) { self.cache = cache }

    /// Why the last fetch failed or was refused, nil when it went well.
    public var lastProblem: String? { lock.withLock { problem } }

    /// Fetches and installs the newest version if it is not the one in use; returns it when it did.
    @discardableResult
    public func follow(_ store: CentralStore, now: Instant) -> Int64? {
        if let lastAsked, now.millisecondsSinceEpoch - lastAsked < Self.intervalMs { return nil }
        lastAsked = now.millisecondsSinceEpoch
        do {
            guard let newest = try store.newestCatalog(), newest.version != cache.currentVersion, newest.version != refused else {
                return nil
            }
            do {
                try cache.install(version: newest.version, files: try store.catalogFiles(version: newest.version))
            } catch let error as CatalogCacheError {
                refused = newest.version
                throw error
            }
            lock.withLock { problem = nil }
            return newest.version
        } catch {
            lock.withLock { problem = "Katalog der Zentrale: \(error)" }
            return nil
        }
    }
}
