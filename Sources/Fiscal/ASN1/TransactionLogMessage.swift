/// A transaction log message of the SE-API (BSI TR-03151 § 5.3; konfidas/TTC
/// `LogMessageImplementation.java`, `TransactionLogMessage.java`; docs/fiscal.md):
///
/// ```
/// SEQUENCE {
///   version INTEGER (2), certifiedDataType OID 0.4.0.127.0.7.3.7.1.1,
///   operationType [0] PrintableString, clientID [1] PrintableString, processData [2] OCTET STRING,
///   processType [3] PrintableString, transactionNumber [5] INTEGER,
///   serialNumber OCTET STRING, signatureAlgorithm SEQUENCE { OID },
///   signatureCounter INTEGER, logTime unixTime INTEGER, signatureValue OCTET STRING }
/// ```
///
/// The signature covers the concatenated *values* (no tags, no lengths) of every field before
/// `signatureValue`, in order — what TR-03151 calls the data to be signed and what TTC's
/// signature check recomputes.
public struct TransactionLogMessage: Equatable, Sendable {
    public static let version: UInt64 = 2
    /// `id-SE-API-transaction-log`.
    public static let transactionLogOID = "0.4.0.127.0.7.3.7.1.1"
    /// `ecdsa-plain-SHA256` (BSI TR-03111).
    public static let ecdsaPlainSHA256OID = "0.4.0.127.0.7.1.1.4.1.3"

    public enum Operation: String, Sendable, CaseIterable {
        case start = "StartTransaction"
        case update = "UpdateTransaction"
        case finish = "FinishTransaction"

        /// The word in the export's file name (`…_Start_…`, `…_Update_…`, `…_Finish_…`).
        public var fileNameWord: String {
            switch self {
            case .start: "Start"
            case .update: "Update"
            case .finish: "Finish"
            }
        }
    }

    public var operation: Operation
    public var clientId: String
    public var processData: [UInt8]
    public var processType: String
    public var transactionNumber: UInt64
    /// The TSE's serial number: the SHA-256 of its public key (32 bytes).
    public var serialNumber: [UInt8]
    public var signatureAlgorithmOID: String
    public var signatureCounter: UInt64
    /// Seconds since 1970 (`unixTime`).
    public var logTime: UInt64
    public var signatureValue: [UInt8]

    public init(
        operation: Operation, clientId: String, processData: [UInt8], processType: String, transactionNumber: UInt64,
        serialNumber: [UInt8], signatureAlgorithmOID: String = TransactionLogMessage.ecdsaPlainSHA256OID,
        signatureCounter: UInt64, logTime: UInt64, signatureValue: [UInt8] = []
    ) {
        self.operation = operation
        self.clientId = clientId
        self.processData = processData
        self.processType = processType
        self.transactionNumber = transactionNumber
        self.serialNumber = serialNumber
        self.signatureAlgorithmOID = signatureAlgorithmOID
        self.signatureCounter = signatureCounter
        self.logTime = logTime
        self.signatureValue = signatureValue
    }

    /// The fields before the signature as (tag, value), in the order of the message.
    private var signedFields: [(tag: UInt8, value: [UInt8])] {
        [
            (DER.integerTag, DER.integerValue(Self.version)),
            (DER.objectIdentifierTag, DER.objectIdentifierValue(Self.transactionLogOID)),
            (DER.contextTag(0), Array(operation.rawValue.utf8)),
            (DER.contextTag(1), Array(clientId.utf8)),
            (DER.contextTag(2), processData),
            (DER.contextTag(3), Array(processType.utf8)),
            (DER.contextTag(5), DER.integerValue(transactionNumber)),
            (DER.octetStringTag, serialNumber),
        ]
    }

    /// The data to be signed: the values of all fields before `signatureValue`, concatenated.
    public var dataToBeSigned: [UInt8] {
        var out: [UInt8] = []
        for field in signedFields { out.append(contentsOf: field.value) }
        out.append(contentsOf: DER.objectIdentifierValue(signatureAlgorithmOID))
        out.append(contentsOf: DER.integerValue(signatureCounter))
        out.append(contentsOf: DER.integerValue(logTime))
        return out
    }

    /// The whole message in DER, the content of one `.log` file of the export.
    public var encoded: [UInt8] {
        var elements = signedFields.map { DER.encode(tag: $0.tag, $0.value) }
        elements.append(DER.sequence([DER.encode(tag: DER.objectIdentifierTag, DER.objectIdentifierValue(signatureAlgorithmOID))]))
        elements.append(DER.encode(tag: DER.integerTag, DER.integerValue(signatureCounter)))
        elements.append(DER.encode(tag: DER.integerTag, DER.integerValue(logTime)))
        elements.append(DER.encode(tag: DER.octetStringTag, signatureValue))
        return DER.sequence(elements)
    }

    /// Reads a message this encoder wrote (and any that keeps to the same fields and order).
    public init(der bytes: [UInt8]) throws(DERError) {
        var offset = 0
        let outer = try DER.decode(bytes, at: &offset)
        guard outer.tag == DER.sequenceTag, offset == bytes.count else { throw .unexpected("keine SEQUENCE") }
        var fields = try outer.children()[...]
        func take(_ tag: UInt8, _ name: String) throws(DERError) -> [UInt8] {
            guard let next = fields.first, next.tag == tag else { throw .unexpected("Feld \(name) fehlt") }
            fields.removeFirst()
            return next.value
        }
        func number(_ tag: UInt8, _ name: String) throws(DERError) -> UInt64 {
            guard let value = DER.unsignedInteger(fromValue: try take(tag, name)) else { throw .unexpected("\(name) keine Zahl") }
            return value
        }
        func text(_ tag: UInt8, _ name: String) throws(DERError) -> String {
            let value = try take(tag, name)
            guard let string = String(validating: value, as: UTF8.self) else { throw .unexpected("\(name) kein Text") }
            return string
        }
        guard try number(DER.integerTag, "version") == Self.version else { throw .unexpected("version ≠ 2") }
        guard DER.objectIdentifier(fromValue: try take(DER.objectIdentifierTag, "certifiedDataType")) == Self.transactionLogOID else {
            throw .unexpected("kein Transaktions-Log")
        }
        guard let operation = Operation(rawValue: try text(DER.contextTag(0), "operationType")) else {
            throw .unexpected("operationType unbekannt")
        }
        self.operation = operation
        clientId = try text(DER.contextTag(1), "clientID")
        processData = try take(DER.contextTag(2), "processData")
        processType = try text(DER.contextTag(3), "processType")
        if fields.first?.tag == DER.contextTag(4) { fields.removeFirst() }  // additionalExternalData
        transactionNumber = try number(DER.contextTag(5), "transactionNumber")
        if fields.first?.tag == DER.contextTag(6) { fields.removeFirst() }  // additionalInternalData
        serialNumber = try take(DER.octetStringTag, "serialNumber")
        let algorithm = try DERElement(tag: DER.sequenceTag, value: take(DER.sequenceTag, "signatureAlgorithm")).children()
        guard let oid = algorithm.first, oid.tag == DER.objectIdentifierTag, let dotted = DER.objectIdentifier(fromValue: oid.value) else {
            throw .unexpected("signatureAlgorithm ohne OID")
        }
        signatureAlgorithmOID = dotted
        signatureCounter = try number(DER.integerTag, "signatureCounter")
        logTime = try number(DER.integerTag, "logTime")
        signatureValue = try take(DER.octetStringTag, "signatureValue")
        guard fields.isEmpty else { throw .unexpected("Felder nach signatureValue") }
    }
}
