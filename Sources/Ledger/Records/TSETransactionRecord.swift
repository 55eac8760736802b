import KasseCore

/// What the TSE answered for one booking (or why it could not), stored in the hash chain as its
/// own journal entry right after the booking, in the same commit (migration 13, docs/fiscal.md).
/// The fields are named like the DSFinV-K's `transactions_tse.csv` (TSE_TANR, TSE_TA_START, …).
public struct TSETransactionRecord: Equatable, Sendable {
    /// What the signed transaction was.
    public enum Booking: String, Sendable, CaseIterable {
        case sale
        case storno
        case cashMovement = "cash_movement"
        /// A transaction the counter finished as aborted (AVBelegabbruch): a sale given up, or a
        /// transaction left open by a crash between the TSE's answer and the booking.
        case aborted
        /// A transaction the TSE finished that no booking carries (a crash after the finish and
        /// before the commit), recorded at the next start.
        case unbooked
    }

    /// The transaction key given to the TSE (a UUID), the journal's `ref`.
    public let id: String
    public let booking: Booking
    /// The sale, storno or cash movement; nil for ``Booking/aborted`` and ``Booking/unbooked``.
    public let bookingId: String?
    /// The register's client id at the TSE.
    public let clientId: String
    /// TSE_SERIAL (the hex SHA-256 of the TSE's public key); nil when the TSE could not be asked.
    public let serial: String?
    /// TSE_TANR.
    public let transactionNumber: Int64?
    /// TSE_TA_START, TSE_TA_ENDE (the finish's log time).
    public let startedAt: Instant?
    public let endedAt: Instant?
    /// TSE_TA_VORGANGSART (`Kassenbeleg-V1`, `SonstigerVorgang`, …).
    public let processType: String
    /// TSE_VORGANGSDATEN, exactly as signed (or as it would have been signed).
    public let processData: String
    /// TSE_TA_SIGZ: the finish's signature counter.
    public let signatureCounter: Int64?
    /// TSE_TA_SIG in Base64.
    public let signature: String?
    /// TSE_SIG_ALGO and TSE_ZEITFORMAT.
    public let signatureAlgorithm: String?
    public let logTimeFormat: String?
    /// TSE_PUBLIC_KEY in Base64 (the receipt's QR code carries it).
    public let publicKey: String?
    /// TSE_TA_FEHLER: why there is no signature (the TSE failed); nil when signed.
    public let error: String?
    public let at: Instant

    public init(
        id: String, booking: Booking, bookingId: String?, clientId: String, serial: String?, transactionNumber: Int64?,
        startedAt: Instant?, endedAt: Instant?, processType: String, processData: String, signatureCounter: Int64?,
        signature: String?, signatureAlgorithm: String?, logTimeFormat: String?, publicKey: String?, error: String?, at: Instant
    ) {
        self.id = id
        self.booking = booking
        self.bookingId = bookingId
        self.clientId = clientId
        self.serial = serial
        self.transactionNumber = transactionNumber
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.processType = processType
        self.processData = processData
        self.signatureCounter = signatureCounter
        self.signature = signature
        self.signatureAlgorithm = signatureAlgorithm
        self.logTimeFormat = logTimeFormat
        self.publicKey = publicKey
        self.error = error
        self.at = at
    }

    /// Whether the TSE signed it.
    public var isSigned: Bool { error == nil && signature != nil }
}

/// The TSE answer of each booking (migration 13): one row per signed (or failed) transaction,
/// referencing its booking by id. Ledgers without TSE entries hash and verify as before.
let tseTransactionMigrations: [Migration] = [
    Migration(
        version: 13, name: "tse-transactions",
        schema: """
            CREATE TABLE tse_transactions (
                seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                id TEXT PRIMARY KEY,
                booking_kind TEXT NOT NULL CHECK (booking_kind IN ('sale', 'storno', 'cash_movement', 'aborted', 'unbooked')),
                booking_id TEXT,
                client_id TEXT NOT NULL,
                tse_serial TEXT,
                tse_tanr INTEGER,
                tse_ta_start_ms INTEGER,
                tse_ta_ende_ms INTEGER,
                tse_ta_vorgangsart TEXT NOT NULL,
                tse_vorgangsdaten TEXT NOT NULL,
                tse_ta_sigz INTEGER,
                tse_ta_sig TEXT,
                tse_sig_algo TEXT,
                tse_zeitformat TEXT,
                tse_public_key TEXT,
                tse_ta_fehler TEXT,
                at_ms INTEGER NOT NULL,
                CHECK ((tse_ta_fehler IS NULL) = (tse_ta_sig IS NOT NULL))
            );
            CREATE INDEX tse_transactions_booking ON tse_transactions(booking_id);

            """,
        appendOnly: ["tse_transactions"])
]
