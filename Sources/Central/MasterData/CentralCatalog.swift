import Foundation
import KasseCore

/// A catalogue version published by the centre (`webkasse central tariffs publish`, docs/central.md
/// "Stammdaten").
public struct PublishedCatalog: Equatable, Sendable {
    /// 1, 2, 3 … in the order published.
    public let version: Int64
    /// The content's version (`sha256:…` over the files, ``TariffCatalog/version``): what every
    /// sale records.
    public let contentVersion: String
    public let itemCount: Int
    public let publishedBy: String
    public let publishedAt: String
}

/// What `publish` did.
public enum CatalogPublication: Equatable, Sendable {
    /// A new version.
    case published(PublishedCatalog)
    /// The newest version has exactly these files already: nothing written.
    case unchanged(PublishedCatalog)
}

extension CentralStore {
    /// Publishes the catalogue at `path` (a file or a directory of `*.json`), validated as
    /// `tariffs check` does and named by `versionOf` (the counter's `CatalogFiles.version`).
    /// A catalogue with a problem throws ``CentralError/catalogProblems(_:)`` with every problem;
    /// nothing is written then.
    public func publishCatalog(path: String, versionOf: @escaping TariffCatalogLoader.VersionFunction, by publisher: String) throws
        -> CatalogPublication
    {
        let (sources, unreadable) = TariffCatalogLoader.readSources(path: path)
        let (checked, problems) = TariffCatalogLoader.check(sources: sources, versionOf: versionOf)
        guard let catalog = checked, unreadable.isEmpty, problems.isEmpty else {
            throw CentralError.catalogProblems(unreadable + problems)
        }
        let files = sources.map { (name: ($0.name as NSString).lastPathComponent, bytes: $0.bytes) }
        return try publishCatalog(catalog, files: files, by: publisher)
    }

    /// Publishes the validated catalogue `catalog` with its files (`name` without directory, bytes
    /// as read) as the next version, unless the newest version has the same content. One
    /// transaction: a version is there with all its files or not at all.
    public func publishCatalog(_ catalog: TariffCatalog, files: [(name: String, bytes: [UInt8])], by publisher: String) throws
        -> CatalogPublication
    {
        guard let content = catalog.version else { throw CentralError.invalidMasterData("Der Katalog hat keine Version.") }
        return try run {
            try connection.transaction {
                // One publisher at a time: the version numbers stay gapless.
                try connection.execute("LOCK TABLE catalog_versions IN EXCLUSIVE MODE")
                if let newest = try newestCatalog(), newest.contentVersion == content { return .unchanged(newest) }
                if let earlier = try connection.execute(
                    "SELECT version FROM catalog_versions WHERE content_version = $1", [.text(content)]
                ).int64Optional(0, 0) {
                    throw CentralError.invalidMasterData(
                        "Diese Dateien sind schon Version \(earlier); eine ältere Fassung wieder zu veröffentlichen braucht eine Änderung (z. B. ein neues valid_from)."
                    )
                }
                let next = (try connection.execute("SELECT coalesce(max(version), 0) + 1 FROM catalog_versions").int64(0, 0) ?? 1)
                try connection.execute(
                    "INSERT INTO catalog_versions (version, content_version, item_count, published_by) VALUES ($1, $2, $3, $4)",
                    [.int(Int(next)), .text(content), .int(catalog.items.count), .text(publisher)])
                for file in files {
                    try connection.execute(
                        "INSERT INTO catalog_files (version, name, content) VALUES ($1, $2, $3)", [.int(Int(next)), .text(file.name), .bytes(file.bytes)])
                }
                guard let stored = try newestCatalog() else { throw CentralError.invalidMasterData("Version \(next) fehlt nach dem Schreiben.") }
                return .published(stored)
            }
        }
    }

    /// The newest published version, nil when none.
    public func newestCatalog() throws -> PublishedCatalog? {
        try publishedCatalogs(limit: 1).first
    }

    /// The published versions, newest first.
    public func publishedCatalogs(limit: Int = 1000) throws -> [PublishedCatalog] {
        try run {
            let result = try connection.execute(
                """
                SELECT version, content_version, item_count, published_by,
                       to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM catalog_versions ORDER BY version DESC LIMIT $1
                """, [.int(limit)])
            return (0..<result.rowCount).map { row in
                PublishedCatalog(
                    version: result.int64(row, 0) ?? 0, contentVersion: result.text(row, 1) ?? "", itemCount: Int(result.int64(row, 2) ?? 0),
                    publishedBy: result.text(row, 3) ?? "", publishedAt: result.text(row, 4) ?? "")
            }
        }
    }

    /// The files of `version`, by name.
    public func catalogFiles(version: Int64) throws -> [(name: String, bytes: [UInt8])] {
        try run {
            let result = try connection.execute(
                "SELECT name, content FROM catalog_files WHERE version = $1 ORDER BY name", [.int(Int(version))])
            return (0..<result.rowCount).map { (result.text($0, 0) ?? "", result.bytes($0, 1) ?? []) }
        }
    }
}

extension PostgreSQLResult {
    /// The integer at `row`, `column`, nil when there is no such row or it is NULL.
    func int64Optional(_ row: Int, _ column: Int) -> Int64? {
        row < rowCount && !isNull(row, column) ? int64(row, column) : nil
    }
}
