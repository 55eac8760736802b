/// The VAT rate keys a catalogue may use, named as the DSFinV-K and the SE-API (BSI TR-03151,
/// process data `Kassenbeleg-V1`) name them (docs/ledger.md, "Umsatzsteuer").
public enum VATRateKey: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Regelsteuersatz (§ 12 Abs. 1 UStG), 19 % since 2007 (16 % from 1 July to 31 December 2020).
    case normal = "NORMAL"
    /// Ermäßigter Steuersatz (§ 12 Abs. 2 UStG), 7 % (5 % from 1 July to 31 December 2020).
    case reduced1 = "REDUCED_1"

    public static func < (lhs: VATRateKey, rhs: VATRateKey) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A VAT rate valid from a day to a day (both inclusive; open-ended without `validUntil`), in
/// basis points: 1900 = 19 %.
public struct VATRatePeriod: Sendable, Hashable {
    public let validFrom: BusinessDate
    public let validUntil: BusinessDate?
    public let basisPoints: Int64

    public init(validFrom: BusinessDate, validUntil: BusinessDate? = nil, basisPoints: Int64) {
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.basisPoints = basisPoints
    }

    public func contains(_ date: BusinessDate) -> Bool {
        date >= validFrom && (validUntil.map { date <= $0 } ?? true)
    }
}

/// How an item is treated for VAT (§ 2b UStG from 1 January 2027; docs/ledger.md).
public enum TaxTreatment: Sendable, Hashable {
    /// A sovereign fee (hoheitliche Gebühr): outside VAT. The default.
    case nichtSteuerbar
    /// Taxable at the rate `key` (its percentage is dated data of the catalogue).
    case steuerpflichtig(VATRateKey)
    /// Taxable in principle but exempt, by `legalBasis` (e.g. "§ 4 Nr. 8 UStG").
    case steuerfrei(legalBasis: String)

    /// The catalogue's and the ledger's name: `nicht_steuerbar`, `steuerpflichtig`, `steuerfrei`.
    public var code: String {
        switch self {
        case .nichtSteuerbar: return "nicht_steuerbar"
        case .steuerpflichtig: return "steuerpflichtig"
        case .steuerfrei: return "steuerfrei"
        }
    }

    /// The note printed beside the line when the item gives none.
    public var defaultNote: String {
        switch self {
        case .nichtSteuerbar: return TariffItem.defaultTaxNote
        case .steuerpflichtig: return ""
        case .steuerfrei(let basis): return "umsatzsteuerfrei nach \(basis)"
        }
    }
}

/// An item's tax treatment with the dated rates of its key, copied from the catalogue's
/// `vat_rates` when it is read, so that a basket can fix the rate of the day a line is added.
public struct TaxRule: Sendable, Hashable {
    public let treatment: TaxTreatment
    /// The rate periods of the treatment's key; empty unless `steuerpflichtig`.
    public let rates: [VATRatePeriod]

    public init(treatment: TaxTreatment, rates: [VATRatePeriod] = []) {
        self.treatment = treatment
        self.rates = rates
    }

    public static let nichtSteuerbar = TaxRule(treatment: .nichtSteuerbar)

    /// The tax of a line added on `date`; nil when a taxable item has no rate on that day.
    public func tax(on date: BusinessDate) -> LineTax? {
        guard case .steuerpflichtig(let key) = treatment else { return LineTax(treatment: treatment) }
        guard let period = rates.first(where: { $0.contains(date) }) else { return nil }
        return LineTax(treatment: .steuerpflichtig(key), rateBasisPoints: period.basisPoints)
    }
}

/// The tax of one sale line as fixed at sale time: the treatment and, when taxable, the rate.
public struct LineTax: Sendable, Hashable {
    public let treatment: TaxTreatment
    /// 1900 = 19 %; 0 unless `steuerpflichtig`.
    public let rateBasisPoints: Int64

    public init(treatment: TaxTreatment, rateBasisPoints: Int64 = 0) {
        self.treatment = treatment
        self.rateBasisPoints = rateBasisPoints
    }

    public static let nichtSteuerbar = LineTax(treatment: .nichtSteuerbar)

    public var rateKey: VATRateKey? {
        if case .steuerpflichtig(let key) = treatment { return key }
        return nil
    }

    /// "19 %", "7 %", "10,7 %".
    public var ratePercentText: String { VAT.percentText(rateBasisPoints) }
}

/// The VAT arithmetic (docs/ledger.md, "Rundung der Umsatzsteuer"): prices are gross; the VAT
/// in a gross amount is `gross × rate / (100 % + rate)`, rounded half up to the cent (half away
/// from zero for a negative amount, so a storno mirrors its sale); net = gross − VAT.
public enum VAT {
    /// The VAT contained in `gross` at `basisPoints`.
    public static func contained(in gross: Money, basisPoints: Int64) -> Money {
        guard basisPoints > 0, gross.cents != 0 else { return .zero }
        let negative = gross.cents < 0
        let g = negative ? -gross.cents : gross.cents
        let divisor = 10_000 + basisPoints
        // (2·g·bp + divisor) / (2·divisor): half up, with a 128-bit intermediate.
        let product = g.multipliedFullWidth(by: 2 * basisPoints)
        let (sum, carry) = product.low.addingReportingOverflow(UInt64(divisor))
        let high = carry ? product.high + 1 : product.high
        let quotient = (2 * divisor).dividingFullWidth((high, sum)).quotient
        return Money(cents: negative ? -quotient : quotient)
    }

    /// "19 %" for 1900, "10,7 %" for 1070.
    public static func percentText(_ basisPoints: Int64) -> String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        guard fraction != 0 else { return "\(whole) %" }
        let digits = fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0\(fraction)" : "\(fraction)")
        return "\(whole),\(digits) %"
    }

    /// Parses a percentage as the catalogue writes it ("19", "7", "10,7") into basis points.
    public static func parsePercent(_ text: String) -> Int64? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let wholeText = parts.first, !wholeText.isEmpty, wholeText.count <= 2,
            wholeText.allSatisfy({ $0.isASCII && $0.isNumber }), let whole = Int64(wholeText)
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard (1...2).contains(f.count), f.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(f) else { return nil }
            fraction = f.count == 1 ? value * 10 : value
        }
        return whole * 100 + fraction
    }
}
