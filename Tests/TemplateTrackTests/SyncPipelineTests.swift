import Foundation
import Testing
import TemplateTrack
import TemplateTrackSync
import TemplateTrackBase
import TemplateTrackFetcher
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackSimulator
import TemplateTrackTesting

@Suite("The pipeline against the simulator on a loopback port")
struct SyncPipelineTests {
    @Test("a sync records every visible workspace; a second, unchanged one adds no file rows")
    func syncTwice() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try await withSimulator { fixture in
            let request = SyncRequest(endpoints: fixture.endpoints, credentials: fixture.credentials)
            let first = try await Sync.run(request, into: history).outcomes
            #expect(first.map(\.workspace.workspaceId) == [5001, 5002, 5003])
            #expect(first.allSatisfy { $0.error == nil && $0.snapshot?.changed == true })
            let before = try rowCounts(scratch.file("history.sqlite"))

            let second = try await Sync.run(request, into: history).outcomes
            #expect(second.allSatisfy { $0.snapshot?.changed == false })
            let after = try rowCounts(scratch.file("history.sqlite"))
            #expect(after["snapshot"] == 6)
            #expect(after["tree_entry"] == before["tree_entry"])
            #expect(after["blob"] == before["blob"])

            fixture.simulator.advance()
            let third = try await Sync.run(request, into: history).outcomes
            #expect(third.map { $0.snapshot?.changed } == [true, true, false])
            #expect(try history.pairsMissingComparison().isEmpty)
            // Downloads ran side by side; nothing is left in the temporary folder.
            let litter = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
                .filter { $0.hasPrefix("templatetrack-run-") }
            #expect(litter.allSatisfy { !$0.isEmpty } && litter.count < 50)
        }
    }

    @Test("files' sha256 equal those of the zip the server sent, as curl, unzip and sha256sum see them")
    func hashesMatchServedZip() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try await withSimulator { fixture in
            let request = SyncRequest(endpoints: fixture.endpoints, credentials: fixture.credentials, workspaces: [5002])
            let snapshot = try #require(try await Sync.run(request, into: history).outcomes.first?.snapshot)
            let base = fixture.server.baseURL.absoluteString
            let script = """
                token=$(curl -s -X POST -d username="$U" --data-urlencode password="$P" "$BASE/auth/token" | sed -n 's/.*"access_token" : "\\(.*\\)".*/\\1/p')
                curl -s -f -H "Authorization: bearer $token" -o "$OUT" "$BASE/data/upload/documentation/templates/5002"
                """
            let fetched = try await runDetached(
                ["bash", "-c", script],
                environment: ["U": SimulatorFixture.user, "P": SimulatorFixture.password, "BASE": base, "OUT": scratch.file("curl.zip")])
            #expect(fetched.status == 0, "\(fetched.stderr)")
            #expect(snapshot.archiveSHA256 == (try sha256sum(scratch.file("curl.zip"))))
            try run(["unzip", "-q", scratch.file("curl.zip"), "-d", scratch.file("unzipped")])
            let files = try history.treeEntries(snapshot.tree)
            #expect(files.count == 6)
            for file in files {
                #expect(file.sha256 == (try sha256sum(scratch.file("unzipped/" + file.path))), "\(file.path)")
            }
        }
    }

    @Test("a wrong password fails with HTTP 401, records nothing and never shows the password")
    func wrongPassword() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try await withSimulator { fixture in
            let wrong = Credentials.password(username: SimulatorFixture.user, password: "not-the-password-42")
            let error = try await #require(throws: TemplateTrackError.self) {
                try await Sync.run(SyncRequest(endpoints: fixture.endpoints, credentials: wrong), into: history)
            }
            #expect(error.code == .authentication)
            #expect(error.httpStatus == 401)
            #expect(!error.description.contains("not-the-password-42"))
            #expect(!"\(wrong)".contains("not-the-password-42"))
            #expect(try rowCounts(scratch.file("history.sqlite"))["snapshot"] == 0)
        }
    }

    @Test("unknown and forbidden workspaces fail by name and status; the others are still recorded")
    func unknownWorkspace() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try await withSimulator { fixture in
            let request = SyncRequest(endpoints: fixture.endpoints, credentials: fixture.credentials, workspaces: [424242, 5001, 5099, 5001])
            let outcomes = try await Sync.run(request, into: history).outcomes
            #expect(outcomes.map(\.error?.workspace) == [424242, nil, 5099])
            #expect(outcomes.map(\.error?.httpStatus) == [404, nil, 403])
            #expect(outcomes[1].snapshot != nil)
            #expect(try history.snapshots(SnapshotQuery()).map(\.workspace) == [5001])
        }
    }

    @Test("the Batch Updater's documentation is its own series")
    func batchUpdaterSeries() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try await withSimulator { fixture in
            for api in [TemplateAPI.upload, .batchUpdater, .upload] {
                let request = SyncRequest(endpoints: fixture.endpoints, credentials: fixture.credentials, workspaces: [5001], api: api)
                _ = try await Sync.run(request, into: history)
            }
            let log = try history.snapshots(SnapshotQuery(workspace: 5001))
            #expect(log.map(\.api) == [.upload, .batchUpdater, .upload])
            #expect(log.map(\.changed) == [true, true, false])
            #expect(log[2].previous == log[0].id)
            #expect(log[1].origin.contains("/data/batch/updater/documentation/templates/5001"))
        }
    }

    @Test("workspaces in the history that the account no longer sees are named")
    func notVisibleAnyMore() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("old.zip"), [("t.txt", "x")])
        try importZip(scratch.file("old.zip"), workspace: 4242, into: history)
        try await withSimulator { fixture in
            let report = try await Sync.run(SyncRequest(endpoints: fixture.endpoints, credentials: fixture.credentials), into: history)
            #expect(report.notVisible == [4242])
        }
    }
}
