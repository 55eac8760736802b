/// The EC terminal's ZVT settings of the `[terminal]` section (docs/zvt.md, "Terminal settings"),
/// besides its address: what the register sends and how it reads the answers.
///
/// A vendor ``Profile`` sets the defaults of the other keys; a key set explicitly (in the file or
/// by an environment variable) wins over the profile, in whatever order the two come.
/// KasseCore knows nothing of ZVT: the counter turns these values into the driver's configuration.
public struct TerminalSettings: Sendable, Equatable {
    /// The keys of `[terminal]` handled here (`terminal.<key>`, environment `WEBKASSE_TERMINAL_<KEY>`).
    public enum Key: String, CaseIterable, Sendable {
        case profile, password, charset
        case configByte = "config_byte"
        case tlv
        case t3Ms = "t3_ms"
        case t4Ms = "t4_ms"
        case serviceByte = "service_byte"
        case currency
        case paymentType = "payment_type"
        case statusPollSeconds = "status_poll_s"
    }

    /// The character set of the terminal's texts (ZVT 13.08 §15; the names of `ZVTCharacterSet`).
    public enum Charset: String, CaseIterable, Sendable {
        case cp437, latin1, utf8, ascii
        case germanASCII = "german-ascii"
    }

    /// Whether the Registration asks for `06 D3` text blocks with TLV tag 26 (ZVT 13.08 §2.1).
    public enum TLVRequest: String, CaseIterable, Sendable {
        /// Always with TLV 26: a terminal that refuses it refuses the registration (and so every payment).
        case on
        /// Never: receipts come as `06 D1` lines.
        case off
        /// With TLV 26; if the terminal refuses that registration, once more without BMP 06.
        case auto
    }

    /// Vendor profiles: defaults for terminals seen in the field (docs/zvt-field-notes.md, vendor deviations).
    public enum Profile: String, CaseIterable, Sendable {
        case standard, ingenico, ccv, pax, feig, valina

        /// The profile's value of every key but ``Key/profile`` and ``Key/password``.
        public var defaults: TerminalSettings {
            var settings = TerminalSettings(profile: self)
            switch self {
            case .standard, .ingenico, .ccv, .pax, .feig:
                break
            case .valina:
                // DCE/Worldline Valina prints ISO 8859-1 without negotiating it.
                settings.charset = .latin1
            }
            return settings
        }
    }

    public private(set) var profile = Profile.standard
    /// The terminal's 6-digit ZVT password.
    public var password = "000000"
    public var charset = Charset.cp437
    /// Registration config byte (ZVT 13.08 §2.1 table 1): `BE` = all receipts via print commands,
    /// intermediate status, the register controls payment and administration.
    public var configByte: UInt8 = 0xBE
    public var tlv = TLVRequest.auto
    /// T3 and T4 (PA00P016 §3.4–3.5; ZVT 13.08 §2.2): 5 s and 180 s by default.
    public var t3Ms = 5_000
    public var t4Ms = 180_000
    /// BMP 03 of the Registration (§2.1 table 2: 01 = no service menu on the terminal's function
    /// key, 02 = display texts in capitals); `nil` = not sent.
    public var serviceByte: UInt8?
    /// ISO 4217 numeric (978 = EUR): Registration, payment and refund.
    public var currency = 978
    /// BMP 19 of the payment `06 01` (§2.2.1 table 4; 40 = the terminal chooses, without
    /// GeldKarte); `nil` = not sent.
    public var paymentType: UInt8?
    /// How often the idle register asks the terminal's status (`05 01`, §2.56), in seconds; 0 = never.
    public var statusPollSeconds = 60
    /// The keys set explicitly: a later ``Key/profile`` leaves them alone.
    public private(set) var explicitKeys: Set<Key> = []

    public init() {}

    private init(profile: Profile) { self.profile = profile }

    /// A bad value of one key; `reason` is German and names the allowed values.
    public struct ValueError: Error, Equatable {
        public let reason: String
    }

    /// Sets `key` from its text. Either the whole value is taken or nothing changes.
    public mutating func set(_ key: Key, _ value: String) throws(ValueError) {
        func fail(_ reason: String) -> ValueError { ValueError(reason: reason) }
        func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type, _ what: String) throws(ValueError) -> Choice where Choice.RawValue == String {
            guard let chosen = Choice(rawValue: value.lowercased()) else {
                throw fail("»\(value)« ist \(what) (erlaubt: \(Choice.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            return chosen
        }
        func integer(_ range: ClosedRange<Int>) throws(ValueError) -> Int {
            guard let n = Int(value), range.contains(n) else { throw fail("»\(value)« ist keine ganze Zahl von \(range.lowerBound) bis \(range.upperBound).") }
            return n
        }
        func byte(optional: Bool) throws(ValueError) -> UInt8? {
            if optional && value.isEmpty { return nil }
            guard value.count == 2, value.allSatisfy(\.isHexDigit), let byte = UInt8(value, radix: 16) else {
                throw fail("»\(value)« ist kein Byte in Hex (zwei Zeichen 0–9, A–F, z. B. BE)" + (optional ? "; leer = nicht senden." : "."))
            }
            return byte
        }
        switch key {
        case .profile:
            let chosen = try choice(Profile.self, "kein bekanntes Terminalprofil")
            let defaults = chosen.defaults
            profile = chosen
            for other in Key.allCases where !explicitKeys.contains(other) { take(other, from: defaults) }
            return
        case .password:
            guard value.count == 6, value.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw fail("Das Terminal-Passwort hat genau 6 Ziffern.") }
            password = value
        case .charset: charset = try choice(Charset.self, "kein unterstützter Zeichensatz")
        case .configByte: configByte = try byte(optional: false)!
        case .tlv: tlv = try choice(TLVRequest.self, "kein gültiger Wert")
        case .t3Ms: t3Ms = try integer(1_000...30_000)
        case .t4Ms: t4Ms = try integer(30_000...1_800_000)
        case .serviceByte: serviceByte = try byte(optional: true)
        case .currency:
            guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(value), code > 0 else {
                throw fail("»\(value)« ist kein Währungscode nach ISO 4217 (drei Ziffern, z. B. 978 für Euro).")
            }
            currency = code
        case .paymentType: paymentType = try byte(optional: true)
        case .statusPollSeconds: statusPollSeconds = try integer(0...3_600)
        }
        explicitKeys.insert(key)
    }

    /// Copies `key`'s value from `other` (profile and password stay).
    private mutating func take(_ key: Key, from other: TerminalSettings) {
        switch key {
        case .profile, .password: break
        case .charset: charset = other.charset
        case .configByte: configByte = other.configByte
        case .tlv: tlv = other.tlv
        case .t3Ms: t3Ms = other.t3Ms
        case .t4Ms: t4Ms = other.t4Ms
        case .serviceByte: serviceByte = other.serviceByte
        case .currency: currency = other.currency
        case .paymentType: paymentType = other.paymentType
        case .statusPollSeconds: statusPollSeconds = other.statusPollSeconds
        }
    }

    /// `key`'s value as the config file writes it (the password hidden), for `webkasse config check`.
    public func text(_ key: Key) -> String {
        func hex(_ byte: UInt8?) -> String { byte.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) } ?? "(nicht gesendet)" }
        switch key {
        case .profile: return profile.rawValue
        case .password: return "******"
        case .charset: return charset.rawValue
        case .configByte: return hex(configByte)
        case .tlv: return tlv.rawValue
        case .t3Ms: return String(t3Ms)
        case .t4Ms: return String(t4Ms)
        case .serviceByte: return hex(serviceByte)
        case .currency: return String(currency)
        case .paymentType: return hex(paymentType)
        case .statusPollSeconds: return statusPollSeconds == 0 ? "0 (aus)" : String(statusPollSeconds)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
