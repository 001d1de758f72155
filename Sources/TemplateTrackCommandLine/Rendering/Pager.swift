import Foundation

/// Long output on a terminal goes through `$PAGER` (default `less -FRX`); anything else is
/// printed as it is.
package enum Pager {
    package static func show(_ text: String, long: Bool) {
        let environment = ProcessInfo.processInfo.environment
        guard long, isatty(STDOUT_FILENO) == 1, environment["TERM"] != "dumb",
            text.reduce(0, { $0 + ($1 == "\n" ? 1 : 0) }) > terminalRows()
        else { return print(text) }
        let command = environment["PAGER"].flatMap { $0.isEmpty ? nil : $0 } ?? "less -FRX"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardInput = pipe
        do {
            try process.run()
        } catch {
            return print(text)
        }
        // Quitting the pager early closes the pipe: that ends the output, not the process.
        signal(SIGPIPE, SIG_IGN)
        let safe = TerminalText.safe(text, keepColour: Style.forStandardOutput().colour) + "\n"
        try? pipe.fileHandleForWriting.write(contentsOf: Data(safe.utf8))
        try? pipe.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private static func terminalRows() -> Int {
        var size = winsize()
        return ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_row > 0 ? Int(size.ws_row) : 24
    }
}
