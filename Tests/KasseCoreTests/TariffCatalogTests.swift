import KasseCore
import TestSupport
import XCTest

final class TariffCatalogTests: XCTestCase {
    static let shippedCatalogPath = packageRoot.appendingPathComponent("Tariffs").path

    func loadShipped() throws -> TariffCatalog {
        try TariffCatalogLoader.load(path: Self.shippedCatalogPath)
    }

    func testShippedCatalogIsValidAndComplete() throws {
        let catalog = try loadShipped()
        XCTAssertGreaterThanOrEqual(catalog.items.count, 20)
        for code in ["PA", "PAV", "PIN", "RP", "RPX", "RP48", "RPV", "FZ", "GZR", "MB", "BGA", "LB", "FOTO"] {
            XCTAssertNotNil(catalog.item(code: code), code)
        }
        XCTAssertEqual(catalog.item(code: "pa")?.name, "Personalausweis", "codes are case-insensitive")
        XCTAssertEqual(catalog.accounts["376100"]?.kind, .passThrough)
    }

    func testPersonalausweisPriceOnBothSidesOfTheFeeChange() throws {
        let pa = try XCTUnwrap(loadShipped().item(code: "PA"))
        let adult = try XCTUnwrap(pa.variant(code: "24+"))
        let young = try XCTUnwrap(pa.variant(code: "U24"))
        let before = BusinessDate(iso: "2026-02-06")!
        let after = BusinessDate(iso: "2026-02-07")!
        XCTAssertEqual(adult.price(on: before), Money(cents: 3700))
        XCTAssertEqual(adult.price(on: after), Money(cents: 4600))
        XCTAssertEqual(young.price(on: before), Money(cents: 2280))
        XCTAssertEqual(young.price(on: after), Money(cents: 2760))
        XCTAssertNil(adult.price(on: BusinessDate(iso: "2020-12-31")!), "no price before the catalogue starts")
        let rp = try XCTUnwrap(loadShipped().item(code: "RP"))
        XCTAssertEqual(rp.variant(code: "24+")?.price(on: BusinessDate(iso: "2023-12-31")!), Money(cents: 6000))
        XCTAssertEqual(rp.variant(code: "24+")?.price(on: BusinessDate(iso: "2024-01-01")!), Money(cents: 7000))
        XCTAssertEqual(rp.variant(code: "U24")?.price(on: after), Money(cents: 3750))
    }

    func testItemsInForceFollowPeriods() throws {
        let catalog = try loadShipped()
        let codes2023 = catalog.itemsInForce(on: BusinessDate(iso: "2023-06-01")!).map(\.code)
        let codes2026 = catalog.itemsInForce(on: BusinessDate(iso: "2026-06-01")!).map(\.code)
        XCTAssertTrue(codes2023.contains("KRP"))
        XCTAssertFalse(codes2026.contains("KRP"))
        XCTAssertFalse(codes2023.contains("FOTO"))
        XCTAssertTrue(codes2026.contains("FOTO"))
    }

    func testFuehrungszeugnisSplitAddsUpToTheCent() throws {
        let fz = try XCTUnwrap(loadShipped().item(code: "FZ"))
        let shares = fz.booking.split(Money(cents: 1300))
        XCTAssertEqual(shares.map(\.amount), [Money(cents: 520), Money(cents: 780)])
        XCTAssertEqual(shares.map(\.account), ["431100", "376100"])
        XCTAssertEqual(shares.map(\.passThrough), [false, true])
        // Remainder cents go to the first share; negative amounts mirror positive ones.
        let odd = fz.booking.split(Money(cents: 1301))
        XCTAssertEqual(odd.map(\.amount), [Money(cents: 521), Money(cents: 780)])
        XCTAssertEqual(fz.booking.split(Money(cents: -1301)).map(\.amount), [Money(cents: -521), Money(cents: -780)])
        let thirds = BookingAssignment(
            revenueAccount: "1", product: "p", costCentre: "k",
            shares: [
                SplitShare(account: "1", label: "a", numerator: 1, denominator: 3, passThrough: false),
                SplitShare(account: "2", label: "b", numerator: 1, denominator: 3, passThrough: true),
                SplitShare(account: "3", label: "c", numerator: 1, denominator: 3, passThrough: true),
            ])
        for cents in [0, 1, 2, 100, 1001, 99_999_999] as [Int64] {
            let parts = thirds.split(Money(cents: cents))
            XCTAssertEqual(parts.reduce(0) { $0 + $1.amount.cents }, cents)
            XCTAssertEqual(parts[1].amount, parts[2].amount)
        }
        XCTAssertEqual(fz.booking.split(Money(cents: 1300)).first?.product, "1220104")
    }
}

final class TariffValidationTests: XCTestCase {
    /// A valid minimal catalogue with `item` spliced in.
    func catalog(
        items: String,
        accounts: String = #"[{"number": "431100", "name": "Gebühren", "kind": "revenue"}, {"number": "376100", "name": "Verwahr", "kind": "pass_through"}]"#
    ) -> String {
        #"{"format": 1, "accounts": \#(accounts), "items": [\#(items)]}"#
    }

    func item(
        _ code: String = "PA", booking: String = #"{"account": "431100", "product": "1", "cost_centre": "2"}"#,
        prices: String = #"[{"valid_from": "2021-01-01", "amount": "46,00"}]"#, extra: String = ""
    ) -> String {
        #"{"code": "\#(code)", "name": "Personalausweis", "category": "Ausweise", "booking": \#(booking), "prices": \#(prices)\#(extra)}"#
    }

    func problems(_ text: String, file: String = "t.json") -> [String] {
        TariffCatalogLoader.parse(sources: [(file, Array(text.utf8))]).1.map(\.description)
    }

    func testValidMinimalCatalogHasNoProblem() {
        XCTAssertEqual(problems(catalog(items: item())), [])
    }

    func testMalformedJSONNamesLineAndColumn() {
        XCTAssertEqual(
            problems("{\n  \"items\": [\n    {\"code\": \"PA\",,}\n]}"),
            ["t.json:3:19: kein gültiges JSON: ein Schlüssel in Anführungszeichen wird erwartet"])
        XCTAssertEqual(problems("{\"items\": [}"), ["t.json:1:12: kein gültiges JSON: unerwartetes Zeichen »}«"])
        XCTAssertEqual(problems("{\"a\": \"x"), ["t.json:1:9: kein gültiges JSON: Text ohne schließendes Anführungszeichen"])
        XCTAssertEqual(problems("[1, 2]"), ["t.json:1:1: Die Datei muss ein JSON-Objekt mit »accounts« und »items« sein, nicht eine Liste."])
    }

    func testDuplicateCodesAreReportedWithTheFirstPlace() {
        let text = catalog(items: item("PA") + ",\n" + item("PA"))
        XCTAssertEqual(problems(text), ["t.json:2:10: PA: Code »PA« ist doppelt (zuerst in t.json:1)."])
    }

    func testDuplicateCodesAcrossFiles() {
        let a = catalog(items: item("PA"))
        let b = catalog(items: item("PA"))
        let result = TariffCatalogLoader.parse(sources: [("a.json", Array(a.utf8)), ("b.json", Array(b.utf8))]).1
        XCTAssertEqual(result.count, 1, "identical account definitions may repeat")
        XCTAssertTrue(result[0].description.hasPrefix("b.json:1:"))
        XCTAssertTrue(result[0].description.hasSuffix(": PA: Code »PA« ist doppelt (zuerst in a.json:1)."))
        let clash = catalog(
            items: item("RP"),
            accounts: #"[{"number": "431100", "name": "Anders", "kind": "revenue"}, {"number": "376100", "name": "Verwahr", "kind": "pass_through"}]"#)
        let clashes = TariffCatalogLoader.parse(sources: [("a.json", Array(a.utf8)), ("c.json", Array(clash.utf8))]).1
        XCTAssertEqual(clashes.map(\.description), ["c.json:1:28: Konto 431100: Konto abweichend doppelt definiert (zuerst in a.json:1)."])
    }

    func testOverlappingAndGappedPeriods() {
        let overlap = #"[{"valid_from": "2021-01-01", "valid_until": "2026-02-07", "amount": "37,00"}, {"valid_from": "2026-02-07", "amount": "46,00"}]"#
        XCTAssertEqual(problems(catalog(items: item(prices: overlap))).count, 1)
        XCTAssertTrue(problems(catalog(items: item(prices: overlap)))[0].contains("PA: Preiszeiträume überlappen: 2021-01-01–2026-02-07 und ab 2026-02-07."))
        let gap = #"[{"valid_from": "2021-01-01", "valid_until": "2026-02-05", "amount": "37,00"}, {"valid_from": "2026-02-07", "amount": "46,00"}]"#
        XCTAssertTrue(
            problems(catalog(items: item(prices: gap)))[0].hasSuffix("PA: Lücke zwischen Preiszeiträumen: vom 2026-02-06 bis 2026-02-06 gilt kein Preis."))
        let twoOpen = #"[{"valid_from": "2021-01-01", "amount": "37,00"}, {"valid_from": "2026-02-07", "amount": "46,00"}]"#
        XCTAssertTrue(problems(catalog(items: item(prices: twoOpen)))[0].contains("überlappen: ab 2021-01-01 unbefristet"))
        let backwards = #"[{"valid_from": "2026-01-01", "valid_until": "2025-01-01", "amount": "37,00"}]"#
        XCTAssertTrue(
            problems(catalog(items: item(prices: backwards)))[0].hasSuffix("PA prices[0]: »valid_until« 2025-01-01 liegt vor »valid_from« 2026-01-01."))
    }

    func testNegativeAndMalformedPricesAndBadDates() {
        let bad =
            #"[{"valid_from": "2026-02-30", "amount": "-1,00"}, {"valid_from": "2027-01-01", "amount": 46.0}, {"valid_from": "2028-01-01", "amount": "12,345"}]"#
        let list = problems(catalog(items: item(prices: bad)))
        XCTAssertEqual(list.count, 4, "\(list)")
        XCTAssertTrue(list[0].hasSuffix("PA prices[0]: »valid_from« »2026-02-30« ist kein gültiges Datum (JJJJ-MM-TT)."))
        XCTAssertTrue(list[1].hasSuffix("PA prices[0]: Negativer Preis -1,00 €: Gebühren sind nie negativ."))
        XCTAssertTrue(list[2].hasSuffix("PA prices[1]: »amount« muss ein Text wie \"46,00\" sein, nicht eine Zahl (Beträge nie als Kommazahl)."))
        XCTAssertTrue(list[3].hasSuffix("PA prices[2]: Betrag: »12,345« hat mehr als zwei Nachkommastellen."))
    }

    func testSharesMustAddUpAndAccountsMustExist() {
        let shares =
            #"{"account": "431100", "product": "1", "cost_centre": "2", "shares": [{"account": "431100", "fraction": "2/5"}, {"account": "999999", "fraction": "2/5", "pass_through": true}]}"#
        let list = problems(catalog(items: item("FZ", booking: shares)))
        XCTAssertEqual(list.count, 2, "\(list)")
        XCTAssertTrue(list.contains { $0.hasSuffix("FZ: Die Anteile 2/5 + 2/5 ergeben 4/5, nicht 1: der Preis wäre nicht vollständig verteilt.") })
        XCTAssertTrue(list.contains { $0.hasSuffix("FZ shares[1]: Unbekanntes Konto »999999« (nicht unter »accounts« definiert).") })
        let badFraction = #"{"account": "431100", "product": "1", "cost_centre": "2", "shares": [{"account": "431100", "fraction": "0.4"}]}"#
        XCTAssertTrue(problems(catalog(items: item("FZ", booking: badFraction)))[0].contains("Anteil »0.4« ist kein Bruch"))
    }

    func testMissingFieldsUnknownFieldsAndBadCodes() {
        let list = problems(
            catalog(
                items:
                    #"{"code": "pa-1", "nme": "x", "category": "c", "booking": {"account": "431100", "product": "1", "cost_centre": "2"}, "prices": [{"valid_from": "2021-01-01", "amount": "1,00"}]}"#
            ))
        XCTAssertTrue(
            list.contains {
                $0.hasSuffix("pa-1: Unbekanntes Feld »nme« (erlaubt: booking, category, code, keywords, legal_basis, name, prices, tax, tax_note, variants).")
            }, "\(list)")
        XCTAssertTrue(list.contains { $0.hasSuffix("pa-1: Das Feld »name« fehlt.") })
        XCTAssertTrue(list.contains { $0.hasSuffix("pa-1: Der Code muss 1 bis 8 Großbuchstaben oder Ziffern haben (z. B. PA, FZE).") })
        XCTAssertTrue(problems(catalog(items: #"{"name": "x"}"#)).contains { $0.contains("items[0]: Das Feld »code« fehlt.") })
        XCTAssertTrue(problems(catalog(items: item(extra: #", "variants": []"#))).contains { $0.contains("Entweder »prices« oder »variants«") })
    }

    func testEveryProblemIsReportedAtOnce() {
        let text = catalog(
            items: [
                item("A", prices: #"[{"valid_from": "2021-13-01", "amount": "1,00"}]"#),
                item("B", booking: #"{"account": "1", "product": "1", "cost_centre": "2"}"#),
                item("A"),
            ].joined(separator: ",\n"))
        let list = problems(text)
        XCTAssertEqual(list.count, 3, "\(list)")
        XCTAssertEqual(list.map { $0.split(separator: ":")[1] }, ["1", "2", "3"], "in file order")
    }

    func testLoadFromDirectoryAndMissingPath() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        XCTAssertThrowsError(try TariffCatalogLoader.load(path: dir.path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("Das Verzeichnis enthält keine .json-Katalogdatei."))
        }
        try dir.write(catalog(items: item("PA")), to: "a.json")
        try dir.write(
            catalog(items: item("RP"), accounts: #"[{"number": "1", "name": "x", "kind": "revenue"}]"#).replacingOccurrences(of: "431100", with: "1"),
            to: "b.json")
        let loaded = try TariffCatalogLoader.load(path: dir.path)
        XCTAssertEqual(loaded.items.map(\.code), ["PA", "RP"])
        XCTAssertThrowsError(try TariffCatalogLoader.load(path: dir.path + "/missing.json")) { error in
            XCTAssertTrue("\(error)".hasSuffix("missing.json: Datei oder Verzeichnis nicht gefunden."))
        }
    }
}
