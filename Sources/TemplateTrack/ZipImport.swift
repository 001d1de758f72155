public import Foundation
public import TemplateTrackBase
public import TemplateTrackHistory

/// Imports a zip from disk, as `sync` records a download.
public enum ZipImport {
    /// Records the zip at `path` as a snapshot of `workspace`.
    public static func run(
        path: String, workspace: Int, api: TemplateAPI = .upload, fetchedAt: Date = Date(), originName: String? = nil,
        into store: any HistoryWriter, options: IngestOptions = IngestOptions()
    ) throws -> Snapshot {
        do {
            return try Ingest.record(
                zipAt: path, workspace: Workspace(workspaceId: workspace), api: api, fetchedAt: fetchedAt,
                origin: .import(file: originName ?? path), into: store, options: options)
        } catch {
            throw TemplateTrackError.wrapping(error, code: .io, message: "import failed", at: .workspace(workspace))
        }
    }
}
