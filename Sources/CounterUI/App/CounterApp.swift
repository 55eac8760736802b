import Foundation

/// The counter application: runs the screen stack on a real terminal until the clerk quits.
public final class CounterApp {
    public struct Options: Sendable {
        /// Lock the screen after this long without a key (`nil`: never).
        public var lockAfterSeconds: Double?
        public var theme: Theme
        /// The office's time zone, for the clock in the status line.
        public var timeZone: TimeZone
        public init(lockAfterSeconds: Double? = 300, theme: Theme = .colour, timeZone: TimeZone = .current) {
            self.lockAfterSeconds = lockAfterSeconds
            self.theme = theme
            self.timeZone = timeZone
        }
    }

    public let stack: ScreenStack
    public let flow: CounterFlow
    let options: Options

    public init(backend: CounterBackend, options: Options) {
        stack = ScreenStack(status: backend.status)
        stack.timeZone = options.timeZone
        flow = CounterFlow(backend: backend)
        self.options = options
        flow.start(stack: stack)
    }

    /// Takes over the terminal until the clerk quits; restores it on every way out.
    public func run() throws {
        let terminal = try CursesTerminal(theme: options.theme)
        defer { terminal.close() }
        var lastKey = Date()
        var dirty = true
        while !stack.quitRequested {
            if dirty {
                let size = terminal.size
                var grid = ScreenGrid(width: size.width, height: size.height)
                stack.render(into: &grid)
                terminal.draw(grid)
                dirty = false
            }
            if let key = terminal.readKey(timeoutMs: 200) {
                lastKey = Date()
                switch key {
                case .resize:
                    terminal.invalidate()
                default:
                    stack.handle(key)
                }
                dirty = true
            } else {
                if stack.tick() { dirty = true }
                if flow.reportPrinterProblems(stack: stack) { dirty = true }
                if flow.refreshTerminalLight(stack: stack) { dirty = true }
                if flow.refreshCatalog(stack: stack) { dirty = true }
                if flow.lockIfIdle(stack: stack, idleSeconds: Date().timeIntervalSince(lastKey), limitSeconds: options.lockAfterSeconds) {
                    dirty = true
                }
                // The clock in the status line.
                if Calendar.current.component(.second, from: Date()) == 0 { dirty = true }
            }
        }
    }
}
