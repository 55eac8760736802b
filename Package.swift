// swift-tools-version:6.0
// Web-Kasse: a counter payment terminal for German citizens' offices.
//
// The dependency arrows point one way:
//   executables → CounterUI → Counter → (KasseCore, Ledger, ZVT, Access, QREncoding, Fiscal)
//   QREncoding → CQRencode (libqrencode);  Fiscal → (KasseCore, KasseCrypto, SystemCalls)
//   Ledger → Access → KasseCore;  Exports → (Ledger, KasseCore, KasseCrypto);  ZVTSimulator → ZVT
//   Central → (Ledger, Exports, CPostgreSQL);  (CLISupport, ZVT, Ledger, Counter, Exports, ZVTSimulator, Central) → SystemCalls (C library and Foundation only)
// KasseCore knows nothing of curses, SQLite or ZVT; ZVT knows nothing of baskets.
import PackageDescription

let package = Package(
    name: "WebKasse",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "webkasse", targets: ["webkasse"]),
        .executable(name: "zvt-sim", targets: ["zvt-sim"]),
        .executable(name: "webkasse-bench", targets: ["webkasse-bench"]),
    ],
    targets: [
        // C boundaries: one system-library target per C library (modulemap + shim.h).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CPostgreSQL", path: "Sources/CPostgreSQL"),
        .systemLibrary(name: "CQRencode", path: "Sources/CQRencode"),

        // Hashing (SHA-256), PIN key derivation (PBKDF2), randomness: the one Swift face of libcrypto.
        .target(name: "KasseCrypto", dependencies: ["CCrypto"]),
        // The POSIX boundary: system calls (typed errno, EINTR retried), the TCP stream socket, owner-only files and the log file.
        .target(name: "SystemCalls"),
        // Small command-line helpers shared by the executables (argument lists, exit codes, user errors).
        .target(name: "CLISupport", dependencies: ["SystemCalls"]),

        // Domain core: money, tariff catalogue, basket, receipt text. Pure Swift.
        .target(name: "KasseCore"),
        // ESC/POS for the receipt printer and the customer display: documents to bytes, status replies, a reader. Pure Swift.
        .target(name: "ESCPOS"),
        // QR codes: bytes to a module matrix through libqrencode, and the matrix drawn as text. KasseCore does not depend on it.
        .target(name: "QREncoding", dependencies: ["CQRencode"]),
        // ZVT (ECR side): pure codec, sans-I/O session and serial-link state machines, TCP and serial transports.
        .target(name: "ZVT", dependencies: ["SystemCalls"]),
        // The simulated payment terminal (PT side of ZVT), as a library for tests and zvt-sim.
        .target(name: "ZVTSimulator", dependencies: ["ZVT", "SystemCalls"]),
        // Operators, roles, PIN hashing, lockout, four-eyes approvals, audit event types. Storage-independent.
        .target(name: "Access", dependencies: ["KasseCore", "KasseCrypto"]),
        // The append-only SQLite ledger with its hash chain; also the SQL behind Access's credential store.
        .target(name: "Ledger", dependencies: ["KasseCore", "CSQLite", "KasseCrypto", "Access", "SystemCalls"]),
        // Fiscal (KassenSichV): the TSE behind the SE-API (TR-03151), the receipt's QR string. No curses, SQLite or ZVT.
        .target(name: "Fiscal", dependencies: ["KasseCore", "KasseCrypto", "SystemCalls"]),
        // The counter service: the one application API used by UI, bench, simulate and tests.
        .target(
            name: "Counter",
            dependencies: ["KasseCore", "Ledger", "ZVT", "KasseCrypto", "Access", "SystemCalls", "ESCPOS", "QREncoding", "Fiscal"]),
        // Exports for the treasury: DATEV EXTF, municipal CSV, hledger journal, JSON Lines.
        .target(name: "Exports", dependencies: ["KasseCore", "Ledger", "KasseCrypto", "SystemCalls"]),
        // The central PostgreSQL database of many registers: libpq boundary, schema, delivery from the counter (docs/central.md).
        .target(name: "Central", dependencies: ["Access", "Ledger", "KasseCore", "KasseCrypto", "CPostgreSQL", "SystemCalls", "Exports"]),
        // The ncurses counter screen.
        .target(name: "CounterUI", dependencies: ["Counter", "Access", "KasseCore", "Ledger", "CNcursesw"]),

        // Thin executables.
        .executableTarget(
            name: "webkasse",
            dependencies: [
                "CLISupport", "KasseCore", "ZVT", "ZVTSimulator", "Ledger", "Counter", "Exports", "CounterUI", "Access",
                "SystemCalls", "Fiscal", "Central",
            ]),
        .executableTarget(name: "zvt-sim", dependencies: ["CLISupport", "ZVT", "ZVTSimulator"]),
        .executableTarget(
            name: "webkasse-bench",
            dependencies: [
                "CLISupport", "KasseCore", "KasseCrypto", "ZVT", "ZVTSimulator", "Ledger", "Counter", "Exports",
                "CounterUI", "CSQLite", "Access", "SystemCalls", "Fiscal", "Central",
            ]),

        // Shared test helpers (temporary directories, the package root, process runner, the ZVT trace
        // directory, a ledger with three business days for export runs, a database of its own on the PostgreSQL test server,
        // two taxable counter days of 2027 and the DSFinV-K validator).
        .target(
            name: "TestSupport", dependencies: ["KasseCore", "Ledger", "Exports", "ESCPOS", "SystemCalls", "Central", "Counter", "Fiscal"],
            path: "Tests/TestSupport"),

        // One test target per library target, holding the tests of that target only.
        .testTarget(name: "KasseCoreTests", dependencies: ["KasseCore", "TestSupport"]),
        .testTarget(name: "KasseCryptoTests", dependencies: ["KasseCrypto"]),
        .testTarget(name: "ESCPOSTests", dependencies: ["ESCPOS"]),
        .testTarget(name: "FiscalTests", dependencies: ["Fiscal", "KasseCore", "KasseCrypto", "TestSupport"]),
        .testTarget(name: "QREncodingTests", dependencies: ["QREncoding", "Fiscal", "TestSupport"]),
        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls", "TestSupport"]),
        .testTarget(name: "CLISupportTests", dependencies: ["CLISupport"]),
        .testTarget(name: "ZVTTests", dependencies: ["ZVT", "TestSupport"], exclude: ["Traces"]),
        .testTarget(name: "ZVTSimulatorTests", dependencies: ["ZVTSimulator", "ZVT", "SystemCalls", "TestSupport"]),
        .testTarget(name: "AccessTests", dependencies: ["Access", "KasseCore", "KasseCrypto"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "KasseCore", "CSQLite", "SystemCalls", "TestSupport"]),
        // Also the counter's security glue (Security/: access control, sessions, the secret scan over a
        // whole test day's files, exports included) and its soak and fault runs (Soak/: sizes from the environment).
        .testTarget(
            name: "CounterTests",
            dependencies: [
                "Counter", "Access", "Ledger", "Exports", "KasseCore", "ZVT", "ZVTSimulator", "CSQLite", "SystemCalls",
                "TestSupport", "ESCPOS", "Fiscal",
            ]),
        // Against a real PostgreSQL server (`WEBKASSE_TEST_PG_URL`, started by scripts/pg-test-cluster).
        .testTarget(name: "CentralTests", dependencies: ["Central", "Counter", "Ledger", "KasseCore", "SystemCalls", "TestSupport", "Exports", "Fiscal"]),
        // Also the DSFinV-K of a day booked through the counter (DSFinVK/), hence Counter.
        .testTarget(name: "ExportsTests", dependencies: ["Exports", "Ledger", "KasseCore", "KasseCrypto", "TestSupport", "Counter", "Fiscal"]),
        .testTarget(
            name: "CounterUITests", dependencies: ["CounterUI", "Counter", "Access", "Ledger", "KasseCore", "ZVT", "ZVTSimulator", "TestSupport"]),
        // Every test that starts a built binary (webkasse, zvt-sim), by what it drives: CLI/ (bad input),
        // ZVT/, ZVTSimulator/, Exports/, Operators/, Crash/ (SIGKILL during `simulate` and `sync`), Screen/ (tmux).
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "Counter", "Ledger", "KasseCore", "KasseCrypto", "ZVT", "ZVTSimulator", "ESCPOS", "Fiscal", "Central"]),
    ],
    swiftLanguageModes: [.v6]
)
