import ArgumentParser
import Foundation
import TemplateTrackSimulator

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Serve a simulated ImmPort API on 127.0.0.1, with the sample workspaces, until stopped.")

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: Int

    @Option(help: "A made-up account NAME:PASSWORD for the simulator (repeatable). Never use a real password.")
    var user: [String] = []

    @Option(name: .customLong("api-key"), help: "A made-up API key the simulator accepts as a bearer token (repeatable).")
    var apiKeys: [String] = []

    @Option(name: .customLong("token-lifetime"), help: "Seconds a token may wait before starting a request.")
    var tokenLifetime: Double = 60

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard tokenLifetime > 0, tokenLifetime <= 86_400 else { throw ValidationError("--token-lifetime must be 1 to 86400 seconds") }
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
        let simulator = try Simulator(
            configuration: .init(users: users, apiKeys: Set(apiKeys), tokenLifetime: tokenLifetime))
        let server = try await simulator.start(port: port)
        // The URL on stdout, for scripts; the rest for people on stderr.
        FileHandle.standardOutput.write(Data("\(server.baseURL.absoluteString)\n".utf8))
        note("ImmPort simulator serving on \(server.baseURL.absoluteString) (auth: \(server.authURL.absoluteString))")
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
