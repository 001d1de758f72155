import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TemplateTrackBase
import TemplateTrackSimulator
import TemplateTrackTesting

@testable import TemplateTrackFetcher

/// Failures read as one line of plain words: no library dumps, no build paths, no secrets.
@Suite("Errors in plain words")
struct PlainErrorTests {
    /// Nothing a person should see in an error line.
    static let dumps = [
        "errno", "NIOConnectionError", "HTTPClientError", "IOError", "NIOSSL", "BoringSSL", ".cc:", " at /",
        "NSCocoaErrorDomain", "%E2%80%A6", ".part", "\n",
    ]

    static func expectPlain(_ error: TemplateTrackError, sourceLocation: SourceLocation = #_sourceLocation) {
        for dump in dumps {
            #expect(!error.description.contains(dump), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("plain http is refused except to loopback, before anything is sent")
    func plainHTTPOnlyToLoopback() throws {
        for url in [
            "http://immport.example.org/auth/token", "http://10.1.2.3:8443", "ftp://127.0.0.1/x", "http://127.evil.example:8443",
            "https://bob:hunter2@immport.example.org", "https://immport.example.org/?api_key=k",
        ] {
            let error = try #require(throws: TemplateTrackError.self, "\(url)") { try Endpoints.checkSecure(URL(string: url)!) }
            #expect(error.code == .insecureURL)
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("api_key=k"))
            Self.expectPlain(error)
        }
        for url in ["https://www.immport.org/auth/token", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80"] {
            #expect(throws: Never.self, "\(url)") { try Endpoints.checkSecure(URL(string: url)!) }
        }
        let error = try #require(throws: TemplateTrackError.self) {
            try ImmPortClient(endpoints: Endpoints(server: URL(string: "http://10.1.2.3:8443")!), credentials: .apiKey("k"))
        }
        #expect(error.code == .insecureURL)
    }

    @Test("a printed URL is readable: user info and query become …, never %E2%80%A6")
    func redactedURL() {
        let url = URL(string: "https://bob:hunter2@immport.example.org:8443/data/a%20b?api_key=secret#frag")!
        #expect(Endpoints.redacted(url) == "https://…@immport.example.org:8443/data/a b?…#…")
        #expect(Endpoints.redacted(URL(string: "http://[::1]:80/workspaces")!) == "http://[::1]:80/workspaces")
        let error = TemplateTrackError(.insecureURL, "x", at: [.url(Endpoints.redacted(url))])
        Self.expectPlain(error)
    }

    @Test("library errors become plain words, and say whether another attempt may help")
    func words() {
        let options = FetchOptions(connectTimeout: .seconds(30), idleTimeout: .seconds(60))
        let cases: [(any Error, String, Bool)] = [
            (IOError(errnoCode: ECONNREFUSED, reason: "connect"), "connection refused", true),
            (IOError(errnoCode: ECONNRESET, reason: "read"), "connection reset by the server", true),
            (SystemError(code: ECONNREFUSED), "connection refused", true),
            (HTTPClientError.readTimeout, "timed out after 60 s without data", false),
            (HTTPClientError.connectTimeout, "could not connect within 30 s", false),
            (HTTPClientError.remoteConnectionClosed, "the server closed the connection", true),
            (ChannelError.connectTimeout(.seconds(30)), "could not connect within 30 s", false),
        ]
        for (error, words, transient) in cases {
            let plain = PlainWords.describe(error, options: options)
            #expect(plain.words == words, "\(error)")
            #expect(plain.transient == transient, "\(error)")
        }
        let boring =
            "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /src/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/handshake.cc:393]))"
        #expect(PlainWords.describeTLS(boring).words == "the server's TLS certificate is not trusted (certificate verify failed)")
        let version = "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /x/ssl/tls_record.cc:231]))"
        #expect(PlainWords.describeTLS(version).words == "the TLS handshake failed (wrong version number)")
        #expect(PlainWords.seconds(.seconds(1)) == "1 s")
        #expect(PlainWords.seconds(.milliseconds(1500)) == "1.5 s")
        #expect(PlainWords.seconds(.seconds(1800)) == "30 min")
    }

    @Test("Retry-After reads seconds and the three HTTP date forms; nonsense is ignored")
    func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(ImmPortClient.retryAfter("120", now: now) == .seconds(120))
        #expect(ImmPortClient.retryAfter(" 0 ", now: now) == .seconds(0))
        #expect(ImmPortClient.retryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
        #expect(ImmPortClient.retryAfter("Sunday, 06-Nov-94 08:50:07 GMT", now: now) == .seconds(30))
        #expect(ImmPortClient.retryAfter("Sun Nov  6 08:50:07 1994", now: now) == .seconds(30))
        #expect(ImmPortClient.retryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
        #expect(ImmPortClient.retryAfter("-5", now: now) == nil)
        #expect(ImmPortClient.retryAfter("soon", now: now) == nil)
        #expect(ImmPortClient.retryAfter(nil, now: now) == nil)
    }

    @Test("a refused connection is retried, then reported as 'connection refused' in one line")
    func connectionRefused() async throws {
        // A port that was just closed: nothing listens there.
        let fixture = try await SimulatorFixture.start()
        let endpoints = fixture.endpoints
        await fixture.stop()
        let clock = ManualClock()
        let client = try ImmPortClient(
            endpoints: endpoints, credentials: .apiKey("key-for-tests-only"), options: testOptions(), clock: clock)
        let scratch = try Folder()
        let error = await #expect(throws: TemplateTrackError.self) {
            try await client.downloadTemplates(workspace: 5001, into: scratch.url)
        }
        try await client.shutdown()
        let failure = try #require(error)
        #expect(failure.code == .transport)
        #expect(failure.message == "connection refused; gave up after 4 attempts", "\(failure)")
        #expect(failure.description.hasPrefix("workspace 5001: \(endpoints.server.absoluteString)/data/upload/"))
        #expect(failure.cause != nil)
        #expect(clock.sleeps.count == 3)
        #expect(try contents(scratch) == [])
        Self.expectPlain(failure)
    }

    @Test("TLS spoken to a plain-http server fails at once in plain words")
    func tlsToPlainServer() async throws {
        try await withSimulator { fixture in
            let clock = ManualClock()
            let server = URL(string: "https://127.0.0.1:\(fixture.server.port)")!
            let client = try ImmPortClient(
                endpoints: Endpoints(server: server, auth: fixture.server.authURL), credentials: .apiKey("k"),
                options: testOptions(), clock: clock)
            let error = await #expect(throws: TemplateTrackError.self) { try await client.workspaces() }
            try await client.shutdown()
            let failure = try #require(error)
            #expect(failure.message.hasPrefix("the TLS handshake failed"), "\(failure)")
            #expect(clock.sleeps.isEmpty)
            Self.expectPlain(failure)
        }
    }

    @Test("an untrusted TLS certificate is named as such, without BoringSSL's dump", .timeLimit(.minutes(1)))
    func untrustedCertificate() async throws {
        let scratch = try Folder()
        let made = try await shell(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=localhost",
            in: scratch)
        try #require(made.status == 0, "openssl is needed for this test: \(made.stderr)")
        // A port that is free now: the simulator's, just stopped.
        let probe = try await SimulatorFixture.start()
        let port = probe.server.port
        await probe.stop()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "openssl", "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", scratch.file("cert.pem"),
            "-key", scratch.file("key.pem"), "-www",
        ]
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        // Wait until it listens: curl -k gets an answer.
        var ready = false
        for _ in 0..<100 where !ready {
            let check = try await shell("curl -s -k -o /dev/null https://127.0.0.1:\(port)/", in: scratch)
            ready = check.status == 0
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready, "openssl s_server did not start")
        let client = try ImmPortClient(
            endpoints: Endpoints(server: URL(string: "https://localhost:\(port)")!), credentials: .apiKey("k"),
            options: testOptions(), clock: ManualClock())
        let error = await #expect(throws: TemplateTrackError.self) { try await client.workspaces() }
        try await client.shutdown()
        let failure = try #require(error)
        #expect(failure.message == "the server's TLS certificate is not trusted (certificate verify failed)", "\(failure)")
        Self.expectPlain(failure)
    }

    @Test("a destination that cannot be written names the file, not the temporary one, with the system's words")
    func unwritableDestination() async throws {
        try await withSimulator { fixture in
            let scratch = try Folder()
            let missing = scratch.url.appending(path: "no-such-folder")
            let error = try await #require(throws: TemplateTrackError.self) {
                try await withClient(fixture) { try await $0.downloadTemplates(workspace: 5001, into: missing) }
            }
            #expect(error.code == .io)
            #expect(error.description.hasSuffix("ImmportTemplates.5001.zip: cannot create the download (No such file or directory)"), "\(error)")
            Self.expectPlain(error)
            #expect(try contents(scratch) == [])
        }
    }
}
