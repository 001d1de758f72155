import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackFetcher
import TemplateTrackCommandLine

extension WorkspacesCommand {
    func runHere() async throws {
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
}
