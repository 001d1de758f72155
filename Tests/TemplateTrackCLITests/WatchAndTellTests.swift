import Foundation
import Testing
import TemplateTrackTesting

/// A loopback HTTP receiver (Python's http.server) that records each POST body to a file.
final class WebhookReceiver {
    let process = Process()
    let folder: String
    let url: String

    init(folder: String, status: Int = 200) throws {
        self.folder = folder
        let script = """
            import http.server, sys, os, itertools
            folder, status = sys.argv[1], int(sys.argv[2])
            counter = itertools.count(1)
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    n = next(counter)
                    open(os.path.join(folder, 'post-%d.json' % n), 'wb').write(body)
                    open(os.path.join(folder, 'post-%d.type' % n), 'w').write(self.headers.get('Content-Type', ''))
                    self.send_response(status); self.end_headers()
                def log_message(self, *args): pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder, "\(status)"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        url = "http://127.0.0.1:" + String(decoding: line, as: UTF8.self) + "/hook/T000-secret-path"
    }

    var posts: [Data] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { FileManager.default.contents(atPath: folder + "/" + $0) }
    }

    deinit {
        // SIGKILL: a signal the test runner ignores would be ignored by the child too.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A README code block that follows a line containing `marker`.
/// The fenced block that follows `marker` in README (`skipping` blocks after it first).
func readmeBlock(after marker: String, skipping: Int = 0) throws -> String {
    let readme = try String(contentsOf: repositoryRoot.appending(path: "README.md"), encoding: .utf8)
    guard let start = readme.range(of: marker) else { throw CocoaError(.fileReadCorruptFile) }
    var rest = readme[start.upperBound...]
    for index in 0...skipping {
        guard let open = rest.range(of: "```"), let lineEnd = rest[open.upperBound...].firstIndex(of: "\n"),
            let close = rest[lineEnd...].range(of: "```")
        else { throw CocoaError(.fileReadCorruptFile) }
        if index == skipping { return String(rest[rest.index(after: lineEnd)..<close.lowerBound]) }
        rest = rest[close.upperBound...]
    }
    throw CocoaError(.fileReadCorruptFile)
}

@Suite("Watch and tell: configuration, schedules, notifications, retention", .serialized)
struct WatchAndTellTests {
    /// A home with a configuration file pointing at `simulator`, as README shows it.
    func home(_ scratch: Scratch, simulator: SimulatorProcess, webhook: String?, hookOutput: String?) throws -> [String: String] {
        let config = scratch.file("home/.config/templatetrack")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try scratch.write("home/.config/templatetrack/password", "p4ss word\n")
        chmod(config + "/password", 0o600)
        var toml = """
            server = "\(simulator.url)"
            username = "submitter"
            password_file = "\(config)/password"
            workspaces = "all"
            database = "\(scratch.file("home/history.sqlite"))"

            """
        if webhook != nil || hookOutput != nil {
            toml += "[notify]\n"
            if let webhook { toml += "webhook = \"\(webhook)\"\n" }
            if let hookOutput { toml += "command = \"cat > \(hookOutput)\"\n" }
            toml += "timeout = 5\nattempts = 2\n"
        }
        try scratch.write("home/.config/templatetrack/config.toml", toml)
        chmod(config + "/config.toml", 0o600)
        return ["HOME": scratch.file("home"), "XDG_CONFIG_HOME": scratch.file("home/.config"), "IMMPORT_PASSWORD": "", "IMMPORT_USERNAME": "", "IMMPORT_API_KEY": ""]
    }

    @Test("README's crontab line runs a sync that is silent when nothing changed, and tells the webhook and the hook when something did")
    func crontabLine() throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:p4ss word"])
        try FileManager.default.createDirectory(atPath: scratch.file("posts"), withIntermediateDirectories: true)
        let receiver = try WebhookReceiver(folder: scratch.file("posts"))
        let environment = try home(scratch, simulator: simulator, webhook: receiver.url, hookOutput: scratch.file("hook.json"))
        #expect(try run([templatetrackBinary, "config", "check"], environment: environment).status == 0)

        // The command part of README's crontab line, with the binary's real path.
        let line = try readmeBlock(after: "one line runs a daily sync").trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = line.split(separator: " ", maxSplits: 5)
        #expect(fields.count == 6)
        #expect(fields[5].hasPrefix("/usr/local/bin/templatetrack "), "cron's PATH has no /usr/local/bin: the path must be whole")
        let command = String(fields[5]).replacingOccurrences(of: "/usr/local/bin/templatetrack", with: "\"\(templatetrackBinary)\"")
        let first = try run(["bash", "-c", command], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty && first.stderr.isEmpty)  // first snapshots: recorded, nothing to tell
        let second = try run(["bash", "-c", command], environment: environment)
        #expect(second.status == 0 && second.stdout.isEmpty && second.stderr.isEmpty)
        #expect(receiver.posts.isEmpty)

        _ = try run(["curl", "-s", "-X", "POST", simulator.url + "/simulator/advance"])
        let third = try run(["bash", "-c", command], environment: environment)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("changed since snapshot"))
        #expect(!(third.stdout + third.stderr).contains("T000-secret-path") && !(third.stdout + third.stderr).contains("p4ss"))

        let posted = try #require(receiver.posts.first)
        #expect(receiver.posts.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: posted) as? [String: Any])
        #expect(Set(object.keys) == ["templatetrack_version", "text", "changes"])
        #expect((object["text"] as? String)?.contains("5001") == true)
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.map { $0["workspace"] as? Int } == [5001, 5002])
        #expect(Set(changes[0].keys) == ["workspace", "name", "api", "snapshot", "previous", "fetched_at", "breaking", "templates", "files"])
        let breaking = try #require(changes[0]["breaking"] as? [[String: Any]])
        #expect(breaking.contains { $0["kind"] as? String == "column_now_required" && $0["column"] as? String == "Ethnicity" })
        let files = try #require(changes[0]["files"] as? [String: Int])
        #expect(Set(files.keys) == ["added", "removed", "modified", "renamed"])
        // The command hook received the very same document.
        let hook = try #require(FileManager.default.contents(atPath: scratch.file("hook.json")))
        #expect(hook == posted)
    }

    @Test("sync --exit-code and changed --exit-code: 1 when a workspace changed, 0 when none did")
    func exitCodes() throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:p4ss word"])
        let environment = try home(scratch, simulator: simulator, webhook: nil, hookOutput: nil)
        let first = try run([templatetrackBinary, "sync", "--quiet"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let unchanged = try run([templatetrackBinary, "sync", "--quiet", "--exit-code"], environment: environment)
        #expect(unchanged.status == 0 && unchanged.stdout.isEmpty, "\(unchanged.stderr)")
        _ = try run(["curl", "-s", "-X", "POST", simulator.url + "/simulator/advance"])
        let changed = try run([templatetrackBinary, "sync", "--quiet", "--exit-code"], environment: environment)
        #expect(changed.status == 1, "\(changed.stderr)")
        #expect(!changed.stdout.isEmpty, "a change is told even with --quiet")
        let since = try run([templatetrackBinary, "changed", "--exit-code", "--since", "2000-01-01"], environment: environment)
        #expect(since.status == 1)
        Thread.sleep(forTimeInterval: 1.1)  // a whole second after the last change
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)).formatted(.iso8601)
        let none = try run([templatetrackBinary, "changed", "--exit-code", "--since", now], environment: environment)
        #expect(none.status == 0, "\(now): \(none.stdout) \(none.stderr)")
    }

    @Test("README's systemd service runs as written, quietly; a failing webhook is reported but the snapshot is kept")
    func systemdService() throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:p4ss word"])
        let environment = try home(scratch, simulator: simulator, webhook: "http://127.0.0.1:9/closed", hookOutput: nil)
        let unit = try readmeBlock(after: "With systemd, a service and a timer")
        let execStart = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let command = String(execStart.dropFirst("ExecStart=".count))
            .replacingOccurrences(of: "%h/.local/bin/templatetrack", with: "\"\(templatetrackBinary)\"")
        #expect(unit.contains("# templatetrack.service") && unit.contains("Type=oneshot"))
        let timer = try readmeBlock(after: "With systemd, a service and a timer", skipping: 1)
        #expect(timer.contains("# templatetrack.timer"))
        #expect(timer.contains("\n[Timer]\nOnCalendar=daily\n") && timer.contains("Persistent=true"))
        #expect(timer.contains("\n[Install]\nWantedBy=timers.target\n"))
        #expect(try run(["bash", "-c", command], environment: environment).status == 0)
        _ = try run(["curl", "-s", "-X", "POST", simulator.url + "/simulator/advance"])
        let changed = try run(["bash", "-c", command], environment: environment)
        #expect(changed.status == 2)
        #expect(changed.stderr.contains("webhook at 127.0.0.1 failed"))
        #expect(changed.stderr.contains("the snapshots are recorded"))
        #expect(!changed.stderr.contains("/closed"))
        let log = try run([templatetrackBinary, "log", "--json"], environment: environment)
        #expect((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [Any])?.count == 6)
    }

    @Test("watch syncs every interval, quietly, and stops on SIGTERM with 143")
    func watch() async throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:p4ss word"])
        let environment = try home(scratch, simulator: simulator, webhook: nil, hookOutput: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: templatetrackBinary)
        process.arguments = ["watch", "--every", "1s"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(2600))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        let log = try run([templatetrackBinary, "log", "--json"], environment: environment)
        let rounds = ((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [Any])?.count ?? 0) / 3
        #expect(rounds >= 2)
        #expect(out.fileHandleForReading.readDataToEndOfFile().isEmpty)
    }

    @Test("config check names the key that is wrong; secrets in the file are refused")
    func configCheck() throws {
        let scratch = try Scratch()
        let cases: [(String, String)] = [
            ("serverr = \"https://x.example\"\n", "unknown key 'serverr' (did you mean 'server'?)"),
            ("server = \"http://immport.example.org\"\n", "'server': plain http is allowed only to loopback"),
            ("password = \"hunter2\"\n", "'password': secrets never go in the configuration"),
            ("workspaces = [5001, \"x\"]\n", "'workspaces' must be \"all\" or a list"),
            ("[retention]\nkeep_daily = -1\n", "[retention] 'keep_daily' must be a whole number of at least 0"),
            ("[notify]\nwebhok = \"https://x.example\"\n", "[notify] unknown key 'webhok' (did you mean 'webhook'?)"),
            ("api = \"batch\"\n", "'api' must be \"upload\" or \"batch-updater\""),
            ("a = [\n", "line 1"),
        ]
        for (text, expected) in cases {
            try scratch.write("c.toml", text)
            chmod(scratch.file("c.toml"), 0o600)
            let result = try run([templatetrackBinary, "config", "check", "--config", scratch.file("c.toml")])
            #expect(result.status == 64, "\(text)")
            #expect(result.stderr.contains(expected), "\(text): \(result.stderr)")
            #expect(!result.stderr.contains("hunter2"))
        }
        try scratch.write("secret", "s3cret\n")
        chmod(scratch.file("secret"), 0o644)
        try scratch.write("c.toml", "username = \"me\"\npassword_file = \"\(scratch.file("secret"))\"\n")
        chmod(scratch.file("c.toml"), 0o600)
        let open = try run([templatetrackBinary, "config", "check", "--config", scratch.file("c.toml")])
        #expect(open.status == 64 && open.stderr.contains("readable by others"))
        chmod(scratch.file("secret"), 0o600)
        let valid = try run([templatetrackBinary, "config", "check", "--config", scratch.file("c.toml"), "--json"])
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("\"templatetrack_version\""))
    }

    @Test("prune keeps every change, answers the same diffs, and shrinks the file; --dry-run changes nothing")
    func prune() throws {
        let scratch = try Scratch()
        let db = scratch.file("h.sqlite")
        let big = (0..<20_000).map { "line \($0) of a large file\n" }.joined()
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a"), ("big.txt", big)])
        try makeZip(at: scratch.file("b.zip"), [("t.txt", "b")])
        for day in 1...20 {
            let zip = day < 10 ? "a.zip" : "b.zip"
            #expect(try run([templatetrackBinary, "import", scratch.file(zip), "-w", "1", "--fetched-at", String(format: "2019-03-%02dT00:00:00Z", day), "--db", db]).status == 0)
        }
        let changedBefore = try run([templatetrackBinary, "changed", "--json", "--db", db]).stdout
        let diffBefore = try run([templatetrackBinary, "diff", "-w", "1", "2019-03-05", "2019-03-15", "--json", "--db", db]).stdout
        let dry = try run([templatetrackBinary, "prune", "--keep-daily", "2", "--dry-run", "--json", "--db", db])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect((plan["forgotten"] as? [Int])?.count == 15)
        #expect(try run(["sqlite3", db, "SELECT count(*) FROM snapshot"]).stdout.hasPrefix("20"))
        let pruned = try run([templatetrackBinary, "prune", "--keep-daily", "2", "--json", "--db", db])
        #expect(pruned.status == 0)
        let ids = try run(["sqlite3", db, "SELECT group_concat(id) FROM snapshot"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ids == "1,9,10,19,20")
        #expect(try run([templatetrackBinary, "changed", "--json", "--db", db]).stdout == changedBefore)
        let diffAfter = try run([templatetrackBinary, "diff", "-w", "1", "1", "10", "--json", "--db", db]).stdout
        func files(_ json: String) throws -> Data {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            return try JSONSerialization.data(withJSONObject: object["files"] ?? [], options: .sortedKeys)
        }
        #expect(try files(diffAfter) == files(diffBefore))
        // Forgetting the change itself frees the large file, and the database shrinks.
        let size = { () -> Int in (try? FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0 }
        let before = size()
        #expect(try run([templatetrackBinary, "forget", "1", "9", "--db", db]).status == 0)
        #expect(size() < before - 100_000)
    }

    @Test("import - reads standard input; --name names the workspace; lookups and templates --template read the history")
    func importAndLook() throws {
        let scratch = try Scratch()
        let db = scratch.file("h.sqlite")
        let definitions = #"[{"name":"subjecthumans","fileName":"subjectHumans.txt","schemaVersion":"3.18","columns":[{"templateColumn":"Gender","required":true,"jsonDataType":"string","cvTableName":"lk_gender"}]}]"#
        let lookups = #"[{"name":"lk_gender","rows":[{"name":"Female","description":"","link":""},{"name":"Male","description":"","link":""}]}]"#
        try makeZip(at: scratch.file("a.zip"), [("templates.json", definitions), ("lookups.json", lookups)])
        let piped = try run(["bash", "-c", "cat \"$1\" | \"$2\" import - -w 9 --name 'My study' --db \"$3\"", "_", scratch.file("a.zip"), templatetrackBinary, db])
        #expect(piped.status == 0, "\(piped.stderr)")
        let log = try run([templatetrackBinary, "log", "--json", "--db", db])
        let entry = try #require((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(entry["workspace_name"] as? String == "My study")
        #expect(entry["archive_sha256"] as? String == (try sha256sum(scratch.file("a.zip"))))
        #expect(entry["api"] as? String == "upload")
        let values = try run([templatetrackBinary, "lookups", "-w", "9", "lk_gender", "--json", "--db", db])
        #expect(values.stdout.contains("\"Female\"") && values.stdout.contains("\"Male\""))
        let columns = try run([templatetrackBinary, "templates", "-w", "9", "--template", "subjecthumans", "--db", db])
        #expect(columns.stdout.contains("Gender") && columns.stdout.contains("lk_gender") && columns.stdout.contains("yes"))
        let named = try run([templatetrackBinary, "workspaces", "--local", "--name", "9=Renamed", "--json", "--db", db])
        #expect(named.stdout.contains("\"Renamed\""))
    }

    @Test("log --since, --changed and --limit; colour only on request or on a terminal")
    func logFiltersAndColour() throws {
        let scratch = try Scratch()
        let db = scratch.file("h.sqlite")
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a")])
        try makeZip(at: scratch.file("b.zip"), [("t.txt", "b")])
        for (zip, day) in [("a.zip", 1), ("a.zip", 2), ("b.zip", 3), ("b.zip", 4)] {
            _ = try run([templatetrackBinary, "import", scratch.file(zip), "-w", "1", "--fetched-at", "2019-05-0\(day)T00:00:00Z", "--db", db])
        }
        func ids(_ arguments: [String]) throws -> [Int] {
            let out = try run([templatetrackBinary, "log", "--json", "--db", db] + arguments).stdout
            return ((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []).compactMap { $0["snapshot"] as? Int }
        }
        #expect(try ids([]) == [1, 2, 3, 4])
        #expect(try ids(["--since", "2019-05-03"]) == [3, 4])
        #expect(try ids(["--changed"]) == [1, 3])
        #expect(try ids(["--limit", "2"]) == [3, 4])
        let plain = try run([templatetrackBinary, "diff", "-w", "1", "1", "3", "--db", db])
        #expect(!plain.stdout.contains("\u{1B}["))
        let coloured = try run([templatetrackBinary, "--color=always", "diff", "-w", "1", "1", "3", "--db", db])
        #expect(coloured.stdout.contains("\u{1B}["))
        let never = try run([templatetrackBinary, "diff", "-w", "1", "1", "3", "--color", "never", "--db", db])
        #expect(!never.stdout.contains("\u{1B}["))
    }

    @Test(
        "make install laid out the binary, the man page and the completions",
        .enabled(if: FileManager.default.fileExists(atPath: repositoryRoot.appending(path: ".build/test-install/bin").path),
                 "make test installs into .build/test-install first; this run did not"))
    func installed() throws {
        let prefix = repositoryRoot.appending(path: ".build/test-install").path
        #expect(try run([prefix + "/bin/templatetrack", "--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).count > 2)
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/libexec/templatetrack/templatetrack-network"))
        let manual = try String(contentsOfFile: prefix + "/share/man/man1/templatetrack.1", encoding: .utf8)
        #expect(manual.contains(".Nm") || manual.contains("templatetrack"))
        #expect(manual.contains("prune") && manual.contains("watch"))
        let bash = try String(contentsOfFile: prefix + "/share/bash-completion/completions/templatetrack", encoding: .utf8)
        #expect(bash.contains("_templatetrack"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/zsh/site-functions/_templatetrack"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/fish/vendor_completions.d/templatetrack.fish"))
        // Workspace ids complete from the history.
        let scratch = try Scratch()
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a")])
        _ = try run([templatetrackBinary, "import", scratch.file("a.zip"), "-w", "4242", "--db", scratch.file("h.sqlite")])
        // The installed binary finds its helper in libexec: `report` runs there.
        let report = try run([prefix + "/bin/templatetrack", "report", "--db", scratch.file("h.sqlite"), "--html", scratch.file("site")])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("site/index.html")))
        let completion = try run([
            templatetrackBinary, "---completion", "log", "--", "--workspace", "5", "1",
            "templatetrack", "log", "--db", scratch.file("h.sqlite"), "--workspace", "4",
        ])
        #expect(completion.stdout.split(separator: "\n").contains("4242"), "\(completion.stdout)")
    }
}
