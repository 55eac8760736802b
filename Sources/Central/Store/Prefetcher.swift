import Foundation

/// Reads chunks on a thread of its own, up to two ahead of the caller: the server answers the
/// next queries while the caller checks or converts the chunk before (`central verify --rows`,
/// `central export`). `read` runs on that thread alone until it returned nil or threw, so the
/// connection it uses is that thread's alone until then (hence `@unchecked Sendable`). A caller
/// that stops before the end calls ``cancel()``: the thread ends after the chunk it is reading.
final class Prefetcher<Chunk>: @unchecked Sendable {
    private let read: () throws -> Chunk?
    private let condition = NSCondition()
    /// Read but not yet taken; `nil` marks the end.
    private var ready: [Result<Chunk?, Error>] = []
    private var finished = false
    private var cancelled = false

    init(_ read: @escaping () throws -> Chunk?) {
        self.read = read
        let thread = Thread { [self] in self.readAll() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The next chunk in order, nil after the last.
    func next() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        if finished { return nil }
        while ready.isEmpty { condition.wait() }
        let result = ready.removeFirst()
        condition.broadcast()
        switch result {
        case .success(let chunk):
            if chunk == nil { finished = true }
            return chunk
        case .failure(let error):
            finished = true
            throw error
        }
    }

    /// No further chunks are read (the caller stopped early).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func readAll() {
        while true {
            condition.lock()
            let stop = cancelled
            condition.unlock()
            if stop { return }
            let result = Result<Chunk?, Error> { try read() }
            condition.lock()
            while ready.count >= 2 && !cancelled { condition.wait() }
            ready.append(result)
            condition.broadcast()
            condition.unlock()
            guard case .success(.some) = result else { return }
        }
    }
}
