import CSystemCalls
import Foundation

/// What `extract` did.
public struct ExtractionReport: Sendable, Encodable {
    public var directory: String
    public var workspace: Int
    public var snapshot: Int
    /// Files written with new bytes.
    public var written: Int
    /// Files already holding the right bytes.
    public var unchanged: Int
    /// Files this tool had written before that the snapshot no longer has.
    public var removed: Int
    /// Files TemplateTrack did not write (or that were edited since), left as they were.
    public var kept: [String]
}

/// Writes a snapshot's files from the database into a folder, laid out as `unzip -d` would.
///
/// The new contents are assembled in a hidden sibling folder (files the tool did not write
/// are hard-linked in, untouched) and swapped in with one atomic `renameat2` exchange, so an
/// error or a crash leaves the folder as it was or complete.
public enum Extraction {
    public static func extract(
        _ snapshot: Snapshot, from history: HistoryDatabase, to directory: String, force: Bool = false
    ) throws -> ExtractionReport {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw TemplateTrackError(.io, "cannot create its parent folder", at: [.file(target.path)], cause: error)
        }
        let name = target.lastPathComponent
        let key = (realPath(parent.path) ?? parent.path) + "/" + name
        removeLeftovers(in: parent, name: name)

        var wanted: [String: String] = [:]  // file path -> sha256
        var folders: [String] = []
        for entry in try history.entries(of: snapshot) {
            if let problem = EntryPolicy.problem(withName: entry.path) {
                throw TemplateTrackError(.unsafeEntry, "refusing to extract: entry \(problem)", at: [.entry(entry.path)])
            }
            if let sha256 = entry.sha256 { wanted[entry.path] = sha256 } else { folders.append(entry.path) }
        }
        let neededFolders = Set((Array(wanted.keys) + folders.map { String($0.dropLast()) }).flatMap(ArchiveScanner.ancestors(of:)))
            .union(folders.map { String($0.dropLast()) })

        let staging = parent.appending(path: ".\(name).templatetrack-\(UUID().uuidString)")
        try makeFolder(staging.path)
        var swapped = false
        defer { if !swapped { try? fm.removeItem(at: staging) } }

        var report = ExtractionReport(
            directory: target.path, workspace: snapshot.workspace, snapshot: snapshot.id, written: 0, unchanged: 0,
            removed: 0, kept: [])
        var alreadyInPlace: Set<String> = []
        var lstatBuffer = stat()
        let exists = lstat(target.path, &lstatBuffer) == 0
        if exists {
            guard (lstatBuffer.st_mode & S_IFMT) == S_IFDIR else {
                throw TemplateTrackError(.io, "exists and is not a folder", at: [.file(target.path)])
            }
            let owned = try history.extractedFiles(directory: key)
            try carryOver(
                from: target.path, to: staging.path, relative: "", wanted: wanted, neededFolders: neededFolders,
                owned: owned, force: force, report: &report, inPlace: &alreadyInPlace)
        }

        for (path, sha256) in wanted.sorted(by: { $0.key < $1.key }) where !alreadyInPlace.contains(path) {
            let destination = staging.appending(path: path).path
            try makeFolder((destination as NSString).deletingLastPathComponent)
            try write(sha256: sha256, from: history, to: destination, place: path)
            report.written += 1
        }
        for folder in folders { try makeFolder(staging.appending(path: folder).path) }

        if exists {
            if templatetrack_exchange_paths(staging.path, target.path) != 0 {
                throw TemplateTrackError(
                    .io, "cannot swap the new contents in: \(String(cString: strerror(errno)))", at: [.file(target.path)])
            }
            swapped = true
            try? fm.removeItem(at: staging)  // now the old contents
        } else {
            guard rename(staging.path, target.path) == 0 else {
                throw TemplateTrackError(
                    .io, "cannot move the new folder into place: \(String(cString: strerror(errno)))", at: [.file(target.path)])
            }
            swapped = true
        }
        try history.recordExtraction(directory: key, snapshot: snapshot, files: wanted)
        return report
    }

    /// Recreates what is already in the folder inside `staging`: files to keep are hard-linked,
    /// files the snapshot replaces are left for writing, conflicts stop everything.
    private static func carryOver(
        from root: String, to staging: String, relative: String, wanted: [String: String], neededFolders: Set<String>,
        owned: [String: String], force: Bool, report: inout ExtractionReport, inPlace: inout Set<String>
    ) throws {
        let folder = relative.isEmpty ? root : root + "/" + relative
        for child in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let path = relative.isEmpty ? child : relative + "/" + child
            let source = root + "/" + path
            let destination = staging + "/" + path
            var info = stat()
            guard lstat(source, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            func conflict(_ why: String) -> TemplateTrackError {
                TemplateTrackError(.io, "\(why); nothing was changed (use --force to replace it)", at: [.file(source)])
            }
            if kind == S_IFDIR {
                if wanted[path] != nil { throw conflict("a folder is where the snapshot has a file") }
                try makeFolder(destination)
                try carryOver(
                    from: root, to: staging, relative: path, wanted: wanted, neededFolders: neededFolders, owned: owned,
                    force: force, report: &report, inPlace: &inPlace)
                continue
            }
            let diskSHA = kind == S_IFREG ? try sha256OfFile(at: source).sha256 : nil
            let ownedUnedited = diskSHA != nil && owned[path] == diskSHA
            if let sha256 = wanted[path] {
                if diskSHA == sha256 {
                    try link(source, destination)
                    inPlace.insert(path)
                    report.unchanged += 1
                } else if !(ownedUnedited || force) {
                    throw conflict(
                        owned[path] == nil ? "this file was not written by templatetrack" : "this file was edited since templatetrack wrote it")
                }
            } else if neededFolders.contains(path) {
                if !(ownedUnedited || force) { throw conflict("this file is where the snapshot needs a folder") }
                if ownedUnedited { report.removed += 1 }
            } else if ownedUnedited || (force && owned[path] != nil) {
                report.removed += 1
            } else {
                try link(source, destination)
                report.kept.append(path)
            }
        }
    }

    /// Hard-links (keeping the very same file), or copies where links are impossible.
    private static func link(_ source: String, _ destination: String) throws {
        if Foundation.link(source, destination) == 0 { return }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: destination)
        } catch {
            throw TemplateTrackError(.io, "cannot carry the file over", at: [.file(source)], cause: error)
        }
    }

    private static func write(sha256: String, from history: HistoryDatabase, to path: String, place: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TemplateTrackError(.io, "cannot create: \(String(cString: strerror(errno)))", at: [.file(path)])
        }
        defer { close(fd) }
        try history.readContent(sha256: sha256) { chunk in
            var offset = 0
            while offset < chunk.count {
                let written = Foundation.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw TemplateTrackError(.io, "write failed: \(String(cString: strerror(errno)))", at: [.entry(place)])
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw TemplateTrackError(.io, "cannot save", at: [.file(path)]) }
    }

    private static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TemplateTrackError(.io, "cannot create folder", at: [.file(path)], cause: error)
        }
    }

    /// Staging folders left by an extraction that crashed.
    private static func removeLeftovers(in parent: URL, name: String) {
        let prefix = ".\(name).templatetrack-"
        for child in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where child.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: parent.appending(path: child))
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
