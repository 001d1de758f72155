package import ArgumentParser
import Foundation
import TemplateTrackBase

package struct WatchCommand: NetworkCommand {
    package static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Sync now and then every interval, until stopped (for machines without cron).",
        discussion: """
            Each round is a sync as `sync` runs it (quiet unless something changed or failed), with the configured \
            notifications. SIGINT or SIGTERM stops it cleanly: a download in progress is removed and nothing half \
            recorded is kept.
            """)

    @Option(help: ArgumentHelp("How often: e.g. 90s, 30m, 6h, 1d.", valueName: "interval"))
    package var every: String

    @Flag(help: "Stop after the first round (for testing a setup).")
    package var once = false

    @OptionGroup package var sync: SyncCommand

    package func validate() throws {
        guard let seconds = Self.seconds(every), (1...Self.longestInterval).contains(seconds) else {
            throw ValidationError("--every '\(every)' is not an interval from 1s to 366d, such as 90s, 30m, 6h or 1d")
        }
        if sync.exitCode && !once { throw ValidationError("--exit-code goes with --once: watch runs until it is stopped") }
    }

    package static let longestInterval = 366 * 86_400

    /// `90s`, `30m`, `6h`, `1d`, or plain seconds.
    package static func seconds(_ text: String) -> Int? {
        guard let match = text.wholeMatch(of: /(\d+)\s*([smhd]?)/), let number = Int(match.1) else { return nil }
        let (seconds, overflow) = number.multipliedReportingOverflow(
            by: ["": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400][String(match.2)] ?? 1)
        return overflow ? nil : seconds
    }

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
