import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TemplateTrackBase
import TemplateTrackTesting

@testable import TemplateTrackFetcher
@testable import TemplateTrackSimulator

/// The simulator's routes, in process (Hummingbird's router test framework: no socket).
@Suite("Simulator routes in process")
struct SimulatorRouterTests {
    static let user = "tester"
    static let password = "pass word&=ü"

    static func simulator(_ change: (inout SimulatorConfiguration) -> Void = { _ in }) throws -> Simulator {
        var settings = SimulatorConfiguration(users: [user: password], apiKeys: ["key-for-tests-only"])
        change(&settings)
        return try Simulator(configuration: settings)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
        return try #require(object as? [String: Any])
    }

    static func urlEncoded(_ fields: [(String, String)]) -> String {
        fields.map { "\(TokenSource.formEncode($0.0))=\(TokenSource.formEncode($0.1))" }.joined(separator: "&")
    }

    /// Signs in with a url-encoded form, as curl -d does, and returns the token.
    static func signIn(_ client: some TestClientProtocol, password: String = password) async throws -> String {
        let response = try await client.execute(
            uri: "/auth/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: urlEncoded([("username", user), ("password", password)])))
        #expect(response.status == .ok)
        let fields = try json(response)
        return try #require((fields["access_token"] as? String) ?? (fields["token"] as? String))
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "bearer \(token)" }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    @Test("a url-encoded form gets a token that opens the workspace list; a wrong password gets 401")
    func urlEncodedForm() async throws {
        let simulator = try Self.simulator()
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            let listing = try await Self.get(client, "/workspaces", token: token)
            #expect(listing.status == .ok)
            let workspaces = try #require(try Self.json(listing)["workspaces"] as? [[String: Any]])
            #expect(workspaces.compactMap { $0["workspaceId"] as? Int } == [5001, 5002, 5003])

            let wrong = try await client.execute(
                uri: "/auth/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: Self.urlEncoded([("username", Self.user), ("password", "nope")])))
            #expect(wrong.status == .unauthorized)
            #expect(try Self.json(wrong)["error"] as? String == "Bad credentials")
        }
        #expect(simulator.tokensIssued == 1)
    }

    @Test("a multipart form (R's httr) gets a token too")
    func multipartForm() async throws {
        let simulator = try Self.simulator()
        try await simulator.application().test(.router) { client in
            let boundary = "----tt-boundary-42"
            var body = ""
            for (name, value) in [("username", Self.user), ("password", Self.password)] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)--\r\n"
            let response = try await client.execute(
                uri: "/auth/token", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let token = try #require(try Self.json(response)["access_token"] as? String)
            #expect(try await Self.get(client, "/workspaces", token: token).status == .ok)
        }
    }

    @Test(
        "the token answer carries access_token, token, or both, as configured",
        arguments: [
            (SimulatorConfiguration.TokenField.accessToken, ["access_token"]), (.token, ["token"]),
            (.both, ["access_token", "token"]),
        ])
    func tokenFields(field: SimulatorConfiguration.TokenField, expected: [String]) async throws {
        let simulator = try Self.simulator { $0.tokenField = field }
        try await simulator.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/auth/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: Self.urlEncoded([("username", Self.user), ("password", Self.password)])))
            let fields = try Self.json(response)
            #expect(fields["status"] as? Int == 200)
            #expect(Set(fields.keys).subtracting(["status"]) == Set(expected))
        }
    }

    @Test("no token, another scheme or a forged token is 401; a denied workspace 403; an unknown one 404")
    func refusals() async throws {
        let simulator = try Self.simulator()
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            let path = "/data/upload/documentation/templates/"
            #expect(try await Self.get(client, path + "5001", token: nil).status == .unauthorized)
            let basic = try await client.execute(
                uri: path + "5001", method: .get, headers: [.authorization: "Basic dGVzdGVyOnB3"])
            #expect(basic.status == .unauthorized)
            let forged = try await Self.get(client, path + "5001", token: token + "x")
            #expect(forged.status == .unauthorized)
            #expect(try Self.json(forged)["error"] as? String == "Invalid access token")
            // Simulators in one process share a signing key, but each takes only its own tokens.
            let stranger = try await Self.simulator().application().test(.router) { try await Self.signIn($0) }
            #expect(try await Self.get(client, path + "5001", token: stranger).status == .unauthorized)
            #expect(try await Self.get(client, path + "5099", token: token).status == .forbidden)
            #expect(try await Self.get(client, path + "424242", token: token).status == .notFound)
            #expect(try await Self.get(client, path + "abc", token: token).status == .notFound)
            // The scheme is read case-insensitively, and an API key is a bearer token too.
            let upper = try await client.execute(uri: path + "5001", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(upper.status == .ok)
            #expect(try await Self.get(client, path + "5001", token: "key-for-tests-only").status == .ok)
            #expect(try await Self.get(client, "/data/batch/updater/documentation/templates/5002", token: token).status == .ok)
        }
        // Refused requests never count as having reached a download.
        #expect(simulator.requestCount(workspace: 5001) == 2)
        #expect(simulator.requestCount(workspace: 5099) == 0)
    }

    @Test("a token is refused once its lifetime has passed when a request starts (injected clock)")
    func expiredTokenRefused() async throws {
        let clock = ManualClock()
        let simulator = try Self.simulator {
            $0.tokenLifetime = 3
            $0.now = clock.now
        }
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            #expect(try await Self.get(client, "/workspaces", token: token).status == .ok)
            // exp is a whole second, so it may fall up to 1 s before issue + 3 s.
            clock.advance(.milliseconds(1900))
            #expect(try await Self.get(client, "/workspaces", token: token).status == .ok)
            clock.advance(.milliseconds(1200))
            let late = try await Self.get(client, "/workspaces", token: token)
            #expect(late.status == .unauthorized)
            #expect(try Self.json(late)["error"] as? String == "Access token expired")
            // A fresh token works again at the same moment.
            #expect(try await Self.get(client, "/workspaces", token: try await Self.signIn(client)).status == .ok)
        }
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
        #expect(TokenSource.expiry(ofJWT: token).map { abs($0.timeIntervalSinceNow - 60) < 5 } == true)
    }

    @Test("status faults answer their status, 429 with Retry-After, a 3xx with a Location; TIMES then behaves")
    func statusFaults() async throws {
        let clock = ManualClock()
        let simulator = try Self.simulator {
            $0.faults = [5001: .status(429, times: 2), 5002: .status(503), 5003: .status(302, times: 1)]
            $0.retryAfter = 7
            $0.now = clock.now
        }
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            let path = "/data/upload/documentation/templates/"
            for _ in 0..<2 {
                let busy = try await Self.get(client, path + "5001", token: token)
                #expect(busy.status == .tooManyRequests)
                #expect(busy.headers[.retryAfter] == "7")
            }
            let served = try await Self.get(client, path + "5001", token: token)
            #expect(served.status == .ok)
            #expect(Data(served.body.readableBytesView).prefix(4) == Data([0x50, 0x4b, 3, 4]))
            for _ in 0..<5 {
                #expect(try await Self.get(client, path + "5002", token: token).status == .serviceUnavailable)
            }
            let moved = try await Self.get(client, path + "5003", token: token)
            #expect(moved.status == .found)
            #expect(moved.headers[.location] == path + "5003")
            #expect(try await Self.get(client, path + "5003", token: token).status == .ok)
        }
        #expect(simulator.requestCount(workspace: 5001) == 3)
        #expect(simulator.requestCount(workspace: 5002) == 5)
    }

    @Test("Retry-After can be an HTTP date, which the client reads as the same wait")
    func retryAfterDate() async throws {
        let clock = ManualClock()
        let simulator = try Self.simulator {
            $0.faults = [5001: .status(429)]
            $0.retryAfter = 30
            $0.retryAfterStyle = .httpDate
            $0.now = clock.now
        }
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            let busy = try await Self.get(client, "/data/upload/documentation/templates/5001", token: token)
            let header = try #require(busy.headers[.retryAfter])
            #expect(header.hasSuffix(" GMT"))
            let wait = try #require(ImmPortClient.retryAfter(header, now: clock.date))
            #expect(wait > .seconds(29) && wait <= .seconds(30), "\(wait)")
        }
    }

    @Test("html200 answers 200 with a login page instead of a zip")
    func htmlFault() async throws {
        let simulator = try Self.simulator { $0.faults = [5002: .htmlInsteadOfZip] }
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            let page = try await Self.get(client, "/data/upload/documentation/templates/5002", token: token)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("<html>"))
        }
    }

    @Test("a fault on the workspace list spoils it TIMES times")
    func listingFault() async throws {
        let simulator = try Self.simulator { $0.listingFault = .status(502, times: 1) }
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            #expect(try await Self.get(client, "/workspaces", token: token).status == .badGateway)
            #expect(try await Self.get(client, "/workspaces", token: token).status == .ok)
        }
        #expect(simulator.requestCount(workspace: nil) == 2)
    }

    @Test("a served zip is listed and sent byte for byte with its Content-Length; synthetic workspaces serve the sets in turn")
    func servedAndSynthetic() async throws {
        let scratch = try Folder()
        let zip = try makeZip(at: scratch.file("mine.zip"), [("a.txt", "hello\n"), ("b/c.txt", "world\n")])
        let simulator = try Self.simulator {
            $0.servedZips = [7001: zip, 5001: zip]
            $0.syntheticWorkspaces = 4
        }
        let reference = try Self.simulator()
        try await simulator.application().test(.router) { client in
            let token = try await Self.signIn(client)
            let listing = try #require(try Self.json(try await Self.get(client, "/workspaces", token: token))["workspaces"] as? [[String: Any]])
            #expect(listing.compactMap { $0["workspaceId"] as? Int } == [5001, 5002, 5003, 7001, 10001, 10002, 10003, 10004])
            #expect(listing.first { $0["workspaceId"] as? Int == 7001 }?["name"] as? String == "Served mine.zip")

            let expected = try Data(contentsOf: URL(fileURLWithPath: zip))
            for id in [7001, 5001] {
                let served = try await Self.get(client, "/data/upload/documentation/templates/\(id)", token: token)
                #expect(served.status == .ok)
                #expect(served.headers[.contentLength] == "\(expected.count)")
                #expect(Data(served.body.readableBytesView) == expected)
            }
            let sets = SampleCatalog.embedded.templateSets.keys.sorted()
            let owners = Dictionary(SampleCatalog.embedded.workspaces.map { ($0.templateSet, $0.workspace.workspaceId) }) { a, _ in a }
            for (offset, id) in (10001...10004).enumerated() {
                let served = try await Self.get(client, "/data/upload/documentation/templates/\(id)", token: token)
                #expect(served.status == .ok)
                let owner = try #require(owners[sets[offset % sets.count]])
                #expect(Data(served.body.readableBytesView) == (try reference.zip(forWorkspace: owner)), "\(id)")
            }
            #expect(try await Self.get(client, "/data/upload/documentation/templates/10005", token: token).status == .notFound)
        }
    }

    @Test("a served zip that is missing is refused when the simulator is made")
    func missingServedZip() throws {
        let error = try #require(throws: TemplateTrackError.self) {
            try Self.simulator { $0.servedZips = [7001: "/nonexistent/tt-missing.zip"] }
        }
        #expect(error.description.contains("/nonexistent/tt-missing.zip"))
        #expect(error.description.contains("workspace 7001"))
    }

    @Test("fault specs parse as the command line writes them, and print back the same")
    func faultParsing() throws {
        let cases: [(String, SimulatorConfiguration.Fault)] = [
            ("429", .status(429)), ("503:2", .status(503, times: 2)), ("500", .status(500)),
            ("reset", .init(.reset)), ("truncate:1", .init(.truncate, times: 1)), ("stall", .init(.stall)),
            ("html200", .htmlInsteadOfZip), ("big:3", .init(.big, times: 3)),
        ]
        for (text, fault) in cases {
            #expect(try SimulatorConfiguration.Fault(parsing: text) == fault, "\(text)")
            #expect(fault.description == text)
        }
        for bad in ["", "teapot", "200", "503:0", "503:x", "reset:", "99"] {
            #expect(throws: TemplateTrackError.self, "\(bad)") { try SimulatorConfiguration.Fault(parsing: bad) }
        }
    }
}
