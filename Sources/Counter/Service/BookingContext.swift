import Access
import Fiscal
import Foundation
import KasseCore
import Ledger

/// What every part of the counter service books with: the ledger, the clock, the office's
/// calendar and the access rules, and the facts each booking checks (operator, open shift,
/// business date).
// @unchecked Sendable: every stored property is a constant except `knownOperators` and `period`, which are only touched under `lock`.
final class BookingContext: @unchecked Sendable {
    let ledger: Ledger
    let clock: CounterClock
    let calendar: BusinessCalendar
    let accessGuard: CounterAccessGuard?
    /// The TSE that signs every booking (`[fiscal] tse`); nil: none (a pure fee counter).
    let fiscal: FiscalSigner?
    private let lock = NSLock()
    /// Operators found in the ledger: operators are never removed, so a found one stays found.
    private var knownOperators: Set<String> = []
    /// The open shift and the last closed business date, as of the day close `afterDayClose`.
    /// Both change only with a day close (an open shift ends only by one; the next opens only
    /// when none is open), so they are read again only when the last day close changes — or
    /// while no shift is open.
    private struct PeriodFacts {
        let afterDayClose: Int64
        let openShift: ShiftRecord?
        let lastClosedBusinessDate: String?
    }
    private var period: PeriodFacts?

    init(ledger: Ledger, clock: CounterClock, calendar: BusinessCalendar, accessGuard: CounterAccessGuard?, fiscal: FiscalSigner? = nil) {
        self.fiscal = fiscal
        self.ledger = ledger
        self.clock = clock
        self.calendar = calendar
        self.accessGuard = accessGuard
    }

    static func newId() -> String { UUID().uuidString.lowercased() }

    /// Runs `body`; any error that is not a ``CounterError`` becomes ``CounterError/ledger(_:)``.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CounterError { throw error } catch { throw CounterError.ledger(error) }
    }

    /// The business date of a booking now: today in the office's zone, but never a closed day.
    func currentBusinessDate() throws -> String {
        let today = calendar.date(of: clock.now())
        guard let closed = try periodFacts().lastClosedBusinessDate, closed >= today else { return today }
        return calendar.day(after: closed)
    }

    private func periodFacts() throws -> PeriodFacts {
        let afterDayClose = try ledger.lastDayCloseSeq()
        if let known = lock.withLock({ period }), known.afterDayClose == afterDayClose, known.openShift != nil { return known }
        let facts = PeriodFacts(
            afterDayClose: afterDayClose, openShift: try ledger.openShift(), lastClosedBusinessDate: try ledger.lastClosedBusinessDate())
        lock.withLock { period = facts }
        return facts
    }

    func requireOperator(_ id: String) throws {
        if lock.withLock({ knownOperators.contains(id) }) { return }
        guard try ledger.operatorRecord(id: id) != nil else { throw CounterError.unknownOperator(id) }
        lock.withLock { _ = knownOperators.insert(id) }
    }

    func requireShift() throws -> ShiftRecord {
        guard let shift = try periodFacts().openShift else { throw CounterError.noOpenShift }
        return shift
    }

    /// Audits each card amount the terminal approved otherwise than asked, inside the booking's
    /// transaction (``AuditEventType/cardAmountMismatch``): the flag for the supervisor is written
    /// with the booking or not at all.
    func auditInTransaction(_ mismatches: [CardAmountMismatch], operatorId: String, at now: Instant) throws {
        for mismatch in mismatches {
            try ledger.append(
                .audit(
                    AuditRecord(
                        id: Self.newId(), kind: AuditEventType.cardAmountMismatch.rawValue, operatorId: operatorId, detail: mismatch.description, at: now)),
                at: now)
        }
    }

    /// Asks the TSE (if one is configured) to sign a booking, before its ledger transaction
    /// (docs/fiscal.md, "Reihenfolge").
    func sign(_ data: DSFinVKProcessData, key: String, booking: TSETransactionRecord.Booking) -> FiscalSigner.Signature? {
        fiscal?.sign(data, key: key, booking: booking, bookingId: key, now: clock.now())
    }

    /// Starts ``sign(_:key:booking:)`` on another thread and returns at once: the TSE signs and
    /// syncs its log while the booking writes its own rows, and the booking takes the answer with
    /// ``PendingSignature/wait()`` before its commit (docs/fiscal.md, "Signing while booking").
    func signConcurrently(_ data: DSFinVKProcessData, key: String, booking: TSETransactionRecord.Booking) -> PendingSignature? {
        guard let fiscal else { return nil }
        let pending = PendingSignature()
        let now = clock.now()
        DispatchQueue.global(qos: .userInitiated).async {
            pending.fulfil(fiscal.sign(data, key: key, booking: booking, bookingId: key, now: now))
        }
        return pending
    }

    /// Appends the TSE's answer of the booking (and the outage's start or end) inside the
    /// booking's transaction: the booking carries its signature or its recorded failure.
    func appendSignature(_ signature: FiscalSigner.Signature?, operatorId: String, at now: Instant) throws {
        guard let signature else { return }
        try ledger.append(.tseTransaction(signature.record), at: now)
        if let transition = signature.transition {
            try ledger.append(
                .audit(AuditRecord(id: Self.newId(), kind: transition.type.rawValue, operatorId: operatorId, detail: transition.detail, at: now)),
                at: now)
        }
    }

    /// Appends an audit record of `type` in its own transaction.
    func audit(_ type: AuditEventType, operatorId: String?, detail: String) throws {
        let now = clock.now()
        try ledger.transaction {
            try ledger.append(.audit(AuditRecord(id: Self.newId(), kind: type.rawValue, operatorId: operatorId, detail: detail, at: now)), at: now)
        }
    }
}

/// The TSE's answer of a booking being signed on another thread (``BookingContext/signConcurrently(_:key:booking:)``).
// @unchecked Sendable: `signature` is written once before `done` is signalled and read only after.
final class PendingSignature: @unchecked Sendable {
    private var signature: FiscalSigner.Signature?
    private let done = DispatchSemaphore(value: 0)

    fileprivate func fulfil(_ signature: FiscalSigner.Signature) {
        self.signature = signature
        done.signal()
    }

    /// Waits for the answer (a failure is an answer too: the record of TSE_TA_FEHLER).
    func wait() -> FiscalSigner.Signature? {
        done.wait()
        done.signal()
        return signature
    }
}
