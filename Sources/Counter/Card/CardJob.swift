import Foundation

/// Work that talks to the EC terminal — a card payment, the card part of a storno — on its own
/// thread while the screen polls. The job is the one owner of the run: it starts the thread,
/// listens to the terminal's texts while it runs, forwards the clerk's abort, and keeps the result.
// @unchecked Sendable: `texts` and `result` are only touched under `lock`; `terminal` is used only for `listenForStatus` and `abortRunningCommand`, which a CardTerminal allows from any thread.
public final class CardJob<Outcome: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    private var result: Result<Outcome, Error>?
    private let terminal: CardTerminal?

    /// Starts `work` on a new thread named `name`.
    public init(terminal: CardTerminal?, name: String, work: @escaping @Sendable () throws -> Outcome) {
        self.terminal = terminal
        terminal?.listenForStatus { [weak self] text in
            guard let self else { return }
            self.lock.withLock { if self.texts.last != text { self.texts.append(text) } }
        }
        let thread = Thread { [self] in
            let outcome: Result<Outcome, Error>
            do { outcome = .success(try work()) } catch { outcome = .failure(error) }
            self.terminal?.listenForStatus(nil)
            lock.withLock { result = outcome }
        }
        thread.name = name
        thread.start()
    }

    /// The terminal's texts so far and the result, once there is one.
    public var progress: (texts: [String], result: Result<Outcome, Error>?) { lock.withLock { (texts, result) } }

    /// Asks the terminal to abort; the result still comes from the terminal.
    public func abort() { terminal?.abortRunningCommand() }
}
