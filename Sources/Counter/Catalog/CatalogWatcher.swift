import KasseCore

/// Watches for a new version of the fee catalogue while the counter runs (docs/ledger.md,
/// "Katalogversion"): asks its source at most once per ``intervalSeconds`` and reports a version
/// it has not seen. A catalogue that does not validate is reported once and never used: the
/// counter keeps selling on the last good version. The screen takes a new version only between
/// two baskets, so no sale mixes two versions.
///
/// The source is the catalogue path (``init(path:currentVersion:)``) or any other that yields
/// a validated catalogue and its problems (the central database's published versions).
public final class CatalogWatcher {
    public enum Change: Equatable {
        /// A valid catalogue with a version other than the current one.
        case newVersion(TariffCatalog)
        /// The source changed but does not validate; the current version stays.
        case unusable([CatalogProblem])

        public static func == (a: Change, b: Change) -> Bool {
            switch (a, b) {
            case (.newVersion(let x), .newVersion(let y)): x.version == y.version
            case (.unusable(let x), .unusable(let y)): x == y
            default: false
            }
        }
    }

    /// How often the source is asked: within a minute of a new version (issue text of the
    /// central catalogue: "within a minute while running").
    public static let intervalSeconds: Int64 = 60

    private let source: () -> (TariffCatalog?, [CatalogProblem])
    /// The version in use.
    public private(set) var currentVersion: String?
    private var lastAsked: Instant?
    private var reportedProblems: [CatalogProblem] = []

    public init(currentVersion: String?, source: @escaping () -> (TariffCatalog?, [CatalogProblem])) {
        self.currentVersion = currentVersion
        self.source = source
    }

    /// Watches the catalogue files at `path` (``CatalogFiles/check(path:)``).
    public convenience init(path: String, currentVersion: String?) {
        self.init(currentVersion: currentVersion) { CatalogFiles.check(path: path) }
    }

    /// Asks the source if ``intervalSeconds`` have passed since the last time (the first call asks
    /// only after one interval: the counter has just loaded the catalogue).
    public func poll(now: Instant) -> Change? {
        guard let lastAsked else {
            self.lastAsked = now
            return nil
        }
        guard now.millisecondsSinceEpoch - lastAsked.millisecondsSinceEpoch >= Self.intervalSeconds * 1000 else { return nil }
        self.lastAsked = now
        let (catalog, problems) = source()
        if let catalog, problems.isEmpty {
            reportedProblems = []
            guard catalog.version != currentVersion else { return nil }
            currentVersion = catalog.version
            return .newVersion(catalog)
        }
        guard problems != reportedProblems else { return nil }
        reportedProblems = problems
        return .unusable(problems)
    }
}
