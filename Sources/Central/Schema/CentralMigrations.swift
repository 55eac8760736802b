import KasseCrypto

/// A numbered migration of the central schema (docs/central.md, "Schema"). A migration that has
/// shipped is NEVER edited: add a new one. The SHA-256 of each applied migration's SQL is kept in
/// `central_schema_version`, so an edited one is refused.
struct CentralMigration: Sendable {
    let version: Int
    let name: String
    let sql: String
    /// The tables this migration makes append-only: UPDATE, DELETE and TRUNCATE refused by a
    /// statement trigger (it fires even when no row matches).
    let appendOnlyTables: [String]

    init(version: Int, name: String, schema: String, appendOnly: [String]) {
        self.version = version
        self.name = name
        self.sql = schema + CentralMigration.appendOnlyTriggers(appendOnly)
        self.appendOnlyTables = appendOnly
    }

    var sha256: String { LibCrypto.sha256(Array(sql.utf8)).hexString }

    /// The triggers of `tables`. Their text is part of shipped migrations: never change it.
    static func appendOnlyTriggers(_ tables: [String]) -> String {
        tables.map { table in
            """
            CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON \(table)
                FOR EACH STATEMENT EXECUTE FUNCTION central_refuse_change();

            """
        }.joined()
    }
}

/// The central schema, in order. Every journal table is keyed by `(register_id, seq)`: the
/// register's own journal sequence, so that an entry delivered twice is the same row.
let centralMigrations: [CentralMigration] = [
    CentralMigration(
        version: 1, name: "journal",
        schema: """
            CREATE FUNCTION central_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'Gebuchte Daten sind unveränderlich: % darf nicht % werden', TG_TABLE_NAME,
                    CASE TG_OP WHEN 'UPDATE' THEN 'geändert' ELSE 'gelöscht' END;
            END $$;

            -- One row per journal entry of every register; `canonical` is the entry's canonical
            -- bytes (Sources/Ledger/Chain/CanonicalEncoding.swift), `hash` their SHA-256.
            CREATE TABLE journal (
                register_id text NOT NULL,
                seq bigint NOT NULL CHECK (seq > 0),
                kind text NOT NULL,
                ref text NOT NULL,
                recorded_at_ms bigint NOT NULL,
                prev_hash text NOT NULL,
                hash text NOT NULL,
                canonical bytea NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (register_id, seq)
            );

            -- An entry links to the centre's copy of its predecessor: the centre's chain of a
            -- register never has a gap or a second branch.
            CREATE FUNCTION central_journal_link() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.seq = 1 THEN
                    IF NEW.prev_hash <> repeat('0', 64) THEN
                        RAISE EXCEPTION 'Buchung 1 der Kasse % hat einen Vorgänger-Hash', NEW.register_id;
                    END IF;
                ELSIF NOT EXISTS (SELECT 1 FROM journal
                                  WHERE register_id = NEW.register_id AND seq = NEW.seq - 1 AND hash = NEW.prev_hash) THEN
                    RAISE EXCEPTION 'Buchung % der Kasse % schließt nicht an die Buchung davor an', NEW.seq, NEW.register_id;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER journal_link BEFORE INSERT ON journal
                FOR EACH ROW EXECUTE FUNCTION central_journal_link();

            CREATE TABLE registers (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, name text NOT NULL, created_at_ms bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE operators (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, login text NOT NULL, name text NOT NULL, created_at_ms bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE shifts (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, operator_id text NOT NULL, business_date date NOT NULL,
                opened_at_ms bigint NOT NULL, float_cents bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE sales (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, receipt_number bigint NOT NULL, shift_id text NOT NULL, operator_id text NOT NULL,
                business_date date NOT NULL, started_at_ms bigint NOT NULL, ended_at_ms bigint NOT NULL,
                reference text, total_cents bigint NOT NULL, catalog_version text,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE INDEX sales_business_date ON sales (business_date, register_id);
            CREATE INDEX sales_id ON sales (register_id, id);
            CREATE TABLE sale_lines (
                register_id text NOT NULL, seq bigint NOT NULL, line_no integer NOT NULL,
                item_code text NOT NULL, name text NOT NULL, variant text, quantity bigint NOT NULL,
                unit_price_cents bigint NOT NULL, amount_cents bigint NOT NULL, sachkonto text NOT NULL,
                produkt text, kostenstelle text, tax_note text NOT NULL,
                tax_treatment text CHECK (tax_treatment IN ('steuerpflichtig', 'steuerfrei')), tax_rate text, tax_rate_bp bigint,
                tax_vat_cents bigint, tax_legal_basis text,
                PRIMARY KEY (register_id, seq, line_no), FOREIGN KEY (register_id, seq) REFERENCES sales);
            CREATE TABLE line_shares (
                register_id text NOT NULL, seq bigint NOT NULL, line_no integer NOT NULL, share_no integer NOT NULL,
                account text NOT NULL, produkt text, kostenstelle text, amount_cents bigint NOT NULL,
                pass_through boolean NOT NULL, label text NOT NULL,
                PRIMARY KEY (register_id, seq, line_no, share_no), FOREIGN KEY (register_id, seq) REFERENCES sales);
            CREATE TABLE payments (
                register_id text NOT NULL, seq bigint NOT NULL, payment_no integer NOT NULL,
                method text NOT NULL CHECK (method IN ('cash', 'cheque', 'card')), amount_cents bigint NOT NULL,
                tendered_cents bigint, change_cents bigint,
                cheque_number text, cheque_bank text, cheque_drawer text,
                card_terminal_id text, card_trace text, card_receipt_number text, card_name text,
                card_masked_pan text, card_auth_code text, card_turnover_number text, card_approved_cents bigint,
                card_pending_id text,
                PRIMARY KEY (register_id, seq, payment_no), FOREIGN KEY (register_id, seq) REFERENCES sales);
            CREATE TABLE stornos (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, sale_id text NOT NULL, receipt_number bigint NOT NULL, shift_id text NOT NULL,
                operator_id text NOT NULL, approved_by text, reason text NOT NULL, business_date date NOT NULL,
                at_ms bigint NOT NULL, total_cents bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE storno_refunds (
                register_id text NOT NULL, seq bigint NOT NULL, refund_no integer NOT NULL,
                method text NOT NULL CHECK (method IN ('cash', 'cheque', 'card')), amount_cents bigint NOT NULL,
                card_terminal_id text, card_trace text, card_receipt_number text, card_name text, card_masked_pan text,
                card_auth_code text, card_turnover_number text, card_approved_cents bigint, not_reversed_reason text,
                PRIMARY KEY (register_id, seq, refund_no), FOREIGN KEY (register_id, seq) REFERENCES stornos);
            CREATE TABLE cash_movements (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, receipt_number bigint NOT NULL, shift_id text NOT NULL, operator_id text NOT NULL,
                approved_by text, kind text NOT NULL CHECK (kind IN ('einlage', 'entnahme', 'abschoepfung')),
                amount_cents bigint NOT NULL, reason text NOT NULL, business_date date NOT NULL, at_ms bigint NOT NULL,
                received_by text, received_by_operator text, counted_pieces text,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE day_closes (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, z_number bigint NOT NULL, shift_id text NOT NULL, operator_id text NOT NULL,
                approved_by text, business_date date NOT NULL, closed_at_ms bigint NOT NULL, after_seq bigint NOT NULL,
                first_receipt bigint, last_receipt bigint, sale_count bigint NOT NULL, storno_count bigint NOT NULL,
                float_cents bigint NOT NULL, sales_cents bigint NOT NULL, cash_cents bigint NOT NULL,
                cheque_cents bigint NOT NULL, card_cents bigint NOT NULL, storno_cents bigint NOT NULL,
                storno_cash_cents bigint NOT NULL, storno_cheque_cents bigint NOT NULL, storno_card_cents bigint NOT NULL,
                einlagen_cents bigint NOT NULL, entnahmen_cents bigint NOT NULL, abschoepfungen_cents bigint NOT NULL,
                expected_cash_cents bigint NOT NULL, counted_cash_cents bigint NOT NULL, difference_cents bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal,
                UNIQUE (register_id, z_number));
            CREATE TABLE card_pending (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, sale_id text NOT NULL, amount_cents bigint NOT NULL, terminal text NOT NULL,
                created_at_ms bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE card_resolutions (
                register_id text NOT NULL, seq bigint NOT NULL,
                pending_id text NOT NULL, outcome text NOT NULL, sale_id text, detail text NOT NULL,
                resolved_at_ms bigint NOT NULL, at_startup boolean NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE exports (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, format text NOT NULL, scope text NOT NULL, after_seq bigint NOT NULL,
                through_seq bigint NOT NULL, file_name text NOT NULL, record_count bigint NOT NULL,
                total_cents bigint NOT NULL, file_sha256 text NOT NULL, is_repeat boolean NOT NULL,
                operator_id text, at_ms bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE TABLE audit_events (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL, kind text NOT NULL, operator_id text, detail text NOT NULL, at_ms bigint NOT NULL,
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE INDEX audit_events_kind ON audit_events (kind, register_id);
            -- The TSE's answer (or failure) of a booking (docs/fiscal.md, "In the ledger").
            CREATE TABLE tse_transactions (
                register_id text NOT NULL, seq bigint NOT NULL,
                id text NOT NULL,
                booking_kind text NOT NULL CHECK (booking_kind IN ('sale', 'storno', 'cash_movement', 'aborted', 'unbooked')),
                booking_id text, client_id text NOT NULL, tse_serial text, tse_tanr bigint,
                tse_ta_start_ms bigint, tse_ta_ende_ms bigint, tse_ta_vorgangsart text NOT NULL, tse_vorgangsdaten text NOT NULL,
                tse_ta_sigz bigint, tse_ta_sig text, tse_sig_algo text, tse_zeitformat text, tse_public_key text,
                tse_ta_fehler text, at_ms bigint NOT NULL,
                CHECK ((tse_ta_fehler IS NULL) = (tse_ta_sig IS NOT NULL)),
                PRIMARY KEY (register_id, seq), FOREIGN KEY (register_id, seq) REFERENCES journal);
            CREATE INDEX tse_transactions_booking ON tse_transactions (register_id, booking_id);

            -- An entry a counter offered under a (register, seq) the centre holds with another
            -- hash: refused, never overwritten (docs/central.md, "Forks").
            CREATE TABLE forks (
                id bigserial PRIMARY KEY,
                register_id text NOT NULL, seq bigint NOT NULL,
                central_hash text NOT NULL, offered_hash text NOT NULL, offered_prev_hash text NOT NULL,
                offered_recorded_at_ms bigint NOT NULL,
                detected_at timestamptz NOT NULL DEFAULT now(),
                reported_by text NOT NULL DEFAULT current_user);
            -- The chain head each counter had at each delivery: a head that goes backwards is a
            -- local ledger that lost its tail (`central verify`).
            CREATE TABLE reported_heads (
                id bigserial PRIMARY KEY,
                register_id text NOT NULL, head_seq bigint NOT NULL, head_hash text NOT NULL,
                reported_at timestamptz NOT NULL DEFAULT now(),
                reported_by text NOT NULL DEFAULT current_user);
            CREATE INDEX reported_heads_register ON reported_heads (register_id, id);

            """,
        appendOnly: [
            "journal", "registers", "operators", "shifts", "sales", "sale_lines", "line_shares", "payments", "stornos",
            "storno_refunds", "cash_movements", "day_closes", "card_pending", "card_resolutions", "exports",
            "audit_events", "tse_transactions", "forks", "reported_heads",
        ]),
    // The export register of the centre (`central export`, docs/central.md "Export"): which journal
    // ranges of which register went into which file, so that `--new` exports each entry once.
    CentralMigration(
        version: 2, name: "central-exports",
        schema: """
            CREATE TABLE central_exports (
                id text NOT NULL,
                register_id text NOT NULL,
                format text NOT NULL,
                scope text NOT NULL,
                after_seq bigint NOT NULL,
                through_seq bigint NOT NULL,
                file_name text NOT NULL,
                record_count bigint NOT NULL,
                total_cents bigint NOT NULL,
                file_sha256 text NOT NULL,
                is_repeat boolean NOT NULL,
                exported_by text NOT NULL,
                at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (id, register_id));
            CREATE INDEX central_exports_register ON central_exports (register_id, format);

            """,
        appendOnly: ["central_exports"]),
    // The fee catalogue published by the centre (`central tariffs publish`, docs/central.md
    // "Stammdaten"): each version with its files' bytes, as `tariffs check` validated them.
    // Counters read the newest and keep it as their last good version for offline work.
    CentralMigration(
        version: 3, name: "catalog-versions",
        schema: """
            CREATE TABLE catalog_versions (
                version bigint PRIMARY KEY CHECK (version > 0),
                content_version text NOT NULL UNIQUE,
                item_count integer NOT NULL,
                published_by text NOT NULL,
                published_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE catalog_files (
                version bigint NOT NULL REFERENCES catalog_versions (version),
                name text NOT NULL,
                content bytea NOT NULL,
                PRIMARY KEY (version, name));

            """,
        appendOnly: ["catalog_versions", "catalog_files"]),
    // Operators and roles kept by the centre (`central operator`, docs/central.md "Bediener aus der
    // Zentrale"): the audit events of the access rules (Sources/Access) in the order they were
    // decided, each detail as on the counter (AuditJSON), the PIN hash apart with its SHA-256 in
    // the detail. Writers lock the table, so `seq` grows in commit order and a counter that read
    // up to N never misses an event below N. Counters read only the view: the events that shape
    // operators, with their PIN hashes.
    CentralMigration(
        version: 4, name: "operator-events",
        schema: """
            CREATE TABLE operator_events (
                seq bigserial PRIMARY KEY,
                kind text NOT NULL,
                actor_id text,
                subject_id text,
                detail text NOT NULL,
                at_ms bigint NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                recorded_by text NOT NULL DEFAULT current_user);
            CREATE INDEX operator_events_subject ON operator_events (subject_id, kind);
            CREATE TABLE operator_pin_hashes (
                seq bigint PRIMARY KEY REFERENCES operator_events (seq),
                operator_id text NOT NULL,
                pin_hash text NOT NULL);
            CREATE VIEW operator_directory_events AS
                SELECT e.seq, e.kind, e.actor_id, e.detail, e.at_ms, h.pin_hash
                FROM operator_events e LEFT JOIN operator_pin_hashes h ON h.seq = e.seq
                WHERE e.kind IN ('operator.added', 'operator.roles_changed', 'operator.pin_changed', 'operator.locked', 'operator.unlocked');

            """,
        appendOnly: ["operator_events", "operator_pin_hashes"]),
    // The terminal's receipt texts of card payments and reversals and the card draft of a pending
    // payment, which before were only in the canonical bytes: the centre holds every field of the
    // ledger's records. Rows delivered before this migration have NULL here (`central verify
    // --rows` accepts that for them alone: Sources/Central/Verify/CentralVerifier.swift).
    CentralMigration(
        version: 5, name: "card-receipts",
        schema: """
            ALTER TABLE payments ADD COLUMN card_receipt_text text, ADD COLUMN card_receipt_attributes text,
                ADD COLUMN card_merchant_receipt_text text, ADD COLUMN card_merchant_receipt_attributes text;
            ALTER TABLE storno_refunds ADD COLUMN card_receipt_text text, ADD COLUMN card_receipt_attributes text,
                ADD COLUMN card_merchant_receipt_text text, ADD COLUMN card_merchant_receipt_attributes text;
            ALTER TABLE card_pending ADD COLUMN draft text;

            """,
        appendOnly: []),
    // The office's name, address, tax numbers and payment-side accounts for every counter
    // (`central settings publish`, docs/central.md "Dienststelle und Konten aus der Zentrale"): the
    // `[office]` and `[accounts]` of webkasse.conf as published, validated as a counter reads them.
    CentralMigration(
        version: 6, name: "office-settings",
        schema: """
            CREATE TABLE office_settings (
                version bigint PRIMARY KEY CHECK (version > 0),
                content text NOT NULL,
                published_by text NOT NULL,
                published_at timestamptz NOT NULL DEFAULT now());

            """,
        appendOnly: ["office_settings"]),
]

/// The columns migration 5 added to rows that existed before it: NULL in a row delivered earlier.
let centralColumnsAddedLater: [String: Set<String>] = [
    "payments": ["card_receipt_text", "card_receipt_attributes", "card_merchant_receipt_text", "card_merchant_receipt_attributes"],
    "storno_refunds": ["card_receipt_text", "card_receipt_attributes", "card_merchant_receipt_text", "card_merchant_receipt_attributes"],
    "card_pending": ["draft"],
]

/// The migration that added ``centralColumnsAddedLater``.
let centralColumnsAddedInVersion = 5

/// Every append-only table of the central schema.
let centralAppendOnlyTables = centralMigrations.flatMap(\.appendOnlyTables)

/// The tables a counter writes (INSERT only) when it delivers; it reads only the heads it needs.
let centralDeliveryTables = centralMigrations[0].appendOnlyTables
