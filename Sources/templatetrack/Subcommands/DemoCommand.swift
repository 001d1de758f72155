import ArgumentParser
import TemplateTrack

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sync three sample workspaces from a built-in ImmPort simulator and show what changed.")

    @Option(name: .customLong("db"), help: "Keep the demo's history here (default: a throwaway database).")
    var path: String?

    func run() async throws {
        try await Demo.run(databasePath: path, style: .forStandardOutput()) { print($0) }
    }
}
