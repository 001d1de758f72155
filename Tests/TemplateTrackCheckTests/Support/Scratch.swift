import Foundation
import TemplateTrackBase
import TemplateTrackCheck
import Testing

/// A fresh folder under the system temp dir, removed when the value is released.
final class Scratch {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "tt-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> String { url.appending(path: name).path }
}

/// The planted-fault view of findings: block, row, column and rule.
func planted(_ findings: [CheckFinding]) -> Set<Planted> {
    Set(findings.map { Planted(block: $0.block, row: $0.row, column: $0.column, rule: $0.rule.rawValue) })
}

/// The `TemplateTrackError` a call throws; records an issue when it throws something else or nothing.
func templateTrackError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> TemplateTrackError? {
    do {
        try body()
        Issue.record("expected an error, got none", sourceLocation: sourceLocation)
    } catch let error as TemplateTrackError {
        return error
    } catch {
        Issue.record("expected a TemplateTrackError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The bytes of a file, for before/after comparisons.
func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
