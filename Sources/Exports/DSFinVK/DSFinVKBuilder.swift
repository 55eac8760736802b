import Foundation
import KasseCore
import Ledger

/// One field of a DSFinV-K row before it is written: text, a number of `units × 10^-scale`, or empty.
public enum DSFinVKValue: Equatable, Sendable {
    case text(String)
    case number(Int64, scale: Int)
    case empty

    static func cents(_ cents: Int64) -> DSFinVKValue { .number(cents, scale: 2) }
    static func integer(_ value: Int64) -> DSFinVKValue { .number(value, scale: 0) }
    static func flag(_ on: Bool) -> DSFinVKValue { .number(on ? 1 : 0, scale: 0) }
}

/// A row by column name; a column without a value is written empty.
public typealias DSFinVKRow = [String: DSFinVKValue]

/// The operator's and the office's data of `cashpointclosing.csv`, `location.csv` and
/// `cashregister.csv` (DSFinV-K § 3.2.1–3.2.3).
public struct DSFinVKMasterData: Equatable, Sendable {
    /// NAME / LOC_NAME: the municipality (office) running the till.
    public var name: String
    public var street: String
    public var postcode: String
    public var city: String
    /// ISO 3166-1 alpha-3.
    public var country = "DEU"
    /// STNR and USTID (`[office] tax_number`, `vat_id`); empty when not configured.
    public var taxNumber = ""
    public var vatID = ""
    public var softwareBrand = "Web-Kasse"
    public var softwareVersion = DSFinVKMasterData.defaultSoftwareVersion

    /// The application has no release number yet: the version the export names.
    public static let defaultSoftwareVersion = "1.0"

    public init(name: String, street: String = "", postcode: String = "", city: String = "", taxNumber: String = "", vatID: String = "") {
        self.name = name
        self.street = street
        self.postcode = postcode
        self.city = city
        self.taxNumber = taxNumber
        self.vatID = vatID
    }

    /// The office of the configuration: `office.address` `Rathausplatz 1, 12345 Musterstadt` gives
    /// street `Rathausplatz 1`, postcode `12345` and city `Musterstadt`.
    public init(configuration: Configuration) {
        self.init(name: configuration.officeName, taxNumber: configuration.taxNumber, vatID: configuration.vatID)
        let parts = configuration.officeAddress.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let last = parts.last else { return }
        let words = last.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2, words[0].allSatisfy(\.isNumber) {
            (postcode, city) = (words[0], words[1])
            street = parts.dropLast().joined(separator: ", ")
        } else {
            street = parts.joined(separator: ", ")
        }
    }
}

/// What one Kassenabschluss (day close) of one register brings to the export: the close, the
/// journal entries of its period in order, and what the rows refer to.
public struct DSFinVKClosingInput: Sendable {
    public struct Original: Sendable {
        public let sale: SaleRecord
        public let zNumber: Int64
        public let closedAt: Instant
        public init(sale: SaleRecord, zNumber: Int64, closedAt: Instant) {
            self.sale = sale
            self.zNumber = zNumber
            self.closedAt = closedAt
        }
    }

    public let register: String
    public let close: DayCloseRecord
    /// The period's entries (after the previous close, up to and including this one), in journal order.
    public let events: [LedgerEvent]
    /// Operators by id (BEDIENER_NAME).
    public let operators: [String: OperatorRecord]
    /// The sales the period's stornos cancel, by sale id, with the Kassenabschluss that holds them.
    public let originals: [String: Original]

    public init(register: String, close: DayCloseRecord, events: [LedgerEvent], operators: [String: OperatorRecord], originals: [String: Original]) {
        self.register = register
        self.close = close
        self.events = events
        self.operators = operators
        self.originals = originals
    }
}

/// Builds the rows of every DSFinV-K table from the Kassenabschlüsse added, in order
/// (docs/dsfinvk.md: what each booking becomes). Pure: no I/O.
public struct DSFinVKBuilder {
    public let master: DSFinVKMasterData
    public let timeZone: TimeZone
    /// Rows per file name (``DSFinVKSchema/Table/file``).
    public private(set) var rows: [String: [DSFinVKRow]] = [:]
    /// Pass-through accounts → AGENTUR_ID and name, in the order first met.
    private var agencies: [String: (id: Int64, name: String)] = [:]
    /// Register and BON_ID of every Vorgang so far: a BON_ID is unique per register.
    private var bonIDs: Set<String> = []
    /// Transactions written per register (the export log's record count).
    public private(set) var transactionCount: [String: Int] = [:]
    /// Z_SE_ZAHLUNGEN per register, in cents.
    public private(set) var paymentTotal: [String: Int64] = [:]

    public init(master: DSFinVKMasterData, timeZone: TimeZone = BusinessCalendar.defaultTimeZone) {
        self.master = master
        self.timeZone = timeZone
    }

    // MARK: Value lists (DSFinV-K Anhang)

    /// BON_TYP.
    public enum BonTyp: String, Sendable {
        case beleg = "Beleg"
        case belegstorno = "AVBelegstorno"
        case transfer = "AVTransfer"
        case training = "AVTraining"
        case belegabbruch = "AVBelegabbruch"
    }

    /// UST_SCHLUESSEL of a sale line: 1 = 19 %, 2 = 7 % (Regel- and ermäßigter Satz), 5 = nicht
    /// steuerbar (the sovereign fees, § 2b UStG), 6 = umsatzsteuerfrei; 21 / 22 the 16 % and 5 %
    /// of the second half of 2020. Another rate cannot be exported.
    public static func vatKey(_ tax: LineTax) -> Int64? {
        switch tax.treatment {
        case .nichtSteuerbar: return 5
        case .steuerfrei: return 6
        case .steuerpflichtig(.normal): return tax.rateBasisPoints == 1900 ? 1 : tax.rateBasisPoints == 1600 ? 21 : nil
        case .steuerpflichtig(.reduced1): return tax.rateBasisPoints == 700 ? 2 : tax.rateBasisPoints == 500 ? 22 : nil
        }
    }

    /// vat.csv: the keys always listed and the historic ones when used.
    static let vatList: [(key: Int64, basisPoints: Int64, text: String)] = [
        (1, 1900, "Regelsteuersatz (§ 12 Abs. 1 UStG)"), (2, 700, "Ermäßigter Steuersatz (§ 12 Abs. 2 UStG)"),
        (5, 0, "Nicht Steuerbar"), (6, 0, "Umsatzsteuerfrei"), (7, 0, "UmsatzsteuerNichtErmittelbar"),
        (21, 1600, "Historischer Regelsteuersatz (§ 12 Abs. 1 UStG, 2. Hj. 2020)"),
        (22, 500, "Historischer ermäßigter Steuersatz (§ 12 Abs. 2 UStG, 2. Hj. 2020)"),
    ]
    static let alwaysListedVATKeys: Set<Int64> = [1, 2, 5, 6, 7]
    /// The key of the money that moves without a sale (float, transit, difference): nicht steuerbar.
    static let nonTaxableKey: Int64 = 5

    /// ZAHLART_TYP and ZAHLART_NAME of a payment (DSFinV-K Anhang D): cash `Bar`; a cheque `Unbar`
    /// (the list has no cheque type); a card `ECKarte` (girocard and other debit cards) unless the
    /// terminal names a credit card (`Kreditkarte`).
    public static func paymentType(_ method: PaymentMethod, cardName: String?) -> (type: String, name: String) {
        switch method {
        case .cash: return ("Bar", "Bar")
        case .cheque: return ("Unbar", "Scheck")
        case .card:
            let name = (cardName ?? "").trimmingCharacters(in: .whitespaces)
            let lower = name.lowercased()
            let credit = ["visa", "mastercard", "master card", "amex", "american express", "diners", "jcb", "unionpay", "kreditkarte"]
            let isCredit = credit.contains { lower.contains($0) } && !lower.contains("debit") && !lower.contains("v pay")
            return (isCredit ? "Kreditkarte" : "ECKarte", name.isEmpty ? "girocard" : String(name.prefix(60)))
        }
    }

    /// GV_TYP and GV_NAME of a cash movement: an Abschöpfung goes to the Stadtkasse and an Einlage
    /// comes from it (Geldtransit); an Entnahme pays something out of the drawer (Auszahlung).
    public static func businessCase(_ kind: CashMovementKind) -> (type: String, name: String) {
        switch kind {
        case .einlage: return ("Geldtransit", "Einlage")
        case .abschoepfung: return ("Geldtransit", "Abschöpfung")
        case .entnahme: return ("Auszahlung", "Entnahme")
        }
    }

    /// BON_ID of a Vorgang: the id of its ledger record (sale, storno, cash movement; the shift for
    /// the Anfangsbestand, the day close for the DifferenzSollIst). The TSE answers are keyed by it.
    public static func bonID(_ event: LedgerEvent) -> String { event.ref }

    // MARK: Building

    /// One position of a Vorgang (lines.csv and lines_vat.csv).
    struct Position {
        var text: String
        var gvTyp: String
        var gvName = ""
        var agency: Int64 = 0
        var itemCode = ""
        var quantityMilli: Int64 = 1000
        var grossCents: Int64
        var vatCents: Int64 = 0
        var vatKey: Int64
        var unit = "Stück"
    }

    /// One Vorgang (transactions.csv and its detail files).
    struct Vorgang {
        var bonID: String
        var number: Int64?
        var typ: BonTyp
        var name: String
        var storno = false
        var start: Instant
        var end: Instant
        var operatorId: String
        var totalCents: Int64
        var note = ""
        var positions: [Position] = []
        /// transactions_vat: key → (gross, VAT), as the receipt prints it.
        var vat: [Int64: (gross: Int64, vat: Int64)] = [:]
        /// datapayment: (type, name) → cents, in order of appearance.
        var payments: [(type: String, name: String, cents: Int64)] = []
        var reference: (bonID: String, zNumber: Int64, closedAt: Instant)?
    }

    /// Adds the rows of one Kassenabschluss.
    public mutating func add(_ input: DSFinVKClosingInput, tse: DSFinVKTSEData = .none) throws {
        var vorgaenge: [Vorgang] = []
        for event in input.events {
            if let vorgang = try vorgang(event, input: input) { vorgaenge.append(vorgang) }
        }
        try write(vorgaenge, input: input, tse: tse)
    }

    private mutating func vorgang(_ event: LedgerEvent, input: DSFinVKClosingInput) throws -> Vorgang? {
        let bonID = Self.bonID(event)
        switch event {
        case .shiftOpened(let shift):
            guard shift.id == input.close.shiftId, !shift.float.isZero else { return nil }
            var v = Vorgang(
                bonID: bonID, number: nil, typ: .beleg, name: "Anfangsbestand", start: shift.openedAt, end: shift.openedAt,
                operatorId: shift.operatorId, totalCents: shift.float.cents)
            v.positions = [Position(text: "Anfangsbestand (Wechselgeld)", gvTyp: "Anfangsbestand", grossCents: shift.float.cents, vatKey: Self.nonTaxableKey)]
            v.payments = [("Bar", "Bar", shift.float.cents)]
            return v
        case .sale(let sale):
            var v = Vorgang(
                bonID: bonID, number: sale.receiptNumber, typ: .beleg, name: "Verkauf", start: sale.startedAt, end: sale.endedAt,
                operatorId: sale.operatorId, totalCents: sale.total.cents, note: sale.reference.map { "Kassenzeichen " + $0 } ?? "")
            try addLines(sale, sign: 1, to: &v, register: input.register)
            for payment in sale.payments {
                let (type, name) = Self.paymentType(payment.method, cardName: payment.card?.cardName)
                v.addPayment(type, name, payment.amount.cents)
            }
            return v
        case .storno(let storno):
            guard let original = input.originals[storno.saleId] else {
                throw ExportError.invalidScope(
                    "Kasse \(input.register), Storno-Beleg \(storno.receiptNumber): Der stornierte Verkauf \(storno.saleId) fehlt im Kassenbuch; bitte `webkasse verify` ausführen."
                )
            }
            var v = Vorgang(
                bonID: bonID, number: storno.receiptNumber, typ: .belegstorno, name: "Storno", storno: true, start: storno.at,
                end: storno.at, operatorId: storno.operatorId, totalCents: -storno.total.cents,
                note: String(("Storno zu Beleg \(original.sale.receiptNumber): " + storno.reason).prefix(255)))
            try addLines(original.sale, sign: -1, to: &v, register: input.register)
            let cardName = original.sale.payments.first { $0.method == .card }?.card?.cardName
            for refund in storno.refunds {
                let (type, name) = Self.paymentType(refund.method, cardName: cardName ?? refund.cardReversal?.cardName)
                v.addPayment(type, name, -refund.amount.cents)
            }
            v.reference = (Self.bonID(.sale(original.sale)), original.zNumber, original.closedAt)
            return v
        case .cashMovement(let movement):
            let signed = movement.kind.signed(movement.amount).cents
            let (gvTyp, gvName) = Self.businessCase(movement.kind)
            var note = movement.reason
            if let receiver = movement.transfer?.receivedBy { note += " (übergeben an " + receiver + ")" }
            var v = Vorgang(
                bonID: bonID, number: movement.receiptNumber, typ: .beleg, name: movement.kind.label, start: movement.at,
                end: movement.at, operatorId: movement.operatorId, totalCents: signed, note: String(note.prefix(255)))
            v.positions = [
                Position(
                    text: String((movement.kind.label + ": " + movement.reason).prefix(255)), gvTyp: gvTyp, gvName: gvName,
                    grossCents: signed, vatKey: Self.nonTaxableKey)
            ]
            v.payments = [("Bar", "Bar", signed)]
            return v
        case .dayClose(let close):
            guard close.id == input.close.id, !close.difference.isZero else { return nil }
            let surplus = !close.difference.isNegative
            let text = (surplus ? "Überschuss" : "Fehlbetrag") + " Tagesabschluss Z " + String(close.zNumber)
            var v = Vorgang(
                bonID: bonID, number: nil, typ: .beleg, name: "Kassendifferenz", start: close.closedAt, end: close.closedAt,
                operatorId: close.operatorId, totalCents: close.difference.cents)
            v.positions = [Position(text: text, gvTyp: "DifferenzSollIst", grossCents: close.difference.cents, vatKey: Self.nonTaxableKey)]
            v.payments = [("Bar", "Bar", close.difference.cents)]
            return v
        default:
            return nil
        }
    }

    /// The positions of `sale` (one per line share, so a pass-through share is a position of its
    /// Agentur), and the receipt's VAT per key; `sign` −1 for its storno.
    private mutating func addLines(_ sale: SaleRecord, sign: Int64, to v: inout Vorgang, register: String) throws {
        for line in sale.lines {
            guard let key = Self.vatKey(line.lineTax) else {
                throw ExportError.invalidBooking(
                    format: "DSFinV-K", receipt: LedgerBookingConverter.receiptLabel(register: register, number: sale.receiptNumber),
                    field: "UST_SCHLUESSEL", value: line.lineTax.ratePercentText, expected: "19 % oder 7 % (16 % oder 5 % im 2. Halbjahr 2020)")
            }
            let vats = Self.allocate(line.vatAmount.cents, over: line.shares.map(\.amount.cents))
            for (share, vat) in zip(line.shares, vats) {
                var text = line.name
                if let variant = line.variant, !variant.isEmpty { text += " – " + variant }
                if line.shares.count > 1 && !share.label.isEmpty { text += " (" + share.label + ")" }
                v.positions.append(
                    Position(
                        text: String(text.prefix(255)), gvTyp: "Umsatz", agency: share.passThrough ? agencyID(share) : 0,
                        itemCode: line.itemCode, quantityMilli: sign * line.quantity * 1000, grossCents: sign * share.amount.cents,
                        vatCents: sign * vat, vatKey: key))
            }
        }
        let receipt = VATBreakdown(lines: sale.lines.map { ($0.amount, $0.lineTax, $0.vatAmount) })
        for group in receipt.groups {
            let key = Self.vatKey(group.tax)!
            let sum = v.vat[key] ?? (0, 0)
            v.vat[key] = (sum.gross + sign * group.gross.cents, sum.vat + sign * group.vat.cents)
        }
    }

    /// AGENTUR_ID of a pass-through share: one per Verwahr account, numbered as first met; the name is
    /// the share's label without `Anteil ` (`Bundeskasse`).
    private mutating func agencyID(_ share: LineShare) -> Int64 {
        if let known = agencies[share.account] { return known.id }
        var name = share.label.hasPrefix("Anteil ") ? String(share.label.dropFirst("Anteil ".count)) : share.label
        if name.isEmpty { name = "Verwahrkonto " + share.account }
        let id = Int64(agencies.count + 1)
        agencies[share.account] = (id, String(name.prefix(60)))
        return id
    }

    /// `total` spread over `weights` in proportion, cumulatively rounded half up: the parts add up to `total`.
    static func allocate(_ total: Int64, over weights: [Int64]) -> [Int64] {
        let sum = weights.reduce(UInt64(0)) { $0 + $1.magnitude }
        guard sum != 0, total != 0 else { return weights.map { _ in 0 } }
        var soFar: UInt64 = 0
        var given: Int64 = 0
        return weights.map { weight in
            soFar += weight.magnitude
            // round(|total| × soFar / sum), half up, with a 128-bit intermediate.
            let (quotient, remainder) = sum.dividingFullWidth(total.magnitude.multipliedFullWidth(by: soFar))
            let magnitude = Int64(quotient) + (remainder >= sum - remainder ? 1 : 0)
            let target = total < 0 ? -magnitude : magnitude
            defer { given = target }
            return target - given
        }
    }

    // MARK: Rows

    private mutating func write(_ vorgaenge: [Vorgang], input: DSFinVKClosingInput, tse: DSFinVKTSEData) throws {
        let close = input.close
        let key: DSFinVKRow = [
            "Z_KASSE_ID": .text(input.register), "Z_ERSTELLUNG": .text(localTime(close.closedAt)), "Z_NR": .integer(close.zNumber),
        ]
        func add(_ table: DSFinVKSchema.Table, _ row: DSFinVKRow) {
            rows[table.file, default: []].append(key.merging(row) { _, new in new })
        }
        let tseIDs = Dictionary(tse.devices.enumerated().map { ($1.serialNumber, Int64($0 + 1)) }, uniquingKeysWith: { first, _ in first })
        var cases: [String: (gvTyp: String, gvName: String, agency: Int64, vatKey: Int64, gross: Int64, vat: Int64)] = [:]
        var payments: [String: (type: String, name: String, cents: Int64)] = [:]
        var usedAgencies: Set<Int64> = []
        var usedVATKeys: Set<Int64> = []
        var allPayments: Int64 = 0
        var cashPayments: Int64 = 0

        for v in vorgaenge {
            guard v.bonID.count <= 40, !v.bonID.isEmpty else {
                throw ExportError.invalidBooking(
                    format: "DSFinV-K", receipt: v.number.map(String.init) ?? v.name, field: "BON_ID", value: v.bonID, expected: "1 bis 40 Zeichen")
            }
            guard bonIDs.insert(input.register + "\u{1F}" + v.bonID).inserted else {
                throw ExportError.invalidBooking(
                    format: "DSFinV-K", receipt: v.number.map(String.init) ?? v.name, field: "BON_ID", value: v.bonID,
                    expected: "eine je Kasse eindeutige Vorgangs-ID")
            }
            add(
                DSFinVKSchema.transactions,
                [
                    "BON_ID": .text(v.bonID), "BON_NR": v.number.map { .integer($0) } ?? .empty, "BON_TYP": .text(v.typ.rawValue),
                    "BON_NAME": .text(v.name), "TERMINAL_ID": .text(input.register), "BON_STORNO": .flag(v.storno),
                    "BON_START": .text(localTime(v.start)), "BON_ENDE": .text(localTime(v.end)), "BEDIENER_ID": .text(v.operatorId),
                    "BEDIENER_NAME": .text(String((input.operators[v.operatorId]?.name ?? v.operatorId).prefix(50))),
                    "UMS_BRUTTO": .cents(v.totalCents), "BON_NOTIZ": .text(v.note),
                ])
            for (index, p) in v.positions.enumerated() {
                let pos = String(index + 1)
                let quantity = p.quantityMilli
                // STK_BR = gross / quantity, to 5 places: gross cents × 10^6 / quantity-milli, rounded half up.
                let unitPrice = quantity == 0 ? 0 : Self.divideRounded(p.grossCents * 1_000_000, quantity)
                add(
                    DSFinVKSchema.lines,
                    [
                        "BON_ID": .text(v.bonID), "POS_ZEILE": .text(pos), "ARTIKELTEXT": .text(p.text), "GV_TYP": .text(p.gvTyp),
                        "GV_NAME": .text(p.gvName), "INHAUS": .flag(false), "P_STORNO": .flag(false), "AGENTUR_ID": .integer(p.agency),
                        "ART_NR": .text(p.itemCode), "MENGE": .number(quantity, scale: 3), "FAKTOR": .number(1000, scale: 3),
                        "EINHEIT": .text(p.unit), "STK_BR": .number(unitPrice, scale: 5),
                    ])
                add(
                    DSFinVKSchema.linesVAT,
                    [
                        "BON_ID": .text(v.bonID), "POS_ZEILE": .text(pos), "UST_SCHLUESSEL": .integer(p.vatKey),
                        "POS_BRUTTO": .cents(p.grossCents), "POS_NETTO": .cents(p.grossCents - p.vatCents), "POS_UST": .cents(p.vatCents),
                    ])
                let caseKey = [p.gvTyp, p.gvName, String(p.agency), String(p.vatKey)].joined(separator: "\u{1F}")
                let sum = cases[caseKey] ?? (p.gvTyp, p.gvName, p.agency, p.vatKey, 0, 0)
                cases[caseKey] = (p.gvTyp, p.gvName, p.agency, p.vatKey, sum.gross + p.grossCents, sum.vat + p.vatCents)
                if p.agency != 0 { usedAgencies.insert(p.agency) }
                usedVATKeys.insert(p.vatKey)
            }
            var vat = v.vat
            if vat.isEmpty { vat[Self.nonTaxableKey] = (v.totalCents, 0) }
            for (vatKey, sums) in vat.sorted(by: { $0.key < $1.key }) {
                add(
                    DSFinVKSchema.transactionsVAT,
                    [
                        "BON_ID": .text(v.bonID), "UST_SCHLUESSEL": .integer(vatKey), "BON_BRUTTO": .cents(sums.gross),
                        "BON_NETTO": .cents(sums.gross - sums.vat), "BON_UST": .cents(sums.vat),
                    ])
            }
            for payment in v.payments {
                add(
                    DSFinVKSchema.dataPayment,
                    [
                        "BON_ID": .text(v.bonID), "ZAHLART_TYP": .text(payment.type), "ZAHLART_NAME": .text(payment.name),
                        "ZAHLWAEH_CODE": .text("EUR"), "ZAHLWAEH_BETRAG": .cents(payment.cents), "BASISWAEH_BETRAG": .cents(payment.cents),
                    ])
                let paymentKey = payment.type + "\u{1F}" + payment.name
                payments[paymentKey] = (payment.type, payment.name, (payments[paymentKey]?.cents ?? 0) + payment.cents)
                allPayments += payment.cents
                if payment.type == "Bar" { cashPayments += payment.cents }
            }
            if let reference = v.reference {
                add(
                    DSFinVKSchema.references,
                    [
                        "BON_ID": .text(v.bonID), "REF_TYP": .text("Transaktion"), "REF_DATUM": .text(localTime(reference.closedAt)),
                        "REF_Z_KASSE_ID": .text(input.register), "REF_Z_NR": .integer(reference.zNumber), "REF_BON_ID": .text(reference.bonID),
                    ])
            }
            if let signature = tse.signatures[v.bonID] {
                add(
                    DSFinVKSchema.transactionsTSE,
                    [
                        "BON_ID": .text(v.bonID), "TSE_ID": signature.serialNumber.flatMap { tseIDs[$0] }.map { .integer($0) } ?? .empty,
                        "TSE_TANR": signature.transactionNumber.map { .integer($0) } ?? .empty,
                        "TSE_TA_START": signature.start.map { .text(Self.utcTime($0)) } ?? .empty,
                        "TSE_TA_ENDE": signature.end.map { .text(Self.utcTime($0)) } ?? .empty,
                        "TSE_TA_VORGANGSART": .text(signature.processType),
                        "TSE_TA_SIGZ": signature.signatureCounter.map { .integer($0) } ?? .empty,
                        "TSE_TA_SIG": signature.signature.map { .text($0) } ?? .empty,
                        "TSE_TA_FEHLER": signature.failure.map { .text(String($0.prefix(200))) } ?? .empty,
                        "TSE_TA_VORGANGSDATEN": .text(signature.processData),
                    ])
            }
        }

        add(
            DSFinVKSchema.cashPointClosing,
            [
                "Z_BUCHUNGSTAG": .text(close.businessDate), "TAXONOMIE_VERSION": .text(DSFinVKSchema.taxonomyVersion),
                "Z_START_ID": vorgaenge.first.map { .text($0.bonID) } ?? .empty, "Z_ENDE_ID": vorgaenge.last.map { .text($0.bonID) } ?? .empty,
                "NAME": .text(clip(master.name, 60)), "STRASSE": .text(clip(master.street, 60)), "PLZ": .text(clip(master.postcode, 10)),
                "ORT": .text(clip(master.city, 62)), "LAND": .text(master.country), "STNR": .text(master.taxNumber), "USTID": .text(master.vatID),
                "Z_SE_ZAHLUNGEN": .cents(allPayments), "Z_SE_BARZAHLUNGEN": .cents(cashPayments),
            ])
        add(
            DSFinVKSchema.location,
            [
                "LOC_NAME": .text(clip(master.name, 60)), "LOC_STRASSE": .text(clip(master.street, 60)),
                "LOC_PLZ": .text(clip(master.postcode, 10)), "LOC_ORT": .text(clip(master.city, 62)), "LOC_LAND": .text(master.country),
                "LOC_USTID": .text(master.vatID),
            ])
        add(
            DSFinVKSchema.cashRegister,
            [
                "KASSE_BRAND": .text(master.softwareBrand), "KASSE_MODELL": .text(master.softwareBrand + " (Software-Kasse)"),
                "KASSE_SERIENNR": .text(input.register), "KASSE_SW_BRAND": .text(master.softwareBrand),
                "KASSE_SW_VERSION": .text(master.softwareVersion), "KASSE_BASISWAEH_CODE": .text("EUR"), "KEINE_UST_ZUORDNUNG": .flag(false),
            ])
        for agency in agencies.values.sorted(by: { $0.id < $1.id }) where usedAgencies.contains(agency.id) {
            add(DSFinVKSchema.agencies, ["AGENTUR_ID": .integer(agency.id), "AGENTUR_NAME": .text(agency.name), "AGENTUR_LAND": .text("DEU")])
        }
        for entry in Self.vatList where Self.alwaysListedVATKeys.contains(entry.key) || usedVATKeys.contains(entry.key) {
            add(
                DSFinVKSchema.vat,
                ["UST_SCHLUESSEL": .integer(entry.key), "UST_SATZ": .number(entry.basisPoints, scale: 2), "UST_BESCHR": .text(entry.text)])
        }
        for (index, device) in tse.devices.enumerated() {
            var row: DSFinVKRow = [
                "TSE_ID": .integer(Int64(index + 1)), "TSE_SERIAL": .text(device.serialNumber), "TSE_SIG_ALGO": .text(device.signatureAlgorithm),
                "TSE_ZEITFORMAT": .text(device.logTimeFormat), "TSE_PD_ENCODING": .text(device.processDataEncoding),
                "TSE_PUBLIC_KEY": .text(device.publicKey),
            ]
            let certificate = Array(device.certificate)
            let parts = ["I", "II", "III", "IV", "V", "VI", "VII"]
            guard certificate.count <= parts.count * 1000 else {
                throw ExportError.invalidBooking(
                    format: "DSFinV-K", receipt: "TSE " + device.serialNumber, field: "TSE_ZERTIFIKAT_I…VII", value: "\(certificate.count) Zeichen",
                    expected: "höchstens 7.000 Zeichen base64")
            }
            for (i, part) in parts.enumerated() where i * 1000 < certificate.count {
                row["TSE_ZERTIFIKAT_" + part] = .text(String(certificate[(i * 1000)..<min(certificate.count, (i + 1) * 1000)]))
            }
            add(DSFinVKSchema.tse, row)
        }
        for sum in cases.values.sorted(by: { ($0.gvTyp, $0.gvName, $0.agency, $0.vatKey) < ($1.gvTyp, $1.gvName, $1.agency, $1.vatKey) }) {
            add(
                DSFinVKSchema.businessCases,
                [
                    "GV_TYP": .text(sum.gvTyp), "GV_NAME": .text(sum.gvName), "AGENTUR_ID": .integer(sum.agency),
                    "UST_SCHLUESSEL": .integer(sum.vatKey), "Z_UMS_BRUTTO": .cents(sum.gross), "Z_UMS_NETTO": .cents(sum.gross - sum.vat),
                    "Z_UST": .cents(sum.vat),
                ])
        }
        let typeOrder = ["Bar", "ECKarte", "Kreditkarte", "Unbar"]
        for payment in payments.values.sorted(by: {
            (typeOrder.firstIndex(of: $0.type) ?? 9, $0.name) < (typeOrder.firstIndex(of: $1.type) ?? 9, $1.name)
        }) {
            add(DSFinVKSchema.payment, ["ZAHLART_TYP": .text(payment.type), "ZAHLART_NAME": .text(payment.name), "Z_ZAHLART_BETRAG": .cents(payment.cents)])
        }
        add(DSFinVKSchema.cashPerCurrency, ["ZAHLART_WAEH": .text("EUR"), "ZAHLART_BETRAG_WAEH": .cents(cashPayments)])
        transactionCount[input.register, default: 0] += vorgaenge.count
        paymentTotal[input.register, default: 0] += allPayments
    }

    private func clip(_ text: String, _ length: Int) -> String { String(text.prefix(length)) }

    /// `2027-01-04T10:00:00` in the office's time zone.
    func localTime(_ instant: Instant) -> String { ExportTimestamp(instant.date, timeZone: timeZone).iso }

    /// `2027-01-04T09:00:00.000Z`: a TSE log time in UTC.
    static func utcTime(_ instant: Instant) -> String {
        let t = ExportTimestamp(instant.date, timeZone: TimeZone(identifier: "UTC")!)
        let ms = String(Int(instant.millisecondsSinceEpoch.magnitude % 1000))
        return t.iso + "." + String(repeating: "0", count: 3 - ms.count) + ms + "Z"
    }

    /// `a / b` rounded half away from zero.
    static func divideRounded(_ a: Int64, _ b: Int64) -> Int64 {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        guard r != 0, 2 * r.magnitude >= b.magnitude else { return q }
        return (a < 0) != (b < 0) ? q - 1 : q + 1
    }
}

extension DSFinVKBuilder.Vorgang {
    /// Adds a payment, summing payments of the same type and name (datapayment has one row each).
    mutating func addPayment(_ type: String, _ name: String, _ cents: Int64) {
        if let i = payments.firstIndex(where: { $0.type == type && $0.name == name }) {
            payments[i].cents += cents
        } else {
            payments.append((type, name, cents))
        }
    }
}
