import Access
import Fiscal
import Foundation
import KasseCore
import Ledger

/// Signs every booking with the configured TSE (`[fiscal] tse`) and keeps track of an outage
/// (docs/fiscal.md). A TSE that fails never stops a booking: the booking goes through with the
/// failure recorded as TSE_TA_FEHLER, the receipt says "TSE ausgefallen", and the TSE is asked
/// again at the next booking.
///
/// The transaction key is the booking's own id, so a booking repeated after a crash between the
/// TSE's answer and the commit gets the answer the TSE gave the first time, not a second transaction.
// @unchecked Sendable: the device is used under `lock`; every other stored property is a constant.
public final class FiscalSigner: @unchecked Sendable {
    public let device: TechnicalSecurityDevice
    /// The register's client id at the TSE (TR-03151 characters).
    public let clientId: String
    /// A training ledger signs its sales as AVTraining.
    public let isTraining: Bool
    private let lock = NSLock()
    private var registered = false
    private var outage: Outage?
    /// Sales whose transaction ``begin(key:)`` started and no booking or abandon finished yet.
    private var started: Set<String> = []
    private let queue = DispatchQueue(label: "webkasse tse start")

    /// Since when the TSE has given no signature, and why (the last failure).
    public struct Outage: Equatable, Sendable {
        public let since: Instant
        public var message: String
        public var unsigned: Int
    }

    public init(device: TechnicalSecurityDevice, clientId: String, isTraining: Bool = false) {
        self.device = device
        self.clientId = clientId
        self.isTraining = isTraining
    }

    /// Starts the transaction of sale `key` when its first item is added (KassenSichV: the
    /// process begins; TSE_TA_START). The booking's ``sign(_:processType:key:booking:bookingId:now:)``
    /// asks the TSE to start under the same key again and gets this answer back, so only the
    /// finish is signed while the clerk waits. A failure here is not reported: the booking asks
    /// again and records it.
    func begin(key: String) {
        // Off the caller's thread: a cloud TSE may take a while, and the clerk is typing. The
        // booking's own start waits for this one under `lock` and gets its answer.
        queue.async { [self] in start(key: key) }
    }

    /// Waits until the starts handed to ``begin(key:)`` have run (tests).
    public func waitForBegun() { queue.sync {} }

    private func start(key: String) {
        lock.lock()
        defer { lock.unlock() }
        do throws(TSEError) {
            try registerOnce()
            _ = try device.startTransaction(key: TSETransactionKey(key), clientId: clientId, processType: "", processData: [])
            started.insert(key)
        } catch {
            return
        }
    }

    /// Finishes the begun transaction of a sale given up (AVBelegabbruch, with the amounts of the
    /// lines so far and no payment); nil if none was begun or the TSE failed (the start then waits
    /// for the recovery at the next start).
    func abandon(key: String, data: DSFinVKProcessData, now: Instant) -> TSETransactionRecord? {
        waitForBegun()
        lock.lock()
        defer { lock.unlock() }
        guard started.remove(key) != nil else { return nil }
        do throws(TSEError) {
            let transactionKey = TSETransactionKey(key)
            let start = try device.startTransaction(key: transactionKey, clientId: clientId, processType: "", processData: [])
            let finish = try device.finishTransaction(
                key: transactionKey, number: start.transactionNumber, clientId: clientId, processType: TSEProcessType.receipt.rawValue,
                processData: data.bytes)
            return Self.record(finish, booking: .aborted, bookingId: nil, clientId: clientId, at: now)
        } catch {
            return nil
        }
    }

    private func registerOnce() throws(TSEError) {
        guard !registered else { return }
        try device.registerClient(clientId)
        registered = true
    }

    /// The current outage, nil while the TSE signs.
    public var currentOutage: Outage? { lock.withLock { outage } }

    /// The status line's text: nil while all is well.
    public var statusText: String? {
        guard let outage = currentOutage else { return nil }
        return "TSE ausgefallen: \(outage.message)"
    }

    /// How the receipt names the device: the software TSE is marked as not certified.
    public var receiptNotice: String? { device.kind == .software ? SoftwareTSE.notCertifiedNotice : nil }

    /// What a booking carries: its TSE record and, when the TSE just failed or came back, the audit event.
    struct Signature {
        var record: TSETransactionRecord
        var transition: (type: AuditEventType, detail: String)?
    }

    /// Starts and finishes one transaction for `data` under `key` (the booking's id).
    func sign(
        _ data: DSFinVKProcessData, processType: TSEProcessType = .receipt, key: String, booking: TSETransactionRecord.Booking,
        bookingId: String?, now: Instant
    ) -> Signature {
        lock.lock()
        defer { lock.unlock() }
        let text = data.text
        started.remove(key)
        do throws(TSEError) {
            try registerOnce()
            let transactionKey = TSETransactionKey(key)
            let start = try device.startTransaction(key: transactionKey, clientId: clientId, processType: "", processData: [])
            let finish = try device.finishTransaction(
                key: transactionKey, number: start.transactionNumber, clientId: clientId, processType: processType.rawValue, processData: data.bytes)
            var transition: (AuditEventType, String)?
            if let ended = outage {
                transition = (
                    .tseRestored,
                    "TSE signiert wieder (Ausfall seit \(BusinessCalendar.iso8601UTC(ended.since)), \(ended.unsigned) Vorgänge ohne Signatur)"
                )
                outage = nil
            }
            return Signature(record: Self.record(finish, booking: booking, bookingId: bookingId, clientId: clientId, at: now), transition: transition)
        } catch {
            var transition: (AuditEventType, String)?
            if outage == nil {
                outage = Outage(since: now, message: error.message, unsigned: 0)
                transition = (.tseFailed, error.message)
            }
            outage?.message = error.message
            outage?.unsigned += 1
            let record = TSETransactionRecord(
                id: BookingContext.newId(), booking: booking, bookingId: bookingId, clientId: clientId, serial: nil, transactionNumber: nil,
                startedAt: nil, endedAt: nil, processType: processType.rawValue, processData: text, signatureCounter: nil, signature: nil,
                signatureAlgorithm: nil, logTimeFormat: nil, publicKey: nil, error: String(error.message.prefix(200)), at: now)
            return Signature(record: record, transition: transition)
        }
    }

    /// The ledger's record of a finished transaction.
    static func record(
        _ finish: TSELogAnswer, booking: TSETransactionRecord.Booking, bookingId: String?, clientId: String, at now: Instant, error: String? = nil
    ) -> TSETransactionRecord {
        TSETransactionRecord(
            id: BookingContext.newId(), booking: booking, bookingId: bookingId, clientId: clientId, serial: finish.serialNumber,
            transactionNumber: Int64(finish.transactionNumber), startedAt: finish.startTime, endedAt: finish.logTime,
            processType: finish.processType, processData: String(decoding: finish.processData, as: UTF8.self),
            signatureCounter: Int64(finish.signatureCounter), signature: Data(finish.signature).base64EncodedString(),
            signatureAlgorithm: finish.signatureAlgorithm, logTimeFormat: finish.logTimeFormat, publicKey: Data(finish.publicKey).base64EncodedString(),
            error: error, at: now)
    }

    /// The process type of a training receipt or a sale.
    var saleType: DSFinVKProcessData.ReceiptType { isTraining ? .training : .beleg }

    // MARK: Start-up

    /// At start-up: finishes as AVBelegabbruch every transaction the TSE still has open (a crash
    /// between its start and the booking), and records every finished transaction no booking
    /// carries (a crash between the finish and the commit), so that every signature counter the
    /// TSE gave out is explained in the ledger. Returns what it recorded.
    func recover(ledger: Ledger, now: Instant) throws -> [TSETransactionRecord] {
        lock.lock()
        defer { lock.unlock() }
        var recorded: [TSETransactionRecord] = []
        let serial: String
        let unfinished: [TSEUnfinishedTransaction]
        do {
            serial = try device.describe().serialNumber
            unfinished = try device.unfinishedTransactions()
        } catch {
            return []  // an unreachable TSE: the next booking records the outage
        }
        let abort = DSFinVKProcessData(type: .abbruch)
        for open in unfinished where open.clientId == clientId {
            do {
                let finish = try device.finishTransaction(
                    key: TSETransactionKey(BookingContext.newId()), number: open.transactionNumber, clientId: clientId,
                    processType: TSEProcessType.receipt.rawValue, processData: abort.bytes)
                recorded.append(Self.record(finish, booking: .aborted, bookingId: nil, clientId: clientId, at: now))
            } catch {
                continue
            }
        }
        if let listing = device as? SoftwareTSE {
            let known = try ledger.tseTransactionNumbers(serial: serial).union(recorded.compactMap(\.transactionNumber))
            let messages = listing.logMessages()
            var starts: [UInt64: UInt64] = [:]
            for message in messages where message.operation == .start { starts[message.transactionNumber] = message.logTime }
            let publicKey = (try? device.describe().publicKey).map { Data($0).base64EncodedString() }
            for message in messages where message.operation == .finish && message.clientId == clientId {
                guard !known.contains(Int64(message.transactionNumber)) else { continue }
                recorded.append(
                    TSETransactionRecord(
                        id: BookingContext.newId(), booking: .unbooked, bookingId: nil, clientId: clientId, serial: serial,
                        transactionNumber: Int64(message.transactionNumber),
                        startedAt: starts[message.transactionNumber].map { Instant(millisecondsSinceEpoch: Int64($0) * 1000) },
                        endedAt: Instant(millisecondsSinceEpoch: Int64(message.logTime) * 1000), processType: message.processType,
                        processData: String(decoding: message.processData, as: UTF8.self), signatureCounter: Int64(message.signatureCounter),
                        signature: Data(message.signatureValue).base64EncodedString(), signatureAlgorithm: SoftwareTSE.signatureAlgorithm,
                        logTimeFormat: SoftwareTSE.logTimeFormat, publicKey: publicKey, error: nil, at: now))
            }
        }
        guard !recorded.isEmpty else { return [] }
        try ledger.transaction {
            for record in recorded {
                try ledger.append(.tseTransaction(record), at: now)
                let what = record.booking == .aborted ? "als Abbruch (AVBelegabbruch) abgeschlossen" : "ohne Buchung abgeschlossen vorgefunden"
                try ledger.append(
                    .audit(
                        AuditRecord(
                            id: BookingContext.newId(), kind: AuditEventType.tseRecovered.rawValue, operatorId: nil,
                            detail: "TSE-Transaktion \(record.transactionNumber ?? 0) \(what)", at: now)), at: now)
            }
        }
        return recorded
    }
}

extension FiscalSigner {
    /// The signer `[fiscal]` asks for: nil for `tse = none`; the software TSE in `[fiscal] directory`
    /// (default `<register directory>/tse`). Throws ``FiscalSetupError`` when the TSE cannot be
    /// opened (e.g. a key file others may read): the counter does not start with a TSE it cannot trust.
    public static func configured(_ configuration: Configuration, registerDirectory: String, isTraining: Bool) throws -> FiscalSigner? {
        let clientId = configuration.fiscal.effectiveClientId(registerId: configuration.registerID)
        switch configuration.fiscal.tse {
        case .none:
            return nil
        case .software:
            let directory = softwareDirectory(configuration, registerDirectory: registerDirectory)
            do {
                return FiscalSigner(device: try SoftwareTSE(directory: directory), clientId: clientId, isTraining: isTraining)
            } catch {
                throw FiscalSetupError(reason: error.message)
            }
        case .fiskaly:
            do {
                return FiscalSigner(
                    device: try FiskalyTSE(configuration: try fiskalyConfiguration(configuration, registerDirectory: registerDirectory)),
                    clientId: clientId, isTraining: isTraining)
            } catch let error as FiscalSetupError {
                throw error
            } catch let error as TSEError {
                throw FiscalSetupError(reason: error.message)
            }
        }
    }

    /// The fiskaly client's settings from `[fiscal]`; refuses a missing API key or secret file.
    public static func fiskalyConfiguration(_ configuration: Configuration, registerDirectory: String) throws -> FiskalyConfiguration {
        let fiscal = configuration.fiscal
        guard !fiscal.apiKey.isEmpty else { throw FiscalSetupError(reason: "[fiscal] api_key fehlt (das API-Schlüsselpaar aus dem fiskaly-Dashboard).") }
        guard !fiscal.apiSecretFile.isEmpty else {
            throw FiscalSetupError(reason: "[fiscal] api_secret_file fehlt (eine Datei mit dem API-Secret, Rechte 0600).")
        }
        return FiskalyConfiguration(
            baseURL: fiscal.fiskalyURL.isEmpty ? FiskalyConfiguration.defaultBaseURL : fiscal.fiskalyURL, apiKey: fiscal.apiKey,
            apiSecretFile: fiscal.apiSecretFile,
            tssFile: fiscal.fiskalyTSSFile.isEmpty
                ? softwareDirectory(configuration, registerDirectory: registerDirectory) + "/fiskaly-tss.json" : fiscal.fiskalyTSSFile)
    }

    /// Where the software TSE keeps its key and log.
    public static func softwareDirectory(_ configuration: Configuration, registerDirectory: String) -> String {
        configuration.fiscal.directory.isEmpty ? registerDirectory + "/tse" : configuration.fiscal.directory
    }
}

/// The TSE named in `[fiscal]` could not be opened.
public struct FiscalSetupError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "TSE: \(reason)" }
}

extension ReceiptFiscalBlock {
    /// The receipt's TSE block of a signed transaction (KassenSichV § 6): serial, transaction
    /// number, signature counter, start and end (ISO 8601 UTC), client id, algorithm, time format
    /// and signature as lines, and the 12-field QR string (``QRCodeString``) from the answer as
    /// signed; nil for a transaction without a signature (the receipt says "TSE ausgefallen").
    /// `notice` marks the software TSE.
    public init?(_ record: TSETransactionRecord, notice: String?) {
        guard record.isSigned, let number = record.transactionNumber, let counter = record.signatureCounter,
            let start = record.startedAt ?? record.endedAt, let end = record.endedAt,
            let signature = record.signature.flatMap({ Data(base64Encoded: $0) }),
            let publicKey = record.publicKey.flatMap({ Data(base64Encoded: $0) }),
            let format = QRCodeString.LogTimeFormat(rawValue: record.logTimeFormat ?? ""),
            let qr = try? QRCodeString(
                registerSerialNumber: record.clientId, processType: record.processType, processData: record.processData,
                transactionNumber: UInt64(number), signatureCounter: UInt64(counter), startTimeMs: start.millisecondsSinceEpoch,
                endTimeMs: end.millisecondsSinceEpoch, signatureAlgorithm: record.signatureAlgorithm ?? "", logTimeFormat: format,
                signature: [UInt8](signature), publicKey: [UInt8](publicKey))
        else { return nil }
        let lines =
            (notice.map { [$0] } ?? []) + [
                "TSE-Seriennummer: \(record.serial ?? "")", "TSE-Transaktion: \(number)", "TSE-Signaturzähler: \(counter)",
                "TSE-Start: \(BusinessCalendar.iso8601UTC(start))", "TSE-Ende: \(BusinessCalendar.iso8601UTC(end))", "Client-ID: \(record.clientId)",
                "Algorithmus: \(record.signatureAlgorithm ?? "")", "Zeitformat: \(record.logTimeFormat ?? "")",
                "TSE-Signatur: \(record.signature ?? "")",
            ]
        self.init(lines: lines, qrCode: qr.text)
    }
}
