import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackFetcher
import TemplateTrackCommandLine

extension WorkspacesCommand {
    func runHere() async throws {
        if local || !name.isEmpty { return try runLocal() }
        let client = try ImmPortClient(endpoints: try server.endpoints(), credentials: try server.credentials())
        let result: Result<[Workspace], any Error>
        do { result = .success(try await client.workspaces()) } catch { result = .failure(error) }
        try await client.shutdown()
        let workspaces = try result.get()
        if output.json { return try printJSON(workspaces) }
        var table = TextTable(["WORKSPACE", "NAME", "TYPE", "CATEGORY", "LAST UPDATED"], rightAligned: [0])
        for workspace in workspaces {
            let updated = workspace.dateLastUpdated.map {
                Timestamp.display(Date(timeIntervalSince1970: Double($0) / 1000))
            }
            table.add([
                "\(workspace.workspaceId)", workspace.name ?? "", workspace.type ?? "", workspace.category ?? "",
                updated ?? "",
            ])
        }
        print(table.render(style: .forStandardOutput()))
    }

    /// The history's own list, and names for workspaces that only ever came from imports.
    private func runLocal() throws {
        var names: [(Int, String)] = []
        for entry in name {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = Int(parts[0]), id > 0, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--name takes ID=NAME, e.g. --name 5001='Influenza Vaccine Cohort'")
            }
            names.append((id, String(parts[1])))
        }
        let history = try database.open(name.isEmpty ? .read : .write)
        if !names.isEmpty {
            let known = Set(try history.workspaces().map(\.workspace))
            if let (id, _) = names.first(where: { !known.contains($0.0) }) {
                throw TemplateTrackError(.notFound, "workspace \(id) has no snapshots in this history", at: [.file(history.path)])
            }
            for (id, text) in names { try history.setWorkspaceName(text, workspace: id) }
        }
        let workspaces = try history.workspaces()
        if output.json { return try printJSON(workspaces) }
        var table = TextTable(["WORKSPACE", "NAME", "SNAPSHOTS", "SERIES", "LATEST"], rightAligned: [0, 2])
        for workspace in workspaces {
            table.add([
                "\(workspace.workspace)", workspace.name ?? "", "\(workspace.snapshots)",
                workspace.apis.map(\.rawValue).joined(separator: ", "),
                workspace.latestFetchedAt.map(Timestamp.display) ?? "",
            ])
        }
        print(table.render(style: .forStandardOutput()))
    }
}
