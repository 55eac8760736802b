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
public enum TaxTreatment: Sendable, Hashable, Codable {
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
public struct LineTax: Sendable, Hashable, Codable {
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

/// VAT per rate of one receipt (docs/ledger.md, "Rundung der Umsatzsteuer"): the VAT of a rate is
/// computed once from the gross sum of that rate's lines; the lines carry it allocated — each its
/// own rounded VAT, the difference to the rate's VAT on the rate's largest line — so that the
/// lines, the receipt and every export add up to the same cents.
public struct VATBreakdown: Sendable, Hashable {
    /// One rate (or the exempt / non-taxable group) of a receipt.
    public struct Group: Sendable, Hashable {
        public let tax: LineTax
        public let gross: Money
        public let vat: Money
        public var net: Money { Money(cents: gross.cents - vat.cents) }
    }

    /// Taxable rates first (NORMAL, REDUCED_1, by rate), then exempt, then non-taxable.
    public let groups: [Group]

    public init(lines: [(gross: Money, tax: LineTax, vat: Money)]) {
        var order: [LineTax] = []
        var gross: [LineTax: Int64] = [:]
        var vat: [LineTax: Int64] = [:]
        for line in lines {
            if gross[line.tax] == nil { order.append(line.tax) }
            gross[line.tax, default: 0] += line.gross.cents
            vat[line.tax, default: 0] += line.vat.cents
        }
        groups = order.sorted(by: VATBreakdown.precedes).map {
            Group(tax: $0, gross: Money(cents: gross[$0]!), vat: Money(cents: vat[$0]!))
        }
    }

    public var totalVAT: Money { Money(cents: groups.reduce(0) { $0 + $1.vat.cents }) }
    public var isTaxable: Bool { groups.contains { $0.tax.rateKey != nil } }

    static func precedes(_ a: LineTax, _ b: LineTax) -> Bool {
        func rank(_ t: LineTax) -> (Int, Int, Int64, String) {
            switch t.treatment {
            case .steuerpflichtig(let key): return (0, VATRateKey.allCases.firstIndex(of: key)!, -t.rateBasisPoints, "")
            case .steuerfrei(let basis): return (1, 0, 0, basis)
            case .nichtSteuerbar: return (2, 0, 0, "")
            }
        }
        return rank(a) < rank(b)
    }

    /// The VAT of each line (same order) so that each rate's lines add up to
    /// `VAT.contained(in: Σ gross of the rate)`.
    public static func allocate(_ lines: [(gross: Money, tax: LineTax)]) -> [Money] {
        var result = lines.map { VAT.contained(in: $0.gross, basisPoints: $0.tax.rateBasisPoints) }
        var indices: [LineTax: [Int]] = [:]
        for (i, line) in lines.enumerated() where line.tax.rateBasisPoints > 0 { indices[line.tax, default: []].append(i) }
        for (tax, members) in indices {
            let gross = Money(cents: members.reduce(0) { $0 + lines[$1].gross.cents })
            let target = VAT.contained(in: gross, basisPoints: tax.rateBasisPoints).cents
            let difference = target - members.reduce(0) { $0 + result[$1].cents }
            guard difference != 0 else { continue }
            let largest = members.max { lines[$0].gross.cents.magnitude < lines[$1].gross.cents.magnitude }!
            result[largest] = Money(cents: result[largest].cents + difference)
        }
        return result
    }
}
