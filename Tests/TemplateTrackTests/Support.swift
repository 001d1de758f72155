import Foundation
import GRDB
import Testing

@testable import TemplateTrack

/// A fresh folder under the system temp dir, removed when the value is released.
final class Scratch {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "tt-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> String { url.appending(path: name).path }

    /// Writes `text` at `relative`, creating folders.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let target = url.appending(path: relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        return target.path
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a real program and waits for it.
@discardableResult
func run(
    _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    let stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// `run` on a plain thread: a blocking wait on Swift's small cooperative pool would starve
/// the in-process simulator that the program is talking to.
func runDetached(
    _ arguments: [String], environment: [String: String] = [:], input: String? = nil
) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try run(arguments, environment: environment, input: input) })
        }
    }
}

/// `sha256sum`'s answer for a file.
func sha256sum(_ path: String) throws -> String {
    let result = try run(["sha256sum", path])
    return String(result.stdout.prefix(64))
}

/// The built `templatetrack` binary, beside the test bundle.
var templatetrackBinary: String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let path = candidate.appending(path: "templatetrack").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return bundle.appending(path: "templatetrack").path
}

/// Counts rows with a plain SQLite connection, independent of TemplateTrack's own queries.
func rowCounts(_ path: String) throws -> [String: Int] {
    let queue = try DatabaseQueue(path: path)
    return try queue.read { db in
        var counts: [String: Int] = [:]
        for table in ["workspace", "blob", "tree", "tree_entry", "snapshot"] {
            counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")
        }
        return counts
    }
}

let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)

/// Builds a zip with libzip from `(path, text)` pairs.
@discardableResult
func makeZip(at path: String, _ files: [(String, String)], modified: Date = fixedDate) throws -> String {
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
struct SimulatorFixture {
    static let user = "tester"
    static let password = "correct horse battery staple"
    let server: RunningSimulator
    var endpoints: Endpoints { Endpoints(server: server.baseURL, auth: server.authURL) }
    var credentials: Credentials { .password(username: Self.user, password: Self.password) }

    static func start(
        tokenLifetime: TimeInterval = 60, tokenField: SimulatorConfiguration.TokenField = .both,
        apiKeys: Set<String> = [], faults: [Int: SimulatorConfiguration.Fault] = [:]
    ) async throws -> SimulatorFixture {
        let simulator = try Simulator(
            configuration: .init(
                users: [user: password], apiKeys: apiKeys, tokenLifetime: tokenLifetime, tokenField: tokenField,
                faults: faults))
        return SimulatorFixture(server: try await simulator.start())
    }
}
