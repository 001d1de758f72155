public import Foundation
import GRDB
import TemplateTrackBase
import TemplateTrackExtractor
public import TemplateTrackFetcher
public import TemplateTrackSimulator
public import TemplateTrackSQLite

/// The package's root folder (where `Package.swift` is), found from this file's place.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh folder under the system temp dir; `remove()` (or release) deletes it.
public final class Scratch: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "tt-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { remove() }

    /// Deletes the folder, making read-only folders writable first (in process: no child).
    public func remove() {
        if let walker = FileManager.default.enumerator(atPath: url.path) {
            for case let relative as String in walker {
                var info = stat()
                let path = url.path + "/" + relative
                if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { chmod(path, 0o755) }
            }
        }
        chmod(url.path, 0o755)
        try? FileManager.default.removeItem(at: url)
    }

    public func file(_ name: String) -> String { url.appending(path: name).path }

    /// Writes `text` at `relative`, creating folders.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        let target = url.appending(path: relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        return target.path
    }
}

/// What a program printed and how it ended.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a real program and waits for it. Output goes through files, not pipes: a pipe's write
/// end inherited by a sibling started at the same moment would keep the reader waiting until
/// that sibling exits.
@discardableResult
public func run(
    _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
) throws -> ProcessResult {
    let folder = FileManager.default.temporaryDirectory.appending(path: "tt-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (outPath, errPath, inPath) = (folder.appending(path: "out"), folder.appending(path: "err"), folder.appending(path: "in"))
    try Data(input.map { Array($0.utf8) } ?? []).write(to: inPath)
    _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
    let out = try FileHandle(forWritingTo: outPath)
    let err = try FileHandle(forWritingTo: errPath)
    let stdin = try FileHandle(forReadingFrom: inPath)
    defer {
        try? out.close()
        try? err.close()
        try? stdin.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin
    try process.run()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outPath), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errPath), as: UTF8.self))
}

/// `run` on a plain thread: a blocking wait on Swift's small cooperative pool would starve
/// an in-process simulator that the program is talking to.
public func runDetached(
    _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
) async throws -> ProcessResult {
    try await runBlocking { try run(arguments, in: directory, environment: environment, input: input) }
}

/// `sha256sum`'s answer for a file.
public func sha256sum(_ path: String) throws -> String {
    String(try run(["sha256sum", path]).stdout.prefix(64))
}

/// The built `templatetrack` binary, beside the test bundle.
public var templatetrackBinary: String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let path = candidate.appending(path: "templatetrack").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return bundle.appending(path: "templatetrack").path
}

/// Row counts of the history's main tables, read with a plain read-only SQLite connection,
/// independent of TemplateTrack's own queries.
public func rowCounts(_ path: String) throws -> [String: Int] {
    var configuration = GRDB.Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    return try queue.read { db in
        var counts: [String: Int] = [:]
        for table in ["workspace", "blob", "tree", "tree_entry", "snapshot", "template", "lookup_table"] {
            counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")
        }
        return counts
    }
}

/// Every row of every table, as text: two equal dumps mean two equal databases.
public func databaseDump(_ path: String) throws -> String {
    try run(["sqlite3", "-readonly", path, ".dump"]).stdout
}

/// A fixed time for reproducible zips.
public let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)

/// Builds a zip with libzip from `(path, text)` pairs; names ending in `/` are folders.
@discardableResult
public func makeZip(at path: String, _ files: [(String, String)], modified: Date = fixedDate) throws -> String {
    let writer = try ZipWriter(creating: path)
    for (name, text) in files {
        if name.hasSuffix("/") {
            try writer.addDirectory(name, modified: modified)
        } else {
            try writer.addFile(name, bytes: Array(text.utf8), modified: modified)
        }
    }
    try writer.close()
    return path
}

/// A simulator on a free loopback port, with a known test account.
public struct SimulatorFixture: Sendable {
    public static let user = "tester"
    public static let password = "correct horse battery staple"
    public let server: RunningSimulator
    public var simulator: Simulator { server.simulator }
    public var endpoints: Endpoints { Endpoints(server: server.baseURL, auth: server.authURL) }
    public var credentials: Credentials { .password(username: Self.user, password: Self.password) }

    public static func start(configuration: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> SimulatorFixture {
        var settings = SimulatorConfiguration(users: [user: password])
        configuration(&settings)
        return SimulatorFixture(server: try await Simulator(configuration: settings).start())
    }

    /// Stops serving and waits until the port is closed.
    public func stop() async { await server.stop() }
}

/// Runs `body` with a simulator, stopping it (and waiting) whatever happens.
public func withSimulator<T>(
    configuration: (inout SimulatorConfiguration) -> Void = { _ in }, _ body: (SimulatorFixture) async throws -> T
) async throws -> T {
    let fixture = try await SimulatorFixture.start(configuration: configuration)
    do {
        let result = try await body(fixture)
        await fixture.stop()
        return result
    } catch {
        await fixture.stop()
        throw error
    }
}

/// A new history in a scratch folder.
public func makeHistory(_ scratch: Scratch, name: String = "history.sqlite") throws -> SQLiteHistory {
    try SQLiteHistory(path: scratch.file(name), access: .create)
}
