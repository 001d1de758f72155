import Foundation
import Synchronization
import Testing
import TemplateTrackBase
import TemplateTrackSimulator
import TemplateTrackTesting

@testable import TemplateTrackFetcher

/// The fetcher against the simulator on a loopback port: retries, limits, and clean failures.
@Suite("Fetcher retries and failures against the simulator")
struct FetcherRetryTests {
    typealias Fault = SimulatorConfiguration.Fault

    @Test(
        "a transient fault that clears before the attempts run out ends in the right zip, with a fresh token per attempt",
        arguments: [
            Fault.status(429, times: 2), .status(502, times: 2), .status(503, times: 3), .status(504, times: 1),
            .init(.reset, times: 2), .init(.truncate, times: 3),
        ])
    func transientFaultRetried(fault: Fault) async throws {
        try await withSimulator(configuration: { $0.faults = [5001: fault] }) { fixture in
            let scratch = try Folder()
            let clock = ManualClock()
            let zip = try await withClient(fixture, clock: clock) { client in
                try await client.downloadTemplates(workspace: 5001, into: scratch.url)
            }
            let times = try #require(fault.times)
            let served = try #require(try fixture.simulator.zip(forWorkspace: 5001))
            #expect(zip.sha256 == (try sha256(served)))
            #expect(zip.size == Int64(served.count))
            #expect(try sha256OfFile(at: zip.path).sha256 == zip.sha256)
            #expect(try contents(scratch) == ["ImmportTemplates.5001.zip"])
            #expect(fixture.simulator.requestCount(workspace: 5001) == times + 1)
            #expect(fixture.simulator.tokensIssued == times + 1, "one fresh token per attempt")
            #expect(clock.sleeps.count == times)
        }
    }

    @Test(
        "a lasting fault fails after every attempt with one line naming the workspace and status, leaving nothing behind",
        arguments: [429, 502, 503, 504])
    func lastingStatusFails(status: Int) async throws {
        try await withSimulator(configuration: { $0.faults = [5003: .status(status)] }) { fixture in
            let scratch = try Folder()
            let clock = ManualClock()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, clock: clock) { client in
                    try await client.downloadTemplates(workspace: 5003, into: scratch.url)
                }
            }
            #expect(error.workspace == 5003)
            #expect(error.httpStatus == status)
            #expect(error.description.hasPrefix("workspace 5003: http://127.0.0.1:"))
            #expect(error.description.contains("HTTP \(status)"))
            #expect(error.description.hasSuffix("gave up after 4 attempts"), "\(error)")
            #expect(!error.description.contains("\n"))
            #expect(try contents(scratch) == [])
            #expect(fixture.simulator.requestCount(workspace: 5003) == 4)
            #expect(fixture.simulator.tokensIssued == 4)
            #expect(clock.sleeps.count == 3)
        }
    }

    @Test(
        "answers not worth retrying fail at once: 500, 403, 404, a 200 that is not a zip",
        arguments: [(5001, 500), (5099, 403), (424242, 404), (5002, 200)])
    func notRetried(workspace: Int, status: Int) async throws {
        try await withSimulator(configuration: { $0.faults = [5001: .status(500), 5002: .htmlInsteadOfZip] }) { fixture in
            let scratch = try Folder()
            let clock = ManualClock()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, clock: clock) { client in
                    try await client.downloadTemplates(workspace: workspace, into: scratch.url)
                }
            }
            #expect(error.workspace == workspace)
            #expect(error.httpStatus == status)
            #expect(error.description.hasPrefix("workspace \(workspace): "))
            #expect(!error.description.contains("\n"))
            if status == 200 { #expect(error.message.contains("not a zip")) }
            #expect(clock.sleeps.isEmpty)
            #expect(try contents(scratch) == [])
            #expect(fixture.simulator.requestCount(workspace: workspace) == ([403, 404].contains(status) ? 0 : 1))
        }
    }

    @Test("a refused token (401) fails at once, and no secret appears in the error", arguments: [true, false])
    func refusedToken(apiKey: Bool) async throws {
        try await withSimulator(configuration: { $0.apiKeys = ["key-for-tests-only"] }) { fixture in
            let clock = ManualClock()
            let scratch = try Folder()
            let credentials: Credentials =
                apiKey ? .apiKey("some-other-key") : .password(username: SimulatorFixture.user, password: "not-the-password-42")
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, credentials: credentials, clock: clock) { client in
                    try await client.downloadTemplates(workspace: 5001, into: scratch.url)
                }
            }
            #expect(error.code == .authentication)
            #expect(error.httpStatus == 401)
            #expect(error.workspace == 5001)
            #expect(clock.sleeps.isEmpty)
            for secret in ["some-other-key", "not-the-password-42"] {
                #expect(!error.description.contains(secret))
                #expect(!"\(credentials)".contains(secret))
            }
        }
    }

    @Test("Retry-After is honoured: each wait is what the server asked, capped at maxRetryDelay")
    func retryAfterHonoured() async throws {
        try await withSimulator(configuration: {
            $0.faults = [5001: .status(429, times: 2), 5002: .status(429, times: 1)]
            $0.retryAfter = 7
        }) { fixture in
            let scratch = try Folder()
            let clock = ManualClock()
            _ = try await withClient(fixture, clock: clock) { client in
                try await client.downloadTemplates(workspace: 5001, into: scratch.url)
            }
            #expect(clock.sleeps == [.seconds(7), .seconds(7)])

            let capped = ManualClock()
            _ = try await withClient(fixture, options: testOptions(maxRetryDelay: .seconds(2)), clock: capped) { client in
                try await client.downloadTemplates(workspace: 5002, into: scratch.url)
            }
            #expect(capped.sleeps == [.seconds(2)])
        }
    }

    @Test("Retry-After as an HTTP date is read against the client's clock")
    func retryAfterDate() async throws {
        let clock = ManualClock()
        try await withSimulator(configuration: {
            $0.faults = [5001: .status(429, times: 1)]
            $0.retryAfter = 9
            $0.retryAfterStyle = .httpDate
            $0.now = clock.now
        }) { fixture in
            let scratch = try Folder()
            _ = try await withClient(fixture, clock: clock) { client in
                try await client.downloadTemplates(workspace: 5001, into: scratch.url)
            }
            let wait = try #require(clock.sleeps.first)
            #expect(wait > .seconds(8) && wait <= .seconds(9), "\(wait)")
        }
    }

    @Test("without Retry-After, waits grow exponentially with jitter, from retryBaseDelay")
    func backoffGrows() async throws {
        try await withSimulator(configuration: { $0.faults = [5001: .status(503, times: 3)] }) { fixture in
            let scratch = try Folder()
            let clock = ManualClock()
            _ = try await withClient(fixture, clock: clock) { client in
                try await client.downloadTemplates(workspace: 5001, into: scratch.url)
            }
            let sleeps = clock.sleeps
            #expect(sleeps.count == 3)
            for (index, wait) in sleeps.enumerated() {
                let full = Duration.milliseconds(100 << index)
                #expect(wait >= full / 2 && wait <= full, "wait \(index + 1): \(wait)")
            }
        }
    }

    @Test("a wait that would pass the deadline is not waited: the error says so at once")
    func deadlineStopsRetries() async throws {
        try await withSimulator(configuration: {
            $0.faults = [5001: .status(429)]
            $0.retryAfter = 3600
        }) { fixture in
            let clock = ManualClock()
            let scratch = try Folder()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(
                    fixture, options: testOptions(deadline: .seconds(20), maxRetryDelay: .seconds(3600)), clock: clock
                ) { client in
                    try await client.downloadTemplates(workspace: 5001, into: scratch.url)
                }
            }
            #expect(error.httpStatus == 429)
            #expect(error.message.contains("would pass the 20 s deadline"), "\(error)")
            #expect(clock.sleeps.isEmpty)
            #expect(fixture.simulator.requestCount(workspace: 5001) == 1)
            #expect(try contents(scratch) == [])
        }
    }

    @Test("lasting resets and truncations fail cleanly after every attempt", arguments: [Fault.Kind.reset, .truncate])
    func lastingBreaks(kind: Fault.Kind) async throws {
        try await withSimulator(configuration: { $0.faults = [5002: .init(kind)] }) { fixture in
            let scratch = try Folder()
            let clock = ManualClock()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, clock: clock) { client in
                    try await client.downloadTemplates(workspace: 5002, into: scratch.url)
                }
            }
            #expect(error.code == .transport)
            #expect(error.workspace == 5002)
            #expect(error.description.hasPrefix("workspace 5002: http://127.0.0.1:"))
            #expect(error.message.contains("gave up after 4 attempts"))
            #expect(!error.description.contains("\n"))
            #expect(!error.description.contains("HTTPClientError"))
            #expect(!error.description.contains(".part"))
            #expect(try contents(scratch) == [])
            #expect(fixture.simulator.requestCount(workspace: 5002) == 4)
        }
    }

    @Test("a stalled body fails after the idle timeout, not minutes later, and is not retried")
    func stallHitsIdleTimeout() async throws {
        try await withSimulator(configuration: { $0.faults = [5001: .init(.stall)] }) { fixture in
            let scratch = try Folder()
            let half = try #require(try fixture.simulator.zip(forWorkspace: 5001)).count / 2  // built before the clock starts
            let took = Mutex(Duration.zero)
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, options: testOptions(idleTimeout: .seconds(1))) { client in
                    let started = ContinuousClock.now
                    defer { took.withLock { $0 = ContinuousClock.now - started } }
                    _ = try await client.downloadTemplates(workspace: 5001, into: scratch.url)
                }
            }
            // A 1 s idle timeout, not the 60 s default: generous for a loaded machine.
            #expect(took.withLock { $0 } < .seconds(30))
            #expect(error.code == .transport)
            #expect(
                error.message == "the download broke off after \(half) bytes: timed out after 1 s without data"
                    || error.message == "timed out after 1 s without data", "\(error)")
            #expect(error.description.hasPrefix("workspace 5001: "))
            #expect(try contents(scratch) == [])
            // Retried, a second request would come; on a loaded machine the first may not
            // have arrived before the client gave up.
            #expect(fixture.simulator.requestCount(workspace: 5001) <= 1)
        }
    }

    @Test("the deadline stops a download that keeps the connection open")
    func deadlineStopsStall() async throws {
        try await withSimulator(configuration: { $0.faults = [5001: .init(.stall)] }) { fixture in
            let scratch = try Folder()
            let started = ContinuousClock.now
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, options: testOptions(idleTimeout: .seconds(60), deadline: .seconds(1))) {
                    try await $0.downloadTemplates(workspace: 5001, into: scratch.url)
                }
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error.message.contains("deadline"), "\(error)")
            #expect(error.workspace == 5001)
            #expect(try contents(scratch) == [])
        }
    }

    @Test("an announced size over the limit is refused before any byte is written")
    func bigRefused() async throws {
        try await withSimulator(configuration: { $0.faults = [5001: .init(.big)] }) { fixture in
            let scratch = try Folder()
            let progressed = Mutex(0)
            let started = ContinuousClock.now
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture) { client in
                    try await client.downloadTemplates(workspace: 5001, into: scratch.url) { _ in
                        progressed.withLock { $0 += 1 }
                    }
                }
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error.code == .limitExceeded)
            #expect(error.message == "the zip is 8 GiB; at most 1 GiB is accepted")
            #expect(progressed.withLock { $0 } == 0)
            #expect(try contents(scratch) == [])
            #expect(fixture.simulator.requestCount(workspace: 5001) == 1)
        }
    }

    @Test("a body without a length is stopped when it passes the limit")
    func bodyPassingLimitStopped() async throws {
        // stall sends half the zip without a Content-Length: more than the 100 bytes allowed.
        try await withSimulator(configuration: { $0.faults = [5001: .init(.stall)] }) { fixture in
            let scratch = try Folder()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture, options: testOptions(maxDownloadSize: 100)) { client in
                    try await client.downloadTemplates(workspace: 5001, into: scratch.url)
                }
            }
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("passed 100 bytes"), "\(error)")
            #expect(try contents(scratch) == [])
        }
    }

    @Test("a redirect is not followed: it could carry the token to another host")
    func redirectNotFollowed() async throws {
        try await withSimulator(configuration: { $0.faults = [5001: .status(302, times: 1)] }) { fixture in
            let scratch = try Folder()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture) { client in
                    try await client.downloadTemplates(workspace: 5001, into: scratch.url)
                }
            }
            #expect(error.httpStatus == 302)
            #expect(error.message.contains("redirects are not followed"), "\(error)")
            // Followed, the second request would have been served the zip.
            #expect(fixture.simulator.requestCount(workspace: 5001) == 1)
            #expect(try contents(scratch) == [])
        }
    }

    @Test("the workspace list is retried too, with a fresh token per attempt")
    func listingRetried() async throws {
        try await withSimulator(configuration: { $0.listingFault = .init(.truncate, times: 2) }) { fixture in
            let clock = ManualClock()
            let listed = try await withClient(fixture, clock: clock) { try await $0.workspaces() }
            #expect(listed.map(\.workspaceId) == [5001, 5002, 5003])
            #expect(fixture.simulator.requestCount(workspace: nil) == 3)
            #expect(fixture.simulator.tokensIssued == 3)
        }
    }

    @Test("a sync-sized run: several downloads at once through one client, some retried, all complete")
    func concurrentDownloads() async throws {
        try await withSimulator(configuration: {
            $0.syntheticWorkspaces = 12
            $0.faults = [10002: .status(503, times: 1), 10005: .init(.reset, times: 2), 10009: .init(.truncate, times: 1)]
        }) { fixture in
            let scratch = try Folder()
            let zips = try await withClient(fixture) { client in
                try await withThrowingTaskGroup(of: DownloadedZip.self) { group in
                    for id in 10001...10012 {
                        group.addTask { try await client.downloadTemplates(workspace: id, into: scratch.url) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(Set(zips.map(\.workspace)) == Set(10001...10012))
            for zip in zips {
                #expect(zip.sha256 == (try sha256(try #require(try fixture.simulator.zip(forWorkspace: zip.workspace)))))
            }
            #expect(try contents(scratch) == (10001...10012).map { "ImmportTemplates.\($0).zip" }.sorted())
        }
    }
}
