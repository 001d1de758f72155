import Foundation
import Testing
import TemplateTrackTesting

/// `templatetrack simulator` as a separate process, stopped when released.
final class SimulatorProcess {
    let process = Process()
    let url: String

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: templatetrackBinary)
        process.arguments = ["simulator", "--port", "0"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        url = String(decoding: line, as: UTF8.self)
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)  // whatever signals the runner ignores
        process.waitUntilExit()
    }
}

@Suite("The templatetrack command, run as a user would", .serialized)
struct CommandLineTests {
    static let password = "pass phrase for the simulator"

    @Test("ImmPort's own curl commands from the seed page work against `templatetrack simulator`")
    func seedCurlCommands() throws {
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:\(Self.password)"])
        #expect(simulator.url.hasPrefix("http://127.0.0.1:"))
        let scratch = try Scratch()
        // The seed's two lines, with its URL placeholders filled in.
        let script = """
            export token=`curl -X POST -d username="submitter" -d password="$PW" $URL/auth/token 2>&1 | fgrep '"token"' | sed -e 's/^.*"token" : "//;s/".*$//'`
            curl -k -H "Authorization: bearer $token" $URL/data/upload/documentation/templates/5001 > "$OUT"
            """
        let result = try run(
            ["bash", "-c", script], environment: ["PW": Self.password, "URL": simulator.url, "OUT": scratch.file("t.zip")])
        #expect(result.status == 0)
        let listing = try run(["unzip", "-Z1", scratch.file("t.zip")])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("subjectHumans.txt"))
    }

    @Test("sync, log --json and files --json through the binary; the password is read from stdin")
    func syncLogFiles() throws {
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:\(Self.password)"])
        let scratch = try Scratch()
        let common = ["--db", scratch.file("h.sqlite"), "--server", simulator.url, "--auth-url", simulator.url + "/auth/token"]
        let sync = try run(
            [templatetrackBinary, "sync"] + common + ["--username", "submitter", "--password-stdin", "--workspace", "5001"],
            input: Self.password + "\n")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stdout.contains("5001"))
        #expect(!(sync.stdout + sync.stderr).contains(Self.password))
        let again = try run(
            [templatetrackBinary, "sync"] + common + ["--workspace", "5001"],
            environment: ["IMMPORT_USERNAME": "submitter", "IMMPORT_PASSWORD": Self.password])
        #expect(again.status == 0, "\(again.stderr)")

        let log = try run([templatetrackBinary, "log", "--db", scratch.file("h.sqlite"), "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(entries.map { $0["workspace"] as? Int } == [5001, 5001])
        #expect(entries.map { $0["changed"] as? Bool } == [true, false])
        #expect(entries.allSatisfy { ($0["fetched_at"] as? String)?.hasSuffix("Z") == true })
        #expect(entries.allSatisfy { ($0["archive_sha256"] as? String)?.count == 64 })
        #expect(entries.allSatisfy { $0["snapshot"] is Int })
        #expect(entries[0]["previous"] is NSNull)  // present, as null, not left out
        #expect(entries[1]["previous"] as? Int == entries[0]["snapshot"] as? Int)

        let files = try run([templatetrackBinary, "files", "--db", scratch.file("h.sqlite"), "--workspace", "5001", "--json"])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(files.stdout.utf8)) as? [[String: Any]])
        #expect(listed.map { $0["path"] as? String }.contains("subjectHumans.txt"))
        #expect(listed.allSatisfy { Set($0.keys) == ["path", "size", "sha256"] })

        let database = try Data(contentsOf: URL(fileURLWithPath: scratch.file("h.sqlite")))
        #expect(database.range(of: Data(Self.password.utf8)) == nil)
    }

    @Test("errors exit 2 and name what failed: a wrong password, an unknown workspace, a bad zip")
    func errorsExitTwo() throws {
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:\(Self.password)"])
        let scratch = try Scratch()
        let common = [
            "--db", scratch.file("h.sqlite"), "--server", simulator.url, "--auth-url", simulator.url + "/auth/token",
        ]
        let wrong = try run(
            [templatetrackBinary, "sync"] + common,
            environment: ["IMMPORT_USERNAME": "submitter", "IMMPORT_PASSWORD": "a-wrong-one"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("HTTP 401"))
        #expect(!wrong.stderr.contains("a-wrong-one"))

        let unknown = try run(
            [templatetrackBinary, "sync"] + common + ["--workspace", "777"],
            environment: ["IMMPORT_USERNAME": "submitter", "IMMPORT_PASSWORD": Self.password])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("workspace 777"))
        #expect(unknown.stderr.contains("HTTP 404"))

        try makeZip(at: scratch.file("evil.zip"), [("../up.txt", "x")])
        let bad = try run([templatetrackBinary, "import", scratch.file("evil.zip"), "--workspace", "1", "--db", scratch.file("h.sqlite")])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("entry '../up.txt'"))

        let insecure = try run(
            [templatetrackBinary, "sync", "--db", scratch.file("h.sqlite"), "--server", "http://immport.example.org"],
            environment: ["IMMPORT_API_KEY": "k"])
        #expect(insecure.status == 64)  // a flag that is wrong, as the same value in the configuration is
        #expect(insecure.stderr.contains("plain http"))
    }

    @Test("import with --fetched-at, then log in text: aligned columns, no colour when piped")
    func importAndLog() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("a.zip"), [("templates.json", "[]")])
        let imported = try run([
            templatetrackBinary, "import", scratch.file("a.zip"), "--workspace", "42", "--fetched-at", "2018-04-02T10:00:00Z",
            "--db", scratch.file("h.sqlite"),
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let log = try run([templatetrackBinary, "log", "--db", scratch.file("h.sqlite")])
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].contains("2018-04-02T10:00:00Z"))
        #expect(!log.stdout.contains("\u{1B}["))
        let header = String(lines[0])
        let column = try #require(header.range(of: "FETCHED AT")).lowerBound.utf16Offset(in: header)
        #expect(String(lines[1]).dropFirst(column).hasPrefix("2018-04-02"))
    }

    @Test("diff --exit-code exits 1 on differences, 0 on none, 2 on errors; show writes exact bytes")
    func diffExitCodeAndShow() throws {
        let scratch = try Scratch()
        let db = ["--db", scratch.file("h.sqlite")]
        let bytes = "crlf line\r\nno final newline"
        try makeZip(at: scratch.file("1.zip"), [("a.txt", "one\n"), ("b.txt", bytes)])
        try makeZip(at: scratch.file("2.zip"), [("a.txt", "two\n"), ("b.txt", bytes)])
        for (zip, time) in [("1.zip", "2018-01-01T00:00:00Z"), ("2.zip", "2018-02-01T00:00:00Z"), ("2.zip", "2018-03-01T00:00:00Z")] {
            #expect(try run([templatetrackBinary, "import", scratch.file(zip), "--workspace", "3", "--fetched-at", time] + db).status == 0)
        }
        let changed = try run([templatetrackBinary, "diff", "--workspace", "3", "latest~2", "latest", "--exit-code", "--json"] + db)
        #expect(changed.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(changed.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["workspace", "api", "from", "to", "files", "templates", "lookups", "warnings", "inconsistencies", "breaking"])
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == ["a.txt"])
        #expect(files.map { $0["status"] as? String } == ["modified"])
        #expect(files[0]["from_path"] == nil)
        #expect(try run([templatetrackBinary, "diff", "--workspace", "3", "--exit-code"] + db).status == 0)
        #expect(try run([templatetrackBinary, "diff", "--workspace", "3", "2017-01-01", "--exit-code"] + db).status == 2)

        let shown = try run([templatetrackBinary, "show", "--workspace", "3", "--snapshot", "2018-01-15", "b.txt"] + db)
        #expect(shown.status == 0)
        let unzipped = try run(["unzip", "-p", scratch.file("1.zip"), "b.txt"])
        #expect(Array(shown.stdout.utf8) == Array(unzipped.stdout.utf8))
        #expect(Array(shown.stdout.utf8) == Array(bytes.utf8))
    }

    @Test("help exits 0; read-only commands do not create a database; a time copied from log finds its snapshot")
    func helpAndReadOnly() throws {
        let help = try run([templatetrackBinary, "diff", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--exit-code"))
        let scratch = try Scratch()
        let missing = try run([templatetrackBinary, "log", "--db", scratch.file("typo.sqlite")])
        #expect(missing.status == 2)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("typo.sqlite")))

        try makeZip(at: scratch.file("a.zip"), [("a.txt", "a")])
        let db = ["--db", scratch.file("h.sqlite")]
        #expect(try run([templatetrackBinary, "import", scratch.file("a.zip"), "--workspace", "1"] + db).status == 0)
        let lonely = try run([templatetrackBinary, "diff", "--workspace", "1"] + db)
        #expect(lonely.status == 2)
        #expect(lonely.stderr.contains("only one snapshot"))
        let log = try run([templatetrackBinary, "log", "--json"] + db)
        let shown = try #require((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])?.first?["fetched_at"] as? String)
        let files = try run([templatetrackBinary, "files", "--workspace", "1", "--snapshot", shown] + db)
        #expect(files.status == 0, "\(files.stderr)")
    }

    @Test("a copy of the binary elsewhere still has its migrations and samples")
    func binaryIsSelfContained() throws {
        let scratch = try Scratch()
        let copy = scratch.file("templatetrack")
        try FileManager.default.copyItem(atPath: templatetrackBinary, toPath: copy)
        try FileManager.default.copyItem(
            atPath: URL(fileURLWithPath: templatetrackBinary).deletingLastPathComponent().appending(path: "templatetrack-network").path,
            toPath: scratch.file("templatetrack-network"))
        let result = try run([copy, "demo", "--db", scratch.file("h.sqlite")], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let log = try run([copy, "log", "--db", scratch.file("h.sqlite"), "--json"], in: "/")
        #expect((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [Any])?.count == 9)
    }

    @Test("the demo tells the story end to end")
    func demo() throws {
        let scratch = try Scratch()
        let result = try run([templatetrackBinary, "demo"], in: scratch.path, environment: ["NO_COLOR": "1"])
        #expect(result.stdout.contains("templatetrack-demo-report/index.html"))
        #expect(FileManager.default.fileExists(atPath: scratch.file("templatetrack-demo-report/index.html")))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("unchanged (same contents as snapshot 1)"))
        #expect(result.stdout.contains("5001       Influenza Vaccine Cohort      5         1  recorded (first snapshot)"))
        #expect(result.stdout.contains("renamed   docs/ELISA_Submission_Guide.txt → guides/ELISA_Submission_Guide.txt"))
        #expect(result.stdout.contains("added     adverseEvents.txt"))
        #expect(result.stdout.contains("Workspace 5003 (Study Design Pilot): no change"))
        #expect(result.stdout.contains("! lk_time_unit: narrowed vocabulary, 1 value gone (Weeks)"))
        #expect(result.stdout.contains("1 renamed (elisa → elisa_reagents)"))
        #expect(result.stdout.contains("- Value\n"))
    }
}
