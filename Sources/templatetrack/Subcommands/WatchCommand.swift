import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TemplateTrackBase

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Sync now and then every interval, until stopped (for machines without cron).",
        discussion: """
            Each round is a sync as `sync` runs it (quiet unless something changed or failed), with the configured \
            notifications. SIGINT or SIGTERM stops it cleanly: a download in progress is removed and nothing half \
            recorded is kept.
            """)

    @Option(help: ArgumentHelp("How often: e.g. 90s, 30m, 6h, 1d.", valueName: "interval"))
    var every: String

    @Flag(help: "Stop after the first round (for testing a setup).")
    var once = false

    @OptionGroup var sync: SyncCommand

    func validate() throws {
        guard let seconds = Self.seconds(every), (1...Self.longestInterval).contains(seconds) else {
            throw ValidationError("--every '\(every)' is not an interval from 1s to 366d, such as 90s, 30m, 6h or 1d")
        }
        if sync.exitCode && !once { throw ValidationError("--exit-code goes with --once: watch runs until it is stopped") }
    }

    static let longestInterval = 366 * 86_400

    func run() async throws {
        let interval = Duration.seconds(Self.seconds(every) ?? 3600)
        let round = WatchRounds(sync: sync, interval: interval, once: once)
        var logger = Logger(label: "templatetrack.watch")
        logger.logLevel = .critical
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: round, successTerminationBehavior: .gracefullyShutdownGroup)],
                logger: logger))
        // The signal is noted first, then the group shuts down gracefully, so the exit status
        // always says which signal stopped it.
        Interruption.onInterrupt { Task { await group.triggerGracefulShutdown() } }
        do {
            try await group.run()
        } catch {
            if Interruption.isInterrupted { throw TemplateTrackError(.cancelled, "interrupted") }
            throw error
        }
        if Interruption.isInterrupted { throw TemplateTrackError(.cancelled, "interrupted") }
        if round.lastFailed.withLock({ $0 }) { throw ExitCode(2) }
        if sync.exitCode && round.lastChanged.withLock({ $0 }) { throw ExitCode(1) }
    }

    /// `90s`, `30m`, `6h`, `1d`, or plain seconds.
    static func seconds(_ text: String) -> Int? {
        guard let match = text.wholeMatch(of: /(\d+)\s*([smhd]?)/), let number = Int(match.1) else { return nil }
        let (seconds, overflow) = number.multipliedReportingOverflow(
            by: ["": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400][String(match.2)] ?? 1)
        return overflow ? nil : seconds
    }
}

import Synchronization

/// The watch loop as a service: a round, then a wait that a shutdown cuts short. A round that
/// fails is reported on standard error and the loop goes on (`--once` exits with its error).
final class WatchRounds: Service, Sendable {
    let sync: SyncCommand
    let interval: Duration
    let once: Bool
    let lastFailed = Mutex(false)
    let lastChanged = Mutex(false)

    init(sync: SyncCommand, interval: Duration, once: Bool) {
        self.sync = sync
        self.interval = interval
        self.once = once
    }

    static func say(_ error: any Error) {
        let time = Date().formatted(.iso8601)
        if let error = error as? TemplateTrackError {
            note("templatetrack watch: \(time): this round failed: \(error); trying again at the next")
        } else {
            note("templatetrack watch: \(time): this round failed: \(error.localizedDescription); trying again at the next")
        }
    }

    func run() async throws {
        var command = sync
        command.quiet = true
        let round = command
        while true {
            do {
                let result = try await cancelWhenGracefulShutdown { try await round.perform() }
                lastFailed.withLock { $0 = result.failed }
                lastChanged.withLock { $0 = result.changed }
            } catch {
                // A stop request ends the loop; anything else (the network, a locked history, an
                // unreadable password file) fails this round only: said, and tried again next time.
                if Interruption.isInterrupted || error is CancellationError { throw error }
                if once { throw error }
                Self.say(error)
                lastFailed.withLock { $0 = true }
            }
            // Each round opens the history afresh: close it, or a long watch runs out of files.
            OpenHistories.closeAll()
            if once { return }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return  // asked to stop while waiting
            }
        }
    }
}
