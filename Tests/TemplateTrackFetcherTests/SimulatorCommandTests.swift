import Foundation
import Testing
import TemplateTrackTesting

/// `templatetrack simulator`, run as a user runs it.
@Suite("templatetrack simulator on the command line")
struct SimulatorCommandTests {
    @Test(
        "bad flags are usage errors (exit 64) that say what is expected",
        arguments: [
            ("--port 70000", "--port must be 0 to 65535"), ("--port=-1", "--port must be 0 to 65535"),
            ("--port 0 --fault 5001=teapot", "KIND is one of"), ("--port 0 --fault 5001", "WORKSPACE=KIND[:TIMES]"),
            ("--port 0 --fault 5001=503:0", "TIMES must be a whole number from 1"),
            ("--port 0 --fault abc=503", "WORKSPACE is a workspace id or 'workspaces'"),
            ("--port 0 --serve 7001", "--serve takes ID=ZIP"),
            ("--port 0 --synthetic-workspaces=-3", "--synthetic-workspaces must be 0 to 1000000"),
        ])
    func usageErrors(arguments: String, expected: String) async throws {
        let result = try await shell(
            "\"$BIN\" simulator --api-key k \(arguments)", in: try Folder(), environment: ["BIN": templatetrackBinary])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("a zip to serve that does not exist is refused in one line naming it")
    func missingZip() async throws {
        let result = try await shell(
            "\"$BIN\" simulator --api-key k --port 0 --serve 7001=/nonexistent/tt-missing.zip", in: try Folder(),
            environment: ["BIN": templatetrackBinary])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("/nonexistent/tt-missing.zip"), "\(result.stderr)")
        #expect(result.stderr.contains("workspace 7001"), "\(result.stderr)")
    }

    @Test("faults, served zips and synthetic workspaces from the command line; SIGTERM stops it cleanly")
    func liveRun() async throws {
        let folder = try Folder()
        let zip = try makeZip(at: folder.file("mine.zip"), [("a.txt", "hello\n")])
        let script = """
            "$BIN" simulator --port 0 --api-key k --fault 5001=503:1 --fault workspaces=429:1 --retry-after 9 \
                --serve 7001="$ZIP" --synthetic-workspaces 2 > url.txt 2> notes.txt &
            pid=$!
            for i in $(seq 1 300); do [ -s url.txt ] && break; sleep 0.1; done
            BASE=$(head -1 url.txt)
            get() { curl -s -o "$2" -D headers.txt -w '%{http_code}' -H "Authorization: bearer k" "$BASE$1"; }
            echo "list $(get /workspaces /dev/null) $(grep -i '^retry-after' headers.txt | tr -d '\\r')"
            echo "list $(get /workspaces list.json) $(grep -o '"workspaceId":[0-9]*' list.json | cut -d: -f2 | tr '\\n' ' ')"
            echo "5001 $(get /data/upload/documentation/templates/5001 /dev/null)"
            echo "5001 $(get /data/upload/documentation/templates/5001 5001.zip)"
            echo "7001 $(get /data/upload/documentation/templates/7001 7001.zip) $(cmp -s 7001.zip "$ZIP" && echo same)"
            echo "10002 $(get /data/upload/documentation/templates/10002 10002.zip)"
            kill -TERM $pid
            wait $pid
            echo "exit $?"
            """
        let result = try await shell(script, in: folder, environment: ["BIN": templatetrackBinary, "ZIP": zip])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "list 429 Retry-After: 9", "list 200 5001 5002 5003 7001 10001 10002 ", "5001 503", "5001 200",
                "7001 200 same", "10002 200", "exit 0",
            ], "\(result.stdout)\n\(result.stderr)")
        let notes = try String(contentsOfFile: folder.file("notes.txt"), encoding: .utf8)
        #expect(notes.contains("workspace 5001: 503:1"), "\(notes)")
        #expect(notes.contains("the workspace list: 429:1"), "\(notes)")
    }
}
