import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackCheck
import TemplateTrackFetcher
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackSimulator
import TemplateTrackWeb
import TemplateTrackCommandLine
import TemplateTrackSync

extension DemoCommand {
    func runHere() async throws {
        // Suggest commands the way the user can run them, e.g. .build/debug/templatetrack after make demo.
        let invoked = CommandLine.arguments.first ?? "templatetrack"
        let command = invoked.contains("/") ? Self.relativeToWorkingFolder(invoked) : invoked
        try await DemoStory(databasePath: path, command: command, style: .forStandardOutput()).tell()
    }

    private static func relativeToWorkingFolder(_ path: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }
}

/// The guided tour: a simulated ImmPort in-process, three syncs, and what changed, in plain words.
struct DemoStory {
    var databasePath: String?
    var command: String
    var style: Style

    func tell() async throws {
        let password = UUID().uuidString  // never shown: the demo signs in to its own simulator
        let simulator = try Simulator(configuration: .init(users: ["demo": password]))
        let server = try await simulator.start()
        let scratch = try RunFolder.create()
        defer { scratch.remove() }
        do {
            try await story(simulator: simulator, server: server, scratch: scratch.path, password: password)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func story(simulator: Simulator, server: RunningSimulator, scratch: String, password: String) async throws {
        let path = databasePath ?? scratch + "/history.sqlite"
        let history = try SQLiteHistory(path: path, access: .create)
        OpenHistories.register(history)
        let request = SyncRequest(
            endpoints: Endpoints(server: server.baseURL, auth: server.authURL),
            credentials: .password(username: "demo", password: password))
        func sync() async throws -> [WorkspaceOutcome] { try await Sync.run(request, into: history).outcomes }

        print(style.bold("TemplateTrack demo") + " — a simulated ImmPort at \(server.baseURL.absoluteString)")
        print("Nothing leaves this machine. The simulator serves three workspaces' template zips.\n")

        print(style.bold("1. First sync:") + " download each workspace's zip and record every file.")
        print(syncOutcomesText(try await sync(), style: style) + "\n")

        print(style.bold("2. Sync again straight away.") + " ImmPort has changed nothing, so nothing new is stored:")
        print(syncOutcomesText(try await sync(), style: style) + "\n")

        let versions = simulator.advance()
        let moved = versions.filter { $0.value > 1 }.keys.sorted().joined(separator: " and ")
        print(style.bold("3. ImmPort publishes new templates.") + " (The simulator moves the \(moved) template sets to version 2.)\n")

        print(style.bold("4. Sync once more:"))
        let third = try await sync()
        print(syncOutcomesText(third, style: style) + "\n")
        let renderer = DiffText(style: style)
        for outcome in third {
            guard let snapshot = outcome.snapshot else { continue }
            let name = outcome.workspace.name.map { " (\($0))" } ?? ""
            guard snapshot.changed, let previous = snapshot.previous, let before = try history.snapshot(id: previous) else {
                print("Workspace \(snapshot.workspace)\(name): no change since snapshot \(snapshot.previous ?? snapshot.id).")
                continue
            }
            print(style.bold("What changed in workspace \(snapshot.workspace)\(name):"))
            let diff = try SnapshotDiff.compute(in: history, old: before, new: snapshot)
            let text = renderer.summary(diff)
            print(text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n"))
            print("")
        }
        try showFilledFileImpact(history: history, third: third, scratch: scratch)
        print("")
        if databasePath == nil {
            print("The history above was kept in a throwaway database. To keep one, run:")
            print("  \(command) demo --db history.sqlite")
        } else {
            print("The history is in \(path). Look around with:")
            print("  \(command) log --db \(path)")
            print("  \(command) diff --db \(path) --workspace 5002 --patch")
            print("  \(command) templates --db \(path) --workspace 5001")
            print("  \(command) search --db \(path) \"Value Reported\"")
            if let filled = keptFilledFile { print("  \(command) check --db \(path) --workspace 5001 \(filled)") }
            print("  \(command) serve --db \(path)")
        }
        print("")
        try writeReport(history: history, databasePath: path)
    }

    /// Writes the HTML report of the demo's history: beside a kept database (`history-report/`
    /// for `history.sqlite`), else in `./templatetrack-demo-report/`. A folder of that name that
    /// an earlier report did not make is left alone: the next free `-2`, `-3`, … is used.
    private func writeReport(history: SQLiteHistory, databasePath: String) throws {
        let base: String
        if let kept = self.databasePath {
            let url = URL(fileURLWithPath: kept)
            base = url.deletingLastPathComponent().appending(path: url.deletingPathExtension().lastPathComponent + "-report").path
        } else {
            base = FileManager.default.currentDirectoryPath + "/templatetrack-demo-report"
        }
        let candidates = [base] + (2...9).map { "\(base)-\($0)" }
        guard let folder = candidates.first(where: { (try? FileManager.default.attributesOfItem(atPath: $0)) == nil || Report.isReportFolder($0) }) else {
            print("(No report written: \(base) and its numbered siblings are folders the demo did not make.)")
            return
        }
        let options = SiteOptions(databaseName: databasePath == self.databasePath ? (databasePath as NSString).lastPathComponent : "the demo's history")
        let summary = try Report.write(Site(store: history, options: options), to: folder)
        let here = FileManager.default.currentDirectoryPath + "/"
        let shown = summary.index.hasPrefix(here) ? String(summary.index.dropFirst(here.count)) : summary.index
        print(style.bold("The report:") + " every workspace, each change and each template as web pages, is in")
        print("  \(shown)")
        print("Open it in a browser: it works offline, from the files alone.")
    }

    /// Where the sample filled-in file was left for the user (with `--db` only).
    private var keptFilledFile: String? {
        guard let databasePath else { return nil }
        let path = ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("subjectHumans.filled.txt")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Step 5: a spreadsheet filled in against the old templates, checked against the new ones.
    private func showFilledFileImpact(history: SQLiteHistory, third: [WorkspaceOutcome], scratch: String) throws {
        guard let bytes = SampleCatalog.embedded.sampleFile("filled/subjectHumans.txt"),
            let after = third.first(where: { $0.workspace.workspaceId == 5001 })?.snapshot, after.changed,
            let previous = after.previous, let before = try history.snapshot(id: previous)
        else { return }
        // With --db, the file is left beside the history for the user to try (never over another file).
        var path = scratch + "/subjectHumans.filled.txt"
        if let databasePath {
            let beside = ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("subjectHumans.filled.txt")
            if !FileManager.default.fileExists(atPath: beside) { path = beside }
        }
        if !FileManager.default.fileExists(atPath: path) { try bytes.write(to: URL(fileURLWithPath: path), options: .withoutOverwriting) }
        print(style.bold("5. Will filled-in spreadsheets still pass?") + " A submitter filled in subjectHumans.txt against")
        print("   workspace 5001's old templates (snapshot \(before.id)). Checked against the new ones (snapshot \(after.id)):")
        let impact = try ChangeImpact.assess(
            files: [path], from: catalog(of: before, in: history), to: catalog(of: after, in: history))
        let new = impact.entries(.new)
        if new.isEmpty { return print("   it still passes.\n") }
        for (cause, entries) in Dictionary(grouping: new, by: { causeText($0.cause) }).sorted(by: { $0.key < $1.key }) {
            print("   " + style.yellow(cause) + ":")
            for group in FindingGrouping.group(entries.map(\.finding)) {
                print("     " + FindingText.line(for: group))
            }
        }
        print("")
    }
}
