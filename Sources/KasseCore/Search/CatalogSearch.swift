#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds catalogue items by code or words as the clerk types, case- and umlaut-insensitive,
/// ranked. Built once per catalogue; each query scans one contiguous folded text with `memchr`,
/// so a 10,000-item catalogue answers every keystroke well under a millisecond (see the bench).
public struct CatalogSearch: Sendable {
    /// A found item and why it ranks where it does (higher is better).
    public struct Hit: Sendable, Equatable {
        public let itemIndex: Int
        public let score: Int
    }

    private let items: [TariffItem]
    /// Folded codes, for exact and prefix code matches.
    private let codes: [[UInt8]]
    /// All items' folded texts, each as " code name keywords category ", concatenated.
    private let text: [UInt8]
    /// Start offset of each item's text in `text` (ascending), plus the end.
    private let starts: [Int]
    /// Offset in each item's text where the name ends (matches in the name rank higher).
    private let nameEnds: [Int]

    public init(catalog: TariffCatalog) { self.init(items: catalog.items) }

    public init(items: [TariffItem]) {
        self.items = items
        var codes: [[UInt8]] = []
        var text: [UInt8] = [32]
        var starts: [Int] = []
        var nameEnds: [Int] = []
        for item in items {
            starts.append(text.count - 1)
            let code = SearchText.fold(item.code)
            codes.append(code)
            text += code + [32] + SearchText.fold(item.name)
            for variant in item.variants where !variant.name.isEmpty { text += [32] + SearchText.fold(variant.name) }
            nameEnds.append(text.count - starts.last!)
            for keyword in item.keywords { text += [32] + SearchText.fold(keyword) }
            text += [32] + SearchText.fold(item.category) + [32]
        }
        starts.append(text.count)
        self.codes = codes
        self.text = text
        self.starts = starts
        self.nameEnds = nameEnds
    }

    /// The items matching every word of `query`, best first, at most `limit`.
    ///
    /// Ranking: exact code (1000) > code prefix (500) > word start in the name (100) > word
    /// start in keywords or category (40) > inside a word, e.g. "zeugnis" in
    /// "Führungszeugnis" (10); ties keep catalogue order.
    public func search(_ query: String, limit: Int = 50) -> [Hit] {
        let words = SearchText.fold(query).split(separator: 32).map(Array.init)
        guard !words.isEmpty else { return [] }
        var scores = [Int](repeating: 0, count: items.count)
        var matchedWords = [UInt8](repeating: 0, count: items.count)
        let whole = SearchText.fold(query)
        text.withUnsafeBufferPointer { hay in
            for (w, word) in words.enumerated() {
                word.withUnsafeBufferPointer { needle in
                    var offset = 0
                    var lastItem = -1
                    var bestForItem = 0
                    func flush() {
                        if lastItem >= 0, matchedWords[lastItem] == UInt8(w) {
                            matchedWords[lastItem] = UInt8(w + 1)
                            scores[lastItem] += bestForItem
                        }
                    }
                    while offset < hay.count {
                        guard let position = CatalogSearch.find(needle, in: hay, from: offset) else { break }
                        let item = itemIndex(containing: position)
                        if item != lastItem { flush(); lastItem = item; bestForItem = 0 }
                        let atWordStart = hay[position - 1] == 32
                        let inName = position - starts[item] < nameEnds[item]
                        let score = atWordStart ? (inName ? 100 : 40) : 10
                        bestForItem = max(bestForItem, score)
                        offset = position + 1
                    }
                    flush()
                }
            }
        }
        var hits: [Hit] = []
        for i in items.indices where matchedWords[i] == UInt8(words.count) {
            var score = scores[i]
            if codes[i] == whole { score += 1000 } else if codes[i].starts(with: whole) { score += 500 }
            hits.append(Hit(itemIndex: i, score: score))
        }
        // Stable: by score, then catalogue order.
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.itemIndex < $1.itemIndex }
        return Array(hits.prefix(limit))
    }

    /// The items matching `query`, best first.
    public func items(matching query: String, limit: Int = 50) -> [TariffItem] {
        search(query, limit: limit).map { items[$0.itemIndex] }
    }

    /// The first offset ≥ `start` where `needle` occurs in `hay` (memchr for the first byte, then compare).
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = needle.count
        guard n > 0 else { return nil }
        let first = Int32(needle[0])
        var offset = start
        while offset + n <= hay.count {
            guard let hit = memchr(hay.baseAddress! + offset, first, hay.count - offset - n + 1) else { return nil }
            let position = hay.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if n == 1 || memcmp(hay.baseAddress! + position + 1, needle.baseAddress! + 1, n - 1) == 0 { return position }
            offset = position + 1
        }
        return nil
    }

    private func itemIndex(containing position: Int) -> Int {
        // Last start <= position.
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= position { low = mid } else { high = mid - 1 }
        }
        return min(low, items.count - 1)
    }
}
