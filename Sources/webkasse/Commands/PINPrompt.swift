import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads PINs for `webkasse operator …`: from the terminal without echo, or one per line from
/// standard input when it is not a terminal (scripts, tests). A PIN is never printed or logged.
enum PINPrompt {
    /// The terminal settings to restore if the user presses Ctrl-C while echo is off.
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var echoOff = false

    struct NoInput: Error, CustomStringConvertible {
        let what: String
        var description: String { "Keine Eingabe für \(what): die Eingabe endete vorher." }
    }

    /// Asks for one line: a PIN (without echo) or, with `echo`, normal text.
    static func read(_ prompt: String, echo: Bool = false) throws -> String {
        let interactive = isatty(0) == 1
        if interactive {
            FileHandle.standardError.write(Data(prompt.utf8))
        }
        if interactive && !echo {
            var settings = termios()
            tcgetattr(0, &settings)
            saved = settings
            echoOff = true
            signal(SIGINT) { _ in
                if PINPrompt.echoOff { tcsetattr(0, TCSANOW, &PINPrompt.saved) }
                _exit(130)
            }
            settings.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &settings)
        }
        let line = readLine(strippingNewline: true)
        if interactive && !echo {
            tcsetattr(0, TCSANOW, &saved)
            echoOff = false
            signal(SIGINT, SIG_DFL)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line else { throw NoInput(what: prompt.trimmingCharacters(in: CharacterSet(charactersIn: ": "))) }
        return line
    }
}
