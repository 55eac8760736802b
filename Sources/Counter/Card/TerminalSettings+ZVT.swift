import KasseCore
import ZVT

extension ZVTDriver.Configuration {
    /// The driver's configuration from the `[terminal]` settings (docs/zvt.md, "Terminal settings").
    /// The status-poll interval is not the driver's: the counter polls.
    public init(settings: TerminalSettings) throws(CardTerminalError) {
        guard let password = Password(settings.password) else { throw .failed("das Terminal-Passwort hat genau 6 Ziffern") }
        self.init(
            password: password, currencyCode: settings.currency,
            session: SessionConfiguration(t3Ms: Int64(settings.t3Ms), t4Ms: Int64(settings.t4Ms), charset: ZVTCharacterSet(settings.charset)),
            registrationConfig: settings.configByte, registrationTLV: ZVTDriver.RegistrationTLV(settings.tlv),
            registrationServiceByte: settings.serviceByte, paymentType: settings.paymentType)
    }
}

extension ZVTCharacterSet {
    /// The set of that name (every ``TerminalSettings/Charset`` is one).
    init(_ charset: TerminalSettings.Charset) {
        switch charset {
        case .cp437: self = .cp437
        case .latin1: self = .latin1
        case .utf8: self = .utf8
        case .ascii: self = .ascii
        case .germanASCII: self = .germanASCII
        }
    }
}

extension ZVTDriver.RegistrationTLV {
    init(_ request: TerminalSettings.TLVRequest) {
        switch request {
        case .on: self = .on
        case .off: self = .off
        case .auto: self = .auto
        }
    }
}
