import KasseCore
import Ledger

/// The office's settings for exports: payment and difference accounts, DATEV client data.
///
/// The account numbers come from the configuration's `[accounts]` section (``init(configuration:)``);
/// its defaults are **examples to be confirmed** with the Land's Kontierungsplan (docs/exports.md).
public struct ExportSettings: Equatable, Sendable {
    /// Payment accounts per method (Kasse, card clearing, cheques).
    public var cashAccount = "181000"
    public var cardAccount = "182100"
    public var chequeAccount = "182200"
    /// Counter-account of cash movements (Geldtransit to/from the Stadtkasse).
    public var transitAccount = "189000"
    /// Überschuss (first held as Verwahrgeld) and Fehlbetrag (first held as Vorschuss).
    public var surplusAccount = "459100"
    public var shortageAccount = "549100"
    /// Umsatzsteuer account per rate: the VAT part of a taxable sale is booked there.
    public var vatAccounts: [VATRateKey: String] = [.normal: "376110", .reduced1: "376120"]
    /// DATEV BU-Schlüssel per rate, written on the net row of a taxable sale; none by default:
    /// the VAT is booked explicitly on ``vatAccounts``, so a key that makes DATEV compute VAT
    /// itself would count it twice (docs/exports.md, "Umsatzsteuer").
    public var datevTaxKeys: [VATRateKey: String] = [:]

    /// DATEV Beraternummer (1001…9999999) and Mandantennummer (1…99999).
    public var datevConsultant = 1001
    public var datevClient = 1
    /// DATEV Sachkontenlänge (4…8): account numbers are left-padded with zeros to it.
    public var datevAccountLength = 6
    /// First month of the fiscal year (1 = January).
    public var fiscalYearStartMonth = 1
    /// DATEV Festschreibung of the imported batch (field 114): 0 = not locked, 1 = locked.
    public var datevLock = 0
    /// DATEV Diktatkürzel (two letters) and SKR (e.g. `03`); empty when not used.
    public var datevDictationCode = ""
    public var datevChart = ""

    public init() {}

    /// The accounts of the office's configuration (`[accounts]`), DATEV data at its defaults.
    public init(configuration: Configuration) {
        cashAccount = configuration.cashAccount
        cardAccount = configuration.cardAccount
        chequeAccount = configuration.chequeAccount
        transitAccount = configuration.transferAccount
        surplusAccount = configuration.surplusAccount
        shortageAccount = configuration.shortfallAccount
        vatAccounts = configuration.vatAccounts
        datevTaxKeys = configuration.datevTaxKeys
    }

    public func paymentAccount(for method: PaymentMethod) -> String {
        switch method {
        case .cash: return cashAccount
        case .card: return cardAccount
        case .cheque: return chequeAccount
        }
    }
}
