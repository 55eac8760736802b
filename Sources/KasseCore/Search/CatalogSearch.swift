#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds catalogue items by code or words as the clerk types, case- and umlaut-insensitive,
/// ranked. Built once per catalogue:
/// - a sorted table of every word (code, name, variant names, keywords, category), so a word
///   start is found by binary search whatever the catalogue's size;
/// - a trigram index over each item's folded text, for matches inside a word (German
///   compounds: "zeugnis" in "Führungszeugnis"), only for query words of 3+ letters: the
///   rarest trigram's items are the candidates, each checked in its own text.
public struct CatalogSearch: Sendable {
    /// A found item and why it ranks where it does (higher is better).
    public struct Hit: Sendable, Equatable {
        public let itemIndex: Int
        public let score: Int
    }

    private struct Token: Sendable {
        let start: Int32
        let length: Int32
        let item: Int32
        let inName: Bool
    }

    private let items: [TariffItem]
    /// Folded codes, for exact and prefix code matches.
    private let codes: [[UInt8]]
    /// All tokens' bytes; `tokens` point into it, sorted by their bytes.
    private let tokenBytes: [UInt8]
    private let tokens: [Token]
    /// All items' folded texts, each as " code name keywords category ", concatenated.
    private let text: [UInt8]
    /// Start offset of each item's text in `text` (ascending), plus the end.
    private let starts: [Int]
    /// Trigram (3 folded bytes) → ascending indexes of the items whose text contains it.
    private let trigrams: [UInt32: [Int32]]

    public init(catalog: TariffCatalog) { self.init(items: catalog.items) }

    public init(items: [TariffItem]) {
        self.items = items
        var codes: [[UInt8]] = []
        var text: [UInt8] = [32]
        var starts: [Int] = []
        var tokenBytes: [UInt8] = []
        var tokens: [Token] = []
        for (index, item) in items.enumerated() {
            starts.append(text.count - 1)
            let code = SearchText.fold(item.code)
            codes.append(code)
            func add(_ folded: [UInt8], inName: Bool) {
                text += folded + [32]
                for word in folded.split(separator: 32) {
                    tokens.append(Token(start: Int32(tokenBytes.count), length: Int32(word.count), item: Int32(index), inName: inName))
                    tokenBytes += word
                }
            }
            add(code, inName: true)
            add(SearchText.fold(item.name), inName: true)
            for variant in item.variants where !variant.name.isEmpty { add(SearchText.fold(variant.name), inName: true) }
            for keyword in item.keywords { add(SearchText.fold(keyword), inName: false) }
            add(SearchText.fold(item.category), inName: false)
        }
        starts.append(text.count)
        var trigrams: [UInt32: [Int32]] = [:]
        for index in items.indices {
            var seen = Set<UInt32>()
            let segment = text[starts[index]..<starts[index + 1]]
            var iterator = segment.makeIterator()
            var key: UInt32 = 0
            var count = 0
            while let byte = iterator.next() {
                key = ((key << 8) | UInt32(byte)) & 0xFF_FFFF
                count += 1
                if count >= 3, seen.insert(key).inserted { trigrams[key, default: []].append(Int32(index)) }
            }
        }
        self.trigrams = trigrams
        tokenBytes.withUnsafeBufferPointer { bytes in
            tokens.sort { a, b in
                let n = Int(min(a.length, b.length))
                let c = memcmp(bytes.baseAddress! + Int(a.start), bytes.baseAddress! + Int(b.start), n)
                return c != 0 ? c < 0 : (a.length != b.length ? a.length < b.length : a.item < b.item)
            }
        }
        self.codes = codes
        self.text = text
        self.starts = starts
        self.tokenBytes = tokenBytes
        self.tokens = tokens
    }

    /// The items matching every word of `query`, best first, at most `limit`.
    ///
    /// Each query word must match a word start (or, from 3 letters on, the inside of a word).
    /// Ranking: exact code (1000) > code prefix (500) > word start in the name or variant
    /// (100) > word start in keywords or category (40) > inside a word (10); ties keep
    /// catalogue order.
    public func search(_ query: String, limit: Int = 50) -> [Hit] {
        let whole = SearchText.fold(query)
        let words = whole.split(separator: 32).map(Array.init)
        guard !words.isEmpty, !items.isEmpty else { return [] }
        var scores = [Int](repeating: 0, count: items.count)
        var matchedWords = [Int32](repeating: 0, count: items.count)
        var best = [Int](repeating: 0, count: items.count)
        var touched: [Int] = []
        for (w, word) in words.enumerated() {
            touched.removeAll(keepingCapacity: true)
            func offer(_ item: Int, _ score: Int) {
                guard matchedWords[item] == Int32(w) else { return }
                if best[item] == 0 { touched.append(item) }
                if score > best[item] { best[item] = score }
            }
            word.withUnsafeBufferPointer { needle in
                tokenBytes.withUnsafeBufferPointer { bytes in
                    // Word starts: the sorted range of tokens having `word` as prefix.
                    var index = lowerBound(needle, bytes)
                    while index < tokens.count {
                        let t = tokens[index]
                        guard Int(t.length) >= needle.count,
                            memcmp(bytes.baseAddress! + Int(t.start), needle.baseAddress!, needle.count) == 0
                        else { break }
                        offer(Int(t.item), t.inName ? 100 : 40)
                        index += 1
                    }
                }
                // Inside words, for 3+ letters: candidates from the rarest trigram.
                if needle.count >= 3 {
                    var rarest: [Int32]? = nil
                    for i in 0...(needle.count - 3) {
                        let key = UInt32(needle[i]) << 16 | UInt32(needle[i + 1]) << 8 | UInt32(needle[i + 2])
                        guard let list = trigrams[key] else {
                            rarest = []
                            break
                        }
                        if rarest == nil || list.count < rarest!.count { rarest = list }
                    }
                    text.withUnsafeBufferPointer { hay in
                        for candidate in rarest ?? [] {
                            let item = Int(candidate)
                            guard matchedWords[item] == Int32(w), best[item] < 10 else { continue }
                            let end = starts[item + 1]
                            let segment = UnsafeBufferPointer(rebasing: hay[0..<end])
                            var offset = starts[item]
                            while let position = CatalogSearch.find(needle, in: segment, from: offset) {
                                if hay[position - 1] != 32 {
                                    offer(item, 10)
                                    break
                                }
                                offset = position + 1
                            }
                        }
                    }
                }
            }
            for item in touched {
                scores[item] += best[item]
                best[item] = 0
                matchedWords[item] = Int32(w + 1)
            }
        }
        var hits: [Hit] = []
        for item in touched where matchedWords[item] == Int32(words.count) {
            var score = scores[item]
            if codes[item] == whole { score += 1000 } else if codes[item].starts(with: whole) { score += 500 }
            hits.append(Hit(itemIndex: item, score: score))
        }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.itemIndex < $1.itemIndex }
        return Array(hits.prefix(limit))
    }

    /// The items matching `query`, best first.
    public func items(matching query: String, limit: Int = 50) -> [TariffItem] {
        search(query, limit: limit).map { items[$0.itemIndex] }
    }

    /// The first token index whose bytes are ≥ `needle`.
    private func lowerBound(_ needle: UnsafeBufferPointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var low = 0
        var high = tokens.count
        while low < high {
            let mid = (low + high) / 2
            let t = tokens[mid]
            let n = min(Int(t.length), needle.count)
            let c = memcmp(bytes.baseAddress! + Int(t.start), needle.baseAddress!, n)
            if c < 0 || (c == 0 && Int(t.length) < needle.count) { low = mid + 1 } else { high = mid }
        }
        return low
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

}
