import TemplateTrackCommandLine
import TemplateTrackSync
import Foundation
import Synchronization
import TemplateTrack
import TemplateTrackBase
import TemplateTrackFetcher

/// The table `sync` and the demo print: one row per workspace.
func syncOutcomesText(_ outcomes: [WorkspaceOutcome], style: Style) -> String {
    var table = TextTable(["WORKSPACE", "NAME", "FILES", "SNAPSHOT", "RESULT"], rightAligned: [2, 3])
    for outcome in outcomes {
        let id = "\(outcome.workspace.workspaceId)"
        let name = outcome.workspace.name ?? ""
        if let snapshot = outcome.snapshot {
            let result: String
            if let previous = snapshot.previous {
                result =
                    snapshot.changed
                    ? style.yellow("changed since snapshot \(previous)")
                    : "unchanged (same contents as snapshot \(previous))"
            } else {
                result = style.green("recorded (first snapshot)")
            }
            table.add([id, name, "\(snapshot.fileCount)", "\(snapshot.id)", result])
        } else {
            table.add([id, name, "", "", style.red("failed: \(outcome.error.map(\.message) ?? "")")])
        }
    }
    return table.render(style: style).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
}

/// Progress of a sync on standard error: one line, redrawn, on a terminal only (or plain lines
/// when asked with `--verbose`): workspace i of n, bytes, rate and time left.
final class SyncProgress: Sendable {
    private struct State {
        /// Each download's place in the list: several run at once.
        var positions: [Int: Int] = [:]
        var count = 0
        var started: [Int: ContinuousClock.Instant] = [:]
        var lastDraw = ContinuousClock.now - .seconds(1)
        var drawn = false
    }

    private let state = Mutex(State())
    private let terminal: Bool
    private let verbose: Bool

    init(verbose: Bool) {
        terminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        self.verbose = verbose
    }

    var isSilent: Bool { !terminal && !verbose }

    func handle(_ event: SyncEvent) {
        // A failure is not progress: it is always said, on its own line.
        if case .finished(let outcome) = event, let error = outcome.error {
            return line("\(error)")
        }
        guard !isSilent else { return }
        switch event {
        case .listing(let server):
            line("listing workspaces at \(server.absoluteString)")
        case .listed(let count):
            state.withLock { $0.count = count }
        case .downloadStarted(let workspace, let position, let count):
            state.withLock {
                $0.positions[workspace] = position
                $0.count = count
                $0.started[workspace] = .now
            }
            if verbose && !terminal { line("workspace \(workspace) (\(position) of \(count)): downloading") }
        case .downloadProgress(let progress):
            guard terminal else { return }
            let text: String? = state.withLock { state in
                guard ContinuousClock.now - state.lastDraw > .milliseconds(100) else { return nil }
                state.lastDraw = .now
                let elapsed = state.started[progress.workspace].map { ContinuousClock.now - $0 } ?? .zero
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = seconds > 0 ? Double(progress.bytes) / seconds : 0
                let position = state.positions[progress.workspace].map(String.init) ?? "?"
                var text = "workspace \(progress.workspace) (\(position) of \(state.count)): \(ByteCount.format(progress.bytes))"
                if let expected = progress.expected, expected > 0 {
                    text += " of \(ByteCount.format(expected))"
                    if rate > 0 {
                        let left = Int(Double(expected - progress.bytes) / rate)
                        text += ", \(ByteCount.format(Int64(rate)))/s, \(left / 60):\(String(format: "%02d", left % 60)) left"
                    }
                } else if rate > 0 {
                    text += ", \(ByteCount.format(Int64(rate)))/s"
                }
                return text
            }
            if let text { draw(text) }
        case .recording(let workspace, let bytes):
            if terminal { draw("workspace \(workspace): recording \(ByteCount.format(bytes))") } else { line("workspace \(workspace): recording \(bytes) bytes") }
        case .finished:
            break
        }
    }

    /// Clears the progress line before the final output.
    func finish() {
        guard terminal else { return }
        let drawn = state.withLock { $0.drawn }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func draw(_ text: String) {
        state.withLock { $0.drawn = true }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(TerminalText.safe(text, keepColour: false))".utf8))
    }

    private func line(_ text: String) {
        finish()
        note(text)
    }
}
