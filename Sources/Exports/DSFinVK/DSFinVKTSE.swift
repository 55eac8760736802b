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
    /// TSE_PUBLIC_KEY, base64.
    public var publicKey: String
    /// The certificate (DER) in base64, written in parts of 1,000 characters (TSE_ZERTIFIKAT_I … VII); empty if unknown.
    public var certificate: String

    public init(
        serialNumber: String, signatureAlgorithm: String, logTimeFormat: String, processDataEncoding: String = "UTF-8",
        publicKey: String, certificate: String = ""
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
/// or the failure recorded instead (the sale was booked without a signature). The fields are those
/// the ledger keeps per booking (docs/dsfinvk.md, "TSE"), so the mapping is field by field.
public struct DSFinVKTransactionSignature: Equatable, Sendable {
    /// The Vorgang it belongs to: the id of the sale, storno or cash movement (``DSFinVKBuilder/bonID(_:)``).
    public var bonID: String
    /// Which device signed (TSE_SERIAL of `tse.csv`); nil when the device was not reachable at all.
    public var serialNumber: String?
    public var transactionNumber: Int64?
    public var start: Instant?
    public var end: Instant?
    /// TSE_TA_VORGANGSART: `Kassenbeleg-V1`, `SonstigerVorgang` …
    public var processType: String
    public var signatureCounter: Int64?
    /// TSE_TA_SIG, base64.
    public var signature: String?
    /// TSE_TA_FEHLER: why there is no signature (`TSE ausgefallen: …`); nil when signed.
    public var failure: String?
    /// TSE_TA_VORGANGSDATEN: the processData as signed.
    public var processData: String
    /// The device's algorithm, log-time format and public key (base64) as the answer carried them:
    /// `tse.csv` is made of them when the source names no devices itself.
    public var signatureAlgorithm: String?
    public var logTimeFormat: String?
    public var publicKey: String?

    public init(
        bonID: String, serialNumber: String?, transactionNumber: Int64?, start: Instant?, end: Instant?, processType: String,
        signatureCounter: Int64?, signature: String?, failure: String?, processData: String, signatureAlgorithm: String? = nil,
        logTimeFormat: String? = nil, publicKey: String? = nil
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
        self.signatureAlgorithm = signatureAlgorithm
        self.logTimeFormat = logTimeFormat
        self.publicKey = publicKey
    }
}

/// What the TSE said for one Kassenabschluss: its devices and the answers by BON_ID.
public struct DSFinVKTSEData: Equatable, Sendable {
    public var devices: [DSFinVKTSEDevice]
    public var signatures: [String: DSFinVKTransactionSignature]

    /// `devices` nil: one device per serial number the signed answers name, with the algorithm,
    /// log-time format and public key they carry (in the order first met).
    public init(devices: [DSFinVKTSEDevice]? = nil, signatures: [DSFinVKTransactionSignature] = []) {
        self.signatures = Dictionary(signatures.map { ($0.bonID, $0) }, uniquingKeysWith: { _, last in last })
        if let devices {
            self.devices = devices
            return
        }
        var found: [DSFinVKTSEDevice] = []
        for answer in signatures {
            guard let serial = answer.serialNumber, !found.contains(where: { $0.serialNumber == serial }),
                let algorithm = answer.signatureAlgorithm, let format = answer.logTimeFormat, let key = answer.publicKey
            else { continue }
            found.append(DSFinVKTSEDevice(serialNumber: serial, signatureAlgorithm: algorithm, logTimeFormat: format, publicKey: key))
        }
        self.devices = found
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

/// The TSE's answers as the ledger keeps them (`tse_transactions`, migration 13; docs/fiscal.md):
/// the record of each sale, storno and cash movement of the period, field by field. Transactions
/// without a booking (aborted, found without one at a start) have no BON_ID and are left out.
public struct DSFinVKLedgerTSE: DSFinVKTSESource {
    public init() {}
    public func tseData(ledger: Ledger, register: String, journal: ClosedRange<Int64>) throws -> DSFinVKTSEData {
        DSFinVKTSEData(records: try ledger.tseTransactions(after: journal.lowerBound - 1, through: journal.upperBound).map(\.record))
    }
}

extension DSFinVKTSEData {
    /// The answers of TSE records as the ledger (or the centre's copy of it) keeps them, field by
    /// field; transactions without a booking (aborted, found without one at a start) have no BON_ID
    /// and are left out.
    public init(records: [TSETransactionRecord]) {
        let signatures: [DSFinVKTransactionSignature] = records.compactMap { r in
            guard let bon = r.bookingId, r.booking != .aborted, r.booking != .unbooked else { return nil }
            return DSFinVKTransactionSignature(
                bonID: bon, serialNumber: r.serial, transactionNumber: r.transactionNumber, start: r.startedAt, end: r.endedAt,
                processType: r.processType, signatureCounter: r.signatureCounter, signature: r.signature, failure: r.error,
                processData: r.processData, signatureAlgorithm: r.signatureAlgorithm, logTimeFormat: r.logTimeFormat, publicKey: r.publicKey)
        }
        self = signatures.isEmpty ? .none : DSFinVKTSEData(signatures: signatures)
    }
}
