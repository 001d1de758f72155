import Foundation
import ArgumentParser
import TemplateTrack

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sync three sample workspaces from a built-in ImmPort simulator and show what changed.")

    @Option(name: .customLong("db"), help: "Keep the demo's history here (default: a throwaway database).")
    var path: String?

    func run() async throws {
        // Suggest commands the way the user can run them, e.g. .build/debug/templatetrack after make demo.
        let invoked = CommandLine.arguments.first ?? "templatetrack"
        let command = invoked.contains("/") ? Self.relativeToWorkingFolder(invoked) : invoked
        try await Demo.run(databasePath: path, command: command, style: .forStandardOutput()) { print($0) }
    }

    private static func relativeToWorkingFolder(_ path: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }
}
