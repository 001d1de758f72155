public import Foundation
public import TemplateTrackBase
public import TemplateTrackFetcher
public import TemplateTrackHistory
public import TemplateTrack

/// What happened to one workspace in a sync.
public struct WorkspaceOutcome: Sendable {
    public var workspace: Workspace
    /// The snapshot recorded, when the workspace succeeded.
    public var snapshot: Snapshot?
    /// Why it failed, when it did; other workspaces are unaffected.
    public var error: TemplateTrackError?

    public init(workspace: Workspace, snapshot: Snapshot? = nil, error: TemplateTrackError? = nil) {
        self.workspace = workspace
        self.snapshot = snapshot
        self.error = error
    }
}

/// What a sync did, for renderers and notifications.
public struct SyncReport: Sendable {
    /// One per workspace, in the order they were listed or asked for.
    public var outcomes: [WorkspaceOutcome]
    /// Workspaces with a series in the history that the account no longer sees.
    public var notVisible: [Int]
}

/// Progress of a sync, as it happens. Renderers decide what, if anything, to show.
public enum SyncEvent: Sendable {
    case listing(server: URL)
    case listed(count: Int)
    case downloadStarted(workspace: Int, position: Int, of: Int)
    case downloadProgress(DownloadProgress)
    case recording(workspace: Int, bytes: Int64)
    case finished(WorkspaceOutcome)
}

/// What to sync and how.
public struct SyncRequest: Sendable {
    public var endpoints: Endpoints
    public var credentials: Credentials
    /// Only these workspaces (empty: every workspace the account sees).
    public var workspaces: [Int]
    public var api: TemplateAPI
    public var fetch: FetchOptions
    public var ingest: IngestOptions
    /// Downloads at once; each has its own fresh token. Recording stays one at a time.
    public var concurrency: Int

    public init(
        endpoints: Endpoints, credentials: Credentials, workspaces: [Int] = [], api: TemplateAPI = .upload,
        fetch: FetchOptions = FetchOptions(), ingest: IngestOptions = IngestOptions(), concurrency: Int = 4
    ) {
        self.endpoints = endpoints
        self.credentials = credentials
        self.workspaces = workspaces
        self.api = api
        self.fetch = fetch
        self.ingest = ingest
        self.concurrency = max(1, concurrency)
    }
}

/// The pipeline's network half: list, download several at once, record one at a time.
public enum Sync {
    /// Downloads and records each workspace (one transaction each). A workspace that fails is
    /// reported in its outcome and does not stop the others; only a failure to list throws.
    public static func run(
        _ request: SyncRequest, into store: any HistoryWriter, events: @escaping @Sendable (SyncEvent) -> Void = { _ in }
    ) async throws -> SyncReport {
        let client = try ImmPortClient(endpoints: request.endpoints, credentials: request.credentials, options: request.fetch)
        do {
            let report = try await run(request, client: client, store: store, events: events)
            try await client.shutdown()
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func run(
        _ request: SyncRequest, client: ImmPortClient, store: any HistoryWriter,
        events: @escaping @Sendable (SyncEvent) -> Void
    ) async throws -> SyncReport {
        events(.listing(server: client.endpoints.server))
        let listed = try await client.workspaces()
        events(.listed(count: listed.count))
        var seen: Set<Int> = []
        let targets =
            request.workspaces.isEmpty
            ? listed
            : request.workspaces.filter { seen.insert($0).inserted }.map { id in
                listed.first { $0.workspaceId == id } ?? Workspace(workspaceId: id)
            }
        var notVisible: [Int] = []
        if request.workspaces.isEmpty {
            let visible = Set(listed.map(\.workspaceId))
            notVisible = try store.workspaces().filter { $0.apis.contains(request.api) && !visible.contains($0.workspace) }
                .map(\.workspace)
        }
        let run = try RunFolder.create()
        defer { run.remove() }
        let folder = URL(fileURLWithPath: run.path)

        var outcomes: [Int: WorkspaceOutcome] = [:]
        try await withThrowingTaskGroup(of: (Int, Result<DownloadedZip, TemplateTrackError>).self) { group in
            var next = 0
            func startNext() {
                guard next < targets.count else { return }
                let position = next
                let workspace = targets[position]
                next += 1
                group.addTask {
                    events(.downloadStarted(workspace: workspace.workspaceId, position: position + 1, of: targets.count))
                    do {
                        let zip = try await client.downloadTemplates(
                            workspace: workspace.workspaceId, api: request.api, into: folder,
                            progress: { events(.downloadProgress($0)) })
                        return (position, .success(zip))
                    } catch {
                        return (position, .failure(fail(error, workspace: workspace.workspaceId)))
                    }
                }
            }
            for _ in 0..<min(request.concurrency, targets.count) { startNext() }
            // Downloads finish in any order; they are recorded in the listed order, so that
            // snapshot numbers do not depend on the network's timing.
            var arrived: [Int: Result<DownloadedZip, TemplateTrackError>] = [:]
            var nextToRecord = 0
            var running = min(request.concurrency, targets.count)
            while let (position, result) = try await group.next() {
                arrived[position] = result
                running -= 1
                // Downloads waiting for an earlier, slower one to be recorded are bounded too.
                while running < request.concurrency, arrived.count < request.concurrency * 2, next < targets.count {
                    startNext()
                    running += 1
                }
                while let ready = arrived.removeValue(forKey: nextToRecord) {
                    let workspace = targets[nextToRecord]
                    if request.ingest.isCancelled() || Task.isCancelled {
                        if case .success(let zip) = ready { unlink(zip.path) }
                        group.cancelAll()
                        throw TemplateTrackError(.cancelled, "interrupted")
                    }
                    let outcome: WorkspaceOutcome
                    switch ready {
                    case .success(let zip):
                        events(.recording(workspace: workspace.workspaceId, bytes: zip.size))
                        outcome = await record(zip, workspace: workspace, request: request, store: store)
                    case .failure(let error):
                        outcome = WorkspaceOutcome(workspace: workspace, error: error)
                    }
                    outcomes[nextToRecord] = outcome
                    events(.finished(outcome))
                    nextToRecord += 1
                }
            }
        }
        return SyncReport(outcomes: targets.indices.compactMap { outcomes[$0] }, notVisible: notVisible)
    }

    private static func record(
        _ zip: DownloadedZip, workspace: Workspace, request: SyncRequest, store: any HistoryWriter
    ) async -> WorkspaceOutcome {
        defer { unlink(zip.path) }
        do {
            let snapshot = try await runBlocking {
                try Ingest.record(
                    zipAt: zip.path, digest: (zip.sha256, zip.size), workspace: workspace, api: request.api,
                    fetchedAt: zip.completedAt, origin: .sync(url: zip.url), into: store, options: request.ingest)
            }
            return WorkspaceOutcome(workspace: workspace, snapshot: snapshot)
        } catch {
            return WorkspaceOutcome(workspace: workspace, error: fail(error, workspace: workspace.workspaceId))
        }
    }

    private static func fail(_ error: any Error, workspace: Int) -> TemplateTrackError {
        if error is CancellationError { return TemplateTrackError(.cancelled, "interrupted", at: [.workspace(workspace)]) }
        return TemplateTrackError.wrapping(error, code: .io, message: "failed", at: .workspace(workspace))
    }
}
