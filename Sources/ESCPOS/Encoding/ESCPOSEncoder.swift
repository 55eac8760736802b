/// Turns a ``PrintDocument`` into ESC/POS bytes for an Epson TM-T20/TM-T88 or compatible printer.
/// Pure: document in, bytes out. Byte sequences as in FISCAL-DEVICES-CENTRAL-NOTES §2 (from
/// python-escpos `constants.py`).
///
/// Every document starts with `ESC @` (initialise) and `ESC t n` (the code page) before any text,
/// so that € and the umlauts print right whatever the printer was left in. A style change sends
/// `ESC !` (print mode) before `ESC E` (bold), because `ESC !` rewrites the whole print mode.
public struct ESCPOSEncoder: Sendable {
    public let codePage: CodePage

    public init(codePage: CodePage = .cp858) { self.codePage = codePage }

    /// `ESC @`: clears the print buffer and resets the modes.
    public static let initialize: [UInt8] = [0x1B, 0x40]
    /// Lines fed before a cut so that the last line passes the cutter (python-escpos `cut()`).
    public static let feedBeforeCut = 6

    /// The whole document: init, code page, the elements.
    public func encode(_ document: PrintDocument) -> [UInt8] {
        var out = Self.initialize + Self.selectCodePage(codePage)
        var state = ModeState()
        for element in document.elements { append(element, to: &out, state: &state) }
        return out
    }

    /// Only a drawer kick, without init or text (a "No Sale" or the float count).
    public func encodeDrawerKick(_ pulse: DrawerPulse) -> [UInt8] { Self.drawerKick(pulse) }

    // MARK: Commands

    /// `ESC t n`: select the character code table.
    public static func selectCodePage(_ page: CodePage) -> [UInt8] { [0x1B, 0x74, page.table] }
    /// `ESC E n`: emphasised (bold) on or off.
    public static func bold(_ on: Bool) -> [UInt8] { [0x1B, 0x45, on ? 1 : 0] }
    /// `ESC ! n`: print mode (0x10 double height, 0x20 double width); also turns bold off.
    public static func printMode(_ n: UInt8) -> [UInt8] { [0x1B, 0x21, n] }
    /// `ESC a n`: justification.
    public static func align(_ alignment: Alignment) -> [UInt8] { [0x1B, 0x61, alignment.rawValue] }
    /// `ESC d n`: print and feed n lines.
    public static func feed(_ lines: Int) -> [UInt8] { [0x1B, 0x64, UInt8(clamping: max(0, lines))] }
    /// `ESC d 6` and `GS V m`: feed past the cutter, then cut fully (m = 0) or partially (m = 1).
    public static func cut(_ mode: CutMode) -> [UInt8] { feed(feedBeforeCut) + [0x1D, 0x56, mode.rawValue] }
    /// `ESC p m t1 t2`: pulse on the drawer pin, always with both times (2 ms units).
    public static func drawerKick(_ pulse: DrawerPulse) -> [UInt8] { [0x1B, 0x70, pulse.pin.rawValue, pulse.t1, pulse.t2] }

    /// `GS ( k` for a QR code, model 2: select the model (fn 0x41), the module size (fn 0x43), the
    /// error correction (fn 0x45), store the data (fn 0x50, m = '0'; pL pH = data + 3 bytes,
    /// little-endian) and print it (fn 0x51) — FISCAL-DEVICES-CENTRAL-NOTES §2, "QR code".
    public static func qrCode(_ code: QRCode) -> [UInt8] {
        func function(_ fn: UInt8, _ parameters: [UInt8]) -> [UInt8] {
            let length = parameters.count + 2  // cn and fn
            return [0x1D, 0x28, 0x6B, UInt8(length & 0xFF), UInt8(length >> 8), 0x31, fn] + parameters
        }
        return function(0x41, [0x32, 0x00]) + function(0x43, [UInt8(code.moduleSize)]) + function(0x45, [code.errorCorrection.rawValue])
            + function(0x50, [0x30] + code.data) + function(0x51, [0x30])
    }

    // MARK: Elements

    /// What the printer is set to since `ESC @`: only changes are sent.
    private struct ModeState {
        var printMode: UInt8 = 0
        var bold = false
        var alignment = Alignment.left
    }

    private func append(_ element: PrintElement, to out: inout [UInt8], state: inout ModeState) {
        switch element {
        case .line(let text, let style):
            if style.printMode != state.printMode || (state.bold && !style.bold) {
                out += Self.printMode(style.printMode)
                state.printMode = style.printMode
                state.bold = false
            }
            if style.bold != state.bold {
                out += Self.bold(style.bold)
                state.bold = style.bold
            }
            if style.alignment != state.alignment {
                out += Self.align(style.alignment)
                state.alignment = style.alignment
            }
            out += codePage.encode(text)
            out.append(0x0A)
        case .feed(let lines): out += Self.feed(lines)
        case .qrCode(let code):
            // Centred like the receipt's head; the alignment stays for what follows.
            if state.alignment != .center {
                out += Self.align(.center)
                state.alignment = .center
            }
            out += Self.qrCode(code)
        case .cut(let mode): out += Self.cut(mode)
        case .drawerKick(let pulse): out += Self.drawerKick(pulse)
        }
    }
}
