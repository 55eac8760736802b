import Foundation

/// An audit event as a ``CredentialStore`` keeps it: its position in the store and the event,
/// with a PIN hash back in its fields.
public struct RecordedAuditEvent: Sendable, Equatable {
    /// The position in the store (the ledger's journal number); later events have higher ones.
    public let seq: Int64
    public let event: AuditEvent

    public init(seq: Int64, event: AuditEvent) {
        self.seq = seq
        self.event = event
    }
}

/// Where the access rules keep what they decide: the audit history that shapes operators
/// (identity, roles, PIN hashes, lock state, approvals) and the uses of approvals. The rules in
/// this target never see SQL; the ledger implements this in one file
/// (`Sources/Ledger/Access/OperatorCredentials.swift`). See docs/access.md.
///
/// Nothing is updated in place: every change is an appended audit event.
public protocol CredentialStore: AnyObject {
    /// Runs `body` in one write transaction: what it appends is stored together or not at all, and
    /// no other writer appends between its reads and its appends. Nested calls join the outer one.
    @discardableResult
    func transaction<T>(_ body: () throws -> T) throws -> T

    /// Runs `body` against one consistent snapshot.
    func readTransaction<T>(_ body: () throws -> T) throws -> T

    /// The position of the newest audit event (0 if none). It changes with every append, so what
    /// is built from the history can be kept until it does.
    func lastAuditSeq() throws -> Int64

    /// The audit events of `types` in the order they were appended, each PIN hash back in its
    /// event's fields (``AuditField/pinHash``). Throws if a stored PIN hash is not the one its
    /// event was appended with.
    func auditEvents(_ types: [AuditEventType]) throws -> [RecordedAuditEvent]

    /// Appends `event` inside ``transaction(_:)`` and returns its position. A PIN hash in its
    /// fields is kept apart from the listed detail (listings and exports never show it); an
    /// `operator.added` also creates the operator that shifts and bookings refer to.
    @discardableResult
    func appendAudit(_ event: AuditEvent) throws -> Int64

    /// The login id of the operator with `id`, for messages (also one that has no PIN).
    func operatorLogin(id: String) throws -> String?

    /// Whether the approval appended at `approvalSeq` already backs a booking.
    func isApprovalUsed(_ approvalSeq: Int64) throws -> Bool

    /// Records, inside the transaction that appends the booking at `bookingSeq`, that the approval
    /// appended at `approvalSeq` backs it. An approval backs exactly one booking: a second use
    /// throws ``AccessError/approvalAlreadyUsed(_:)`` and the caller's transaction books nothing.
    func recordApprovalUse(approvalSeq: Int64, bookingSeq: Int64, action: ApprovableAction) throws
}
