import Foundation
import Synchronization
import TemplateTrackBase
import TemplateTrackFetcher
import TemplateTrackSimulator
import TemplateTrackTesting

/// A clock the test moves by hand: waits between attempts are recorded and pass at once
/// (moving the clock on by as much), so retries and token ages take no real time.
final class ManualClock: FetchClock {
    private let state = Mutex<(offset: Duration, sleeps: [Duration])>((.zero, []))
    private let origin = Date()

    var uptime: Duration { state.withLock { $0.offset } }
    var date: Date {
        let offset = uptime
        return origin.addingTimeInterval(Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18)
    }

    /// The waits asked for so far, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(duration)
            $0.offset += duration
        }
        await Task.yield()
    }

    /// Moves the clock on, as if `duration` had passed.
    func advance(_ duration: Duration) {
        state.withLock { $0.offset += duration }
    }

    /// The simulator's wall clock, reading this one.
    var now: @Sendable () -> Date { { self.date } }
}

/// Options for tests: small waits, a short idle timeout, everything else as shipped.
func testOptions(
    maxAttempts: Int = 4, idleTimeout: Duration = .seconds(10), maxDownloadSize: Int64 = 1 << 30,
    deadline: Duration = .seconds(120), maxRetryDelay: Duration = .seconds(60)
) -> FetchOptions {
    FetchOptions(
        maxDownloadSize: maxDownloadSize, connectTimeout: .seconds(5), idleTimeout: idleTimeout, deadline: deadline,
        maxAttempts: maxAttempts, retryBaseDelay: .milliseconds(100), maxRetryDelay: maxRetryDelay)
}

/// Runs `body` with a client of `fixture`'s simulator, shutting it down (and waiting) whatever happens.
func withClient<T>(
    _ fixture: SimulatorFixture, credentials: Credentials? = nil, options: FetchOptions = testOptions(),
    clock: any FetchClock = ManualClock(), _ body: (ImmPortClient) async throws -> T
) async throws -> T {
    let client = try ImmPortClient(
        endpoints: fixture.endpoints, credentials: credentials ?? fixture.credentials, options: options, clock: clock)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// The names in a folder, sorted.
func contents(_ scratch: Folder) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted()
}

/// SHA-256 of bytes, lowercase hex, as `sha256OfFile` computes it for a file.
func sha256(_ data: Data) throws -> String {
    let scratch = try Folder()
    let path = scratch.file("bytes")
    try data.write(to: URL(fileURLWithPath: path))
    return try sha256OfFile(at: path).sha256
}

/// A fresh folder under the system temp dir, removed with FileManager when released.
///
/// Unlike `Scratch`, releasing it starts no process: these tests run in-process servers on
/// Swift's small cooperative pool, and a blocking wait for a child there (one that can last as
/// long as any other child that inherited its pipe) would starve them.
final class Folder: Sendable {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "tt-fetch-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> String { url.appending(path: name).path }
}

/// Runs `bash -c script` on a plain thread, its output going to files rather than pipes.
///
/// Pipes made for one child can be inherited by another spawned at the same moment, and a
/// read to the end of one then waits for the other; with several curls at once in these
/// tests that added seconds. Files have no such end to wait for.
func shell(_ script: String, in folder: Folder, environment: [String: String] = [:]) async throws -> ShellResult {
    let id = UUID().uuidString
    let out = folder.file(".out-\(id)")
    let err = folder.file(".err-\(id)")
    return try await runBlocking {
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder.url
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        return ShellResult(
            status: process.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
            stderr: try String(contentsOfFile: err, encoding: .utf8))
    }
}

/// How a `shell` script ended and what it printed.
struct ShellResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}
