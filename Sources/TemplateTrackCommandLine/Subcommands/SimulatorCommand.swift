package import ArgumentParser
import Foundation
package import TemplateTrackBase

package struct SimulatorCommand: NetworkCommand, IndependentOfConfiguration {
    package static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Serve a simulated ImmPort API on 127.0.0.1, with the sample workspaces, until stopped.",
        discussion: """
            Faults make one workspace's download misbehave, for testing scripts and clients: \
            --fault 5001=503:2 answers 503 twice, then serves the zip. KIND is 429 (with Retry-After), \
            500, 503 or another status from 300 to 599, reset (close the connection mid-body), truncate \
            (announce more bytes than are sent, then close), stall (send half, then go silent), html200 \
            (a 200 login page instead of a zip) or big (announce 8 GiB and stream zeros). Without \
            :TIMES the fault lasts. WORKSPACE may be 'workspaces' for the workspace list.
            """)

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    package var port: Int

    @Option(help: "A made-up account NAME:PASSWORD for the simulator (repeatable). Never use a real password.")
    package var user: [String] = []

    @Option(name: .customLong("api-key"), help: "A made-up API key the simulator accepts as a bearer token (repeatable).")
    package var apiKeys: [String] = []

    @Option(name: .customLong("token-lifetime"), help: "Seconds a token may wait before starting a request.")
    package var tokenLifetime: Double = 60

    @Option(
        help: ArgumentHelp(
            "Make a workspace's download misbehave (repeatable); see below.", valueName: "workspace=kind[:times]"))
    package var fault: [String] = []

    @Option(name: .customLong("retry-after"), help: "Seconds a simulated 429 asks clients to wait.")
    package var retryAfter: Int = 1

    @Option(
        help: ArgumentHelp(
            "Serve this zip file as workspace ID's templates, streamed from disk (repeatable).", valueName: "id=zip"),
        completion: .file(extensions: ["zip"]))
    package var serve: [String] = []

    @Option(
        name: .customLong("synthetic-workspaces"),
        help: ArgumentHelp("Add N workspaces (ids from 10001) serving the sample template sets in turn.", valueName: "n"))
    package var syntheticWorkspaces: Int = 0

    package func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard tokenLifetime >= 1, tokenLifetime <= 86_400 else { throw ValidationError("--token-lifetime must be 1 to 86400 seconds") }
        guard (0...86_400).contains(retryAfter) else { throw ValidationError("--retry-after must be 0 to 86400 seconds") }
        guard (0...1_000_000).contains(syntheticWorkspaces) else {
            throw ValidationError("--synthetic-workspaces must be 0 to 1000000")
        }
        _ = try faults()
        _ = try servedZips()
    }

    /// `--fault` values: workspace (nil for the list) -> fault.
    package func faults() throws -> [(workspace: Int?, fault: SimulatedFault)] {
        try fault.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--fault takes WORKSPACE=KIND[:TIMES], as in 5001=503:2") }
            let workspace: Int?
            if parts[0] == "workspaces" {
                workspace = nil
            } else if let id = Int(parts[0]), id > 0 {
                workspace = id
            } else {
                throw ValidationError("--fault '\(entry)': WORKSPACE is a workspace id or 'workspaces'")
            }
            do {
                return (workspace, try SimulatedFault(parsing: parts[1]))
            } catch let error as TemplateTrackError {
                throw ValidationError("--fault \(error.message)")
            }
        }
    }

    /// `--serve` values: workspace -> zip path.
    package func servedZips() throws -> [Int: String] {
        var served: [Int: String] = [:]
        for entry in serve {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = Int(parts[0]), id > 0, !parts[1].isEmpty else {
                throw ValidationError("--serve takes ID=ZIP, as in 7001=big.zip")
            }
            served[id] = HomeFolder.expandingTilde(parts[1])
        }
        return served
    }

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
