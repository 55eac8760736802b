import KasseCore
import Ledger

/// A TSE as `tse.csv` describes it (DSFinV-K § 3.2.7 Stamm_TSE; TR-03151 `ExportSerialNumbers`).
public struct DSFinVKTSEDevice: Equatable, Sendable {
    /// TSE_SERIAL: for a TR-03153 TSE the hex SHA-256 of its public key.
    public var serialNumber: String
    /// TSE_SIG_ALGO, e.g. `ecdsa-plain-SHA256`.
    public var signatureAlgorithm: String
    /// TSE_ZEITFORMAT: `unixTime`, `utcTime`, `utcTimeWithSeconds`, `generalizedTime`, `generalizedTimeWithMilliseconds`.
    public var logTimeFormat: String
    /// TSE_PD_ENCODING: `UTF-8` or `ASCII`.
    public var processDataEncoding: String
    /// The public key (TSE_PUBLIC_KEY, written base64).
    public var publicKey: [UInt8]
    /// The certificate (DER), written base64 in parts of 1,000 characters (TSE_ZERTIFIKAT_I … VII).
    public var certificate: [UInt8]?

    public init(
        serialNumber: String, signatureAlgorithm: String, logTimeFormat: String, processDataEncoding: String = "UTF-8",
        publicKey: [UInt8], certificate: [UInt8]?
    ) {
        self.serialNumber = serialNumber
        self.signatureAlgorithm = signatureAlgorithm
        self.logTimeFormat = logTimeFormat
        self.processDataEncoding = processDataEncoding
        self.publicKey = publicKey
        self.certificate = certificate
    }
}

/// The TSE's answer to one Vorgang (DSFinV-K § 3.1.2.5 TSE_Transaktionen): its FinishTransaction,
/// or the failure recorded instead (the sale was booked without a signature).
public struct DSFinVKTransactionSignature: Equatable, Sendable {
    /// The Vorgang it belongs to: ``DSFinVKBuilder/bonID(_:)`` of the booking (its record id).
    public var bonID: String
    /// Which device signed (TSE_SERIAL of `tse.csv`); nil when the device was not reachable at all.
    public var serialNumber: String?
    public var transactionNumber: UInt64?
    public var start: Instant?
    public var end: Instant?
    /// TSE_TA_VORGANGSART: `Kassenbeleg-V1`, `SonstigerVorgang` …
    public var processType: String
    public var signatureCounter: UInt64?
    /// TSE_TA_SIG, written base64.
    public var signature: [UInt8]?
    /// TSE_TA_FEHLER: why there is no signature (`TSE ausgefallen: …`); nil when signed.
    public var failure: String?
    /// TSE_TA_VORGANGSDATEN: the processData as signed.
    public var processData: String

    public init(
        bonID: String, serialNumber: String?, transactionNumber: UInt64?, start: Instant?, end: Instant?, processType: String,
        signatureCounter: UInt64?, signature: [UInt8]?, failure: String?, processData: String
    ) {
        self.bonID = bonID
        self.serialNumber = serialNumber
        self.transactionNumber = transactionNumber
        self.start = start
        self.end = end
        self.processType = processType
        self.signatureCounter = signatureCounter
        self.signature = signature
        self.failure = failure
        self.processData = processData
    }
}

/// What the TSE said for one Kassenabschluss: its devices and the answers by BON_ID.
public struct DSFinVKTSEData: Equatable, Sendable {
    public var devices: [DSFinVKTSEDevice]
    public var signatures: [String: DSFinVKTransactionSignature]

    public init(devices: [DSFinVKTSEDevice] = [], signatures: [DSFinVKTransactionSignature] = []) {
        self.devices = devices
        self.signatures = Dictionary(signatures.map { ($0.bonID, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// A till without TSE (`[fiscal] tse = none`): `tse.csv` and `transactions_tse.csv` hold their header only.
    public static let none = DSFinVKTSEData()
}

/// Where the DSFinV-K export takes the TSE's answers from: once per Kassenabschluss, for the
/// journal range of its period (docs/dsfinvk.md, "TSE").
public protocol DSFinVKTSESource {
    func tseData(ledger: Ledger, register: String, journal: ClosedRange<Int64>) throws -> DSFinVKTSEData
}

/// A till without TSE: nothing signed, nothing failed.
public struct DSFinVKWithoutTSE: DSFinVKTSESource {
    public init() {}
    public func tseData(ledger: Ledger, register: String, journal: ClosedRange<Int64>) throws -> DSFinVKTSEData { .none }
}

/// The TSE's answers from a closure: the wiring of a ledger query is one line.
public struct DSFinVKTSEQuery: DSFinVKTSESource {
    let query: (Ledger, String, ClosedRange<Int64>) throws -> DSFinVKTSEData
    public init(_ query: @escaping (Ledger, String, ClosedRange<Int64>) throws -> DSFinVKTSEData) { self.query = query }
    public func tseData(ledger: Ledger, register: String, journal: ClosedRange<Int64>) throws -> DSFinVKTSEData {
        try query(ledger, register, journal)
    }
}
