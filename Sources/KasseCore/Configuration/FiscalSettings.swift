import Foundation

/// The `[fiscal]` section: which TSE signs the bookings, the register's client id at it, and what
/// the notification to the tax office needs (§ 146a Abs. 4 AO; docs/fiscal.md). KasseCore knows
/// nothing of TSEs: the counter turns these values into the device.
public struct FiscalSettings: Sendable, Equatable {
    /// The keys of `[fiscal]` (`fiscal.<key>`, environment `WEBKASSE_FISCAL_<KEY>`).
    public enum Key: String, CaseIterable, Sendable {
        case tse
        case clientId = "client_id"
        case directory
        case operatorName = "operator_name"
        case acquisitionDate = "acquisition_date"
        case fiskalyURL = "fiskaly_url"
        case apiKey = "api_key"
        case apiSecretFile = "api_secret_file"
        case fiskalyTSSFile = "fiskaly_tss_file"
    }

    /// `tse = none | software | fiskaly`.
    public enum Device: String, CaseIterable, Sendable {
        /// No TSE: a pure fee counter, receipts as before.
        case none
        /// The local software TSE (signs, **not certified**).
        case software
        /// fiskaly SIGN DE v2.
        case fiskaly
    }

    public var tse = Device.none
    /// The register's serial number at the TSE (TR-03151 client id); empty: the register id.
    public var clientId = ""
    /// The software TSE's directory (key, log); empty: `tse` in the register's data directory.
    public var directory = ""
    /// The taxpayer (the town) and its tax number, as the notification names them.
    public var operatorName = ""
    /// When the register was acquired (`YYYY-MM-DD`); empty: not given.
    public var acquisitionDate = ""
    /// fiskaly SIGN DE (docs/fiscal.md, "fiskaly SIGN DE"): the API's base URL (empty: production),
    /// the API key, the file (0600) with the API secret, the TSS file `webkasse fiscal setup`
    /// writes (empty: `fiskaly-tss.json` in the register's `tse` directory).
    public var fiskalyURL = ""
    public var apiKey = ""
    public var apiSecretFile = ""
    public var fiskalyTSSFile = ""

    public init() {}

    /// Sets `key` from its text; either the whole value is taken or nothing changes.
    public mutating func set(_ key: Key, _ value: String) throws(PrinterSettings.ValueError) {
        switch key {
        case .tse:
            guard let device = Device(rawValue: value.lowercased()) else {
                throw PrinterSettings.ValueError(
                    reason: "»\(value)« ist keine TSE (erlaubt: \(Device.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            tse = device
        case .clientId:
            let allowed = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?".utf8)
            guard value.isEmpty || (value.utf8.count <= 30 && value.utf8.allSatisfy(allowed.contains)) else {
                throw PrinterSettings.ValueError(
                    reason: "»\(value)« ist keine Client-ID nach TR-03151 (1 bis 30 Zeichen aus A–Z, a–z, 0–9, Leerzeichen und '()+,-./:=?).")
            }
            clientId = value
        case .directory: directory = value
        case .operatorName: operatorName = value
        case .acquisitionDate:
            guard value.isEmpty || BusinessDate(iso: value) != nil else {
                throw PrinterSettings.ValueError(reason: "»\(value)« ist kein Datum der Form JJJJ-MM-TT.")
            }
            acquisitionDate = value
        case .fiskalyURL:
            guard value.isEmpty || value.hasPrefix("https://") || value.hasPrefix("http://127.0.0.1") || value.hasPrefix("http://localhost") else {
                throw PrinterSettings.ValueError(reason: "»\(value)« ist keine https-Adresse (nur für Tests: http://127.0.0.1:PORT/…).")
            }
            fiskalyURL = value
        case .apiKey: apiKey = value
        case .apiSecretFile: apiSecretFile = value
        case .fiskalyTSSFile: fiskalyTSSFile = value
        }
    }

    /// The client id the TSE knows this register by: `client_id`, else the register id with `_`
    /// as `-` (TR-03151 allows no underscore).
    public func effectiveClientId(registerId: String) -> String {
        clientId.isEmpty ? registerId.replacingOccurrences(of: "_", with: "-") : clientId
    }

    public func text(_ key: Key) -> String {
        switch key {
        case .tse: tse.rawValue
        case .clientId: clientId.isEmpty ? "(Kassen-ID)" : clientId
        case .directory: directory.isEmpty ? "(Datenverzeichnis der Kasse)/tse" : directory
        case .operatorName: operatorName
        case .acquisitionDate: acquisitionDate
        case .fiskalyURL: fiskalyURL.isEmpty ? "(fiskaly SIGN DE v2)" : fiskalyURL
        case .apiKey: apiKey.isEmpty ? "" : "(gesetzt)"
        case .apiSecretFile: apiSecretFile
        case .fiskalyTSSFile: fiskalyTSSFile.isEmpty ? "(Datenverzeichnis der Kasse)/tse/fiskaly-tss.json" : fiskalyTSSFile
        }
    }
}
