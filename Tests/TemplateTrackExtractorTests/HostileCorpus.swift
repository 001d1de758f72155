import Foundation
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackTesting
import Testing

/// One case of the hostile-zip corpus, as `Tests/HostileZips/generate.py` describes it in its
/// manifest (see the script for the fields).
struct HostileCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Limits: Decodable, Sendable {
        var maxEntries: Int?
        var maxEntrySize: Int64?
        var maxTotalSize: Int64?
        var maxRatio: Double?
    }

    struct File: Decodable, Sendable, Hashable {
        var path: String
        var size: Int64
        var sha256: String
    }

    var name: String
    var file: String
    var about: String
    var expect: String
    var code: String?
    var entry: String?
    var entryHex: String?
    var stage: String?
    var message: String?
    var limits: Limits?
    var files: [File]?

    var testDescription: String { name }

    var isRefused: Bool { expect == "refused" }

    /// The defaults, with the case's own limits where it has any.
    var archiveLimits: ArchiveLimits {
        var result = ArchiveLimits.standard
        if let value = limits?.maxEntries { result.maxEntries = value }
        if let value = limits?.maxEntrySize { result.maxEntrySize = value }
        if let value = limits?.maxTotalSize { result.maxTotalSize = value }
        if let value = limits?.maxRatio { result.maxCompressionRatio = value }
        return result
    }

    /// The entry name's stored bytes.
    var entryBytes: [UInt8]? {
        guard let hex = entryHex else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}

/// The corpus, generated once per test process into a temporary folder that is removed at exit.
enum HostileCorpus {
    static let folder = FileManager.default.temporaryDirectory.appending(path: "tt-hostile-\(getpid())").path

    private static let generated: Result<[HostileCase], TemplateTrackError> = {
        let script = repositoryRoot.appending(path: "Tests/HostileZips/generate.py").path
        do {
            let result = try run(["python3", script, folder])
            atexit { try? FileManager.default.removeItem(atPath: HostileCorpus.folder) }
            guard result.status == 0 else {
                return .failure(TemplateTrackError(.io, "generate.py failed: \(result.stderr)"))
            }
            let manifest = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
            return .success(try JSONDecoder().decode([HostileCase].self, from: manifest))
        } catch {
            return .failure(TemplateTrackError(.io, "cannot generate the corpus: \(error)"))
        }
    }()

    /// Every case; throws when the generator fails.
    static func cases() throws -> [HostileCase] { try generated.get() }

    static func path(_ hostile: HostileCase) -> String { folder + "/" + hostile.file }

    /// Checks that `error` is what the case expects: its code, the archive's path, and the entry
    /// named (as the escaped display form, and as a place), or no entry for a whole-archive error;
    /// and that its one line holds nothing a terminal would act on.
    static func expect(_ error: TemplateTrackError, matches hostile: HostileCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let path = path(hostile)
        #expect(error.code.rawValue == hostile.code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.places.first == .file(path), "\(error)", sourceLocation: sourceLocation)
        let line = error.description
        if hostile.entry == "archive" {
            #expect(!error.places.contains { if case .entry = $0 { true } else { false } }, "\(line)", sourceLocation: sourceLocation)
        } else if let entry = hostile.entry {
            #expect(error.places.contains(.entry(entry)), "\(line)", sourceLocation: sourceLocation)
            #expect(line.contains("entry '\(DisplayName.escaped(entry))'"), "\(line)", sourceLocation: sourceLocation)
            // A name that is not UTF-8 is also shown byte for byte.
            if let bytes = hostile.entryBytes, String(validating: bytes, as: UTF8.self) == nil {
                #expect(line.contains(DisplayName.escaped(bytes: bytes)), "\(line)", sourceLocation: sourceLocation)
            }
        }
        if let words = hostile.message {
            #expect(error.message.contains(words), "\(line)", sourceLocation: sourceLocation)
        }
        #expect(!line.unicodeScalars.contains(where: DisplayName.isUnsafe), "\(line)", sourceLocation: sourceLocation)
    }
}
