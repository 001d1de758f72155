import Foundation
import Testing
import TemplateTrackBase
import TemplateTrackSimulator
import TemplateTrackTesting

/// The simulator on a loopback port (port 0), as curl sees it: an independent client.
@Suite("Simulator over loopback, seen by curl")
struct SimulatorLoopbackTests {
    static let key = "key-for-tests-only"

    /// Runs `script` with bash, with BASE, KEY, U and P set, on a plain thread.
    static func curl(_ fixture: SimulatorFixture, _ script: String, in scratch: Folder) async throws -> ShellResult {
        try await shell(
            script, in: scratch,
            environment: [
                "BASE": fixture.server.baseURL.absoluteString, "KEY": key, "U": SimulatorFixture.user,
                "P": SimulatorFixture.password,
            ])
    }

    @Test("curl signs in the documented ways and downloads the zip the simulator serves, byte for byte")
    func curlDownload() async throws {
        try await withSimulator { fixture in
            let scratch = try Folder()
            let script = """
                token=$(curl -s -X POST -d username="$U" --data-urlencode password="$P" "$BASE/auth/token" | sed -n 's/.*"access_token" : "\\(.*\\)".*/\\1/p')
                curl -s -f -H "Authorization: bearer $token" -o curl.zip "$BASE/data/upload/documentation/templates/5002" || exit 9
                curl -s -o /dev/null -w '%{http_code} ' -F username="$U" -F password="$P" "$BASE/auth/token"
                curl -s -o /dev/null -w '%{http_code}' -F username="$U" -F password="wrong" "$BASE/auth/token"
                """
            let result = try await Self.curl(fixture, script, in: scratch)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "200 401")
            let served = try #require(try fixture.simulator.zip(forWorkspace: 5002))
            #expect(try sha256OfFile(at: scratch.file("curl.zip")).sha256 == (try sha256(served)))
            #expect(fixture.simulator.tokensIssued == 2)
        }
    }

    @Test("the simulator refuses a token whose lifetime has passed when a request starts, over loopback")
    func expiredOverLoopback() async throws {
        let clock = ManualClock()
        try await withSimulator(configuration: {
            $0.tokenLifetime = 3
            $0.now = clock.now
        }) { fixture in
            let scratch = try Folder()
            let token = try await Self.curl(
                fixture,
                #"curl -s -d username="$U" --data-urlencode password="$P" "$BASE/auth/token" | sed -n 's/.*"token" : "\(.*\)".*/\1/p'"#,
                in: scratch
            ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!token.isEmpty)
            let probe = #"curl -s -o /dev/null -w '%{http_code}' -H "Authorization: bearer $T" "$BASE/workspaces""#
            let first = try await shell(probe, in: scratch, environment: ["T": token, "BASE": fixture.server.baseURL.absoluteString])
            clock.advance(.milliseconds(3500))
            let second = try await shell(probe, in: scratch, environment: ["T": token, "BASE": fixture.server.baseURL.absoluteString])
            #expect(first.stdout == "200")
            #expect(second.stdout == "401")
        }
    }

    /// What curl sees of each fault: its exit code, the status, the bytes that arrived, and the
    /// headers that matter.
    struct Seen: Sendable {
        var exit: Int32
        var status: String
        var bytes: Int
        var headers: [String: String]
    }

    static func fetch(_ fixture: SimulatorFixture, workspace: Int, extra: String = "", in scratch: Folder) async throws -> Seen {
        let script = """
            curl -s -D headers.txt -o body.bin -w '%{http_code}' \(extra) -H "Authorization: bearer $KEY" "$BASE/data/upload/documentation/templates/\(workspace)"
            """
        let result = try await curl(fixture, script, in: scratch)
        let headerText = (try? String(contentsOfFile: scratch.file("headers.txt"), encoding: .utf8)) ?? ""
        var headers: [String: String] = [:]
        for line in headerText.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: scratch.file("body.bin"))[.size] as? Int) ?? 0
        return Seen(exit: result.status, status: result.stdout, bytes: size, headers: headers)
    }

    @Test("truncate announces the whole Content-Length, sends half, and closes")
    func truncate() async throws {
        try await withSimulator(configuration: {
            $0.apiKeys = [Self.key]
            $0.faults = [5001: .init(.truncate, times: 1)]
        }) { fixture in
            let size = try #require(try fixture.simulator.zip(forWorkspace: 5001)).count
            let seen = try await Self.fetch(fixture, workspace: 5001, in: try Folder())
            #expect(seen.exit == 18)  // CURLE_PARTIAL_FILE
            #expect(seen.status == "200")
            #expect(seen.headers["content-length"] == "\(size)")
            #expect(seen.bytes == size / 2)
            // TIMES=1: the next request is served whole.
            let again = try await Self.fetch(fixture, workspace: 5001, in: try Folder())
            #expect(again.exit == 0)
            #expect(again.bytes == size)
        }
    }

    @Test("reset sends half of the body chunked, without a Content-Length, and closes the connection")
    func reset() async throws {
        try await withSimulator(configuration: {
            $0.apiKeys = [Self.key]
            $0.faults = [5001: .init(.reset)]
        }) { fixture in
            let size = try #require(try fixture.simulator.zip(forWorkspace: 5001)).count
            let seen = try await Self.fetch(fixture, workspace: 5001, in: try Folder())
            #expect(seen.exit == 18)
            #expect(seen.headers["content-length"] == nil)
            #expect(seen.headers["transfer-encoding"] == "chunked")
            #expect(seen.bytes == size / 2)
        }
    }

    @Test("stall sends half of the body and goes silent; stopping the simulator does not wait for it")
    func stall() async throws {
        let started = ContinuousClock.now
        try await withSimulator(configuration: {
            $0.apiKeys = [Self.key]
            $0.faults = [5001: .init(.stall)]
        }) { fixture in
            let half = try #require(try fixture.simulator.zip(forWorkspace: 5001)).count / 2
            // Wait (30 s at most) for half of the zip to arrive, then check that nothing more
            // comes in a second while curl still waits: silence, however slow the machine.
            let script = """
                curl -s -N -o body.bin -H "Authorization: bearer $KEY" "$BASE/data/upload/documentation/templates/5001" &
                pid=$!
                for i in $(seq 1 300); do
                    [ "$(stat -c %s body.bin 2>/dev/null || echo 0)" -ge \(half) ] && break
                    sleep 0.1
                done
                first=$(stat -c %s body.bin 2>/dev/null || echo 0)
                sleep 1
                second=$(stat -c %s body.bin 2>/dev/null || echo 0)
                kill -0 $pid 2>/dev/null && waiting=waiting || waiting=ended
                kill -KILL $pid 2>/dev/null  # TERM may be ignored: children inherit the test runner's dispositions
                wait $pid
                echo "$first $second $waiting"
                """
            let result = try await Self.curl(fixture, script, in: try Folder())
            #expect(result.stdout == "\(half) \(half) waiting\n", "\(result.stderr)")
            #expect(fixture.simulator.requestCount(workspace: 5001) == 1)
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("big announces 8 GiB and streams a zip header and zeros until the client hangs up")
    func big() async throws {
        try await withSimulator(configuration: {
            $0.apiKeys = [Self.key]
            $0.faults = [5001: .init(.big)]
        }) { fixture in
            let scratch = try Folder()
            let seen = try await Self.fetch(fixture, workspace: 5001, extra: "--max-filesize 1000000", in: scratch)
            #expect(seen.exit == 63)  // CURLE_FILESIZE_EXCEEDED, from the announced length
            #expect(seen.headers["content-length"] == "\(8 << 30)")
            // Without a limit, the bytes keep coming: take 300,000 of them and hang up.
            let streamed = try await Self.curl(
                fixture,
                #"curl -s -H "Authorization: bearer $KEY" "$BASE/data/upload/documentation/templates/5001" | head -c 300000 > taken.bin"#,
                in: scratch)
            #expect(streamed.status == 0)
            let taken = try Data(contentsOf: URL(fileURLWithPath: scratch.file("taken.bin")))
            #expect(taken.count == 300_000)
            #expect(taken.prefix(4) == Data([0x50, 0x4b, 3, 4]))
            #expect(taken.dropFirst(4).allSatisfy { $0 == 0 })
        }
    }

    @Test("status and html200 faults as curl sees them", arguments: [("429", "429"), ("500", "500"), ("503", "503"), ("html200", "200")])
    func simpleFaults(kind: String, status: String) async throws {
        let fault = try SimulatorConfiguration.Fault(parsing: kind)
        try await withSimulator(configuration: {
            $0.apiKeys = [Self.key]
            $0.faults = [5003: fault]
            $0.retryAfter = 5
        }) { fixture in
            let seen = try await Self.fetch(fixture, workspace: 5003, in: try Folder())
            #expect(seen.exit == 0)
            #expect(seen.status == status)
            #expect(seen.headers["retry-after"] == (kind == "429" ? "5" : nil))
            if kind == "html200" { #expect(seen.headers["content-type"]?.hasPrefix("text/html") == true) }
        }
    }

    @Test("a served zip is streamed from disk with its Content-Length")
    func servedZip() async throws {
        let scratch = try Folder()
        // Large enough to take several reads from disk, and not compressible away.
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom")).readData(ofLength: 768 << 10)
        let files = [("random.txt", random.base64EncodedString()), ("small.txt", "hello\n")]
        let zip = try makeZip(at: scratch.file("served.zip"), files)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: zip))
        try await withSimulator(configuration: {
            $0.apiKeys = [Self.key]
            $0.servedZips = [7001: zip]
        }) { fixture in
            let seen = try await Self.fetch(fixture, workspace: 7001, in: scratch)
            #expect(seen.exit == 0)
            #expect(seen.headers["content-length"] == "\(bytes.count)")
            #expect(bytes.count > 512 << 10)
            #expect(try sha256OfFile(at: scratch.file("body.bin")).sha256 == (try sha256(bytes)))
        }
    }
}
