import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TemplateTrackBase
import TemplateTrackCommandLine
import TemplateTrackSync

extension WatchCommand {
    func runHere() async throws {
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
