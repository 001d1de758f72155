import Crypto
import Foundation
import TemplateTrackBase

/// Writes the static report: a folder of HTML pages and one stylesheet that work offline, from
/// `file://`, with no external request.
///
/// The report never touches what it does not own: it creates its folder, or updates a folder
/// that holds its manifest (`.templatetrack-report.json`, which lists every file it wrote with
/// its SHA-256). A file in the way that it did not write, or that was edited since, stops the
/// whole update before anything is written. Files of an earlier report that the new one does
/// not have are removed only when unedited; folders it created go when emptied.
public enum Report {
    /// The manifest's file name inside the report's folder.
    public static let manifestName = ".templatetrack-report.json"

    /// What a report run did.
    public struct Summary: Sendable, Encodable, Equatable {
        /// The folder, absolute.
        public var directory: String
        /// The overview page, absolute.
        public var index: String
        /// Pages (and the stylesheet) written because they are new or changed.
        public var written: Int
        /// Pages already there with the same contents.
        public var unchanged: Int
        /// Pages of the earlier report that this one no longer has.
        public var removed: Int
        /// Files of the earlier report that were edited since: left in place, no longer listed.
        public var kept: [String]
        /// Whether this run created the folder.
        public var created: Bool

        enum CodingKeys: String, CodingKey { case directory, index, written, unchanged, removed, kept, created }
    }

    struct Manifest: Codable {
        var generator = "templatetrack report"
        var format = 1
        /// Path -> every SHA-256 the report may have left there (two while an update is under way).
        var files: [String: [String]] = [:]
        /// Folders the report created, relative.
        var folders: [String] = []
    }

    /// Whether `directory` holds a report's manifest (so `write` may update it).
    public static func isReportFolder(_ directory: String) -> Bool {
        (try? readManifest(URL(fileURLWithPath: directory))) != nil
    }

    /// Writes `site`'s pages into `directory` (see the type's rules); throws `conflict`, naming
    /// the file or folder, and changes nothing when the folder or a file in it is not the report's.
    public static func write(_ site: Site, to directory: String) throws -> Summary {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        let display = folder.path
        var created = false
        var manifest = Manifest()
        switch kind(folder.path) {
        case .missing:
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw TemplateTrackError(.io, "cannot create the report's folder", at: [.file(display)], cause: error)
            }
            created = true
        case .directory:
            let found: Manifest
            do {
                found = try readManifest(folder)
            } catch let error as TemplateTrackError where error.code == .conflict && error.message.hasPrefix("names a path") {
                throw error
            } catch {
                throw TemplateTrackError(
                    .conflict,
                    "exists and is not a folder this report made (it has no \(manifestName)); choose a new folder, which the report will create",
                    at: [.file(display)])
            }
            manifest = found
        case .file, .other:
            throw TemplateTrackError(.conflict, "is in the way: not a folder (a file or a symbolic link)", at: [.file(display)])
        }

        let pages = try site.reportPages()
        var contents: [String: Data] = [:]
        for (path, html) in pages { contents[path] = Data(html.utf8) }
        let hashes = contents.mapValues(sha256)

        // Check everything before writing anything.
        var toWrite: [String] = []
        var unchanged = 0
        for path in contents.keys.sorted() {
            let target = folder.appending(path: path)
            try checkFolders(of: path, in: folder)
            switch kind(target.path) {
            case .missing:
                toWrite.append(path)
            case .directory, .other:
                throw TemplateTrackError(
                    .conflict, "is in the way: the report would write a page here; nothing was changed", at: [.file(target.path)])
            case .file:
                let current = try sha256(Data(contentsOf: target))
                guard manifest.files[path]?.contains(current) == true else {
                    throw TemplateTrackError(
                        .conflict, "was not written by this report, or was edited since; nothing was changed", at: [.file(target.path)])
                }
                if current == hashes[path] { unchanged += 1 } else { toWrite.append(path) }
            }
        }
        var stale: [String] = []
        var kept: [String] = []
        for (path, known) in manifest.files where contents[path] == nil {
            let target = folder.appending(path: path)
            // Reached through a link, it is not the report's to remove.
            guard (try? checkFolders(of: path, in: folder)) != nil else {
                kept.append(path)
                continue
            }
            if kind(target.path) == .file, let current = try? sha256(Data(contentsOf: target)), known.contains(current) {
                stale.append(path)
            } else if kind(target.path) != .missing {
                kept.append(path)
            }
        }

        // Record first what may be left where, so that a crash never makes the report's own files look foreign.
        var pending = manifest
        for path in toWrite { pending.files[path, default: []].append(hashes[path]!) }
        try writeManifest(pending, in: folder)

        var folders = Set(manifest.folders)
        for path in toWrite {
            folders.formUnion(try makeFolders(of: path, in: folder))
            try writeFile(contents[path]!, to: folder.appending(path: path))
        }
        for path in stale { try? FileManager.default.removeItem(at: folder.appending(path: path)) }
        // Folders the report made and that are now empty go, deepest first.
        for relative in folders.sorted(by: { $0.count > $1.count }) {
            let url = folder.appending(path: relative)
            // rmdir, not a recursive removal: whatever appeared there since stays.
            if (try? checkFolders(of: relative, in: folder)) != nil, kind(url.path) == .directory { rmdir(url.path) }
        }
        var final = Manifest()
        final.files = hashes.mapValues { [$0] }
        final.folders = folders.filter { kind(folder.appending(path: $0).path) == .directory }.sorted()
        try writeManifest(final, in: folder)
        return Summary(
            directory: display, index: folder.appending(path: SitePaths.overview).path, written: toWrite.count, unchanged: unchanged,
            removed: stale.count, kept: kept.sorted(), created: created)
    }

    // MARK: - Files

    enum Kind { case missing, file, directory, other }

    /// What is at `path`, without following a symbolic link.
    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Not empty, not absolute, no empty, `.` or `..` part, no NUL.
    static func isPlainRelative(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\u{0}") else { return false }
        return !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    /// The folders on the way to `path` must be real folders (never links) where they exist.
    private static func checkFolders(of path: String, in root: URL) throws {
        var current = root
        for part in path.split(separator: "/").dropLast() {
            current = current.appending(path: String(part))
            let found = kind(current.path)
            if found != .missing && found != .directory {
                throw TemplateTrackError(.conflict, "is in the way: the report needs a folder here; nothing was changed", at: [.file(current.path)])
            }
        }
    }

    /// Creates the folders on the way to `path`; returns those it created, relative.
    private static func makeFolders(of path: String, in root: URL) throws -> [String] {
        var created: [String] = []
        var relative: [String] = []
        for part in path.split(separator: "/").dropLast() {
            relative.append(String(part))
            let url = root.appending(path: relative.joined(separator: "/"))
            if kind(url.path) == .missing {
                guard mkdir(url.path, 0o755) == 0 else {
                    throw TemplateTrackError.system(.io, "cannot create a folder of the report", at: [.file(url.path)])
                }
                created.append(relative.joined(separator: "/"))
            }
        }
        return created
    }

    /// Writes a new file beside the target and renames it into place (a link in the way is
    /// replaced, never followed).
    private static func writeFile(_ data: Data, to target: URL) throws {
        let temporary = target.deletingLastPathComponent().appending(path: ".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TemplateTrackError.system(.io, "cannot write a page of the report", at: [.file(target.path)])
        }
        let written = writeAll(data, to: descriptor)
        let error = SystemError()
        close(descriptor)
        guard written, rename(temporary.path, target.path) == 0 else {
            let failure = TemplateTrackError(.io, "cannot write a page of the report", at: [.file(target.path)], cause: written ? SystemError() : error)
            unlink(temporary.path)
            throw failure
        }
    }

    private static func readManifest(_ folder: URL) throws -> Manifest {
        let url = folder.appending(path: manifestName)
        guard kind(url.path) == .file else { throw TemplateTrackError(.notFound, "no manifest", at: [.file(url.path)]) }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url))
        guard manifest.generator == "templatetrack report", manifest.format == 1 else {
            throw TemplateTrackError(.conflict, "not a report manifest", at: [.file(url.path)])
        }
        // Only plain relative paths: an edited manifest must not point the report outside its folder.
        for path in Array(manifest.files.keys) + manifest.folders where !isPlainRelative(path) {
            throw TemplateTrackError(.conflict, "names a path outside the report folder (\(path))", at: [.file(url.path)])
        }
        return manifest
    }

    private static func writeManifest(_ manifest: Manifest, in folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeFile(try encoder.encode(manifest), to: folder.appending(path: manifestName))
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// Writes all of `data` to an open file; false when a write fails.
private func writeAll(_ data: Data, to descriptor: Int32) -> Bool {
    data.withUnsafeBytes { buffer -> Bool in
        var offset = 0
        while offset < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count <= 0 { return false }
            offset += count
        }
        return true
    }
}
