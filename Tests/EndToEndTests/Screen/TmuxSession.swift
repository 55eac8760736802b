import Foundation
import XCTest

/// The real `webkasse` binary in a detached tmux session of a fixed size, driven by `send-keys`
/// and read by polling `capture-pane` until the expected text appears (as fzf's test suite does).
///
/// Each session runs on its own tmux server socket with no user configuration, so tests
/// neither see nor disturb the developer's tmux.
final class TmuxSession {
    let socket: String
    let name = "kasse"
    private(set) var keysSent = 0

    static var tmuxPath: String? {
        for directory in ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/bin"] {
            let path = directory + "/tmux"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Starts `command` in a new `width`×`height` session; skips the test when tmux is missing.
    init(command: [String], environment: [String: String] = [:], width: Int = 80, height: Int = 24) throws {
        guard Self.tmuxPath != nil else { throw XCTSkip("tmux ist nicht installiert") }
        socket = "webkasse-e2e-\(UUID().uuidString.prefix(8))"
        var env = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"]
        env.merge(environment) { $1 }
        let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
        let shellCommand =
            "env " + assignments.joined(separator: " ") + " " + command.map(Self.quote).joined(separator: " ")
            + "; echo \"[Ende: $?]\"; sleep 30"
        // The server this starts keeps the standard output it inherits: give it none, or reading
        // the pipe would wait for the server to end.
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), shellCommand], captureOutput: false)
    }

    private var closed = false

    /// Ends the session's tmux server (and with it the program) and removes the socket file tmux
    /// leaves behind. The tests call it in `tearDown`, also after a failure.
    func close() {
        guard !closed else { return }
        closed = true
        _ = try? tmux(["kill-server"])
        let directory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(directory)/tmux-\(getuid())/\(socket)")
    }

    deinit { close() }

    /// The process id of the program the session runs (the child of the pane's shell), for a test
    /// that kills exactly it.
    func programPID() throws -> pid_t? {
        let shell = try tmux(["list-panes", "-t", name, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    /// Waits until `text` is no longer on the screen.
    func waitForGone(_ text: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if !screen.contains(text) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("»\(text)« blieb länger als \(timeout) s. Bildschirm:\n\(screen)", file: file, line: line)
    }

    static func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @discardableResult
    private func tmux(_ arguments: [String], captureOutput: Bool = true) throws -> String {
        let (status, text) = try spawnAndWait(Self.tmuxPath!, ["-L", socket] + arguments)
        guard status == 0 else {
            throw NSError(domain: "tmux", code: Int(status), userInfo: [NSLocalizedDescriptionKey: "tmux \(arguments.joined(separator: " ")): \(text)"])
        }
        return text
    }

    /// Sends named keys (`"Enter"`, `"F5"`, `"Escape"`, `"C-c"`), each counted as one keystroke.
    func press(_ keys: String...) throws {
        for key in keys {
            try tmux(["send-keys", "-t", name, key])
            keysSent += 1
        }
    }

    /// Types `text` literally; each character counts as one keystroke.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", name, "-l", "--", text])
        keysSent += text.count
    }

    func resetKeyCount() { keysSent = 0 }

    /// The visible screen now.
    func capture() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

    /// Polls until `text` is on screen; fails with the screen when `timeout` passes.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if screen.contains(text) {
                // The text can show while the rest of the screen is still being drawn (ncurses
                // updates in pieces): return only a settled screen, two equal captures in a row.
                Thread.sleep(forTimeInterval: 0.05)
                let again = try capture()
                if again == screen { return screen }
                continue
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("»\(text)« erschien nicht binnen \(timeout) s. Bildschirm:\n\(screen)", file: file, line: line)
        throw ScreenTimeout(text: text)
    }

    /// The hardware cursor now: column and row (`tmux display -p '#{cursor_x} #{cursor_y}'`).
    func cursor() throws -> String {
        try tmux(["display", "-p", "-t", name, "#{cursor_x} #{cursor_y}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Sends `keys` (named tmux keys, or literal text when `literal`), waits for `text`, then
    /// checks the cursor is at `cursor` ("column row"), so a screen reader follows every step.
    func step(
        _ keys: [String], literal: Bool = false, waitFor text: String, cursor expected: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        if literal {
            for key in keys { try type(key) }
        } else {
            for key in keys { try press(key) }
        }
        try waitFor(text, file: file, line: line)
        XCTAssertEqual(try cursor(), expected, "Cursor nach \(keys) bei »\(text)«", file: file, line: line)
    }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }
}

struct ScreenTimeout: Error, CustomStringConvertible {
    let text: String
    var description: String { "Bildschirm zeigte »\(text)« nicht rechtzeitig." }
}

/// Runs `path` with `arguments`, waits for it, and returns its status and output.
///
/// posix_spawn + waitpid rather than Foundation's `Process`: `tmux new-session` leaves a daemon
/// that inherits the descriptors `Process` watches, and `Process` then never sees the exit.
func spawnAndWait(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString)").path
    defer { unlink(outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
    guard spawned == 0 else { throw NSError(domain: "posix_spawn", code: Int(spawned)) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
}

/// The built binaries in the package's `.build/debug`.
enum Binaries {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found")
    }()

    static func path(_ name: String) throws -> String {
        let path = root.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("\(path) fehlt: erst `swift build` ausführen")
        }
        return path
    }

    /// Runs a binary to completion and returns its exit status and output.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(name))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
