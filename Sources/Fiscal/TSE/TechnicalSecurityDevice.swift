import KasseCore

/// A technical security device (TSE) behind the SE-API's transaction semantics
/// (BSI TR-03151 §§ 4–5: `StartTransaction`, `UpdateTransaction`, `FinishTransaction`;
/// docs/fiscal.md). Every answer is a signed log message of the device.
///
/// Calls are synchronous and may block on the device (a cloud TSE on the network); the counter
/// calls them off the clerk's key path where the law allows and records a failure as
/// ``TSEError`` instead of stopping the sale.
///
/// `transactionKey` is chosen by the caller and recorded before the device is asked, so that a
/// retry after a lost answer (a dropped HTTP reply, a crash) asks for the same transaction
/// instead of opening a second one: a device answers a repeated call with the same key and the
/// same operation with the answer it gave the first time.
public protocol TechnicalSecurityDevice: AnyObject {
    /// Which implementation this is, as `[fiscal] tse` names it.
    var kind: TSEKind { get }

    /// The device's identity: serial number, public key, algorithm, log-time format, certificate.
    func describe() throws(TSEError) -> TSEDescription

    /// Registers `clientId` (the register's serial number, TR-03151's client-id characters) if the
    /// device does not know it yet. Idempotent.
    func registerClient(_ clientId: String) throws(TSEError)

    /// Starts a transaction (TR-03151 `StartTransaction`). Process type and data may be empty.
    func startTransaction(
        key: TSETransactionKey, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer

    /// Updates a started transaction (TR-03151 `UpdateTransaction`).
    func updateTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer

    /// Finishes a started transaction (TR-03151 `FinishTransaction`); the answer is what the
    /// receipt and the DSFinV-K carry.
    func finishTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer

    /// Writes the device's export (TR-03151 TAR: log messages, certificate, `info.csv`) to `path`.
    func exportTAR(to path: String) throws(TSEError)
}

/// `[fiscal] tse`: which TSE signs.
public enum TSEKind: String, Sendable, CaseIterable {
    /// No TSE: a pure fee counter (sovereign fees only).
    case none
    /// The local software TSE: signs for real, **not certified** (development, training, tests).
    case software
    /// fiskaly SIGN DE v2, a certified cloud TSE.
    case fiskaly
}

/// The caller's name for one transaction, recorded before the device is asked (a UUID string).
public struct TSETransactionKey: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// The process types of the DSFinV-K (§ 1.7): the sale receipt and the other operations.
public enum TSEProcessType: String, Sendable, CaseIterable {
    case receipt = "Kassenbeleg-V1"
    case order = "Bestellung-V1"
    case other = "SonstigerVorgang"
}

/// Who the device is (TR-03151 `ExportSerialNumbers`, certificate; DSFinV-K `tse.csv`).
public struct TSEDescription: Equatable, Sendable {
    /// TSE_SERIAL: the hex SHA-256 of the public key for a TR-03153 TSE; the provider's serial otherwise.
    public var serialNumber: String
    /// The signature algorithm, as the QR code and `tse.csv` name it, e.g. `ecdsa-plain-SHA256`.
    public var signatureAlgorithm: String
    /// The log-time format: `unixTime`, `utcTime` or `generalizedTime`.
    public var logTimeFormat: String
    /// The public key (uncompressed EC point, X9.62), printed Base64 in the QR code.
    public var publicKey: [UInt8]
    /// The certificate (DER) when the device has one; the software TSE has a self-signed one.
    public var certificate: [UInt8]?
    /// The BSI certification id (`BSI-K-TR-nnnn-yyyy`), `nil` for the uncertified software TSE.
    public var certificationId: String?
    /// The signature counter of the last log message, for the outage report and `fiscal report`.
    public var signatureCounter: UInt64

    public init(
        serialNumber: String, signatureAlgorithm: String, logTimeFormat: String, publicKey: [UInt8],
        certificate: [UInt8]?, certificationId: String?, signatureCounter: UInt64
    ) {
        self.serialNumber = serialNumber
        self.signatureAlgorithm = signatureAlgorithm
        self.logTimeFormat = logTimeFormat
        self.publicKey = publicKey
        self.certificate = certificate
        self.certificationId = certificationId
        self.signatureCounter = signatureCounter
    }
}

/// The answer to start, update or finish: one signed log message (TR-03151 § 5.3, TR-03153 § 9).
public struct TSELogAnswer: Equatable, Sendable {
    /// The transaction number the device gave at the start (TSE_TANR).
    public var transactionNumber: UInt64
    /// The signature counter of this log message (TSE_TA_SIGZ); gapless per device.
    public var signatureCounter: UInt64
    /// The transaction's start (TSE_TA_START), the same in every answer of one transaction.
    public var startTime: Instant
    /// This log message's time (TSE_TA_ENDE for the finish).
    public var logTime: Instant
    /// The signature value (TSE_TA_SIG, printed Base64).
    public var signature: [UInt8]
    public var signatureAlgorithm: String
    public var logTimeFormat: String
    public var serialNumber: String
    public var publicKey: [UInt8]
    /// What was signed, for the QR code (it must be printed exactly as signed).
    public var processType: String
    public var processData: [UInt8]

    public init(
        transactionNumber: UInt64, signatureCounter: UInt64, startTime: Instant, logTime: Instant, signature: [UInt8],
        signatureAlgorithm: String, logTimeFormat: String, serialNumber: String, publicKey: [UInt8],
        processType: String, processData: [UInt8]
    ) {
        self.transactionNumber = transactionNumber
        self.signatureCounter = signatureCounter
        self.startTime = startTime
        self.logTime = logTime
        self.signature = signature
        self.signatureAlgorithm = signatureAlgorithm
        self.logTimeFormat = logTimeFormat
        self.serialNumber = serialNumber
        self.publicKey = publicKey
        self.processType = processType
        self.processData = processData
    }
}

/// Why the device gave no signature. The counter books the sale anyway and records this
/// (DSFinV-K `TSE_TA_FEHLER`); the receipt says "TSE ausgefallen".
public enum TSEError: Error, Equatable, Sendable {
    /// The device could not be reached (network, file system, timeout).
    case unreachable(String)
    /// The device refused the call (state, unknown client, unknown transaction …).
    case refused(String)
    /// The device's storage (key, counter, log) could not be read or written.
    case storage(String)
    /// The device answered something that is not an answer.
    case malformedAnswer(String)

    /// The German text for the clerk, the audit trail and `TSE_TA_FEHLER`.
    public var message: String {
        switch self {
        case .unreachable(let why): "TSE nicht erreichbar: \(why)"
        case .refused(let why): "TSE lehnt ab: \(why)"
        case .storage(let why): "TSE-Speicher: \(why)"
        case .malformedAnswer(let why): "TSE-Antwort unlesbar: \(why)"
        }
    }
}
