import ArgumentParser
import Foundation
import TemplateTrackBase
import TemplateTrackSimulator
import TemplateTrackCommandLine

extension SimulatorCommand {
    func runHere() async throws {
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
        await waitForStopSignal()
        await server.stop()
    }
}

/// Returns once SIGINT or SIGTERM arrives (both are otherwise ignored meanwhile).
func waitForStopSignal() async {
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
    // The sources must live until a signal comes: an optimized build would release them
    // after their last use, and SIGTERM would then be ignored.
    withExtendedLifetime(signals) {}
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
