/// Reads ESC/POS bytes back into what a printer would do: lines of text in the selected code
/// page with their style, cuts, drawer kicks, QR codes and status queries. Sans-I/O: feed it
/// bytes as they come, in any pieces; it keeps an incomplete command until the rest arrives.
/// The test suite's printer stand-in is built on it; it knows the commands ``ESCPOSEncoder``
/// sends (FISCAL-DEVICES-CENTRAL-NOTES §2), and reports any other byte as ``Event/unknown(_:)``.
public struct ESCPOSReader: Sendable {
    /// What the bytes asked for.
    public enum Event: Sendable, Equatable {
        case initialize
        case codePage(UInt8)
        /// A printed line (at LF, or text before a cut or a feed), with the style it was printed in.
        case line(String, TextStyle)
        case feed(Int)
        case cut(CutMode)
        case drawerKick(pin: UInt8, t1: UInt8, t2: UInt8)
        /// `DLE EOT n`: the printer answers at once with one status byte.
        case statusQuery(UInt8)
        case qrCode(data: [UInt8], moduleSize: Int, errorCorrection: UInt8)
        case unknown([UInt8])
    }

    public private(set) var codePage: CodePage? = nil
    private var style = TextStyle()
    private var pending: [UInt8] = []
    private var text: [UInt8] = []
    private var qrData: [UInt8] = []
    private var qrSize = 3
    private var qrLevel: UInt8 = 0x30

    public init() {}

    /// Takes `bytes` and returns the events completed by them.
    public mutating func read(_ bytes: [UInt8]) -> [Event] {
        pending += bytes
        var events: [Event] = []
        while let (event, used) = next() {
            pending.removeFirst(used)
            if let event { events.append(event) }
        }
        return events
    }

    /// The next command at the start of `pending` and how many bytes it took; nil: more bytes needed.
    private mutating func next() -> (Event?, Int)? {
        guard let first = pending.first else { return nil }
        func need(_ count: Int) -> Bool { pending.count >= count }
        switch first {
        case 0x0A:
            return (flushLine(), 1)
        case 0x1B:
            guard need(2) else { return nil }
            switch pending[1] {
            case 0x40:
                style = TextStyle()
                codePage = nil
                return (.initialize, 2)
            case 0x74, 0x45, 0x21, 0x61, 0x64, 0x2D:
                guard need(3) else { return nil }
                let n = pending[2]
                switch pending[1] {
                case 0x74:
                    codePage = CodePage(table: n)
                    return (.codePage(n), 3)
                case 0x45:
                    style.bold = n & 1 != 0
                case 0x21:
                    style.doubleHeight = n & 0x10 != 0
                    style.doubleWidth = n & 0x20 != 0
                    style.bold = n & 0x08 != 0
                case 0x61: style.alignment = Alignment(rawValue: n % 48) ?? .left
                case 0x64:
                    if let line = flushLine() { return (line, 0) }
                    return (.feed(Int(n)), 3)
                default: break  // underline
                }
                return (nil, 3)
            case 0x70:
                guard need(5) else { return nil }
                return (.drawerKick(pin: pending[2], t1: pending[3], t2: pending[4]), 5)
            default:
                return (.unknown(Array(pending.prefix(2))), 2)
            }
        case 0x10:
            guard need(3) else { return nil }
            if pending[1] == 0x04 { return (.statusQuery(pending[2]), 3) }
            return (.unknown(Array(pending.prefix(3))), 3)
        case 0x1D:
            guard need(2) else { return nil }
            if pending[1] == 0x56 {
                guard need(3) else { return nil }
                if let line = flushLine() { return (line, 0) }
                let m = pending[2]
                if m == 0x41 || m == 0x42 {  // function B: feed n, then cut
                    guard need(4) else { return nil }
                    return (.cut(m == 0x41 ? .full : .partial), 4)
                }
                return (.cut(m & 1 == 0 ? .full : .partial), 3)
            }
            if pending[1] == 0x28 {
                guard need(5) else { return nil }
                let length = Int(pending[3]) | Int(pending[4]) << 8
                guard need(5 + length) else { return nil }
                let body = Array(pending[5..<(5 + length)])
                return (qrFunction(body), 5 + length)
            }
            if pending[1] == 0x21 {  // GS ! n: character size
                guard need(3) else { return nil }
                style.doubleWidth = pending[2] & 0xF0 != 0
                style.doubleHeight = pending[2] & 0x0F != 0
                return (nil, 3)
            }
            return (.unknown(Array(pending.prefix(2))), 2)
        default:
            if first < 0x20 { return (.unknown([first]), 1) }
            text.append(first)
            return (nil, 1)
        }
    }

    private mutating func qrFunction(_ body: [UInt8]) -> Event? {
        guard body.count >= 2, body[0] == 0x31 else { return .unknown([0x1D, 0x28, 0x6B] + body) }
        switch body[1] {
        case 0x41: return nil
        case 0x43: qrSize = Int(body.count > 2 ? body[2] : 3)
        case 0x45: qrLevel = body.count > 2 ? body[2] : 0x30
        case 0x50: qrData = Array(body.dropFirst(3))
        case 0x51: return .qrCode(data: qrData, moduleSize: qrSize, errorCorrection: qrLevel)
        default: return .unknown([0x1D, 0x28, 0x6B] + body)
        }
        return nil
    }

    /// The text collected so far as a line, in the style now set; nil if there is none.
    private mutating func flushLine() -> Event? {
        guard !text.isEmpty || pending.first == 0x0A else { return nil }
        // Before `ESC t` the printer is in CP437: only ASCII is read back as what was meant.
        let line = codePage?.decode(text) ?? String(text.map { $0 < 0x80 ? Character(Unicode.Scalar($0)) : "\u{FFFD}" })
        text.removeAll()
        return .line(line, style)
    }
}
