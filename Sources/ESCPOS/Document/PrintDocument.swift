/// What a receipt printer is asked to print, before it becomes bytes: lines of text with their
/// style, feeds, QR codes, the cut and the drawer kick, in order (``ESCPOSEncoder`` turns it into
/// ESC/POS; docs/printer.md).
public struct PrintDocument: Sendable, Equatable {
    public var elements: [PrintElement]

    public init(_ elements: [PrintElement] = []) { self.elements = elements }

    /// Appends one line of text in `style`.
    public mutating func line(_ text: String, _ style: TextStyle = .normal) { elements.append(.line(text, style)) }

    public mutating func append(_ element: PrintElement) { elements.append(element) }
}

/// One element of a ``PrintDocument``.
public enum PrintElement: Sendable, Equatable {
    /// One line of text (a line feed follows it); a text longer than the paper wraps on the printer.
    case line(String, TextStyle)
    /// Feeds `lines` empty lines (`ESC d n`).
    case feed(lines: Int)
    /// A QR code printed natively by the printer (`GS ( k`).
    case qrCode(QRCode)
    /// Feeds the paper past the cutter and cuts (`GS V`).
    case cut(CutMode)
    /// Opens the cash drawer plugged into the printer (`ESC p m t1 t2`).
    case drawerKick(DrawerPulse)
}

/// How a line is printed: emphasis, size and alignment (ESC E, ESC !, ESC a).
public struct TextStyle: Sendable, Equatable, Hashable {
    public var bold: Bool
    public var doubleHeight: Bool
    public var doubleWidth: Bool
    public var alignment: Alignment

    public init(bold: Bool = false, doubleHeight: Bool = false, doubleWidth: Bool = false, alignment: Alignment = .left) {
        self.bold = bold
        self.doubleHeight = doubleHeight
        self.doubleWidth = doubleWidth
        self.alignment = alignment
    }

    public static let normal = TextStyle()
    public static let bold = TextStyle(bold: true)
    public static let centered = TextStyle(alignment: .center)
    /// Bold and double height: the sum and the change, readable from across the counter.
    public static let emphasised = TextStyle(bold: true, doubleHeight: true)

    /// The `n` of `ESC ! n`: 0x10 double height, 0x20 double width (FISCAL-DEVICES-CENTRAL-NOTES §2).
    var printMode: UInt8 { (doubleHeight ? 0x10 : 0) | (doubleWidth ? 0x20 : 0) }
}

/// `ESC a n`: 0 left, 1 centre, 2 right.
public enum Alignment: UInt8, Sendable, Hashable {
    case left = 0
    case center = 1
    case right = 2
}

/// `GS V m`: 0 full cut, 1 partial cut (one point left uncut, the receipt hangs on).
public enum CutMode: UInt8, Sendable, Hashable, CaseIterable {
    case full = 0
    case partial = 1
}

/// The drawer's pin on the printer's drawer port and its pulse (`ESC p m t1 t2`).
///
/// Both pulse times are always sent: `ESC p 0` without them opens some drawers only every second
/// time (FISCAL-DEVICES-CENTRAL-NOTES §2, "Drawer does not open").
public struct DrawerPulse: Sendable, Equatable, Hashable {
    public enum Pin: UInt8, Sendable, Hashable {
        /// m = 0: drawer kick-out connector pin 2.
        case pin2 = 0
        /// m = 1: connector pin 5 (a second drawer).
        case pin5 = 1
    }

    public let pin: Pin
    /// On time and off time in milliseconds (sent in 2 ms units, 2–510 ms).
    public let onMs: Int
    public let offMs: Int

    public init(pin: Pin, onMs: Int = 50, offMs: Int = 500) {
        self.pin = pin
        self.onMs = onMs
        self.offMs = offMs
    }

    /// t1 and t2 in 2 ms units, at least 1 and at most 255.
    var t1: UInt8 { UInt8(clamping: max(1, onMs / 2)) }
    var t2: UInt8 { UInt8(clamping: max(1, offMs / 2)) }
}

/// A QR code for `GS ( k` (model 2): its data, module size and error correction level.
public struct QRCode: Sendable, Equatable {
    /// `GS ( k … 45 n`: '0' L (7 %), '1' M (15 %), '2' Q (25 %), '3' H (30 %).
    public enum ErrorCorrection: UInt8, Sendable, CaseIterable {
        case low = 0x30
        case medium = 0x31
        case quartile = 0x32
        case high = 0x33
    }

    /// The bytes to encode (the printer stores up to 7,089).
    public let data: [UInt8]
    /// Module size in dots, 1–16.
    public let moduleSize: Int
    public let errorCorrection: ErrorCorrection

    public init(data: [UInt8], moduleSize: Int = 4, errorCorrection: ErrorCorrection = .medium) {
        self.data = data
        self.moduleSize = min(16, max(1, moduleSize))
        self.errorCorrection = errorCorrection
    }

    public init(_ text: String, moduleSize: Int = 4, errorCorrection: ErrorCorrection = .medium) {
        self.init(data: Array(text.utf8), moduleSize: moduleSize, errorCorrection: errorCorrection)
    }
}
