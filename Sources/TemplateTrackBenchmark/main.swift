// Benchmarks TemplateTrack beside the tools a user would otherwise reach for: unzip and
// sha256sum for ingest, curl for download, diff -r for comparing trees, unzip for extracting;
// and times the history queries on a database of 10,000 snapshots across 100 workspaces.
// Run with `make benchmark` (release build). Prints a Markdown report on stdout.
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackFetcher
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackSimulator

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "templatetrack").path
let work = FileManager.default.temporaryDirectory.appending(path: "templatetrack-benchmark-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }
func path(_ name: String) -> String { work.appending(path: name).path }
func log(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }

/// Runs a shell command, failing loudly.
@discardableResult
func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", command]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TemplateTrackError(.io, "benchmark step failed: \(command)") }
    return String(decoding: data, as: UTF8.self)
}

/// Median wall time of `runs` runs, in seconds; `prepare` runs untimed before each.
func measure(runs: Int = 5, prepare: () throws -> Void = {}, _ body: () async throws -> Void) async throws -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        try prepare()
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    return times.sorted()[runs / 2]
}

func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
func ratio(_ ours: Double, _ theirs: Double) -> String { String(format: "%.2f×", ours / theirs) }

/// Deterministic pseudo-random text, so that deflate has realistic work to do.
func textFile(seed: Int, lines: Int) -> String {
    var state = UInt64(truncatingIfNeeded: seed) &* 6364136223846793005 &+ 1442695040888963407
    let words = ["User Defined ID", "Schema Version", "Biosample ID", "Value Reported", "Unit Reported", "Expsample ID",
                 "lk_time_unit", "required", "jsonDataType", "cvTableName", "Study Time Collected", "Arm Or Cohort ID"]
    var out = ""
    for line in 0..<lines {
        out += "\(line)"
        for _ in 0..<8 {
            state = state &* 6364136223846793005 &+ 1
            out += "\t" + words[Int(state >> 33) % words.count] + " \(state >> 50)"
        }
        out += "\n"
    }
    return out
}

var report: [String] = ["| measurement | TemplateTrack | reference tool | ratio |", "| --- | --- | --- | --- |"]

// MARK: Ingest, extract and compare on a large zip
log("building two large zips (64 text entries of ~1.2 MB; the second with 8 entries edited)…")
for version in ["v1", "v2"] {
    try FileManager.default.createDirectory(at: work.appending(path: version), withIntermediateDirectories: true)
    for index in 0..<64 {
        let seed = version == "v2" && index % 8 == 0 ? index + 1000 : index
        try Data(textFile(seed: seed, lines: 10_000).utf8).write(to: work.appending(path: "\(version)/file\(index).txt"))
    }
    try shell("cd '\(path(version))' && zip -qr '\(path(version + ".zip"))' .")
}
let megabytes = Double(try shell("du -sm '\(path("v1"))' | cut -f1").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0

let ingest = try await measure(prepare: { try? FileManager.default.removeItem(atPath: path("ingest.sqlite")) }) {
    try shell("'\(binary)' import '\(path("v1.zip"))' --workspace 1 --db '\(path("ingest.sqlite"))' >/dev/null")
}
let unzipSha = try await measure(prepare: { try? FileManager.default.removeItem(atPath: path("u")) }) {
    try shell("unzip -q '\(path("v1.zip"))' -d '\(path("u"))' && find '\(path("u"))' -type f -print0 | xargs -0 sha256sum >/dev/null")
}
report.append("| ingest a \(Int(megabytes)) MB zip (`import`) | \(ms(ingest)) | `unzip` + `sha256sum`: \(ms(unzipSha)) | \(ratio(ingest, unzipSha)) |")

let reimport = try await measure {
    try shell("'\(binary)' import '\(path("v1.zip"))' --workspace 1 --db '\(path("ingest.sqlite"))' >/dev/null")
}
report.append("| re-import the same zip (contents already stored) | \(ms(reimport)) | `unzip` + `sha256sum`: \(ms(unzipSha)) | \(ratio(reimport, unzipSha)) |")

try shell("'\(binary)' import '\(path("v2.zip"))' --workspace 1 --db '\(path("ingest.sqlite"))' >/dev/null")
try shell("rm -rf '\(path("u"))' && unzip -q '\(path("v1.zip"))' -d '\(path("u1"))' && unzip -q '\(path("v2.zip"))' -d '\(path("u2"))'")
let ourDiff = try await measure {
    try shell("'\(binary)' diff --workspace 1 --db '\(path("ingest.sqlite"))' >/dev/null")
}
let diffR = try await measure { try shell("diff -rq '\(path("u1"))' '\(path("u2"))' >/dev/null || true") }
report.append("| which files differ between the two zips (`diff`) | \(ms(ourDiff)) | `diff -rq` on unzipped trees: \(ms(diffR)) | \(ratio(ourDiff, diffR)) |")
let ourPatch = try await measure {
    try shell("'\(binary)' diff --patch --workspace 1 --db '\(path("ingest.sqlite"))' >/dev/null")
}
let diffRu = try await measure { try shell("diff -ru '\(path("u1"))' '\(path("u2"))' >/dev/null || true") }
report.append("| line diffs of the changed files (`diff --patch`) | \(ms(ourPatch)) | `diff -ru`: \(ms(diffRu)) | \(ratio(ourPatch, diffRu)) |")

let extract = try await measure(prepare: { try? FileManager.default.removeItem(atPath: path("x")) }) {
    try shell("'\(binary)' extract --workspace 1 --to '\(path("x"))' --db '\(path("ingest.sqlite"))' >/dev/null")
}
let unzipOnly = try await measure(prepare: { try? FileManager.default.removeItem(atPath: path("y")) }) {
    try shell("unzip -q '\(path("v2.zip"))' -d '\(path("y"))'")
}
report.append("| extract the snapshot to a folder (`extract`) | \(ms(extract)) | `unzip -d`: \(ms(unzipOnly)) | \(ratio(extract, unzipOnly)) |")

// MARK: Download
log("serving the large zip from the simulator…")
var files: [String: Data] = [:]
for index in 0..<64 {
    files["template-sets/big/1/file\(index).txt"] = try Data(contentsOf: work.appending(path: "v1/file\(index).txt"))
}
let catalog = SampleCatalog(
    workspaces: [.init(workspace: Workspace(workspaceId: 1, name: "Big"), templateSet: "big")],
    templateSets: ["big": [.init(version: 1, released: "2018-01-01T00:00:00Z")]], files: files)
let simulator = try Simulator(configuration: .init(users: ["bench": "bench-password"], apiKeys: ["bench-key"], catalog: catalog))
let server = try await simulator.start()
_ = try simulator.zip(forWorkspace: 1)  // build and cache before timing
let client = try ImmPortClient(
    endpoints: Endpoints(server: server.baseURL, auth: server.authURL), credentials: .apiKey("bench-key"))
try FileManager.default.createDirectory(at: work.appending(path: "dl"), withIntermediateDirectories: true)
let download = try await measure {
    _ = try await client.downloadTemplates(workspace: 1, into: work.appending(path: "dl"))
}
let zipSize = Double(try simulator.zip(forWorkspace: 1)!.count) / 1_048_576
let curlURL = server.baseURL.appending(path: "data/upload/documentation/templates/1").absoluteString
let curl = try await measure {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
        Thread.detachNewThread {  // curl talks to this process's server: keep the async pool free
            done.resume(with: Result {
                try shell("curl -s -f -H 'Authorization: bearer bench-key' -o '\(path("curl.zip"))' '\(curlURL)'")
            })
        }
    }
}
report.append("| download a \(String(format: "%.0f", zipSize)) MB zip, hashing it (fetcher) | \(ms(download)) | `curl -o`: \(ms(curl)) | \(ratio(download, curl)) |")
try await client.shutdown()
await server.stop()

// MARK: Queries on 10,000 snapshots
log("building a history of 10,000 snapshots across 100 workspaces…")
let history = try SQLiteHistory(path: path("history.sqlite"), access: .create)
let start = Date(timeIntervalSince1970: 1_500_000_000)
var recorded = 0
for workspace in 1...100 {
    // 20 versions per workspace; each of its 100 snapshots holds version snapshot/5, so one
    // snapshot in five changes: an edit, and now and then a file added, removed or moved.
    var archives: [String] = []
    for version in 0..<20 {
        let zip = path("w\(workspace)-\(version).zip")
        let writer = try ZipWriter(creating: zip)
        for file in 0..<24 {
            if version % 7 == 3 && file == 23 { continue }
            let name = version % 6 == 5 && file == 22 ? "moved/file\(file).txt" : "file\(file).txt"
            let edited = file == version % 24 ? version : 0
            try writer.addFile(name, bytes: Array(textFile(seed: workspace * 1000 + file * 50 + edited, lines: 40).utf8),
                modified: start)
        }
        try writer.close()
        archives.append(zip)
    }
    for snapshot in 0..<100 {
        let time = start.addingTimeInterval(Double(snapshot) * 86_400 + Double(workspace))
        _ = try Ingest.record(
            zipAt: archives[snapshot / 5], workspace: Workspace(workspaceId: workspace, name: "Workspace \(workspace)"),
            fetchedAt: time, origin: .import(file: "w\(workspace).zip"), into: history)
        recorded += 1
    }
}
let lastMonth = Timestamp.display(start.addingTimeInterval(70 * 86_400))
let db = "--db '\(path("history.sqlite"))'"
let queries: [(String, String)] = [
    ("`changed --since` (last 30 of 100 days)", "changed --since \(lastMonth) --json"),
    ("`changed` (all time: 1,900 changes)", "changed --json"),
    ("`diff` latest against the one before", "diff --workspace 50 --json"),
    ("`diff` first against latest", "diff --workspace 50 latest~99 latest --json"),
    ("`diff --stat` first against latest", "diff --workspace 50 latest~99 latest --stat"),
    ("`history` of one file over 100 snapshots", "history --workspace 50 file7.txt --json"),
    ("`log --workspace`", "log --workspace 50 --json"),
    ("`search` in the latest snapshots", "search 'Value Reported' --json"),
]
report.append("")
report.append("Queries on \(recorded) snapshots across 100 workspaces (the whole command, process start included):")
report.append("")
report.append("| query | time |")
report.append("| --- | --- |")
for (label, command) in queries {
    let time = try await measure { try shell("'\(binary)' \(command) \(db) >/dev/null") }
    report.append("| \(label) | \(ms(time)) |")
}
let size = (try FileManager.default.attributesOfItem(atPath: path("history.sqlite"))[.size] as? Int) ?? 0
report.append("")
report.append("History database: \(size / 1_048_576) MB for \(recorded) snapshots.")
print(report.joined(separator: "\n"))
