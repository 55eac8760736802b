import Foundation

/// The text of the receipt's QR code under the KassenSichV (§6 Satz 2 Nr. 2: the TSE data may be
/// printed as a QR code that follows the DSFinV-K): twelve fields separated by `;`, in this order
/// (FISCAL-DEVICES-CENTRAL-NOTES §1b, "Receipt QR code"; fiskaly's `qr_code_data`):
///
///     V0;<kassen-seriennummer>;<processType>;<processData>;<transaktions-nummer>;<signatur-zaehler>;
///     <start-zeit>;<log-time>;<sig-alg>;<log-time-format>;<signatur>;<public-key>
///
/// - the times in ISO 8601, UTC, with milliseconds: `2019-07-10T18:41:04.000Z`;
/// - the transaction number and the signature counter as decimal digits;
/// - the signature and the TSE's public key in Base64 (RFC 4648 §4, with padding).
///
/// A validator fails the signature when a value differs from what the TSE signed — a time off by
/// a second, the client id in other case, other process data (same notes, "Pitfalls"): every value
/// is taken over as the TSE gave it, nothing is reformatted but the times.
///
/// No field may contain `;`: the string is split at every `;`, so exactly twelve fields come back.
/// (The process data of Kassenbeleg-V1, `Beleg^…^…:Bar`, has none.)
public struct QRCodeString: Sendable, Equatable {
    /// The first field: the version of this layout.
    public static let version = "V0"
    /// The names of the twelve fields as the DSFinV-K gives them, in order; error messages use them.
    public static let fieldNames = [
        "qr-code-version", "kassen-seriennummer", "processType", "processData", "transaktions-nummer", "signatur-zaehler",
        "start-zeit", "log-time", "sig-alg", "log-time-format", "signatur", "public-key",
    ]

    /// The format of the TSE's log time (TR-03151: how the log messages carry their time).
    public enum LogTimeFormat: String, Sendable, CaseIterable {
        case unixTime
        case utcTime
        case generalizedTime
    }

    /// The serial number of the recording system: the TSE client id of this register.
    public let registerSerialNumber: String
    /// The SE-API process type, e.g. `Kassenbeleg-V1`.
    public let processType: String
    /// The process data as signed, e.g. `Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar`.
    public let processData: String
    public let transactionNumber: UInt64
    public let signatureCounter: UInt64
    /// When the transaction started (the TSE's time), in milliseconds since 1970 (UTC).
    public let startTimeMs: Int64
    /// The log time of the transaction's finish (the TSE's time), in milliseconds since 1970 (UTC).
    public let endTimeMs: Int64
    public var startTime: Date { Date(timeIntervalSince1970: Double(startTimeMs) / 1000) }
    public var endTime: Date { Date(timeIntervalSince1970: Double(endTimeMs) / 1000) }
    /// The signature algorithm, e.g. `ecdsa-plain-SHA256`.
    public let signatureAlgorithm: String
    public let logTimeFormat: LogTimeFormat
    /// The signature value (printed in Base64).
    public let signature: [UInt8]
    /// The TSE's public key (printed in Base64).
    public let publicKey: [UInt8]

    /// The values of a signed transaction, the times as `Date`s (taken to the nearest millisecond,
    /// what the string holds).
    public init(
        registerSerialNumber: String, processType: String, processData: String, transactionNumber: UInt64, signatureCounter: UInt64,
        startTime: Date, endTime: Date, signatureAlgorithm: String, logTimeFormat: LogTimeFormat, signature: [UInt8], publicKey: [UInt8]
    ) throws {
        try self.init(
            registerSerialNumber: registerSerialNumber, processType: processType, processData: processData, transactionNumber: transactionNumber,
            signatureCounter: signatureCounter, startTimeMs: Self.milliseconds(startTime), endTimeMs: Self.milliseconds(endTime),
            signatureAlgorithm: signatureAlgorithm, logTimeFormat: logTimeFormat, signature: signature, publicKey: publicKey)
    }

    /// The values of a signed transaction. Throws when a text field is empty or contains `;`, or
    /// the signature or key is empty.
    public init(
        registerSerialNumber: String, processType: String, processData: String, transactionNumber: UInt64, signatureCounter: UInt64,
        startTimeMs: Int64, endTimeMs: Int64, signatureAlgorithm: String, logTimeFormat: LogTimeFormat, signature: [UInt8],
        publicKey: [UInt8]
    ) throws {
        for (name, value) in [
            ("kassen-seriennummer", registerSerialNumber), ("processType", processType), ("processData", processData),
            ("sig-alg", signatureAlgorithm),
        ] {
            if value.isEmpty { throw QRCodeStringError.invalidField(name, value, "ist leer") }
            if value.contains(";") { throw QRCodeStringError.invalidField(name, value, "enthält »;«, das die Felder trennt") }
        }
        if signature.isEmpty { throw QRCodeStringError.invalidField("signatur", "", "ist leer") }
        if publicKey.isEmpty { throw QRCodeStringError.invalidField("public-key", "", "ist leer") }
        self.registerSerialNumber = registerSerialNumber
        self.processType = processType
        self.processData = processData
        self.transactionNumber = transactionNumber
        self.signatureCounter = signatureCounter
        self.startTimeMs = startTimeMs
        self.endTimeMs = endTimeMs
        self.signatureAlgorithm = signatureAlgorithm
        self.logTimeFormat = logTimeFormat
        self.signature = signature
        self.publicKey = publicKey
    }

    /// The twelve fields in order, as printed.
    public var fields: [String] {
        [
            Self.version, registerSerialNumber, processType, processData, String(transactionNumber), String(signatureCounter),
            Self.format(startTimeMs), Self.format(endTimeMs), signatureAlgorithm, logTimeFormat.rawValue,
            Data(signature).base64EncodedString(), Data(publicKey).base64EncodedString(),
        ]
    }

    /// The string to put into the QR code.
    public var text: String { fields.joined(separator: ";") }

    /// Reads a QR code's string back into its fields; throws ``QRCodeStringError`` naming the
    /// field that is wrong (or how many fields there are when they are not twelve).
    public init(parsing text: String) throws {
        let fields = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == Self.fieldNames.count else { throw QRCodeStringError.fieldCount(fields.count) }
        guard fields[0] == Self.version else { throw QRCodeStringError.invalidField("qr-code-version", fields[0], "ist nicht »V0«") }
        func number(_ index: Int) throws -> UInt64 {
            guard !fields[index].isEmpty, fields[index].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = UInt64(fields[index]) else {
                throw QRCodeStringError.invalidField(Self.fieldNames[index], fields[index], "ist keine Zahl aus Ziffern")
            }
            return value
        }
        func time(_ index: Int) throws -> Int64 {
            guard let date = Self.parseTime(fields[index]) else {
                throw QRCodeStringError.invalidField(Self.fieldNames[index], fields[index], "ist keine Zeit wie 2019-07-10T18:41:04.000Z")
            }
            return date
        }
        func base64(_ index: Int) throws -> [UInt8] {
            guard let data = Data(base64Encoded: fields[index]) else {
                throw QRCodeStringError.invalidField(Self.fieldNames[index], fields[index], "ist kein Base64")
            }
            return Array(data)
        }
        guard let format = LogTimeFormat(rawValue: fields[9]) else {
            let allowed = LogTimeFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw QRCodeStringError.invalidField("log-time-format", fields[9], "ist keines von \(allowed)")
        }
        try self.init(
            registerSerialNumber: fields[1], processType: fields[2], processData: fields[3], transactionNumber: try number(4),
            signatureCounter: try number(5), startTimeMs: try time(6), endTimeMs: try time(7), signatureAlgorithm: fields[8],
            logTimeFormat: format, signature: try base64(10), publicKey: try base64(11))
    }

    // MARK: Times (ISO 8601, UTC, milliseconds)

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// `2019-07-10T18:41:04.000Z`: the proleptic Gregorian calendar in UTC, computed without a
    /// formatter (no locale, no time zone database).
    static func format(_ ms: Int64) -> String {
        let (days, msOfDay) = (ms.floorDivided(by: 86_400_000), ms.floorModulo(86_400_000))
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let seconds = msOfDay / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(msOfDay % 1000, 3))Z"
    }

    /// Reads `YYYY-MM-DDThh:mm:ss.fffZ` (or without `.fff`); nil for anything else.
    static func parseTime(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes.last == UInt8(ascii: "Z") else { return nil }
        func digits(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")] + (bytes.count == 24 ? [(19, ".")] : [])
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }) else { return nil }
        guard let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10), let hour = digits(11..<13),
            let minute = digits(14..<16), let second = digits(17..<19)
        else { return nil }
        let millisecond = bytes.count == 24 ? digits(20..<23) : 0
        guard let millisecond, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else { return nil }
        return ((days(fromCivil: year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil).
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The Gregorian date of a day count since 1970-01-01 (civil_from_days, same source).
    private static func civil(fromDays count: Int64) -> (Int64, Int64, Int64) {
        let z = count + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// What is wrong with a QR code's string or its values (German; names the DSFinV-K field).
public enum QRCodeStringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The string split at `;` does not give twelve fields.
    case fieldCount(Int)
    /// A field's value (field name, value, what is wrong).
    case invalidField(String, String, String)

    public var description: String {
        switch self {
        case .fieldCount(let count):
            "QR-Code-String: \(count) Felder statt 12 (\((["V0"] + QRCodeString.fieldNames.dropFirst()).joined(separator: ";")), getrennt durch »;«)."
        case .invalidField(let name, let value, let problem):
            "QR-Code-String, Feld \(name): »\(value.count > 40 ? value.prefix(40) + "…" : value)« \(problem)."
        }
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int64) -> Int64 { self - floorDivided(by: divisor) * divisor }
}
