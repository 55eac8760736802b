import Foundation

/// The bytes of the DSFinV-K files: each table as CSV exactly as `index.xml` declares it, the
/// `index.xml` itself and the GDPdU DTD (docs/dsfinvk.md, "Dateien").
public enum DSFinVKFiles {
    /// Every file of the export in the order of the archive: `index.xml`, the DTD, then the tables.
    public static func all(_ builder: DSFinVKBuilder, title: String = "DSFinV-K") throws -> [(name: String, bytes: [UInt8])] {
        var files: [(name: String, bytes: [UInt8])] = [
            ("index.xml", Array(indexXML(title: title, supplier: builder.master).utf8)),
            (DSFinVKSchema.dtdFileName, Array(GDPdUDTD.text.utf8)),
        ]
        for table in DSFinVKSchema.tables {
            files.append((table.file, try csv(table, rows: builder.rows[table.file] ?? [])))
        }
        return files
    }

    /// One table: the header, then one record per row; `;` between fields, CRLF after every record
    /// (the last included), UTF-8 without byte-order mark. A number has exactly the column's
    /// `Accuracy` decimal places after a decimal comma and no digit grouping; a text is quoted with
    /// `"` (inner `"` doubled) only when it holds `;`, `"` or a line break, and never exceeds its
    /// `MaxLength` (in characters).
    public static func csv(_ table: DSFinVKSchema.Table, rows: [DSFinVKRow]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: table.columns.map(\.name).joined(separator: DSFinVKSchema.columnDelimiter).utf8)
        out.append(contentsOf: DSFinVKSchema.recordDelimiter.utf8)
        for (index, row) in rows.enumerated() {
            for name in row.keys where table.index(of: name) == nil {
                preconditionFailure("\(table.file): no column \(name)")
            }
            for (i, column) in table.columns.enumerated() {
                if i > 0 { out.append(contentsOf: DSFinVKSchema.columnDelimiter.utf8) }
                let field = try format(row[column.name] ?? .empty, column) { expected, value in
                    ExportError.invalidBooking(
                        format: "DSFinV-K", receipt: "\(table.file) Zeile \(index + 2)", field: column.name, value: value, expected: expected)
                }
                out.append(contentsOf: field.utf8)
            }
            out.append(contentsOf: DSFinVKSchema.recordDelimiter.utf8)
        }
        return out
    }

    static func format(_ value: DSFinVKValue, _ column: DSFinVKSchema.Column, error: (String, String) -> ExportError) throws -> String {
        switch (column.kind, value) {
        case (_, .empty):
            return ""
        case (.numeric(let accuracy), .number(let units, let scale)):
            guard scale <= accuracy else { throw error("höchstens \(accuracy) Nachkommastellen", "\(units)e-\(scale)") }
            var magnitude = units.magnitude
            for _ in scale..<accuracy {
                let (product, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                guard !overflow else { throw error("eine darstellbare Zahl", "\(units)e-\(scale)") }
                magnitude = product
            }
            var digits = String(magnitude)
            if digits.count <= accuracy { digits = String(repeating: "0", count: accuracy - digits.count + 1) + digits }
            let sign = units < 0 ? "-" : ""
            guard accuracy > 0 else { return sign + digits }
            let split = digits.index(digits.endIndex, offsetBy: -accuracy)
            return sign + digits[..<split] + DSFinVKSchema.decimalSymbol + digits[split...]
        case (.alphanumeric(let maxLength), .text(let text)):
            guard text.unicodeScalars.count <= maxLength else { throw error("höchstens \(maxLength) Zeichen", text) }
            guard text.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        case (.numeric, .text(let text)):
            throw error("eine Zahl", text)
        case (.alphanumeric, .number(let units, let scale)):
            throw error("einen Text", "\(units)e-\(scale)")
        }
    }

    /// The GDPdU description of every table (Beschreibungsstandard, DTD ``DSFinVKSchema/dtdFileName``).
    public static func indexXML(title: String, supplier: DSFinVKMasterData) -> String {
        var x = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE DataSet SYSTEM "\(DSFinVKSchema.dtdFileName)">
            <DataSet>
              <Version>1.0</Version>
              <DataSupplier>
                <Name>\(escape(supplier.name))</Name>
                <Location>\(escape([supplier.street, [supplier.postcode, supplier.city].filter { !$0.isEmpty }.joined(separator: " ")].filter { !$0.isEmpty }.joined(separator: ", ")))</Location>
                <Comment>DSFinV-K 2.4, \(escape(supplier.softwareBrand)) \(escape(supplier.softwareVersion))</Comment>
              </DataSupplier>
              <Media>
                <Name>\(escape(title))</Name>

            """
        for table in DSFinVKSchema.tables {
            x += """
                    <Table>
                      <URL>\(table.file)</URL>
                      <Name>\(table.name)</Name>
                      <Description>\(escape(table.description))</Description>
                      <UTF8/>
                      <DecimalSymbol>\(DSFinVKSchema.decimalSymbol)</DecimalSymbol>
                      <DigitGroupingSymbol>\(DSFinVKSchema.digitGroupingSymbol)</DigitGroupingSymbol>
                      <Range>
                        <From>2</From>
                      </Range>
                      <VariableLength>
                        <ColumnDelimiter>\(DSFinVKSchema.columnDelimiter)</ColumnDelimiter>
                        <RecordDelimiter>&#13;&#10;</RecordDelimiter>
                        <TextEncapsulator>&quot;</TextEncapsulator>

                """
            for column in table.columns {
                x += "        <VariableColumn>\n          <Name>\(column.name)</Name>\n"
                x += "          <Description>\(escape(column.description))</Description>\n"
                switch column.kind {
                case .numeric(let accuracy):
                    x +=
                        accuracy > 0
                        ? "          <Numeric>\n            <Accuracy>\(accuracy)</Accuracy>\n          </Numeric>\n" : "          <Numeric/>\n"
                case .alphanumeric(let maxLength):
                    x += "          <AlphaNumeric/>\n          <MaxLength>\(maxLength)</MaxLength>\n"
                }
                x += "        </VariableColumn>\n"
            }
            x += "        </VariableLength>\n      </Table>\n"
        }
        x += "  </Media>\n</DataSet>\n"
        return x
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
