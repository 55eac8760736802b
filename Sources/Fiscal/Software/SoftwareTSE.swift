import Foundation
import KasseCore
import KasseCrypto
import SystemCalls

/// The local software TSE: signs every log message for real (ECDSA over SHA-256 with libcrypto,
/// TR-03111 ecdsa-plain), writes the TR-03151 transaction log messages in DER, keeps a gapless
/// signature counter and transaction number across restarts and kills, and exports the TAR.
///
/// **Not certified.** It has no secure element: whoever can read the key file can sign. It is for
/// development, training and tests; a counter that records taxable sales needs a certified TSE
/// (docs/fiscal.md, README "Steuerpflichtige Verkäufe und TSE").
///
/// Files in its directory: `tse-key.pem` (the private key, refused unless only the owner may
/// read it), `tse-public.pem`, `tse-certificate.der` (self-signed) and `tse-log.bin`
/// (``SignatureLogFile``: every signed message, synced before the answer).
public final class SoftwareTSE: TechnicalSecurityDevice, @unchecked Sendable {
    /// How every description, receipt and export marks this TSE.
    public static let notCertifiedNotice = "Software-TSE – nicht zertifiziert"
    public static let signatureAlgorithm = "ecdsa-plain-SHA256"
    public static let logTimeFormat = "unixTime"
    /// TR-03151's limit for a client id.
    public static let maximumClientIdLength = 30

    public var kind: TSEKind { .software }

    public let directory: String
    private let clock: () -> Instant
    private let key: ECSigningKey
    private let publicKeyPoint: [UInt8]
    private let serialNumber: [UInt8]
    private let certificate: [UInt8]
    private let log: SignatureLogFile
    private let lock = NSLock()

    private var signatureCounter: UInt64 = 0
    private var lastTransactionNumber: UInt64 = 0
    private var lastLogTime: UInt64 = 0
    private var clients: Set<String> = []
    /// Every message, in the order signed (the export writes them all).
    private var messages: [TransactionLogMessage] = []
    /// `key|operation` → index into `messages`: the answer a repeated call gets.
    private var answered: [String: Int] = [:]
    /// Transaction number → index of its start message, while it is open.
    private var open: [UInt64: Int] = [:]
    /// Transaction number → index of its start message, for every transaction.
    private var starts: [UInt64: Int] = [:]
    /// Bytes of a torn last record zeroed when the log was opened (0 normally).
    public let tornBytesRecovered: Int
    /// The bytes of the log in use (its header and whole records; zeros follow).
    public var logBytesInUse: Int { lock.withLock { log.end } }

    public static func keyPath(in directory: String) -> String { directory + "/tse-key.pem" }
    public static func publicKeyPath(in directory: String) -> String { directory + "/tse-public.pem" }
    public static func certificatePath(in directory: String) -> String { directory + "/tse-certificate.der" }
    public static func logPath(in directory: String) -> String { directory + "/tse-log.bin" }

    /// Opens the TSE in `directory` (created if missing); makes a key on the first open.
    /// `clock` gives the log times (whole seconds are signed).
    public init(directory: String, clock: @escaping () -> Instant = { .now }) throws(TSEError) {
        self.directory = directory
        self.clock = clock
        do {
            if !Syscall.exists(directory) { try FileSecurity.createDirectory(directory) }
        } catch {
            throw .storage("Verzeichnis \(directory) lässt sich nicht anlegen: \(error)")
        }
        let keyPath = Self.keyPath(in: directory)
        do {
            if Syscall.exists(keyPath) {
                key = try Self.readKey(keyPath)
            } else {
                key = try ECSigningKey.generate(curve: .prime256v1)
                try Self.writeNew(keyPath, try key.privateKeyPEM())
            }
            publicKeyPoint = try key.publicKeyPoint()
            serialNumber = LibCrypto.sha256(publicKeyPoint)
            try Self.writeIfMissing(Self.publicKeyPath(in: directory), try key.publicKeyPEM())
            let certificatePath = Self.certificatePath(in: directory)
            if let existing = FileManager.default.contents(atPath: certificatePath) {
                certificate = [UInt8](existing)
            } else {
                certificate = try key.selfSignedCertificateDER(
                    commonName: "Web-Kasse \(Self.notCertifiedNotice)", notBefore: clock().millisecondsSinceEpoch / 1000, days: 3650)
                try Self.writeNew(certificatePath, certificate)
            }
        } catch let error as TSEError {
            throw error
        } catch {
            throw .storage("Schlüssel der Software-TSE: \(error)")
        }
        let opened = try SignatureLogFile.open(Self.logPath(in: directory))
        log = opened.file
        tornBytesRecovered = opened.tornBytes
        for record in opened.records {
            switch record {
            case .client(let id): clients.insert(id)
            case .transaction(let key, let bytes):
                let message: TransactionLogMessage
                do { message = try TransactionLogMessage(der: bytes) } catch {
                    throw .storage("Signaturprotokoll \(log.path): Nachricht \(messages.count + 1) unlesbar: \(error)")
                }
                guard message.signatureCounter == signatureCounter + 1 else {
                    throw .storage(
                        "Signaturprotokoll \(log.path): Signaturzähler springt von \(signatureCounter) auf \(message.signatureCounter)")
                }
                remember(message, key: key)
            }
        }
    }

    public func unfinishedTransactions() throws(TSEError) -> [TSEUnfinishedTransaction] {
        lock.withLock {
            open.keys.sorted().map { number in
                let start = messages[open[number]!]
                return TSEUnfinishedTransaction(
                    transactionNumber: number, clientId: start.clientId, startTime: Instant(millisecondsSinceEpoch: Int64(start.logTime) * 1000))
            }
        }
    }

    /// Every log message signed so far, in order (tests and the export).
    public func logMessages() -> [TransactionLogMessage] { lock.withLock { messages } }

    public func describe() throws(TSEError) -> TSEDescription {
        lock.withLock {
            TSEDescription(
                serialNumber: serialNumber.hexString, signatureAlgorithm: Self.signatureAlgorithm, logTimeFormat: Self.logTimeFormat,
                publicKey: publicKeyPoint, certificate: certificate, certificationId: nil, signatureCounter: signatureCounter)
        }
    }

    public func registerClient(_ clientId: String) throws(TSEError) {
        try Self.checkClientId(clientId)
        lock.lock()
        defer { lock.unlock() }
        guard !clients.contains(clientId) else { return }
        try log.append(.client(clientId))
        clients.insert(clientId)
    }

    public func startTransaction(
        key: TSETransactionKey, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        lock.lock()
        defer { lock.unlock() }
        if let earlier = answered[Self.answerKey(key, .start)] { return answer(for: earlier) }
        try checkClient(clientId)
        let message = try sign(
            operation: .start, clientId: clientId, processType: processType, processData: processData,
            transactionNumber: lastTransactionNumber + 1, key: key)
        return answer(for: message)
    }

    public func updateTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        try continueTransaction(.update, key: key, number: number, clientId: clientId, processType: processType, processData: processData)
    }

    public func finishTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        try continueTransaction(.finish, key: key, number: number, clientId: clientId, processType: processType, processData: processData)
    }

    public func exportTAR(to path: String) throws(TSEError) {
        let archive: [UInt8]
        do { archive = try lock.withLock { () throws(USTARError) -> [UInt8] in try exportArchive() } } catch {
            throw .storage("\(error)")
        }
        do {
            try Syscall.replaceFile(path, with: archive)
        } catch {
            throw .storage("Export \(path) nicht geschrieben: \(error.message)")
        }
    }

    /// The export as TR-03151 § 5.1 and TTC name its entries: `info.csv`, the certificate
    /// `<serial>_X509.der` and one `Unixt_<t>_Sig-<ctr>_Log-Tra_No-<n>_<op>_Client-<id>.log` per message.
    private func exportArchive() throws(USTARError) -> [UInt8] {
        var tar = USTARWriter()
        let now = clock().millisecondsSinceEpoch / 1000
        let info = """
            "description:","\(Self.notCertifiedNotice)","manufacturer:","Web-Kasse","version:","1","serial:","\(serialNumber.hexString)"\r\n
            """
        try tar.addFile(name: "info.csv", contents: Array(info.utf8), modificationTime: now)
        try tar.addFile(name: "\(serialNumber.hexString)_X509.der", contents: certificate, modificationTime: now)
        for message in messages {
            try tar.addFile(name: Self.exportFileName(of: message), contents: message.encoded, modificationTime: Int64(message.logTime))
        }
        return tar.finished()
    }

    /// The file name of a message in the export (TR-03151 § 5.1.2.1).
    public static func exportFileName(of message: TransactionLogMessage) -> String {
        "Unixt_\(message.logTime)_Sig-\(message.signatureCounter)_Log-Tra_No-\(message.transactionNumber)_\(message.operation.fileNameWord)_Client-\(message.clientId).log"
    }

    /// Refuses a client id outside TR-03151's characters (PrintableString: letters, digits,
    /// space and `'()+,-./:=?`) or longer than 30.
    public static func checkClientId(_ clientId: String) throws(TSEError) {
        guard !clientId.isEmpty, clientId.utf8.count <= maximumClientIdLength, clientId.utf8.allSatisfy(isPrintableStringCharacter) else {
            throw .refused(
                "Client-ID »\(clientId)« ungültig: 1 bis \(maximumClientIdLength) Zeichen aus A–Z, a–z, 0–9, Leerzeichen und '()+,-./:=?")
        }
    }

    static func isPrintableStringCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array(" '()+,-./:=?".utf8).contains(byte)
        }
    }

    // MARK: Signing

    private func continueTransaction(
        _ operation: TransactionLogMessage.Operation, key: TSETransactionKey, number: UInt64, clientId: String, processType: String,
        processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        lock.lock()
        defer { lock.unlock() }
        if let earlier = answered[Self.answerKey(key, operation)] { return answer(for: earlier) }
        try checkClient(clientId)
        guard let startIndex = starts[number] else { throw .refused("Transaktion \(number) unbekannt") }
        guard open[number] != nil else { throw .refused("Transaktion \(number) ist bereits abgeschlossen") }
        guard messages[startIndex].clientId == clientId else {
            throw .refused("Transaktion \(number) gehört zu Client \(messages[startIndex].clientId), nicht \(clientId)")
        }
        let message = try sign(
            operation: operation, clientId: clientId, processType: processType, processData: processData, transactionNumber: number, key: key)
        return answer(for: message)
    }

    private func checkClient(_ clientId: String) throws(TSEError) {
        guard clients.contains(clientId) else { throw .refused("Client \(clientId) nicht registriert") }
    }

    private func checkPrintable(_ processType: String) throws(TSEError) {
        guard processType.utf8.count <= 100, processType.utf8.allSatisfy(Self.isPrintableStringCharacter) else {
            throw .refused("Vorgangsart »\(processType)« ist kein PrintableString")
        }
    }

    /// Signs the next message, writes it to the log (synced) and only then counts it.
    private func sign(
        operation: TransactionLogMessage.Operation, clientId: String, processType: String, processData: [UInt8],
        transactionNumber: UInt64, key: TSETransactionKey
    ) throws(TSEError) -> Int {
        try checkPrintable(processType)
        let seconds = UInt64(max(0, clock().millisecondsSinceEpoch / 1000))
        var message = TransactionLogMessage(
            operation: operation, clientId: clientId, processData: processData, processType: processType, transactionNumber: transactionNumber,
            serialNumber: serialNumber, signatureCounter: signatureCounter + 1, logTime: max(seconds, lastLogTime))
        do { message.signatureValue = try self.key.signPlainSHA256(message.dataToBeSigned) } catch {
            throw .storage("Signatur fehlgeschlagen: \(error)")
        }
        try log.append(.transaction(key: key.value, message: message.encoded))
        return remember(message, key: key.value)
    }

    @discardableResult
    private func remember(_ message: TransactionLogMessage, key: String) -> Int {
        let index = messages.count
        messages.append(message)
        signatureCounter = message.signatureCounter
        lastLogTime = max(lastLogTime, message.logTime)
        answered[key + "|" + message.operation.rawValue] = index
        switch message.operation {
        case .start:
            lastTransactionNumber = max(lastTransactionNumber, message.transactionNumber)
            open[message.transactionNumber] = index
            starts[message.transactionNumber] = index
        case .update: break
        case .finish: open[message.transactionNumber] = nil
        }
        return index
    }

    private static func answerKey(_ key: TSETransactionKey, _ operation: TransactionLogMessage.Operation) -> String {
        key.value + "|" + operation.rawValue
    }

    private func answer(for index: Int) -> TSELogAnswer {
        let message = messages[index]
        let start = starts[message.transactionNumber].map { messages[$0].logTime } ?? message.logTime
        return TSELogAnswer(
            transactionNumber: message.transactionNumber, signatureCounter: message.signatureCounter,
            startTime: Instant(millisecondsSinceEpoch: Int64(start) * 1000), logTime: Instant(millisecondsSinceEpoch: Int64(message.logTime) * 1000),
            signature: message.signatureValue, signatureAlgorithm: Self.signatureAlgorithm, logTimeFormat: Self.logTimeFormat,
            serialNumber: serialNumber.hexString, publicKey: publicKeyPoint, processType: message.processType, processData: message.processData)
    }

    // MARK: Key files

    /// Reads the key, refusing a file that anyone but the owner may read or write.
    private static func readKey(_ path: String) throws(TSEError) -> ECSigningKey {
        if let bits = FileSecurity.permissions(path), bits & 0o077 != 0 {
            throw .storage(
                "Schlüsseldatei \(path) ist für andere lesbar (Rechte \(String(bits, radix: 8))); nur der Eigentümer darf sie lesen: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .storage("Schlüsseldatei \(path) lässt sich nicht lesen") }
        do { return try ECSigningKey(pem: [UInt8](data)) } catch { throw .storage("Schlüsseldatei \(path): \(error)") }
    }

    /// Writes a file that must not exist yet, owner-only, synced; whole or not at all (a
    /// temporary file linked to its name), so a crash never leaves half a key.
    private static func writeNew(_ path: String, _ bytes: [UInt8]) throws(TSEError) {
        let temporary = path + ".tmp"
        do {
            let descriptor = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions: 0o600)
            defer { Syscall.close(descriptor) }
            try Syscall.writeAll(descriptor, bytes)
            try Syscall.fsync(descriptor)
            try Syscall.link(temporary, to: path)
            try Syscall.unlink(temporary)
        } catch {
            throw .storage("\(path) nicht geschrieben: \(error.message)")
        }
    }

    private static func writeIfMissing(_ path: String, _ bytes: [UInt8]) throws(TSEError) {
        if !Syscall.exists(path) { try writeNew(path, bytes) }
    }
}
