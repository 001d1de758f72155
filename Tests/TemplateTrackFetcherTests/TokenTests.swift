import Foundation
import Testing
import TemplateTrackBase
import TemplateTrackSimulator
import TemplateTrackTesting

@testable import TemplateTrackFetcher

/// How the fetcher gets and reuses tokens, on an injected clock shared with the simulator.
@Suite("Tokens: reuse, expiry and the documented answer shapes")
struct TokenTests {
    @Test("two requests in quick succession share one token; one after 30 s gets a new one")
    func reuseWhileYoung() async throws {
        let clock = ManualClock()
        try await withSimulator(configuration: { $0.now = clock.now }) { fixture in
            try await withClient(fixture, clock: clock) { client in
                _ = try await client.workspaces()
                clock.advance(.seconds(20))
                _ = try await client.workspaces()
                #expect(fixture.simulator.tokensIssued == 1)
                clock.advance(.seconds(11))  // 31 s old: past the 30 s reuse limit, though not expired
                _ = try await client.workspaces()
                #expect(fixture.simulator.tokensIssued == 2)
            }
        }
    }

    @Test("a token close to its exp is not reused, even when young")
    func notReusedNearExpiry() async throws {
        let clock = ManualClock()
        try await withSimulator(configuration: {
            $0.tokenLifetime = 40
            $0.now = clock.now
        }) { fixture in
            try await withClient(fixture, clock: clock) { client in
                _ = try await client.workspaces()
                clock.advance(.seconds(5))  // exp is 35 s away: reused
                _ = try await client.workspaces()
                #expect(fixture.simulator.tokensIssued == 1)
                clock.advance(.seconds(21))  // 26 s old, but exp is under 15 s away
                _ = try await client.workspaces()
                #expect(fixture.simulator.tokensIssued == 2)
            }
        }
    }

    @Test("with a lifetime inside the safety margin every request gets a fresh token, also after the last expired")
    func shortLifetime() async throws {
        let clock = ManualClock()
        try await withSimulator(configuration: {
            $0.tokenLifetime = 3
            $0.now = clock.now
        }) { fixture in
            let scratch = try Folder()
            try await withClient(fixture, clock: clock) { client in
                _ = try await client.workspaces()
                clock.advance(.milliseconds(3500))  // that token is now past its lifetime
                let zip = try await client.downloadTemplates(workspace: 5001, into: scratch.url)
                #expect(zip.size > 0)
                #expect(fixture.simulator.tokensIssued == 2)
                for id in [5001, 5002, 5003] { _ = try await client.downloadTemplates(workspace: id, into: scratch.url) }
                #expect(fixture.simulator.tokensIssued == 5)
            }
        }
    }

    @Test("the client accepts access_token or token in the auth answer", arguments: [SimulatorConfiguration.TokenField.accessToken, .token])
    func tokenFields(field: SimulatorConfiguration.TokenField) async throws {
        try await withSimulator(configuration: { $0.tokenField = field }) { fixture in
            let listed = try await withClient(fixture) { try await $0.workspaces() }
            #expect(listed.map(\.workspaceId) == [5001, 5002, 5003])
        }
    }

    @Test("an API key is sent directly as the bearer token, and no token is asked for")
    func apiKey() async throws {
        try await withSimulator(configuration: { $0.apiKeys = ["key-for-tests-only"] }) { fixture in
            let listed = try await withClient(fixture, credentials: .apiKey("key-for-tests-only")) { try await $0.workspaces() }
            #expect(listed.count == 3)
            #expect(fixture.simulator.tokensIssued == 0)
        }
    }

    @Test("a wrong password fails with 401 from the authentication service, without the password")
    func wrongPassword() async throws {
        try await withSimulator { fixture in
            let clock = ManualClock()
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(
                    fixture, credentials: .password(username: SimulatorFixture.user, password: "not-the-password-42"),
                    clock: clock
                ) { try await $0.workspaces() }
            }
            #expect(error.code == .authentication)
            #expect(error.httpStatus == 401)
            #expect(error.message.contains("check the username and password"))
            #expect(error.description.contains("/auth/token"))
            #expect(!error.description.contains("not-the-password-42"))
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test("form encoding escapes what a password may hold; JWT expiry is read without verifying")
    func encodingAndExpiry() throws {
        #expect(TokenSource.formEncode("a b&c=d+é*") == "a+b%26c%3Dd%2B%C3%A9*")
        let payload = Data(#"{"exp":1700000000,"user_name":"x"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        #expect(TokenSource.expiry(ofJWT: "e30.\(payload).sig") == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(TokenSource.expiry(ofJWT: "not-a-jwt") == nil)
    }
}
