import KasseCore
import TestSupport
import XCTest

/// The tax fields of the catalogue (Tariffs/README.md, "Umsatzsteuer"): treatment per item and
/// variant, dated rates, and the messages of `tariffs check`.
final class TaxCatalogTests: XCTestCase {
    static let rates = #"""
        [{"key": "NORMAL", "periods": [{"valid_from": "2007-01-01", "valid_until": "2020-06-30", "percent": "19"},
          {"valid_from": "2020-07-01", "valid_until": "2020-12-31", "percent": "16"}, {"valid_from": "2021-01-01", "percent": "19"}]},
         {"key": "REDUCED_1", "periods": [{"valid_from": "2007-01-01", "percent": "7"}]}]
        """#

    func catalog(items: String, rates: String = TaxCatalogTests.rates) -> String {
        #"{"format": 1, "accounts": [{"number": "441100", "name": "Verkauf", "kind": "revenue"}], "vat_rates": \#(rates), "items": [\#(items)]}"#
    }

    func item(_ code: String = "KOP", tax: String?, prices: String = #"[{"valid_from": "2020-01-01", "amount": "0,50"}]"#) -> String {
        let taxField = tax.map { #", "tax": \#($0)"# } ?? ""
        return
            #"{"code": "\#(code)", "name": "Kopie", "category": "Verkauf", "booking": {"account": "441100", "product": "1", "cost_centre": "2"}, "prices": \#(prices)\#(taxField)}"#
    }

    func parse(_ text: String) -> (TariffCatalog, [String]) {
        let (catalog, problems) = TariffCatalogLoader.parse(sources: [("t.json", Array(text.utf8))])
        return (catalog, problems.map(\.description))
    }

    func testShippedCatalogHasTaxableItemsWithTheirRates() throws {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let day = BusinessDate(iso: "2027-01-04")!
        func tax(_ code: String) -> LineTax? {
            let item = catalog.item(code: code)!
            return item.taxRule(for: item.variants[0]).tax(on: day)
        }
        XCTAssertEqual(tax("KOP"), LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900))
        XCTAssertEqual(tax("STB"), LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900))
        XCTAssertEqual(tax("SPL"), LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700))
        XCTAssertEqual(tax("TASCHE"), LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900))
        // Today's fees keep working unchanged: no tax field means a sovereign fee.
        XCTAssertEqual(tax("PA"), .nichtSteuerbar)
        XCTAssertEqual(catalog.item(code: "PA")?.taxNote, "Gebühr, nicht umsatzsteuerbar")
        XCTAssertEqual(catalog.vatRates[.normal]?.count, 3)
    }

    func testRateIsTheOneInForceOnTheDayAndPriceIsGross() throws {
        var (catalog, problems) = parse(self.catalog(items: item(tax: #"{"treatment": "steuerpflichtig", "rate": "NORMAL"}"#)))
        XCTAssertEqual(problems, [])
        var basket = Basket(date: BusinessDate(iso: "2020-08-01")!)
        let line = try basket.add(code: "KOP", from: catalog)
        XCTAssertEqual(line.tax.rateBasisPoints, 1600, "the 2020 rate cut is a period of the catalogue")
        XCTAssertEqual(line.total, Money(cents: 50), "prices are gross")
        basket = Basket(date: BusinessDate(iso: "2021-01-01")!)
        XCTAssertEqual(try basket.add(code: "KOP", from: catalog).tax.rateBasisPoints, 1900)
        (catalog, problems) = parse(self.catalog(items: item(tax: #"{"treatment": "steuerfrei", "legal_basis": "§ 4 Nr. 8 UStG"}"#)))
        XCTAssertEqual(problems, [])
        basket = Basket(date: BusinessDate(iso: "2027-01-01")!)
        let exempt = try basket.add(code: "KOP", from: catalog)
        XCTAssertEqual(exempt.tax, LineTax(treatment: .steuerfrei(legalBasis: "§ 4 Nr. 8 UStG")))
        XCTAssertEqual(exempt.taxNote, "umsatzsteuerfrei nach § 4 Nr. 8 UStG")
    }

    func testVariantStatesItsOwnTreatment() throws {
        let text = catalog(
            items: #"""
                {"code": "SOUV", "name": "Souvenir", "category": "Verkauf", "booking": {"account": "441100", "product": "1", "cost_centre": "2"},
                 "tax": {"treatment": "steuerpflichtig", "rate": "NORMAL"},
                 "variants": [{"code": "T", "name": "Tasche", "prices": [{"valid_from": "2021-01-01", "amount": "8,00"}]},
                              {"code": "K", "name": "Karte", "tax": {"treatment": "steuerpflichtig", "rate": "REDUCED_1"},
                               "prices": [{"valid_from": "2021-01-01", "amount": "1,00"}]}]}
                """#)
        let (catalog, problems) = parse(text)
        XCTAssertEqual(problems, [])
        var basket = Basket(date: BusinessDate(iso: "2027-02-01")!)
        XCTAssertEqual(try basket.add(code: "SOUV", from: catalog, variantCode: "T").tax.rateBasisPoints, 1900)
        XCTAssertEqual(try basket.add(code: "SOUV", from: catalog, variantCode: "K").tax.rateBasisPoints, 700)
    }

    func testBadTaxFieldsNameFileLineAndField() {
        let bad = [
            item("A", tax: #"{"treatment": "steuerbar"}"#),
            item("B", tax: #"{"treatment": "steuerpflichtig"}"#),
            item("C", tax: #"{"treatment": "steuerpflichtig", "rate": "SUPER"}"#),
            item("D", tax: #"{"treatment": "steuerfrei"}"#),
            item("E", tax: #"{"treatment": "nicht_steuerbar", "rate": "NORMAL"}"#),
            item("F", tax: #""19""#),
        ].joined(separator: ",\n")
        XCTAssertEqual(
            parse(catalog(items: bad)).1,
            [
                "t.json:3:299: A: Unbekannte Steuerbehandlung »steuerbar« in »tax.treatment« (erlaubt: nicht_steuerbar, steuerpflichtig, steuerfrei).",
                "t.json:4:192: B: Das Feld »rate« fehlt.",
                "t.json:5:233: C: Unbekannter Steuersatz »SUPER« in »tax.rate« (erlaubt: NORMAL, REDUCED_1).",
                "t.json:6:192: D: Das Feld »legal_basis« fehlt.",
                "t.json:7:233: E: »tax.rate« passt nicht zu »nicht_steuerbar« (hoheitliche Gebühr ohne Umsatzsteuer).",
                #"t.json:8:192: F: »tax« muss ein Objekt wie {"treatment": "steuerpflichtig", "rate": "NORMAL"} sein, nicht ein Text."#,
            ])
    }

    func testRatesMustBeDefinedCoverThePricesAndHaveNoGaps() {
        let onlyReduced = #"[{"key": "REDUCED_1", "periods": [{"valid_from": "2021-01-01", "percent": "7"}]}]"#
        XCTAssertEqual(
            parse(catalog(items: item(tax: #"{"treatment": "steuerpflichtig", "rate": "NORMAL"}"#), rates: onlyReduced)).1,
            ["t.json:1:388: KOP: Steuersatz »NORMAL« ist nicht unter »vat_rates« definiert."])
        XCTAssertEqual(
            parse(catalog(items: item(tax: #"{"treatment": "steuerpflichtig", "rate": "REDUCED_1"}"#), rates: onlyReduced)).1,
            ["t.json:1:388: KOP: Für den Preis ab 2020-01-01 gilt am 2020-01-01 kein Steuersatz »REDUCED_1«."])
        let gapped = #"""
            [{"key": "NORMAL", "periods": [{"valid_from": "2007-01-01", "valid_until": "2020-06-30", "percent": "19"},
              {"valid_from": "2020-08-01", "percent": "nineteen"}, {"valid_from": "2021-01-01", "percent": "19"}]},
             {"key": "NORMAL", "periods": []}]
            """#
        XCTAssertEqual(
            parse(catalog(items: "", rates: gapped)).1,
            [
                "t.json:2:43: vat_rates NORMAL periods[1]: »percent« »nineteen« ist kein Steuersatz wie \"19\" oder \"7\" (Text, über 0, höchstens zwei Nachkommastellen).",
                "t.json:2:56: vat_rates NORMAL: Lücke im Steuersatz: vom 2020-07-01 bis 2020-12-31 gilt kein Satz.",
                "t.json:3:31: vat_rates NORMAL: »periods« muss eine nicht leere Liste von Zeiträumen mit »percent« sein.",
            ])
        let twice =
            #"[{"key": "NORMAL", "periods": [{"valid_from": "2021-01-01", "percent": "19"}]}, {"key": "NORMAL", "periods": [{"valid_from": "2021-01-01", "percent": "19"}]}]"#
        XCTAssertEqual(
            parse(catalog(items: "", rates: twice)).1,
            ["t.json:1:190: vat_rates NORMAL: Steuersatz »NORMAL« ist doppelt definiert (zuerst in t.json:1)."])
    }

    func testVATArithmeticRoundsHalfUpAndMirrorsStornos() {
        XCTAssertEqual(VAT.contained(in: Money(cents: 119), basisPoints: 1900), Money(cents: 19))
        XCTAssertEqual(VAT.contained(in: Money(cents: 50), basisPoints: 1900), Money(cents: 8), "7,98… → 8")
        XCTAssertEqual(VAT.contained(in: Money(cents: 490), basisPoints: 700), Money(cents: 32), "32,06… → 32")
        XCTAssertEqual(VAT.contained(in: Money(cents: 1070), basisPoints: 700), Money(cents: 70))
        // 0,15 € at 7 %: 0,98130… ; 3,21 € at 19 %: 51,25… ; an exact half: 10,7 % of 1 107 cents = 107.
        XCTAssertEqual(VAT.contained(in: Money(cents: 15), basisPoints: 700), Money(cents: 1))
        XCTAssertEqual(VAT.contained(in: Money(cents: -50), basisPoints: 1900), Money(cents: -8))
        XCTAssertEqual(VAT.contained(in: Money(cents: 500), basisPoints: 0), .zero)
        XCTAssertEqual(VAT.percentText(1900), "19 %")
        XCTAssertEqual(VAT.percentText(1070), "10,7 %")
        XCTAssertEqual(VAT.parsePercent("10,7"), 1070)
        XCTAssertNil(VAT.parsePercent("19.0"))
    }
}
