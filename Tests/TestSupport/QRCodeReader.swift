import Foundation

/// Reads a QR code back with ZBar's `zbarimg` (Debian package zbar-tools, installed by
/// scripts/test): the modules are written as a PBM image and decoded by a reader that shares no
/// code with the encoder, so a test proves that what was drawn reads back as the exact text.
public enum QRCodeReader {
    /// Where `zbarimg` is, nil when it is not installed.
    public static let zbarimg: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/zbarimg" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether a missing `zbarimg` must fail the test instead of skipping it: on CI (`CI` set) it is installed.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// The text of the QR code drawn by `rows` (true = dark, the quiet zone included), each
    /// module `scale` pixels wide and high; nil when zbarimg finds no QR code in it.
    public static func read(rows: [[Bool]], scale: Int = 4) throws -> String? {
        guard let zbarimg else { throw ReaderMissing() }
        let directory = try TemporaryDirectory(prefix: "qr-read")
        defer { directory.remove() }
        let file = try directory.write(pbm(rows, scale: scale), to: "code.pbm")
        let result = try runProcess(zbarimg, ["--raw", "-q", "-Sbinary", "-Sdisable", "-Sqrcode.enable", file], timeoutSeconds: 30)
        guard result.status == 0 else { return nil }
        // --raw prints the data and a line feed after each symbol.
        return result.stdout.hasSuffix("\n") ? String(result.stdout.dropLast()) : result.stdout
    }

    /// The module rows that text drawn with half blocks (`▀` top, `▄` bottom, `█` both, space
    /// neither; two rows per line) shows; shorter lines are light to the right.
    public static func rows(fromHalfBlocks lines: [String]) -> [[Bool]] {
        let width = lines.map(\.count).max() ?? 0
        var rows: [[Bool]] = []
        for line in lines {
            let characters = Array(line) + Array(repeating: " ", count: width - line.count)
            rows.append(characters.map { $0 == "█" || $0 == "▀" })
            rows.append(characters.map { $0 == "█" || $0 == "▄" })
        }
        return rows
    }

    /// The module rows that text drawn with quadrant blocks (two rows and two columns of modules
    /// per character, `QRMatrix.quadrants`) shows; half blocks are quadrant blocks too.
    public static func rows(fromQuadrants lines: [String]) -> [[Bool]] {
        let width = lines.map(\.count).max() ?? 0
        var rows: [[Bool]] = []
        for line in lines {
            let characters = Array(line) + Array(repeating: " ", count: width - line.count)
            var top: [Bool] = []
            var bottom: [Bool] = []
            for character in characters {
                let bits = quadrantBits[character] ?? 0
                top += [bits & 8 != 0, bits & 4 != 0]
                bottom += [bits & 2 != 0, bits & 1 != 0]
            }
            rows += [top, bottom]
        }
        return rows
    }

    private static let quadrantBits: [Character: Int] = [
        " ": 0, "▗": 1, "▖": 2, "▄": 3, "▝": 4, "▐": 5, "▞": 6, "▟": 7, "▘": 8, "▚": 9, "▌": 10, "▙": 11, "▀": 12, "▜": 13, "▛": 14, "█": 15,
    ]

    /// A plain PBM (P1) image: 1 is black.
    static func pbm(_ rows: [[Bool]], scale: Int) -> String {
        let width = (rows.first?.count ?? 0) * scale
        var out = "P1\n\(width) \(rows.count * scale)\n"
        for row in rows {
            let line = row.map { $0 ? "1" : "0" }.flatMap { Array(repeating: $0, count: scale) }.joined(separator: " ")
            for _ in 0..<scale { out += line + "\n" }
        }
        return out
    }

    public struct ReaderMissing: Error, CustomStringConvertible {
        public var description: String { "zbarimg is not installed (apt-get install zbar-tools; scripts/test installs it)" }
    }
}
