import Foundation
import KasseCrypto

/// The TSS this register signs with, as `webkasse fiscal setup` left it in `[fiscal]
/// fiskaly_tss_file` (JSON, 0600): its id, the admin PUK fiskaly gives only once, and the admin
/// PIN the set-up chose.
public struct FiskalyTSSRecord: Equatable, Sendable {
    public var tssId: String
    var adminPUK: String
    var adminPIN: String

    static func read(_ path: String) throws(TSEError) -> FiskalyTSSRecord {
        let text = try OwnerOnlyFile.read(path, what: "Die fiskaly-TSS-Datei")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let id = object["tss_id"] as? String, let puk = object["admin_puk"] as? String, let pin = object["admin_pin"] as? String
        else { throw .storage("Die fiskaly-TSS-Datei \(path) ist unlesbar; bitte webkasse fiscal setup erneut ausführen") }
        return FiskalyTSSRecord(tssId: id, adminPUK: puk, adminPIN: pin)
    }

    func write(_ path: String) throws(TSEError) {
        let object = ["tss_id": tssId, "admin_puk": adminPUK, "admin_pin": adminPIN]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        try OwnerOnlyFile.write([UInt8](data) + [0x0A], to: path, what: "Die fiskaly-TSS-Datei")
    }
}

/// `webkasse fiscal setup` for fiskaly: a new TSS taken from CREATED to INITIALIZED in the
/// documented order (docs/fiscal.md, "fiskaly SIGN DE"):
/// 1. `PUT /tss/{uuid}` → CREATED, answering the admin PUK once;
/// 2. `PATCH /tss/{id}` state UNINITIALIZED;
/// 3. `PATCH /tss/{id}/admin` with the PUK and a new admin PIN;
/// 4. `POST /tss/{id}/admin/auth` with the PIN;
/// 5. `PATCH /tss/{id}` state INITIALIZED.
///
/// The TSS file is written right after step 1 (the PUK is not given again) and before the PIN is
/// sent, so a set-up broken off anywhere is continued by running it again: it asks the TSS's
/// state and goes on from there.
public enum FiskalySetUp {
    /// What the set-up did, for the command's output (never the PIN or PUK).
    public struct Report: Equatable, Sendable {
        public var tssId: String
        public var serialNumber: String
        /// The calls made, as `METHOD /path`, in order.
        public var steps: [String]
    }

    public static func run(configuration: FiskalyConfiguration, transport: any FiskalyTransport = URLSessionFiskalyTransport()) throws(TSEError)
        -> Report
    {
        let session = try FiskalySession(configuration: configuration, transport: transport)
        var steps: [String] = []
        var record: FiskalyTSSRecord
        var state: String
        if FileManager.default.fileExists(atPath: configuration.tssFile) {
            record = try FiskalyTSSRecord.read(configuration.tssFile)
            let tss = try FiskalyJSON.object(try session.request("GET", "/tss/\(record.tssId)"), "GET /tss")
            state = try FiskalyJSON.string(tss, "state", "GET /tss")
            steps.append("GET /tss/\(record.tssId)")
        } else {
            let id = UUID().uuidString.lowercased()
            let created = try FiskalyJSON.object(try session.request("PUT", "/tss/\(id)", json: [:]), "PUT /tss")
            steps.append("PUT /tss/\(id)")
            let puk = try FiskalyJSON.string(created, "admin_puk", "PUT /tss")
            record = FiskalyTSSRecord(tssId: id, adminPUK: puk, adminPIN: newAdminPIN())
            try record.write(configuration.tssFile)
            state = try FiskalyJSON.string(created, "state", "PUT /tss")
        }
        let tssPath = "/tss/\(record.tssId)"
        if state == "CREATED" {
            _ = try session.request("PATCH", tssPath, json: ["state": "UNINITIALIZED"])
            steps.append("PATCH \(tssPath)")
            state = "UNINITIALIZED"
        }
        if state == "UNINITIALIZED" {
            do {
                _ = try session.call("PATCH", tssPath + "/admin", json: ["admin_puk": record.adminPUK, "new_admin_pin": record.adminPIN])
                steps.append("PATCH \(tssPath)/admin")
            } catch .refusal {
                // An earlier run set this PIN already; the PUK may be spent. Signing in shows whether the PIN holds.
            } catch {
                throw error.tseError("PATCH", tssPath + "/admin")
            }
            try authenticateAdmin(session, record)
            steps.append("POST \(tssPath)/admin/auth")
            _ = try session.request("PATCH", tssPath, json: ["state": "INITIALIZED"])
            steps.append("PATCH \(tssPath)")
            state = "INITIALIZED"
        }
        guard state == "INITIALIZED" else { throw .refused("TSS \(record.tssId) ist im Zustand \(state), nicht INITIALIZED") }
        let tss = try FiskalyJSON.object(try session.request("GET", tssPath), "GET /tss")
        return Report(tssId: record.tssId, serialNumber: (tss["serial_number"] as? String) ?? "", steps: steps)
    }

    /// `POST /tss/{id}/admin/auth`: signs the admin in (client registration and initialising need it).
    static func authenticateAdmin(_ session: FiskalySession, _ record: FiskalyTSSRecord) throws(TSEError) {
        let path = "/tss/\(record.tssId)/admin/auth"
        do {
            _ = try session.call("POST", path, json: ["admin_pin": record.adminPIN])
        } catch .refusal(let refusal) {
            throw .refused("POST \(path): Admin-PIN aus der fiskaly-TSS-Datei abgelehnt (HTTP \(refusal.status))")
        } catch {
            throw error.tseError("POST", path)
        }
    }

    /// 20 random digits and letters: long enough for fiskaly's PIN rule, nothing to remember.
    private static func newAdminPIN() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return String(LibCrypto.randomBytes(20).map { alphabet[Int($0) % alphabet.count] })
    }
}
