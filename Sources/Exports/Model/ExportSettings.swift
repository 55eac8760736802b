/// The office's settings for exports: payment and difference accounts, DATEV client data.
///
/// The account numbers are **defaults to be confirmed** with the Land's Kontierungsplan
/// (DOMAIN-NOTES §4: exact NKF numbers were not verified); every one is configurable.
public struct ExportSettings: Equatable, Sendable {
    /// Payment accounts per method (Kasse, card clearing, cheques).
    public var cashAccount = "1811"
    public var cardAccount = "1812"
    public var chequeAccount = "1813"
    /// Counter-account of cash movements (Geldtransit to/from the Stadtkasse).
    public var transitAccount = "1890"
    /// Überschuss (first held as Verwahrgeld) and Fehlbetrag (first held as Vorschuss).
    public var surplusAccount = "3790"
    public var shortageAccount = "1790"

    /// DATEV Beraternummer (1001…9999999) and Mandantennummer (1…99999).
    public var datevConsultant = 1001
    public var datevClient = 1
    /// DATEV Sachkontenlänge (4…8): account numbers are left-padded with zeros to it.
    public var datevAccountLength = 4
    /// First month of the fiscal year (1 = January).
    public var fiscalYearStartMonth = 1
    /// DATEV Festschreibung of the imported batch (field 114): 0 = not locked, 1 = locked.
    public var datevLock = 0
    /// DATEV Diktatkürzel (two letters) and SKR (e.g. `03`); empty when not used.
    public var datevDictationCode = ""
    public var datevChart = ""

    public init() {}

    public func paymentAccount(for method: PaymentMethod) -> String {
        switch method {
        case .cash: return cashAccount
        case .card: return cardAccount
        case .cheque: return chequeAccount
        }
    }
}
