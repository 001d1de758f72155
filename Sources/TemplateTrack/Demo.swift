import Foundation

/// The guided tour `templatetrack demo` gives: a simulated ImmPort in-process, three syncs,
/// and what changed, in plain words.
public enum Demo {
    /// - Parameter command: how the user invoked the tool, for the commands it suggests.
    public static func run(
        databasePath: String?, command: String = "templatetrack", style: Style, say: @Sendable (String) -> Void
    ) async throws {
        let password = UUID().uuidString  // never shown: the demo signs in to its own simulator
        let simulator = try Simulator(configuration: .init(users: ["demo": password]))
        let server = try await simulator.start()
        let scratch = FileManager.default.temporaryDirectory.appending(path: "templatetrack-demo-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: scratch)
        }
        let path = databasePath ?? scratch.appending(path: "history.sqlite").path
        do {
            let history = try HistoryDatabase(path: path)
            let endpoints = Endpoints(server: server.baseURL, auth: server.authURL)
            let credentials = Credentials.password(username: "demo", password: password)
            func sync() async throws -> [WorkspaceOutcome] {
                try await Pipeline.sync(endpoints: endpoints, credentials: credentials, into: history)
            }

            say(style.bold("TemplateTrack demo") + " — a simulated ImmPort at \(server.baseURL.absoluteString)")
            say("Nothing leaves this machine. The simulator serves three workspaces' template zips.\n")

            say(style.bold("1. First sync:") + " download each workspace's zip and record every file.")
            let first = try await sync()
            say(Report.syncOutcomes(first, style: style) + "\n")

            say(style.bold("2. Sync again straight away.") + " ImmPort has changed nothing, so nothing new is stored:")
            let second = try await sync()
            say(Report.syncOutcomes(second, style: style) + "\n")

            let versions = simulator.advance()
            let moved = versions.filter { $0.value > 1 }.keys.sorted().joined(separator: " and ")
            say(style.bold("3. ImmPort publishes new templates.") + " (The simulator moves the \(moved) template sets to version 2.)\n")

            say(style.bold("4. Sync once more:"))
            let third = try await sync()
            say(Report.syncOutcomes(third, style: style) + "\n")
            for outcome in third {
                guard let snapshot = outcome.snapshot else { continue }
                let name = outcome.workspace.name.map { " (\($0))" } ?? ""
                guard snapshot.changed, let previous = snapshot.previous, let before = try history.snapshot(id: previous)
                else {
                    say("Workspace \(snapshot.workspace)\(name): no change since snapshot \(snapshot.previous ?? snapshot.id).")
                    continue
                }
                say(style.bold("What changed in workspace \(snapshot.workspace)\(name):"))
                let diff = try SnapshotDiff.compute(
                    in: history, workspace: snapshot.workspace, from: .id(before.id), to: .id(snapshot.id)).diff
                let text = DiffRenderer(history: history, style: style).summary(diff)
                say(text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n"))
                say("")
            }
            say("")
            if databasePath == nil {
                say("The history above was kept in a throwaway database. To keep one, run:")
                say("  \(command) demo --db history.sqlite")
            } else {
                say("The history is in \(path). Look around with:")
                say("  \(command) log --db \(path)")
                say("  \(command) diff --db \(path) --workspace 5002 --patch")
                say("  \(command) templates --db \(path) --workspace 5001")
                say("  \(command) search --db \(path) \"Value Reported\"")
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
