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
        // One extraction at a time per parent folder: leftovers of a crashed one are then safe to remove.
        let lock = try lockFolder(parent.path)
        defer { close(lock) }
        removeLeftovers(in: parent, name: name)

        var plan = Plan()
        for entry in try history.entries(of: snapshot) {
            if let problem = EntryPolicy.problem(withName: entry.path) {
                throw TemplateTrackError(.unsafeEntry, "refusing to extract: entry \(problem)", at: [.entry(entry.path)])
            }
            if let sha256 = entry.sha256 {
                plan.wanted[entry.path.pathKey] = (entry.path, sha256)
            } else {
                plan.emptyFolders.append(entry.path)
            }
        }
        let folderPaths = plan.wanted.values.map(\.path) + plan.emptyFolders.map { String($0.dropLast()) }
        plan.neededFolders = Set(folderPaths.flatMap(ArchiveScanner.ancestors(of:)).map(\.pathKey))
            .union(plan.emptyFolders.map { String($0.dropLast()).pathKey })

        let staging = parent.appending(path: ".\(name).templatetrack-\(UUID().uuidString)")
        try makeFolder(staging.path)
        var swapped = false
        defer { if !swapped { try? fm.removeItem(at: staging) } }

        var report = ExtractionReport(
            directory: target.path, workspace: snapshot.workspace, snapshot: snapshot.id, written: 0, unchanged: 0,
            removed: 0, kept: [])
        var info = stat()
        let exists = lstat(target.path, &info) == 0
        if exists {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                let what = (info.st_mode & S_IFMT) == S_IFLNK ? "is a symbolic link; give the folder it points to" : "exists and is not a folder"
                throw TemplateTrackError(.io, what, at: [.file(target.path)])
            }
            chmod(staging.path, info.st_mode & 0o7777)  // the folder keeps its permissions
            plan.owned = Dictionary(
                try history.extractedFiles(directory: key).map { ($0.key.pathKey, $0.value) },
                uniquingKeysWith: { $0.union($1) })
            try carryOver(from: target.path, to: staging.path, relative: "", plan: &plan, force: force, report: &report)
        }

        for (key, file) in plan.wanted.sorted(by: { $0.value.path < $1.value.path }) where !plan.inPlace.contains(key) {
            let destination = staging.appending(path: file.path).path
            try makeFolder((destination as NSString).deletingLastPathComponent)
            try write(sha256: file.sha256, from: history, to: destination, place: file.path)
            report.written += 1
        }
        for folder in plan.emptyFolders { try makeFolder(staging.appending(path: folder).path) }

        // Empty folders are recorded too (with no hash), so they go when a snapshot drops them.
        let files = Dictionary(
            plan.wanted.values.map { ($0.path, $0.sha256) } + plan.emptyFolders.map { ($0, "") },
            uniquingKeysWith: { first, _ in first })
        try history.recordPendingExtraction(directory: key, files: files)
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
        // Had this failed, the pending records would still mark both old and new bytes as ours.
        try history.completeExtraction(directory: key, snapshot: snapshot, files: files)
        return report
    }

    /// What to write, and what was found; keyed by path bytes (see `String.pathKey`).
    private struct Plan {
        var wanted: [[UInt8]: (path: String, sha256: String)] = [:]
        var emptyFolders: [String] = []
        var neededFolders: Set<[UInt8]> = []
        var owned: [[UInt8]: Set<String>] = [:]  // every SHA-256 the tool may have left at a path
        var inPlace: Set<[UInt8]> = []
    }

    /// Recreates what is already in the folder inside `staging`: files to keep are hard-linked,
    /// files the snapshot replaces are left for writing, conflicts stop everything.
    private static func carryOver(
        from root: String, to staging: String, relative: String, plan: inout Plan, force: Bool,
        report: inout ExtractionReport
    ) throws {
        let folder = relative.isEmpty ? root : root + "/" + relative
        let children = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        for child in children {
            let path = relative.isEmpty ? child : relative + "/" + child
            let key = path.pathKey
            let source = root + "/" + path
            let destination = staging + "/" + path
            var info = stat()
            guard lstat(source, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            func conflict(_ why: String, forceHelps: Bool = true) -> TemplateTrackError {
                let advice = forceHelps ? " (use --force to replace it)" : "; move it away first"
                return TemplateTrackError(.io, "\(why); nothing was changed\(advice)", at: [.file(source)])
            }
            if kind == S_IFDIR {
                if plan.wanted[key] != nil {
                    throw conflict("a folder is where the snapshot has a file", forceHelps: false)
                }
                try makeFolder(destination)
                chmod(destination, info.st_mode & 0o7777)
                try carryOver(from: root, to: staging, relative: path, plan: &plan, force: force, report: &report)
                // A folder emptied because its files left with the snapshot goes too.
                let hadEntries = (try? FileManager.default.contentsOfDirectory(atPath: source))?.isEmpty == false
                let nowEmpty = (try? FileManager.default.contentsOfDirectory(atPath: destination))?.isEmpty == true
                let createdByTool = plan.owned[(path + "/").pathKey] != nil
                if nowEmpty && (hadEntries || createdByTool) && !plan.neededFolders.contains(key) { rmdir(destination) }
                continue
            }
            let diskSHA = kind == S_IFREG ? try sha256OfFile(at: source).sha256 : nil
            let ownedUnedited = diskSHA.map { plan.owned[key]?.contains($0) ?? false } ?? false
            if let wanted = plan.wanted[key] {
                if diskSHA == wanted.sha256 {
                    try link(source, destination)
                    plan.inPlace.insert(key)
                    report.unchanged += 1
                } else if !(ownedUnedited || force) {
                    throw conflict(
                        plan.owned[key] == nil
                            ? "this file was not written by templatetrack" : "this file was edited since templatetrack wrote it")
                }
            } else if plan.neededFolders.contains(key) {
                if !(ownedUnedited || force) { throw conflict("this file is where the snapshot needs a folder") }
                if ownedUnedited { report.removed += 1 }
            } else if ownedUnedited || (force && plan.owned[key] != nil) {
                report.removed += 1
            } else {
                try link(source, destination)
                report.kept.append(path)
            }
        }
    }

    /// An exclusive lock on `folder`, held until the returned descriptor is closed.
    private static func lockFolder(_ folder: String) throws -> Int32 {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TemplateTrackError(.io, "cannot open folder", at: [.file(folder)]) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw TemplateTrackError(.io, "another extract into this folder is running", at: [.file(folder)])
        }
        return fd
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
