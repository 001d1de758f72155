import Foundation
import TemplateTrackBase
import TemplateTrackTesting

/// The demo's history (three sample workspaces, synced, advanced, synced), made by running
/// `templatetrack demo --db`, which also writes its report beside the database.
struct DemoHistory {
    let database: String
    let report: String
    let output: String

    static func make(_ scratch: Scratch) async throws -> DemoHistory {
        let folder = scratch.file("demo")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try await runDetached([templatetrackBinary, "demo", "--db", folder + "/history.sqlite"], in: folder, environment: ["NO_COLOR": "1"])
        guard result.status == 0, result.stdout.contains("What changed in workspace 5001"),
            result.stdout.contains("What changed in workspace 5002")
        else { throw BrowserError(message: "the demo did not tell its story: \(result.stdout)\n\(result.stderr)") }
        return DemoHistory(database: folder + "/history.sqlite", report: folder + "/history-report", output: result.stdout)
    }
}

/// Runs the command line against a database.
func cli(_ arguments: [String], db: String, in directory: String? = nil) async throws -> ProcessResult {
    try await runDetached([templatetrackBinary] + arguments + ["--db", db], in: directory, environment: ["NO_COLOR": "1"])
}

/// Every HTML file under a folder, relative.
func htmlFiles(in folder: String) throws -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: folder)
    var found: [String] = []
    while let path = enumerator?.nextObject() as? String {
        if path.hasSuffix(".html") { found.append(path) }
    }
    return found.sorted()
}

/// A definition as ImmPort writes one, for building zips in tests.
func definition(
    _ name: String, file: String, version: String = "3.18", description: String = "", columns: [[String: Any]]
) -> [String: Any] {
    ["name": name, "fileName": file, "schemaVersion": version, "templateType": "single", "description": description, "columns": columns]
}

func column(_ name: String, required: Bool = false, type: String = "string", vocabulary: String? = nil, description: String = "")
    -> [String: Any]
{
    var column: [String: Any] = [
        "templateColumn": name, "jsonAttribute": name.lowercased(), "required": required, "jsonDataType": type,
        "description": description,
    ]
    if let vocabulary { column["cvTableName"] = vocabulary }
    return column
}

func jsonText(_ object: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// The first line a long-running command printed, read as it comes.
final class LineReader: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The first line on standard output (nil if the process ended first).
    func firstLine() async throws -> String? {
        let handle = output.fileHandleForReading
        return try await runBlocking { () -> String? in
            var bytes: [UInt8] = []
            while true {
                let chunk = handle.readData(ofLength: 1)
                if chunk.isEmpty { return nil }
                if chunk[0] == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(chunk[0])
            }
        }
    }

    /// Stops the process (SIGTERM) and returns everything else it printed, both streams.
    func stop() async throws -> (status: Int32, stdout: String, stderr: String) {
        if process.isRunning { process.terminate() }
        let (out, err) = (output.fileHandleForReading, errors.fileHandleForReading)
        let process = self.process
        return try await runBlocking {
            let rest = out.readDataToEndOfFile()
            let messages = err.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: rest, as: UTF8.self), String(decoding: messages, as: UTF8.self))
        }
    }
}
