import ArgumentParser
import Foundation
import TemplateTrackBase
import TemplateTrackSimulator

struct SimulatorCommand: AsyncParsableCommand, IndependentOfConfiguration {
    static let configuration = CommandConfiguration(
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
    var port: Int

    @Option(help: "A made-up account NAME:PASSWORD for the simulator (repeatable). Never use a real password.")
    var user: [String] = []

    @Option(name: .customLong("api-key"), help: "A made-up API key the simulator accepts as a bearer token (repeatable).")
    var apiKeys: [String] = []

    @Option(name: .customLong("token-lifetime"), help: "Seconds a token may wait before starting a request.")
    var tokenLifetime: Double = 60

    @Option(
        help: ArgumentHelp(
            "Make a workspace's download misbehave (repeatable); see below.", valueName: "workspace=kind[:times]"))
    var fault: [String] = []

    @Option(name: .customLong("retry-after"), help: "Seconds a simulated 429 asks clients to wait.")
    var retryAfter: Int = 1

    @Option(
        help: ArgumentHelp(
            "Serve this zip file as workspace ID's templates, streamed from disk (repeatable).", valueName: "id=zip"),
        completion: .file(extensions: ["zip"]))
    var serve: [String] = []

    @Option(
        name: .customLong("synthetic-workspaces"),
        help: ArgumentHelp("Add N workspaces (ids from 10001) serving the sample template sets in turn.", valueName: "n"))
    var syntheticWorkspaces: Int = 0

    func validate() throws {
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
    func faults() throws -> [(workspace: Int?, fault: SimulatorConfiguration.Fault)] {
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
                return (workspace, try SimulatorConfiguration.Fault(parsing: parts[1]))
            } catch let error as TemplateTrackError {
                throw ValidationError("--fault \(error.message)")
            }
        }
    }

    /// `--serve` values: workspace -> zip path.
    func servedZips() throws -> [Int: String] {
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

    func run() async throws {
        var users: [String: String] = [:]
        for entry in user {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--user takes NAME:PASSWORD") }
            users[String(parts[0])] = String(parts[1])
        }
        guard !users.isEmpty || !apiKeys.isEmpty else {
            throw ValidationError("give at least one --user NAME:PASSWORD or --api-key KEY")
        }
        var settings = SimulatorConfiguration(
            users: users, apiKeys: Set(apiKeys), tokenLifetime: tokenLifetime, retryAfter: retryAfter,
            servedZips: try servedZips(), syntheticWorkspaces: syntheticWorkspaces)
        for (workspace, fault) in try faults() {
            if let workspace { settings.faults[workspace] = fault } else { settings.listingFault = fault }
        }
        let simulator = try Simulator(configuration: settings)
        let server = try await simulator.start(port: port)
        // The URL on stdout, for scripts; the rest for people on stderr.
        FileHandle.standardOutput.write(Data("\(server.baseURL.absoluteString)\n".utf8))
        note("ImmPort simulator serving on \(server.baseURL.absoluteString) (auth: \(server.authURL.absoluteString))")
        for (workspace, fault) in try faults() {
            note("Fault on \(workspace.map { "workspace \($0)" } ?? "the workspace list"): \(fault)")
        }
        note("Advance the templates with: curl -X POST \(server.baseURL.absoluteString)/simulator/advance")
        note("Stop with Ctrl-C.")
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.resume()
            return source
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            for source in signals {
                source.setEventHandler { if once.claim() { done.resume() } }
            }
        }
        withExtendedLifetime(signals) {}  // the sources must outlive the wait, or an optimized build drops them
        await server.stop()
    }
}

/// Lets exactly one of several signal handlers resume a continuation.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
