/// Fixed-width text lines for receipts and reports (Bon, X and Z report): the one place that
/// knows the receipt width and how two columns share a line.
public enum TextLayout {
    /// 42 characters: one line of an 80 mm receipt printer in its normal font.
    public static let receiptWidth = 42

    /// `left` and `right` on one line of `width` characters, padded between. When too long,
    /// `left` is shortened with `…` so that the amount stays readable (reports).
    public static func columns(_ left: String, _ right: String, width: Int = receiptWidth) -> String {
        if right.isEmpty { return left.count > width ? String(left.prefix(width - 1)) + "…" : left }
        let room = width - right.count - 1
        var shownLeft = left
        if shownLeft.count > room {
            shownLeft = room > 1 ? String(shownLeft.prefix(room - 1)) + "…" : ""
        }
        return shownLeft + String(repeating: " ", count: max(1, width - shownLeft.count - right.count)) + right
    }

    /// `left` and `right` on one line, right-aligned; on two lines when they do not fit
    /// (receipts: nothing is cut).
    public static func pair(_ left: String, _ right: String, width: Int = receiptWidth) -> String {
        let space = width - left.count - right.count
        if space >= 1 { return left + String(repeating: " ", count: space) + right }
        return left + "\n" + String(repeating: " ", count: max(0, width - right.count)) + right
    }

    /// `text` centred (left padding only).
    public static func center(_ text: String, width: Int = receiptWidth) -> String {
        let pad = max(0, (width - text.count) / 2)
        return String(repeating: " ", count: pad) + text
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
