/// Numbered schema migrations. A migration that has shipped is NEVER edited: add a new one.
/// Each applied migration's SQL hash is stored, so an edited migration is refused at open.
struct Migration: Sendable {
    let version: Int
    let name: String
    let sql: String
    /// The tables this migration makes append-only: its SQL ends with their triggers.
    let appendOnlyTables: [String]

    /// `schema` followed by the append-only triggers of `appendOnly` (UPDATE and DELETE abort).
    init(version: Int, name: String, schema: String, appendOnly: [String] = []) {
        self.version = version
        self.name = name
        self.sql = schema + appendOnlyTriggers(appendOnly)
        self.appendOnlyTables = appendOnly
    }
}

/// Every table whose rows are booked and therefore immutable, as the migrations made them:
/// `verify` checks that each one's triggers exist.
let appendOnlyTables = migrations.flatMap(\.appendOnlyTables)

/// The trigger SQL for `tables`. Its text is part of shipped migrations: never change it.
func appendOnlyTriggers(_ tables: [String]) -> String {
    tables.map { table in
        """
        CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
        BEGIN SELECT RAISE(ABORT, 'Gebuchte Daten sind unveränderlich: \(table) darf nicht geändert werden'); END;
        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
        BEGIN SELECT RAISE(ABORT, 'Gebuchte Daten sind unveränderlich: \(table) darf nicht gelöscht werden'); END;

        """
    }.joined()
}

let migrations: [Migration] =
    [
        Migration(
            version: 1, name: "ledger",
            schema: """
                CREATE TABLE journal (
                    seq INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    ref TEXT NOT NULL,
                    recorded_at_ms INTEGER NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE TABLE register (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    created_at_ms INTEGER NOT NULL
                );
                CREATE TABLE operators (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    login TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    created_at_ms INTEGER NOT NULL
                );
                CREATE TABLE shifts (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    operator_id TEXT NOT NULL REFERENCES operators(id),
                    business_date TEXT NOT NULL,
                    opened_at_ms INTEGER NOT NULL,
                    float_cents INTEGER NOT NULL CHECK (float_cents >= 0)
                );
                CREATE TABLE receipts (
                    number INTEGER PRIMARY KEY CHECK (number > 0),
                    kind TEXT NOT NULL CHECK (kind IN ('sale', 'storno', 'cash_movement')),
                    ref TEXT NOT NULL,
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq)
                );
                CREATE TABLE sales (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    receipt_number INTEGER NOT NULL UNIQUE REFERENCES receipts(number),
                    shift_id TEXT NOT NULL REFERENCES shifts(id),
                    operator_id TEXT NOT NULL REFERENCES operators(id),
                    business_date TEXT NOT NULL,
                    started_at_ms INTEGER NOT NULL,
                    ended_at_ms INTEGER NOT NULL,
                    reference TEXT,
                    total_cents INTEGER NOT NULL
                );
                CREATE INDEX sales_business_date ON sales(business_date);
                CREATE TABLE sale_lines (
                    seq INTEGER NOT NULL REFERENCES sales(seq),
                    line_no INTEGER NOT NULL,
                    item_code TEXT NOT NULL,
                    name TEXT NOT NULL,
                    variant TEXT,
                    quantity INTEGER NOT NULL,
                    unit_price_cents INTEGER NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    sachkonto TEXT NOT NULL,
                    produkt TEXT,
                    kostenstelle TEXT,
                    tax_note TEXT NOT NULL,
                    PRIMARY KEY (seq, line_no)
                );
                CREATE TABLE line_shares (
                    seq INTEGER NOT NULL REFERENCES sales(seq),
                    line_no INTEGER NOT NULL,
                    share_no INTEGER NOT NULL,
                    account TEXT NOT NULL,
                    produkt TEXT,
                    kostenstelle TEXT,
                    amount_cents INTEGER NOT NULL,
                    pass_through INTEGER NOT NULL CHECK (pass_through IN (0, 1)),
                    label TEXT NOT NULL,
                    PRIMARY KEY (seq, line_no, share_no)
                );
                CREATE TABLE payments (
                    seq INTEGER NOT NULL REFERENCES sales(seq),
                    payment_no INTEGER NOT NULL,
                    method TEXT NOT NULL CHECK (method IN ('cash', 'cheque', 'card')),
                    amount_cents INTEGER NOT NULL,
                    tendered_cents INTEGER,
                    change_cents INTEGER,
                    cheque_number TEXT,
                    cheque_bank TEXT,
                    cheque_drawer TEXT,
                    card_terminal_id TEXT,
                    card_trace TEXT,
                    card_receipt_number TEXT,
                    card_name TEXT,
                    card_masked_pan TEXT,
                    card_auth_code TEXT,
                    card_turnover_number TEXT,
                    card_receipt_text TEXT,
                    card_pending_id TEXT REFERENCES card_pending(id),
                    PRIMARY KEY (seq, payment_no)
                );
                CREATE TABLE stornos (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    sale_id TEXT NOT NULL UNIQUE REFERENCES sales(id),
                    receipt_number INTEGER NOT NULL UNIQUE REFERENCES receipts(number),
                    shift_id TEXT NOT NULL REFERENCES shifts(id),
                    operator_id TEXT NOT NULL REFERENCES operators(id),
                    approved_by TEXT REFERENCES operators(id),
                    reason TEXT NOT NULL,
                    business_date TEXT NOT NULL,
                    at_ms INTEGER NOT NULL,
                    total_cents INTEGER NOT NULL
                );
                CREATE TABLE storno_refunds (
                    seq INTEGER NOT NULL REFERENCES stornos(seq),
                    refund_no INTEGER NOT NULL,
                    method TEXT NOT NULL CHECK (method IN ('cash', 'cheque', 'card')),
                    amount_cents INTEGER NOT NULL,
                    card_terminal_id TEXT,
                    card_trace TEXT,
                    card_receipt_number TEXT,
                    card_name TEXT,
                    card_masked_pan TEXT,
                    card_auth_code TEXT,
                    card_turnover_number TEXT,
                    card_receipt_text TEXT,
                    not_reversed_reason TEXT,
                    PRIMARY KEY (seq, refund_no)
                );
                CREATE TABLE cash_movements (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    receipt_number INTEGER NOT NULL UNIQUE REFERENCES receipts(number),
                    shift_id TEXT NOT NULL REFERENCES shifts(id),
                    operator_id TEXT NOT NULL REFERENCES operators(id),
                    approved_by TEXT REFERENCES operators(id),
                    kind TEXT NOT NULL CHECK (kind IN ('einlage', 'entnahme', 'abschoepfung')),
                    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
                    reason TEXT NOT NULL,
                    business_date TEXT NOT NULL,
                    at_ms INTEGER NOT NULL
                );
                CREATE TABLE day_closes (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    z_number INTEGER NOT NULL UNIQUE CHECK (z_number > 0),
                    shift_id TEXT NOT NULL UNIQUE REFERENCES shifts(id),
                    operator_id TEXT NOT NULL REFERENCES operators(id),
                    approved_by TEXT REFERENCES operators(id),
                    business_date TEXT NOT NULL UNIQUE,
                    closed_at_ms INTEGER NOT NULL,
                    after_seq INTEGER NOT NULL,
                    first_receipt INTEGER,
                    last_receipt INTEGER,
                    sale_count INTEGER NOT NULL,
                    storno_count INTEGER NOT NULL,
                    float_cents INTEGER NOT NULL,
                    sales_cents INTEGER NOT NULL,
                    cash_cents INTEGER NOT NULL,
                    cheque_cents INTEGER NOT NULL,
                    card_cents INTEGER NOT NULL,
                    storno_cents INTEGER NOT NULL,
                    storno_cash_cents INTEGER NOT NULL,
                    storno_cheque_cents INTEGER NOT NULL,
                    storno_card_cents INTEGER NOT NULL,
                    einlagen_cents INTEGER NOT NULL,
                    entnahmen_cents INTEGER NOT NULL,
                    abschoepfungen_cents INTEGER NOT NULL,
                    expected_cash_cents INTEGER NOT NULL,
                    counted_cash_cents INTEGER NOT NULL,
                    difference_cents INTEGER NOT NULL
                );
                CREATE TABLE card_pending (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    sale_id TEXT NOT NULL,
                    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
                    terminal TEXT NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    draft TEXT NOT NULL
                );
                CREATE INDEX card_pending_sale ON card_pending(sale_id);
                CREATE TABLE card_resolutions (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    pending_id TEXT PRIMARY KEY REFERENCES card_pending(id),
                    outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'declined', 'not_paid', 'reversed')),
                    sale_id TEXT,
                    detail TEXT NOT NULL,
                    resolved_at_ms INTEGER NOT NULL,
                    at_startup INTEGER NOT NULL CHECK (at_startup IN (0, 1))
                );
                CREATE TABLE exports (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    format TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    after_seq INTEGER NOT NULL,
                    through_seq INTEGER NOT NULL,
                    file_name TEXT NOT NULL,
                    record_count INTEGER NOT NULL,
                    total_cents INTEGER NOT NULL,
                    file_sha256 TEXT NOT NULL,
                    is_repeat INTEGER NOT NULL CHECK (is_repeat IN (0, 1)),
                    operator_id TEXT REFERENCES operators(id),
                    at_ms INTEGER NOT NULL
                );
                CREATE TABLE audit_events (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    operator_id TEXT,
                    detail TEXT NOT NULL,
                    at_ms INTEGER NOT NULL
                );
                CREATE INDEX audit_events_kind ON audit_events(kind);

                """,
            appendOnly: [
                "journal", "register", "operators", "shifts", "receipts", "sales", "sale_lines", "line_shares",
                "payments", "stornos", "storno_refunds", "cash_movements", "day_closes", "card_pending",
                "card_resolutions", "exports", "audit_events",
            ]),
        // PIN hashes, kept out of `audit_events` so that listing or exporting the audit trail never
        // shows a hash (a 4–8 digit PIN's hash can be brute-forced). Each row belongs to the
        // `operator.added` or `operator.pin_changed` audit event with the same `seq`, whose detail
        // carries `pin_hash_sha256`, the SHA-256 of `pin_hash`: the hash chain covers the credential
        // (Sources/Ledger/Access/OperatorCredentials.swift, docs/access.md).
        Migration(
            version: 2, name: "access",
            schema: """
                CREATE TABLE operator_credentials (
                    seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                    operator_id TEXT NOT NULL REFERENCES operators(id),
                    pin_hash TEXT NOT NULL
                );
                CREATE INDEX audit_events_operator ON audit_events(operator_id);

                """,
            appendOnly: ["operator_credentials"]),
    ] + dayCloseMigrations  // Sources/Ledger/DayClose/DayCloseDetail.swift
    + periodTotalsMigrations + approvalUseMigrations
    + dayClosePeriodMigrations  // Sources/Ledger/DayClose/PeriodRows.swift
    + terminalReceiptMigrations + approvedAmountMigrations + stadtkasseTransferMigrations + lineTaxMigrations
    + catalogVersionMigrations

/// Covering indexes for the period totals of the X report and the day close
/// (`Ledger.aggregatedTotals`): the sums over a busy day's sales and payments are read from the
/// index alone instead of one table lookup per row (100,000 sales: about three times faster).
let periodTotalsMigrations: [Migration] = [
    Migration(
        version: 4, name: "period-totals-indexes",
        schema: """
            CREATE INDEX sales_period_totals ON sales(seq, total_cents, receipt_number);
            CREATE INDEX payments_period_totals ON payments(seq, method, amount_cents);

            """)
]

/// Which booking each four-eyes approval backs: an approval (the `approval.granted` audit event at
/// `approval_seq`) authorises exactly one booking (the storno, cash movement or day close at
/// `seq`), recorded in the booking's own transaction, so a second use books nothing
/// (Sources/Ledger/Access/OperatorCredentials.swift, docs/access.md).
let approvalUseMigrations: [Migration] = [
    Migration(
        version: 5, name: "approval_uses",
        schema: """
            CREATE TABLE approval_uses (
                seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                approval_seq INTEGER NOT NULL UNIQUE REFERENCES audit_events(seq)
            );

            """,
        appendOnly: ["approval_uses"])
]

/// The terminal's receipts as it printed them (ZVT 13.08 §3.5, §3.6): the print attribute of each
/// line of the customer copy, and the merchant copy with its attributes, beside `card_receipt_text`
/// of a card payment or reversal. NULL when there is none: such rows hash as before
/// (``CanonicalWriter/card(_:)``, docs/ledger.md).
let terminalReceiptMigrations: [Migration] = [
    Migration(
        version: 8, name: "terminal-receipts",
        schema: """
            ALTER TABLE payments ADD COLUMN card_receipt_attributes TEXT;
            ALTER TABLE payments ADD COLUMN card_merchant_receipt_text TEXT;
            ALTER TABLE payments ADD COLUMN card_merchant_receipt_attributes TEXT;
            ALTER TABLE storno_refunds ADD COLUMN card_receipt_attributes TEXT;
            ALTER TABLE storno_refunds ADD COLUMN card_merchant_receipt_text TEXT;
            ALTER TABLE storno_refunds ADD COLUMN card_merchant_receipt_attributes TEXT;

            """)
]

/// The amount the terminal approved or reversed (BMP 04 of its `04 0F`, ZVT 13.08 §3.1.1), in
/// cents, beside a card payment's or reversal's own amount (what the counter asked for). NULL where
/// the terminal named none: such rows hash as before (``CanonicalWriter/card(_:)``, docs/ledger.md
/// "Card payments"). The partial indexes hold only the rows where the two differ, for the day
/// close's warnings (``PeriodRowsSQL/cardAmountMismatches``).
let approvedAmountMigrations: [Migration] = [
    Migration(
        version: 9, name: "card-approved-amount",
        schema: """
            ALTER TABLE payments ADD COLUMN card_approved_cents INTEGER;
            ALTER TABLE storno_refunds ADD COLUMN card_approved_cents INTEGER;
            CREATE INDEX payments_card_amount_mismatch ON payments(seq)
              WHERE card_approved_cents IS NOT NULL AND card_approved_cents != amount_cents;
            CREATE INDEX storno_refunds_card_amount_mismatch ON storno_refunds(seq)
              WHERE card_approved_cents IS NOT NULL AND card_approved_cents != amount_cents;

            """)
]

/// Who at the Stadtkasse received an Abschöpfung (a name, and the operator id when they confirmed
/// with Kennung and PIN) and the count by denomination handed over (docs/dayclose.md). Version 10
/// (9 is the card payment's approved amount); a ledger applies every version it lacks, in order. NULL for
/// every other movement: such rows hash as before (``CanonicalEncoding``, docs/ledger.md).
let stadtkasseTransferMigrations: [Migration] = [
    Migration(
        version: 10, name: "stadtkasse-transfer",
        schema: """
            ALTER TABLE cash_movements ADD COLUMN received_by TEXT;
            ALTER TABLE cash_movements ADD COLUMN received_by_operator TEXT REFERENCES operators(id);
            ALTER TABLE cash_movements ADD COLUMN counted_pieces TEXT;

            """)
]

/// The VAT of a sale line (§ 2b UStG; docs/ledger.md "Umsatzsteuer"): treatment
/// (`steuerpflichtig`, `steuerfrei`), rate key and basis points, the VAT in cents allocated to the
/// line, the legal basis of an exemption. Version 11. NULL for a sovereign fee: such rows — and every row
/// booked before — hash as before (``CanonicalWriter/lineTax(_:)``).
let lineTaxMigrations: [Migration] = [
    Migration(
        version: 11, name: "sale-line-tax",
        schema: """
            ALTER TABLE sale_lines ADD COLUMN tax_treatment TEXT;
            ALTER TABLE sale_lines ADD COLUMN tax_rate TEXT;
            ALTER TABLE sale_lines ADD COLUMN tax_rate_bp INTEGER;
            ALTER TABLE sale_lines ADD COLUMN tax_vat_cents INTEGER;
            ALTER TABLE sale_lines ADD COLUMN tax_legal_basis TEXT;

            """)
]

/// The version of the fee catalogue a sale was priced with (docs/ledger.md, "Katalogversion"):
/// the catalogue's content hash or the centre's published version. Version 12. NULL for every
/// sale booked before: such rows hash as before (``CanonicalEncoding``).
let catalogVersionMigrations: [Migration] = [
    Migration(
        version: 12, name: "sale-catalog-version",
        schema: """
            ALTER TABLE sales ADD COLUMN catalog_version TEXT;

            """)
]
