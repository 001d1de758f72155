import AsyncHTTPClient
import Foundation
import Testing

@testable import TemplateTrack
@testable import TemplateTrackSimulator

@Suite("Fetcher and pipeline against the simulator on a loopback port")
struct SyncTests {
    @Test("a sync records every visible workspace; a second, unchanged one adds no file rows")
    func syncTwice() async throws {
        let fixture = try await SimulatorFixture.start()
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))

        let first = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        #expect(first.map(\.workspace.workspaceId) == [5001, 5002, 5003])
        #expect(first.allSatisfy { $0.error == nil && $0.snapshot?.changed == true })
        let before = try rowCounts(scratch.file("h.sqlite"))

        let second = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        #expect(second.allSatisfy { $0.snapshot?.changed == false })
        let after = try rowCounts(scratch.file("h.sqlite"))
        #expect(after["snapshot"] == 6)
        #expect(after["tree_entry"] == before["tree_entry"])
        #expect(after["blob"] == before["blob"])

        fixture.server.simulator.advance()
        let third = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        #expect(third.map { $0.snapshot?.changed } == [true, true, false])
    }

    @Test("files' sha256 equal those of the zip the server sent, as unzip and sha256sum see them")
    func hashesMatchServedZip() async throws {
        let fixture = try await SimulatorFixture.start()
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let outcomes = try await Pipeline.sync(
            endpoints: fixture.endpoints, credentials: fixture.credentials, workspaces: [5002], into: history)
        let snapshot = try #require(outcomes.first?.snapshot)

        // Fetch the same zip with curl, the way ImmPort's documentation does.
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
        let files = try history.files(of: snapshot)
        #expect(files.count == 6)
        for file in files {
            #expect(file.sha256 == (try sha256sum(scratch.file("unzipped/" + file.path))), "\(file.path)")
        }
    }

    @Test("a token is reused only while young and far from expiry; an expired one is replaced")
    func tokenReuseAndExpiry() async throws {
        // ImmPort's 60 s lifetime: two requests in quick succession share one token.
        let long = try await SimulatorFixture.start(tokenLifetime: 60)
        defer { Task { await long.server.stop() } }
        let client = try ImmPortClient(endpoints: long.endpoints, credentials: long.credentials)
        defer { Task { try await client.shutdown() } }
        _ = try await client.workspaces()
        _ = try await client.workspaces()
        #expect(long.server.simulator.tokensIssued == 1)

        // A 3 s lifetime is inside the safety margin: every request gets a fresh token,
        // including one after the previous token has expired.
        let short = try await SimulatorFixture.start(tokenLifetime: 3)
        defer { Task { await short.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let shortClient = try ImmPortClient(endpoints: short.endpoints, credentials: short.credentials)
        defer { Task { try await shortClient.shutdown() } }
        _ = try await shortClient.workspaces()
        try await Task.sleep(for: .milliseconds(3500))  // that token is now past its lifetime
        let zip = try await shortClient.downloadTemplates(workspace: 5001, into: scratch.url)
        #expect(zip.size > 0)
        #expect(short.server.simulator.tokensIssued == 2)

        let outcomes = try await Pipeline.sync(endpoints: short.endpoints, credentials: short.credentials, into: history)
        try await Task.sleep(for: .milliseconds(3500))
        let again = try await Pipeline.sync(endpoints: short.endpoints, credentials: short.credentials, into: history)
        #expect(outcomes.allSatisfy { $0.error == nil })
        #expect(again.allSatisfy { $0.error == nil && $0.snapshot?.changed == false })
        #expect(short.server.simulator.tokensIssued == 2 + 4 + 4)  // list + 3 downloads, twice
    }

    @Test("the simulator refuses an expired token with 401 when a request starts")
    func expiredTokenRefused() async throws {
        let fixture = try await SimulatorFixture.start(tokenLifetime: 3)
        defer { Task { await fixture.server.stop() } }
        let base = fixture.server.baseURL.absoluteString
        let script = """
            token=$(curl -s -d username="$U" --data-urlencode password="$P" "$BASE/auth/token" | sed -n 's/.*"token" : "\\(.*\\)".*/\\1/p')
            curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $token" "$BASE/workspaces"
            sleep 3.5
            curl -s -o /dev/null -w '%{http_code}' -H "Authorization: bearer $token" "$BASE/workspaces"
            """
        let result = try await runDetached(
            ["bash", "-c", script], environment: ["U": SimulatorFixture.user, "P": SimulatorFixture.password, "BASE": base])
        #expect(result.stdout == "200 401")
    }

    @Test("a wrong password fails with HTTP 401 and never shows the password")
    func wrongPassword() async throws {
        let fixture = try await SimulatorFixture.start()
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let wrong = Credentials.password(username: SimulatorFixture.user, password: "not-the-password-42")
        let error = try await #require(throws: TemplateTrackError.self) {
            try await Pipeline.sync(endpoints: fixture.endpoints, credentials: wrong, into: history)
        }
        #expect(error.code == .authentication)
        #expect(error.httpStatus == 401)
        #expect(!error.description.contains("not-the-password-42"))
        #expect(!"\(wrong)".contains("not-the-password-42"))
        #expect(try rowCounts(scratch.file("h.sqlite"))["snapshot"] == 0)
    }

    @Test("unknown and forbidden workspaces fail by name and status; the others are still recorded")
    func unknownWorkspace() async throws {
        let fixture = try await SimulatorFixture.start()
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let outcomes = try await Pipeline.sync(
            endpoints: fixture.endpoints, credentials: fixture.credentials, workspaces: [424242, 5001, 5099],
            into: history)
        #expect(outcomes.map(\.error?.workspace) == [424242, nil, 5099])
        #expect(outcomes.map(\.error?.httpStatus) == [404, nil, 403])
        #expect(outcomes[1].snapshot != nil)
        #expect(try history.snapshots().map(\.workspace) == [5001])
    }

    @Test("a 200 answer whose body is not a zip is an error naming the workspace")
    func nonZipBody() async throws {
        let fixture = try await SimulatorFixture.start(faults: [5002: .htmlInsteadOfZip])
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let outcomes = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        let failure = try #require(outcomes.first { $0.workspace.workspaceId == 5002 }?.error)
        #expect(failure.workspace == 5002)
        #expect(failure.message.contains("not a zip"))
        #expect(try history.snapshots().map(\.workspace) == [5001, 5003])
    }

    @Test("a server error status is reported with the workspace and the status")
    func serverError() async throws {
        let fixture = try await SimulatorFixture.start(faults: [5003: .status(503)])
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let outcomes = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        #expect(outcomes.map(\.error?.httpStatus) == [nil, nil, 503])
        #expect(outcomes[2].error?.description.hasPrefix("workspace 5003") == true)
    }

    @Test("an API key is sent directly as the bearer token", arguments: [true, false])
    func apiKey(valid: Bool) async throws {
        let fixture = try await SimulatorFixture.start(apiKeys: ["key-for-tests-only"])
        defer { Task { await fixture.server.stop() } }
        let client = try ImmPortClient(
            endpoints: fixture.endpoints, credentials: .apiKey(valid ? "key-for-tests-only" : "some-other-key"))
        defer { Task { try await client.shutdown() } }
        if valid {
            #expect(try await client.workspaces().count == 3)
        } else {
            let error = try await #require(throws: TemplateTrackError.self) { try await client.workspaces() }
            #expect(error.httpStatus == 401)
            #expect(!error.description.contains("some-other-key"))
        }
    }

    @Test(
        "the client accepts access_token or token in the auth answer",
        arguments: [SimulatorConfiguration.TokenField.accessToken, .token])
    func tokenFields(field: SimulatorConfiguration.TokenField) async throws {
        let fixture = try await SimulatorFixture.start(tokenField: field)
        defer { Task { await fixture.server.stop() } }
        let client = try ImmPortClient(endpoints: fixture.endpoints, credentials: fixture.credentials)
        defer { Task { try await client.shutdown() } }
        #expect(try await client.workspaces().map(\.workspaceId) == [5001, 5002, 5003])
    }

    @Test("the token endpoint takes multipart forms (R's httr) as well as url-encoded ones (curl -d)")
    func multipartAuth() async throws {
        let fixture = try await SimulatorFixture.start()
        defer { Task { await fixture.server.stop() } }
        let base = fixture.server.baseURL.absoluteString
        let script = """
            curl -s -o /dev/null -w '%{http_code} ' -F username="$U" -F password="$P" "$BASE/auth/token"
            curl -s -o /dev/null -w '%{http_code}' -F username="$U" -F password="wrong" "$BASE/auth/token"
            """
        let result = try await runDetached(
            ["bash", "-c", script], environment: ["U": SimulatorFixture.user, "P": SimulatorFixture.password, "BASE": base])
        #expect(result.stdout == "200 401")
    }

    @Test("the simulator's tokens are RS256 JWTs with ImmPort's claims and no others")
    func tokenShape() throws {
        let issuer = try TokenIssuer(lifetime: 60)
        let token = try issuer.issue(user: "tester")
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let header = try #require(TokenIssuer.decodeBase64URL(parts[0]))
        #expect(String(decoding: header, as: UTF8.self).contains(#""alg":"RS256""#))
        let payload = try #require(TokenIssuer.decodeBase64URL(parts[1]))
        let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(Set(claims.keys) == ["user_name", "authorities", "scope", "exp", "jti", "client_id"])
        #expect(issuer.verify(token) == .valid(user: "tester"))
        #expect(issuer.verify(token + "x") == .invalid)
    }

    @Test("plain http is refused except to loopback")
    func plainHTTPOnlyToLoopback() throws {
        for url in [
            "http://immport.example.org/auth/token", "http://10.1.2.3:8443", "ftp://127.0.0.1/x", "http://127.evil.example:8443",
            "https://bob:hunter2@immport.example.org", "https://immport.example.org/?api_key=k",
        ] {
            #expect(throws: TemplateTrackError.self, "\(url)") { try Endpoints.checkSecure(URL(string: url)!) }
        }
        for url in ["https://www.immport.org/auth/token", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80"] {
            #expect(throws: Never.self, "\(url)") { try Endpoints.checkSecure(URL(string: url)!) }
        }
    }
}
