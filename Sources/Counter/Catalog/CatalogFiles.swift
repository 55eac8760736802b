import KasseCore
import KasseCrypto

/// The fee catalogue as the counter loads it: validated by ``TariffCatalogLoader`` and named by
/// its content, so that every sale records which catalogue priced it (docs/ledger.md,
/// "Katalogversion").
public enum CatalogFiles {
    /// `sha256:` and the first 16 hex digits of the SHA-256 over each file's name (without
    /// directory), a NUL, its bytes and a NUL, in the order read: the same files give the same
    /// version on every machine; any change of a byte gives another.
    public static let version: TariffCatalogLoader.VersionFunction = { sources in
        var bytes: [UInt8] = []
        for source in sources {
            bytes += Array(source.name.utf8) + [0] + source.bytes + [0]
        }
        return "sha256:" + String(LibCrypto.sha256(bytes).hexString.prefix(16))
    }

    /// ``TariffCatalogLoader/check(path:versionOf:)`` with the content version.
    public static func check(path: String) -> (TariffCatalog?, [CatalogProblem]) {
        TariffCatalogLoader.check(path: path, versionOf: version)
    }

    /// ``TariffCatalogLoader/load(path:versionOf:)`` with the content version.
    public static func load(path: String) throws(CatalogError) -> TariffCatalog {
        try TariffCatalogLoader.load(path: path, versionOf: version)
    }
}
