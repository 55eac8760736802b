/// Schema added by the security issue (6): PIN hashes, kept out of `audit_events` so that listing
/// or exporting the audit trail never shows a hash (a 4–8 digit PIN's hash can be brute-forced).
///
/// Each row belongs to the `operator.added` or `operator.pin_changed` audit event with the same
/// `seq`; that event's detail carries `pin_hash_sha256`, the SHA-256 of `pin_hash`, so the hash
/// chain covers the credential too (a changed row is refused when operators are read, see
/// `CredentialMismatch`). Shipped migrations are never edited: add a new one.
let accessMigrations: [Migration] = [
    Migration(
        version: 2, name: "access",
        sql: """
            CREATE TABLE operator_credentials (
                seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                operator_id TEXT NOT NULL REFERENCES operators(id),
                pin_hash TEXT NOT NULL
            );
            CREATE INDEX audit_events_operator ON audit_events(operator_id);

            """ + appendOnlyTriggers(["operator_credentials"]))
]
