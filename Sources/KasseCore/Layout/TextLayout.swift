import Foundation

/// Fixed-width text lines for receipts and reports (Bon, X and Z report): the one place that
/// knows the receipt width and how two columns share a line.
public enum TextLayout {
    /// 42 characters: one line of an 80 mm receipt printer in its normal font.
    public static let receiptWidth = 42

    /// `left` and `right` on one line of `width` characters, padded between. When too long,
    /// `left` is shortened with `…` so that the amount stays readable (reports).
    public static func columns(_ left: String, _ right: String, width: Int = receiptWidth) -> String {
        let leftCount = characterCount(left)
        if right.isEmpty { return leftCount > width ? String(left.prefix(width - 1)) + "…" : left }
        let rightCount = characterCount(right)
        let room = width - rightCount - 1
        guard leftCount > room else { return left + String(repeating: " ", count: max(1, width - leftCount - rightCount)) + right }
        let shownLeft = room > 1 ? String(left.prefix(room - 1)) + "…" : ""
        return shownLeft + String(repeating: " ", count: max(1, width - characterCount(shownLeft) - rightCount)) + right
    }

    /// The characters of `text` as a receipt shows them (`text.count`), counted by scalar while
    /// every scalar is a character of its own (below U+0300, no CR; `€`, `…`): report lines of a
    /// busy day run into the thousands, and counting characters is the slow part of laying them out.
    static func characterCount(_ text: String) -> Int {
        var scalars = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            guard value != 0x0D, value < 0x300 || value == 0x20AC || value == 0x2026 else { return text.count }
            scalars += 1
        }
        return scalars
    }

    /// `left` and `right` on one line, right-aligned; on two lines when they do not fit
    /// (receipts: nothing is cut).
    public static func pair(_ left: String, _ right: String, width: Int = receiptWidth) -> String {
        let space = width - characterCount(left) - characterCount(right)
        if space >= 1 { return left + String(repeating: " ", count: space) + right }
        return left + "\n" + String(repeating: " ", count: max(0, width - right.count)) + right
    }

    /// `text` centred (left padding only).
    public static func center(_ text: String, width: Int = receiptWidth) -> String {
        let pad = max(0, (width - text.count) / 2)
        return String(repeating: " ", count: pad) + text
    }

    /// The lines of a card terminal's receipt with their layout (ZVT 13.08 §3.5, Table 16): a centred
    /// line centred in `width`, an indented one indented, a double-width one spaced out letter by
    /// letter when that fits (a text receipt has no wider font; double height cannot be shown and
    /// stays as it is); long lines wrapped. A plain line is kept as the terminal sent it.
    public static func terminalReceipt(_ lines: [TerminalReceiptLine], width: Int = receiptWidth) -> [String] {
        var out: [String] = []
        for line in lines {
            var text = line.text
            if line.isCentred || line.isDoubleWidth { text = text.trimmingCharacters(in: .whitespaces) }
            if line.isDoubleWidth, !text.isEmpty, 2 * characterCount(text) - 1 <= width - line.indent {
                text = text.map(String.init).joined(separator: " ")
            }
            let indent = String(repeating: " ", count: line.indent)
            for part in wrap(text, width: width - line.indent) {
                out.append(line.isCentred ? center(indent + part, width: width) : indent + part)
            }
        }
        return out
    }

    /// `text` on as many lines of `width` as it needs (reports wrap long fields, nothing is cut):
    /// broken at spaces, continuation lines indented two more than the first.
    public static func wrapped(_ text: String, width: Int = receiptWidth) -> [String] {
        if characterCount(text) <= width { return [text] }
        let indent = String(text.prefix { $0 == " " })
        let body = String(text.dropFirst(indent.count))
        let room = max(8, width - indent.count - 2)
        return wrap(body, width: room).enumerated().map { index, part in (index == 0 ? indent : indent + "  ") + part }
    }

    /// `left` and `right` as ``columns(_:_:width:)`` when they fit; otherwise `left` wrapped
    /// (``wrapped(_:width:)``) with `right` on its last line, or right-aligned on a line of its own.
    public static func wrappedColumns(_ left: String, _ right: String, width: Int = receiptWidth) -> [String] {
        if right.isEmpty { return wrapped(left, width: width) }
        if characterCount(left) + characterCount(right) + 1 <= width { return [columns(left, right, width: width)] }
        var lines = wrapped(left, width: width)
        let last = lines.removeLast()
        if characterCount(last) + characterCount(right) + 1 <= width {
            lines.append(columns(last, right, width: width))
        } else {
            lines.append(last)
            lines.append(String(repeating: " ", count: max(0, width - characterCount(right))) + right)
        }
        return lines
    }

    /// A line of `character`.
    public static func rule(_ width: Int = receiptWidth, _ character: Character = "-") -> String {
        String(repeating: character, count: width)
    }

    /// Breaks `text` into lines of at most `width` characters at spaces; a longer word is split.
    public static func wrap(_ text: String, width: Int = receiptWidth) -> [String] {
        // Most lines fit: no character has fewer UTF-8 bytes than one.
        if text.utf8.count <= width { return [text] }
        var lines: [String] = []
        var current = ""
        var currentCount = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let wordCount = word.count
            if currentCount == 0 && current.isEmpty {
                current = String(word)
                currentCount = wordCount
            } else if currentCount + 1 + wordCount <= width {
                current += " " + word
                currentCount += 1 + wordCount
            } else {
                lines.append(current)
                current = String(word)
                currentCount = wordCount
            }
            while currentCount > width {
                lines.append(String(current.prefix(width)))
                current = String(current.dropFirst(width))
                currentCount -= width
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
