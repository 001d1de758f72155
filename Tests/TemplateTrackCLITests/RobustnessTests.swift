import Foundation
import Testing
import TemplateTrackTesting

/// A zip of `entries` text files of about `kilobytes` each, different for each `seed`.
func bulkZip(_ path: String, entries: Int, kilobytes: Int, seed: Int) throws {
    let script = """
        import random, sys, zipfile
        path, entries, kb, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        rng = random.Random(seed)
        words = ["User Defined ID", "Schema Version", "Biosample ID", "Value Reported", "lk_time_unit", "required"]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for i in range(entries):
                lines, size = [], 0
                while size < kb * 1024:
                    line = "\\t".join(rng.choice(words) + " " + str(rng.randrange(10**6)) for _ in range(8))
                    lines.append(line); size += len(line) + 1
                z.writestr("data/file%04d.txt" % i, "\\n".join(lines) + "\\n")
        """
    let result = try run(["python3", "-c", script, path, "\(entries)", "\(kilobytes)", "\(seed)"])
    guard result.status == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// A zip of `entries` text entries of `megabytes` MiB each: large enough to be spooled to disk
/// while importing, as ImmPort's biggest files would be.
func largeEntryZip(_ path: String, entries: Int, megabytes: Int, seed: Int) throws {
    let script = """
        import random, sys, zipfile
        path, entries, mb, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        rng = random.Random(seed)
        body = "".join("%d\\tValue Reported %d\\tUnit Reported %d\\n" % (i, rng.randrange(10**9), rng.randrange(10**9)) for i in range(20000))
        body = (body * (mb * 1024 * 1024 // len(body) + 1))[: mb * 1024 * 1024]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for i in range(entries):
                z.writestr("data/large%02d.txt" % i, "seed %d entry %d\\n" % (seed, i) + body)
        """
    let result = try run(["python3", "-c", script, path, "\(entries)", "\(megabytes)", "\(seed)"])
    guard result.status == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// Starts the binary without waiting.
func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: templatetrackBinary)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

func integrityCheck(_ db: String) throws -> String {
    try run(["sqlite3", db, "PRAGMA integrity_check; INSERT INTO blob_text(blob_text) VALUES('integrity-check');"])
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Concurrent writers, kill -9 and signals", .serialized)
struct RobustnessTests {
    @Test("four concurrent imports and a reader loop all succeed, on a new history and on an existing one")
    func concurrentImports() async throws {
        let scratch = try Scratch()
        for seed in 0..<8 { try bulkZip(scratch.file("\(seed).zip"), entries: 40, kilobytes: 250, seed: seed) }
        // The third round: 27 MiB zips of entries too large to keep in memory, each spooled and
        // stored in a transaction of its own rather than all in one.
        for seed in 8..<12 { try largeEntryZip(scratch.file("\(seed).zip"), entries: 3, megabytes: 9, seed: seed) }
        let db = scratch.file("shared/history.sqlite")
        for round in 0..<3 {
            let imports = try (0..<4).map { index in
                try launchCapturing(["import", scratch.file("\(round * 4 + index).zip"), "-w", "\(index + 1)", "--db", db])
            }
            // A reader that keeps asking while the imports write.
            let reader = try launchCapturing(
                ["--db", db], shell: "for i in $(seq 1 60); do \"$0\" log --db \"$1\" --json >/dev/null || true; done")
            for process in imports + [reader] { process.process.waitUntilExit() }
            for (index, process) in imports.enumerated() {
                #expect(process.process.terminationStatus == 0, "round \(round) import \(index): \(process.stderr)")
            }
            let readerErrors = reader.stderr
            #expect(!readerErrors.contains("locked") && !readerErrors.contains("busy"), "\(readerErrors)")
            #expect(try integrityCheck(db) == "ok")
        }
        let log = try run([templatetrackBinary, "log", "--db", db, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 12)
        #expect(Set(entries.compactMap { $0["archive_sha256"] as? String }).count == 12)
    }

    @Test("kill -9 at 66 random points of import, sync, extract and prune: the history stays whole and converges")
    func killNine() async throws {
        let scratch = try Scratch()
        var generator = SystemRandomNumberGenerator()
        let temporary = scratch.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let environment = ["TMPDIR": temporary]
        try bulkZip(scratch.file("big.zip"), entries: 60, kilobytes: 150, seed: 1)
        try bulkZip(scratch.file("other.zip"), entries: 60, kilobytes: 150, seed: 2)
        let db = scratch.file("h.sqlite")
        var points = 0

        func killAt(_ arguments: [String], maxMilliseconds: UInt64) async throws {
            let process = try launch(arguments, environment: environment)
            try await Task.sleep(for: .milliseconds(UInt64.random(in: 1...maxMilliseconds, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            points += 1
            if FileManager.default.fileExists(atPath: db) {
                #expect(try integrityCheck(db) == "ok", "after killing \(arguments.prefix(2))")
            }
        }

        // Import: afterwards there is either no snapshot or the whole one.
        for attempt in 1...14 {
            try await killAt(["import", scratch.file("big.zip"), "-w", "1", "--db", db], maxMilliseconds: 900)
            if FileManager.default.fileExists(atPath: db) {
                let count = try run(["sqlite3", db, "SELECT count(*) FROM snapshot"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let entries = try run(["sqlite3", db, "SELECT count(*) FROM tree_entry"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                // At most one snapshot per attempt, and every snapshot's tree whole (the zip has 60 entries).
                #expect((Int(count) ?? -1) >= 0 && (Int(count) ?? .max) <= attempt, "\(count) snapshots after \(attempt) attempts")
                #expect(entries == "0" || entries == "60")
                let partial = try run([
                    "sqlite3", db, "SELECT count(*) FROM snapshot s WHERE (SELECT count(*) FROM tree_entry e WHERE e.tree_id = s.tree_id) != 60",
                ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(partial == "0")
            }
        }
        #expect(try run([templatetrackBinary, "import", scratch.file("big.zip"), "-w", "1", "--db", db], environment: environment).status == 0)
        #expect(try run([templatetrackBinary, "import", scratch.file("other.zip"), "-w", "1", "--db", db], environment: environment).status == 0)
        let files = try run([templatetrackBinary, "files", "-w", "1", "-s", "latest", "--json", "--db", db]).stdout
        try run(["unzip", "-q", scratch.file("other.zip"), "-d", scratch.file("unzipped")])
        for line in try run(["bash", "-c", "cd \"$1\" && find . -type f | sort | xargs sha256sum", "_", scratch.file("unzipped")]).stdout.split(separator: "\n").prefix(5) {
            #expect(files.contains(String(line.prefix(64))))
        }

        // Sync: each workspace is recorded whole or not at all.
        let simulator = try SimulatorProcess(arguments: ["--user", "u:p"])
        let syncArguments = ["sync", "--server", simulator.url, "--db", db]
        for _ in 0..<12 {
            let process = try launch(syncArguments, environment: environment.merging(["IMMPORT_USERNAME": "u", "IMMPORT_PASSWORD": "p"]) { $1 })
            try await Task.sleep(for: .milliseconds(UInt64.random(in: 1...250, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            points += 1
            #expect(try integrityCheck(db) == "ok", "after killing sync")
            let orphans = try run(["sqlite3", db, "SELECT count(*) FROM snapshot s LEFT JOIN tree t ON t.id = s.tree_id WHERE t.id IS NULL"]).stdout
            #expect(orphans.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
        let synced = try run([templatetrackBinary] + syncArguments, environment: environment.merging(["IMMPORT_USERNAME": "u", "IMMPORT_PASSWORD": "p"]) { $1 })
        #expect(synced.status == 0, "\(synced.stderr)")

        // Extract into a new folder, then update it: the folder is absent or complete, and a rerun converges.
        let out = scratch.file("out")
        for round in 0..<14 {
            let snapshot = round % 2 == 0 ? "latest" : "latest~1"
            try await killAt(["extract", "-w", "1", "-s", snapshot, "--to", out, "--force", "--db", db], maxMilliseconds: 400)
            // And a new folder each round, killed while it is made: the next run finishes it as its own.
            let new = scratch.file("new-\(round)")
            try await killAt(["extract", "-w", "1", "--to", new, "--db", db], maxMilliseconds: 300)
            let finished = try run([templatetrackBinary, "extract", "-w", "1", "--to", new, "--db", db], environment: environment)
            #expect(finished.status == 0, "round \(round): \(finished.stderr)")
            let whole = try run(["diff", "-r", scratch.file("unzipped"), new])
            #expect(whole.status == 0, "round \(round): \(whole.stdout)")  // nor a marker or temporary file left in it
        }
        let finish = try run([templatetrackBinary, "extract", "-w", "1", "--to", out, "--force", "--db", db], environment: environment)
        #expect(finish.status == 0, "\(finish.stderr)")
        let same = try run(["diff", "-r", scratch.file("unzipped"), out])
        #expect(same.status == 0, "\(same.stdout)")
        // No staging folder beside it, no temporary file in it (`diff -r` above would name one).
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".tt-staging-") }.isEmpty)

        // Prune a history of many unchanged fetches.
        for day in 1...28 {
            let zip = day % 9 == 0 ? "big.zip" : "other.zip"
            let time = String(format: "2019-01-%02dT00:00:00Z", day)
            #expect(try run([templatetrackBinary, "import", scratch.file(zip), "-w", "2", "--fetched-at", time, "--db", db], environment: environment).status == 0)
        }
        try run(["sqlite3", db, "VACUUM INTO '\(scratch.file("copy.sqlite"))'"])
        let expected = try run([templatetrackBinary, "prune", "--keep-daily", "3", "--json", "--db", scratch.file("copy.sqlite")]).stdout
        for _ in 0..<12 {
            try await killAt(["prune", "--keep-daily", "3", "--db", db], maxMilliseconds: 300)
        }
        #expect(try run([templatetrackBinary, "prune", "--keep-daily", "3", "--db", db], environment: environment).status == 0)
        let keptHere = try run(["sqlite3", db, "SELECT group_concat(id) FROM (SELECT id FROM snapshot ORDER BY id)"]).stdout
        let keptThere = try run(["sqlite3", scratch.file("copy.sqlite"), "SELECT group_concat(id) FROM (SELECT id FROM snapshot ORDER BY id)"]).stdout
        #expect(keptHere == keptThere, "\(expected)")
        #expect(points >= 66)
        // Every run folder a killed process left was removed by a later run.
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("templatetrack-run-") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test("SIGINT and SIGTERM during an import: exit 130 or 143, nothing recorded, nothing left behind")
    func interruptedImport() async throws {
        let scratch = try Scratch()
        try bulkZip(scratch.file("big.zip"), entries: 200, kilobytes: 300, seed: 3)
        try makeZip(at: scratch.file("small.zip"), [("a.txt", "a")])
        let db = scratch.file("h.sqlite")
        #expect(try run([templatetrackBinary, "import", scratch.file("small.zip"), "-w", "1", "--db", db]).status == 0)
        let before = try databaseDump(db)
        let temporary = scratch.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let process = try launch(["import", scratch.file("big.zip"), "-w", "1", "--db", db], environment: ["TMPDIR": temporary])
            // Signalled once the import is inflating (its run folder exists), not after a fixed
            // delay: a fast machine finishes this zip in a fraction of a second.
            let deadline = ContinuousClock.now + .seconds(20)
            while try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, process.isRunning,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(process.isRunning, "the import ended before it could be interrupted")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(process.terminationStatus == status)
            #expect(try databaseDump(db) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
        }
    }

    @Test("SIGINT and SIGTERM during an extract: exit 130 or 143, no temporary file or staging folder left")
    func interruptedExtract() async throws {
        let scratch = try Scratch()
        try bulkZip(scratch.file("big.zip"), entries: 400, kilobytes: 300, seed: 4)
        try makeZip(at: scratch.file("small.zip"), [("a.txt", "a")])
        let db = scratch.file("h.sqlite")
        for zip in ["small.zip", "big.zip"] {
            #expect(try run([templatetrackBinary, "import", scratch.file(zip), "-w", "1", "--db", db]).status == 0)
        }
        /// Starts the extract, waits until `appeared` names something in `folder`, then signals.
        func interrupt(_ arguments: [String], signal: Int32, folder: String, appeared: (String) -> Bool) async throws -> Int32 {
            let process = try launch(["extract", "-w", "1", "--db", db] + arguments)
            for _ in 0..<400 where process.isRunning {
                if ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains(where: appeared) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            return process.terminationStatus
        }
        // A new folder: interrupted while it is assembled beside the target.
        let fresh = scratch.file("fresh")
        let first = try await interrupt(["--to", fresh], signal: SIGINT, folder: scratch.path) { $0.hasPrefix(".tt-staging-") }
        #expect(first == 130)
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".tt-") }.isEmpty)
        // Its own folder, updated in place: interrupted while the temporary files are written.
        let out = scratch.file("out")
        #expect(try run([templatetrackBinary, "extract", "-w", "1", "-s", "latest~1", "--to", out, "--db", db]).status == 0)
        let second = try await interrupt(["--to", out], signal: SIGTERM, folder: out + "/data") { $0.hasPrefix(".tt-") }
        #expect(second == 143)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out + "/data")) ?? []
        #expect(left.filter { $0.hasPrefix(".tt-") }.isEmpty, "\(left.count) entries, temporary: \(left.filter { $0.hasPrefix(".tt-") }.count)")
        // And the next extract completes it.
        #expect(try run([templatetrackBinary, "extract", "-w", "1", "--to", out, "--db", db]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/data").count == 400)
    }
}

/// A started process whose standard error is collected.
final class CapturedProcess: @unchecked Sendable {
    let process = Process()
    private let pipe = Pipe()
    private var collected = Data()
    private let lock = NSLock()

    init(arguments: [String], shell: String?) throws {
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", shell, templatetrackBinary] + arguments.filter { $0 != "--db" }
        } else {
            process.executableURL = URL(fileURLWithPath: templatetrackBinary)
            process.arguments = arguments
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.collected.append(data) }
        }
        try process.run()
    }

    var stderr: String {
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        return lock.withLock { String(decoding: collected + rest, as: UTF8.self) }
    }
}

func launchCapturing(_ arguments: [String], shell: String? = nil) throws -> CapturedProcess {
    try CapturedProcess(arguments: arguments, shell: shell)
}

@Suite("sync against a misbehaving server, through the binary", .serialized)
struct FaultySyncTests {
    @Test("transient faults are retried into snapshots; lasting ones fail cleanly; nothing is left in the temporary folder")
    func transientAndLasting() throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: [
            "--user", "u:p", "--retry-after", "0", "--fault", "5001=503:2", "--fault", "5002=reset:1", "--fault", "5003=truncate",
        ])
        let temporary = scratch.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let result = try run(
            [templatetrackBinary, "sync", "--server", simulator.url, "--db", scratch.file("h.sqlite"), "--max-attempts", "3"],
            environment: ["TMPDIR": temporary, "IMMPORT_USERNAME": "u", "IMMPORT_PASSWORD": "p"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("5001") && result.stdout.contains("recorded (first snapshot)"))
        let failure = result.stderr.split(separator: "\n").filter { $0.contains("5003") }
        #expect(failure.count == 1, "\(result.stderr)")
        #expect(failure.first?.contains("gave up after 3 attempts") == true, "\(result.stderr)")
        let log = try run([templatetrackBinary, "log", "--json", "--db", scratch.file("h.sqlite")])
        let workspaces = ((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]]) ?? []).compactMap { $0["workspace"] as? Int }
        #expect(workspaces.sorted() == [5001, 5002], "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
    }

    @Test("SIGINT during a stalled download: exit 130, the partial download is gone, nothing is recorded")
    func interruptedSync() async throws {
        let scratch = try Scratch()
        let simulator = try SimulatorProcess(arguments: ["--user", "u:p", "--fault", "5002=stall"])
        let temporary = scratch.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let db = scratch.file("h.sqlite")
        let process = try launch(
            ["sync", "--server", simulator.url, "--db", db, "-w", "5002", "--idle-timeout", "60"],
            environment: ["TMPDIR": temporary, "IMMPORT_USERNAME": "u", "IMMPORT_PASSWORD": "p"])
        try await Task.sleep(for: .milliseconds(1500))
        let during = try FileManager.default.contentsOfDirectory(atPath: temporary)
        #expect(!during.isEmpty)  // the run folder with the partial download
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: db))  // nothing was recorded, so no history was left
    }
}
