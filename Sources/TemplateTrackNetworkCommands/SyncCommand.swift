import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackFetcher
import TemplateTrackNotifications
import TemplateTrackCommandLine
import TemplateTrackSync

extension SyncCommand {
    func runHere() async throws {
        let result = try await perform()
        if result.failed { throw ExitCode(2) }
        if exitCode && result.changed { throw ExitCode(1) }
    }

    /// One sync, printed and notified; shared with `watch`.
    func perform() async throws -> (changed: Bool, failed: Bool) {
        var fetch = FetchOptions(
            connectTimeout: .seconds(connectTimeout), idleTimeout: .seconds(idleTimeout), deadline: .seconds(deadline),
            maxAttempts: maxAttempts)
        if let size = Configuration.current.maxDownloadSize { fetch.maxDownloadSize = size }
        if let maxDownloadSize { fetch.maxDownloadSize = try size(maxDownloadSize, "--max-download-size") }
        let request = SyncRequest(
            endpoints: try server.endpoints(), credentials: try server.credentials(),
            workspaces: workspaces.isEmpty ? (Configuration.current.workspaces ?? []) : workspaces,
            api: api ?? Configuration.current.api ?? .upload, fetch: fetch,
            ingest: IngestOptions(limits: try limits.limits(), isCancelled: { Interruption.isInterrupted }),
            concurrency: concurrency)
        let history = try database.open(.create)
        let progress = SyncProgress(verbose: verbose)
        let report: SyncReport
        do {
            report = try await Interruption.cancellable {
                try await Sync.run(request, into: history, events: { progress.handle($0) })
            }
        } catch {
            progress.finish()
            history.discardIfUnused()
            if Interruption.isInterrupted || error is CancellationError { throw TemplateTrackError(.cancelled, "interrupted") }
            throw error
        }
        progress.finish()
        if report.outcomes.allSatisfy({ $0.snapshot == nil }) { history.discardIfUnused() }
        if Interruption.isInterrupted { throw TemplateTrackError(.cancelled, "interrupted") }
        let changed = report.outcomes.contains { $0.snapshot?.changed == true && $0.snapshot?.previous != nil }
        var failed = report.outcomes.contains { $0.error != nil }
        if output.json {
            try printJSON(report.outcomes.map(SyncOutcomeJSON.init))
        } else if !quiet || changed || failed {
            print(syncOutcomesText(report.outcomes, style: .forStandardOutput()))
        }
        if !report.notVisible.isEmpty && (!quiet || changed || failed) {
            note(
                "note: the account no longer sees workspace\(report.notVisible.count == 1 ? "" : "s") "
                    + report.notVisible.map(String.init).joined(separator: ", ") + "; their history is kept")
        }
        let targets = Configuration.current.notify
        if !noNotify, !targets.isEmpty,
            let notification = try ChangeNotification.build(for: report.outcomes.compactMap(\.snapshot), in: history)
        {
            for failure in await NotificationDelivery.deliver(notification, to: targets) {
                note("templatetrack: error: \(failure) (the snapshots are recorded)")
                failed = true
            }
        }
        return (changed, failed)
    }
}

/// `sync --json`: one object per workspace; `snapshot`, `changed` and `previous` only when one
/// was recorded (`previous` null for a series' first), `error` only when it failed.
struct SyncOutcomeJSON: Encodable {
    var workspace: Int
    var name: String?
    var snapshot: Int?
    var changed: Bool?
    var previous: Int?
    var error: String?

    init(_ outcome: WorkspaceOutcome) {
        workspace = outcome.workspace.workspaceId
        name = outcome.workspace.name
        snapshot = outcome.snapshot?.id
        changed = outcome.snapshot?.changed
        previous = outcome.snapshot?.previous
        error = outcome.error?.description
    }

    enum CodingKeys: String, CodingKey { case workspace, name, snapshot, changed, previous, error }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workspace, forKey: .workspace)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(error, forKey: .error)
        guard let snapshot else { return }
        try container.encode(snapshot, forKey: .snapshot)
        try container.encodeIfPresent(changed, forKey: .changed)
        try container.encode(previous, forKey: .previous)
    }
}
