package import ArgumentParser

package struct DemoCommand: NetworkCommand, IndependentOfConfiguration {
    package static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sync three sample workspaces from a built-in ImmPort simulator and show what changed.")

    @Option(name: .customLong("db"), help: "Keep the demo's history here (default: a throwaway database).")
    package var path: String?

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
