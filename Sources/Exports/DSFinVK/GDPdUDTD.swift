/// The document type of `index.xml`: the GDPdU Beschreibungsstandard, version of 1 September 2004
/// (file `gdpdu-01-09-2004.dtd`), written out from the public definition of its elements. It is not
/// a byte copy of the file the BMF published: whether the audit software compares more than the
/// element structure is **UNKNOWN** (docs/dsfinvk.md, "DTD").
enum GDPdUDTD {
    static let text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- GDPdU Beschreibungsstandard (index.xml), Stand 01.09.2004. -->
        <!-- Written out by Web-Kasse from the public element definitions (docs/dsfinvk.md). -->

        <!ELEMENT DataSet (Version, DataSupplier?, Command*, Media+, Command*)>
        <!ELEMENT Version (#PCDATA)>
        <!ELEMENT DataSupplier (Name, Location, Comment)>
        <!ELEMENT Location (#PCDATA)>
        <!ELEMENT Comment (#PCDATA)>
        <!ELEMENT Command (#PCDATA)>

        <!ELEMENT Media (Name, Command*, Table+, Command*)>

        <!ELEMENT Table (URL, Name?, Description?, Validity?,
                         (ANSI | Macintosh | OEM | UTF16 | UTF7 | UTF8)?,
                         (DecimalSymbol, DigitGroupingSymbol)?,
                         SkipNumBytes?, Range?, Epoch?,
                         (VariableLength | FixedLength))>
        <!ELEMENT URL (#PCDATA)>
        <!ELEMENT Name (#PCDATA)>
        <!ELEMENT Description (#PCDATA)>
        <!ELEMENT Validity (Range, Format?)>
        <!ELEMENT Range (From, (To | Length)?)>
        <!ELEMENT From (#PCDATA)>
        <!ELEMENT To (#PCDATA)>
        <!ELEMENT Length (#PCDATA)>
        <!ELEMENT Format (#PCDATA)>
        <!ELEMENT Epoch (#PCDATA)>
        <!ELEMENT ANSI EMPTY>
        <!ELEMENT Macintosh EMPTY>
        <!ELEMENT OEM EMPTY>
        <!ELEMENT UTF16 EMPTY>
        <!ELEMENT UTF7 EMPTY>
        <!ELEMENT UTF8 EMPTY>
        <!ELEMENT DecimalSymbol (#PCDATA)>
        <!ELEMENT DigitGroupingSymbol (#PCDATA)>
        <!ELEMENT SkipNumBytes (#PCDATA)>

        <!ELEMENT VariableLength (ColumnDelimiter?, RecordDelimiter?, TextEncapsulator?,
                                  ((VariablePrimaryKey+, VariableColumn*) | VariableColumn+),
                                  ForeignKey*)>
        <!ELEMENT ColumnDelimiter (#PCDATA)>
        <!ELEMENT RecordDelimiter (#PCDATA)>
        <!ELEMENT TextEncapsulator (#PCDATA)>
        <!ELEMENT VariablePrimaryKey (Name, Description?, (Numeric | AlphaNumeric | Date), MaxLength?, Map*)>
        <!ELEMENT VariableColumn (Name, Description?, (Numeric | AlphaNumeric | Date), MaxLength?, Map*)>

        <!ELEMENT FixedLength (Length?, RecordDelimiter?,
                               ((FixedPrimaryKey+, FixedColumn*) | FixedColumn+),
                               ForeignKey*)>
        <!ELEMENT FixedPrimaryKey (Name, Description?, (Numeric | AlphaNumeric | Date), Map*, FixedRange)>
        <!ELEMENT FixedColumn (Name, Description?, (Numeric | AlphaNumeric | Date), Map*, FixedRange)>
        <!ELEMENT FixedRange (From, (To | Length))>

        <!ELEMENT ForeignKey (Name+, References, Alias?)>
        <!ELEMENT References (#PCDATA)>
        <!ELEMENT Alias (From, To)>

        <!ELEMENT Numeric ((ImpliedAccuracy | Accuracy)?)>
        <!ELEMENT ImpliedAccuracy (#PCDATA)>
        <!ELEMENT Accuracy (#PCDATA)>
        <!ELEMENT AlphaNumeric EMPTY>
        <!ELEMENT Date (Format)>
        <!ELEMENT MaxLength (#PCDATA)>
        <!ELEMENT Map (Description?, From, To)>

        """
}
