import Foundation
import Testing
import TemplateTrackTesting

@Suite("Terminal safety, configuration trust, notification hooks and JSON shapes", .serialized)
struct SafetyAndShapesTests {
    static let hostile = "evil\u{1B}]0;PWNED\u{07}\u{1B}[31m\u{202E}"

    @Test("names and text from a zip reach the terminal escaped: no OSC, BEL, cursor or bidi codes, with or without colour")
    func hostileNamesAreEscaped() throws {
        let scratch = try Scratch()
        let db = scratch.file("h.sqlite")
        func definitions(_ columns: [String]) -> String {
            let list = columns.map { #"{"templateColumn":"\#($0)","required":false,"jsonDataType":"string"}"# }.joined(separator: ",")
            let name = Self.hostile.replacingOccurrences(of: "\u{1B}", with: "\\u001b").replacingOccurrences(of: "\u{07}", with: "\\u0007")
            return #"[{"name":"\#(name)","fileName":"x.txt","schemaVersion":"3.18","columns":[\#(list)]}]"#
        }
        try makeZip(at: scratch.file("a.zip"), [("templates.json", definitions(["A"])), ("notes.txt", "plain\n")])
        try makeZip(at: scratch.file("b.zip"), [("templates.json", definitions(["A", "B"])), ("notes.txt", "line \(Self.hostile)\n")])
        #expect(try run([templatetrackBinary, "import", scratch.file("a.zip"), "-w", "1", "--name", Self.hostile, "--db", db]).status == 0)
        #expect(try run([templatetrackBinary, "import", scratch.file("b.zip"), "-w", "1", "--db", db]).status == 0)
        let outputs = [
            try run([templatetrackBinary, "diff", "-w", "1", "1", "2", "--db", db]),
            try run([templatetrackBinary, "diff", "-w", "1", "1", "2", "--patch", "--db", db]),
            try run([templatetrackBinary, "--color=always", "diff", "-w", "1", "1", "2", "--patch", "--db", db]),
            try run([templatetrackBinary, "templates", "-w", "1", "--db", db]),
            try run([templatetrackBinary, "changed", "--db", db]),
            try run([templatetrackBinary, "workspaces", "--local", "--db", db]),
            try run([templatetrackBinary, "search", "line", "--db", db]),
        ]
        for output in outputs {
            #expect(output.status == 0 || output.status == 1, "\(output.stderr)")
            let text = output.stdout + output.stderr
            #expect(!text.contains("\u{1B}]") && !text.contains("\u{07}") && !text.contains("\u{202E}"), "\(text)")
            #expect(!text.contains("\u{1B}[31m\u{202E}"))
        }
        #expect(outputs[0].stdout.contains("\\u{1b}]0;PWNED\\u{7}"))
        #expect(outputs[4].stdout.contains("\\u{1b}"))
        // JSON keeps the data as it is (its encoder escapes control characters its own way).
        let json = try run([templatetrackBinary, "templates", "-w", "1", "--json", "--db", db])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(listed.first?["name"] as? String == Self.hostile)
    }

    @Test("a broken configuration blocks neither help, --version, config path nor demo; a named missing one and one others can write are refused")
    func configurationTrust() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("xdg/templatetrack"), withIntermediateDirectories: true)
        let file = try scratch.write("xdg/templatetrack/config.toml", "bogus = 1\n")
        chmod(file, 0o600)
        let broken = ["XDG_CONFIG_HOME": scratch.file("xdg"), "TEMPLATETRACK_CONFIG": ""]
        for arguments in [["--help"], ["--version"], ["config", "path"], ["log", "--help"]] {
            let result = try run([templatetrackBinary] + arguments, environment: broken)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        #expect(try run([templatetrackBinary, "config", "path"], environment: broken).stdout.hasPrefix(file))
        let log = try run([templatetrackBinary, "log", "--db", scratch.file("none.sqlite")], environment: broken)
        #expect(log.status == 64 && log.stderr.contains("unknown key 'bogus'"))
        let check = try run([templatetrackBinary, "config", "check", "--json"], environment: broken)
        #expect(check.status == 64)
        let verdict = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect(verdict["valid"] as? Bool == false && (verdict["error"] as? String)?.contains("bogus") == true)

        // Named by the environment but missing: an error, and `config path` says which file.
        let named = ["XDG_CONFIG_HOME": scratch.file("xdg"), "TEMPLATETRACK_CONFIG": scratch.file("typo.toml")]
        let missing = try run([templatetrackBinary, "log", "--db", scratch.file("none.sqlite")], environment: named)
        #expect(missing.status == 64 && missing.stderr.contains("typo.toml") && missing.stderr.contains("TEMPLATETRACK_CONFIG"))
        #expect(try run([templatetrackBinary, "config", "path"], environment: named).stdout.hasPrefix(scratch.file("typo.toml")))

        // A file others can change may name a command to run: refused.
        try scratch.write("xdg/templatetrack/config.toml", "[notify]\ncommand = \"true\"\n")
        chmod(file, 0o666)
        let writable = try run([templatetrackBinary, "log", "--db", scratch.file("none.sqlite")], environment: broken)
        #expect(writable.status == 64 && writable.stderr.contains("can be changed by others"), "\(writable.stderr)")
        chmod(file, 0o600)

        // A password file that is missing stops only what needs the password, and config check.
        try scratch.write("xdg/templatetrack/config.toml", "username = \"me\"\npassword_file = \"\(scratch.file("nowhere"))\"\n")
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a")])
        let imported = try run([templatetrackBinary, "import", scratch.file("a.zip"), "-w", "1", "--db", scratch.file("h.sqlite")], environment: broken)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try run([templatetrackBinary, "config", "check"], environment: broken).status == 64)

        // $HOME decides where ~ and the default configuration are.
        let home = try run([templatetrackBinary, "config", "path"], environment: ["HOME": scratch.file("home"), "XDG_CONFIG_HOME": "", "TEMPLATETRACK_CONFIG": ""])
        #expect(home.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == scratch.file("home") + "/.config/templatetrack/config.toml")
    }

    @Test("the notification command is stopped at its timeout with all it started, and never sees IMMPORT_ variables; sync --json says previous")
    func hookTimeoutAndEnvironment() throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: ["--user", "submitter:p4ss word"])
        let marker = "61.\(Int.random(in: 100...999))"
        let hookEnvironment = scratch.file("hook-env.txt")
        let config = try scratch.write(
            "config.toml",
            """
            server = "\(simulator.url)"
            username = "submitter"
            workspaces = [5001]
            [notify]
            command = "env > \(hookEnvironment); sleep \(marker) & sleep \(marker)"
            timeout = 1
            attempts = 1

            """)
        chmod(config, 0o600)
        let environment = ["TEMPLATETRACK_CONFIG": config, "IMMPORT_PASSWORD": "p4ss word", "IMMPORT_USERNAME": "", "IMMPORT_API_KEY": ""]
        let db = scratch.file("h.sqlite")
        let first = try run([templatetrackBinary, "sync", "--json", "--db", db], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let outcomes = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [[String: Any]])
        #expect(outcomes.count == 1 && outcomes[0]["previous"] is NSNull && outcomes[0]["changed"] as? Bool == true)

        _ = try run(["curl", "-s", "-X", "POST", simulator.url + "/simulator/advance"])
        let started = Date()
        let second = try run([templatetrackBinary, "sync", "--json", "--db", db], environment: environment)
        // The hook would sleep a minute; it was stopped at its 1 s timeout (plus the grace period).
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(second.status == 2)
        #expect(second.stderr.contains("the notification command failed") && second.stderr.contains("stopped"), "\(second.stderr)")
        let changed = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [[String: Any]])
        #expect(changed.first?["previous"] as? Int == 1 && changed.first?["changed"] as? Bool == true)
        let seen = try String(contentsOfFile: hookEnvironment, encoding: .utf8)
        #expect(!seen.split(separator: "\n").contains { $0.hasPrefix("IMMPORT_") })
        #expect(!seen.contains("p4ss"))
        // Nothing it started is left running.
        let left = try run(["pgrep", "-f", "sleep \(marker)"])
        #expect(left.stdout.isEmpty, "still running: \(left.stdout)")
    }

    @Test("prune and forget JSON: snake_case reasons, garbage null on a dry run, each number once; import --name --json names it; bad numbers are usage errors")
    func shapesAndNumbers() throws {
        let scratch = try Scratch()
        let db = scratch.file("h.sqlite")
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a")])
        try makeZip(at: scratch.file("b.zip"), [("t.txt", "b")])
        for (zip, day) in [("a.zip", 1), ("a.zip", 2), ("a.zip", 3), ("b.zip", 4)] {
            #expect(try run([templatetrackBinary, "import", scratch.file(zip), "-w", "1", "--fetched-at", "2019-05-0\(day)", "--db", db]).status == 0)
        }
        let dry = try run([templatetrackBinary, "prune", "--dry-run", "--json", "--db", db])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(plan.keys.contains("garbage") && plan["garbage"] is NSNull)
        let kept = try #require(plan["kept"] as? [String: Int])
        #expect(kept == ["change": 2, "before_change": 1], "\(kept)")
        #expect(plan["forgotten"] as? [Int] == [2])
        let forgot = try run([templatetrackBinary, "forget", "2", "2", "--json", "--db", db])
        let forgotten = try #require(try JSONSerialization.jsonObject(with: Data(forgot.stdout.utf8)) as? [String: Any])
        #expect(forgotten["forgotten"] as? [Int] == [2])
        #expect(forgotten["garbage"] is [String: Any])

        let named = try run([templatetrackBinary, "import", scratch.file("a.zip"), "-w", "7", "--name", "My study", "--json", "--db", db])
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any])
        #expect(snapshot["workspace_name"] as? String == "My study")

        let usage: [[String]] = [
            ["watch", "--every", "999999999999999999d"], ["watch", "--every", "1s", "--exit-code"], ["sync", "-w", "0"],
            ["import", scratch.file("a.zip"), "-w", "-5", "--db", db], ["import", scratch.file("a.zip"), "-w", "1", "--name", " ", "--db", db],
            ["extract", "-w", "1", "--to", scratch.file("out"), "--wait", "-5", "--db", db], ["log", "--db", ""],
            ["log", "--since", "2018-02-30", "--db", db], ["sync", "--server", "http://example.org"],
        ]
        for arguments in usage {
            let result = try run([templatetrackBinary] + arguments, environment: ["TEMPLATETRACK_CONFIG": ""])
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(!result.stderr.contains("Usage: log"), "\(arguments): \(result.stderr)")
        }
        let ghost = try run([templatetrackBinary, "workspaces", "--local", "--name", "424242=Ghost", "--db", db])
        #expect(ghost.status == 2 && ghost.stderr.contains("workspace 424242"))
        #expect(!(try run([templatetrackBinary, "workspaces", "--local", "--db", db]).stdout.contains("Ghost")))
    }

    @Test("the configuration's api is the series every command uses without --api; --api overrides it")
    func configuredSeries() throws {
        let scratch = try Scratch()
        let db = scratch.file("h.sqlite")
        let config = try scratch.write("c.toml", "api = \"batch-updater\"\n")
        chmod(config, 0o600)
        let environment = ["TEMPLATETRACK_CONFIG": config]
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a")])
        try makeZip(at: scratch.file("b.zip"), [("t.txt", "b")])
        for zip in ["a.zip", "b.zip"] {
            let imported = try run([templatetrackBinary, "import", scratch.file(zip), "-w", "1", "--db", db], environment: environment)
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let log = try run([templatetrackBinary, "log", "--json", "--db", db], environment: environment)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["api"] as? String } == ["batch-updater", "batch-updater"])
        // Read commands follow the configuration too, and --api still chooses.
        let diff = try run([templatetrackBinary, "diff", "-w", "1", "--exit-code", "--db", db], environment: environment)
        #expect(diff.status == 1, "\(diff.stderr)")
        #expect(try run([templatetrackBinary, "files", "-w", "1", "--db", db], environment: environment).stdout.contains("t.txt"))
        let upload = try run([templatetrackBinary, "files", "-w", "1", "--api", "upload", "--db", db], environment: environment)
        #expect(upload.status == 2)
        // Without the configuration, upload is the default.
        let plain = try run([templatetrackBinary, "diff", "-w", "1", "--db", db], environment: ["TEMPLATETRACK_CONFIG": ""])
        #expect(plain.status == 2)
    }
}
