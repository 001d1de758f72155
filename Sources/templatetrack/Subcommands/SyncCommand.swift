import ArgumentParser
import TemplateTrack

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Download every workspace's template zip from ImmPort and record it.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var server: ServerOptions

    @Option(name: .customLong("workspace"), help: "Only this workspace (repeatable).")
    var workspaces: [Int] = []

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    func run() async throws {
        let history = try database.open(create: true)
        let outcomes = try await Pipeline.sync(
            endpoints: try server.endpoints(), credentials: try server.credentials(), workspaces: workspaces,
            into: history, progress: progress)
        if json {
            try printJSON(outcomes.map(SyncOutcomeJSON.init))
        } else {
            print(Report.syncOutcomes(outcomes, style: .forStandardOutput()))
        }
        if outcomes.contains(where: { $0.error != nil }) { throw ExitCode(2) }
    }
}

/// `sync --json`: one object per workspace.
struct SyncOutcomeJSON: Encodable {
    var workspace: Int
    var name: String?
    var snapshot: Int?
    var changed: Bool?
    var error: String?

    init(_ outcome: WorkspaceOutcome) {
        workspace = outcome.workspace.workspaceId
        name = outcome.workspace.name
        snapshot = outcome.snapshot?.id
        changed = outcome.snapshot?.changed
        error = outcome.error?.description
    }
}
