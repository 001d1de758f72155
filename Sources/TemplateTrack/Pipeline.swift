import Foundation

/// What happened to one workspace in a sync.
public struct WorkspaceOutcome: Sendable {
    public var workspace: Workspace
    /// The snapshot recorded, when the workspace succeeded.
    public var snapshot: Snapshot?
    /// Why it failed, when it did; other workspaces are unaffected.
    public var error: TemplateTrackError?
}

/// The pipeline: fetcher -> extractor -> indexer.
public enum Pipeline {
    /// Checks a zip already on disk and records it as a snapshot of `workspace`.
    public static func importZip(
        at path: String, workspace: Int, fetchedAt: Date = Date(), into history: HistoryDatabase
    ) throws -> Snapshot {
        do {
            let archive = try ArchiveScanner.scan(path: path)
            return try history.record(
                archive, workspace: Workspace(workspaceId: workspace), fetchedAt: fetchedAt,
                origin: .import(file: path))
        } catch {
            throw TemplateTrackError.wrapping(error, code: .io, at: .workspace(workspace))
        }
    }

    /// Downloads and records each workspace the account can see (or only `workspaces`),
    /// one transaction per workspace. A workspace that fails is reported in its outcome and
    /// does not stop the others; only a failure to list workspaces throws.
    public static func sync(
        endpoints: Endpoints, credentials: Credentials, workspaces requested: [Int] = [],
        documentation: TemplateDocumentation = .upload, into history: HistoryDatabase,
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> [WorkspaceOutcome] {
        let client = try ImmPortClient(endpoints: endpoints, credentials: credentials)
        do {
            let outcomes = try await sync(
                client: client, workspaces: requested, documentation: documentation, into: history,
                progress: progress)
            try await client.shutdown()
            return outcomes
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func sync(
        client: ImmPortClient, workspaces requested: [Int], documentation: TemplateDocumentation,
        into history: HistoryDatabase, progress: @Sendable (String) -> Void
    ) async throws -> [WorkspaceOutcome] {
        progress("listing workspaces at \(client.endpoints.server.absoluteString)")
        let listed = try await client.workspaces()
        var seen: Set<Int> = []
        let targets =
            requested.isEmpty
            ? listed
            : requested.filter { seen.insert($0).inserted }.map { id in
                listed.first { $0.workspaceId == id } ?? Workspace(workspaceId: id)
            }
        let folder = FileManager.default.temporaryDirectory.appending(path: "templatetrack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }

        var outcomes: [WorkspaceOutcome] = []
        for workspace in targets {
            let id = workspace.workspaceId
            progress("workspace \(id): downloading")
            do {
                let zip = try await client.downloadTemplates(workspace: id, documentation: documentation, into: folder)
                defer { try? FileManager.default.removeItem(atPath: zip.path) }
                progress("workspace \(id): checking \(zip.size) bytes")
                let archive = try ArchiveScanner.scan(path: zip.path, archiveDigest: (zip.sha256, zip.size))
                let snapshot = try history.record(
                    archive, workspace: workspace, fetchedAt: zip.completedAt, origin: .sync(url: zip.url))
                outcomes.append(WorkspaceOutcome(workspace: workspace, snapshot: snapshot))
            } catch {
                let failure = TemplateTrackError.wrapping(error, code: .io, at: .workspace(id))
                progress("\(failure)")
                outcomes.append(WorkspaceOutcome(workspace: workspace, error: failure))
            }
        }
        return outcomes
    }
}
