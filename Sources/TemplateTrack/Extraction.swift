import CSystemCalls
import Dispatch
public import Foundation
import Synchronization
import TemplateTrackBase
import TemplateTrackExtractor
public import TemplateTrackHistory

/// What `extract` did.
public struct ExtractionReport: Sendable, Encodable {
    public var directory: String
    public var workspace: Int
    public var snapshot: Int
    /// Whether the folder was created by this extraction.
    public var created: Bool
    /// Files written with new bytes.
    public var written: Int
    /// Files already holding the right bytes.
    public var unchanged: Int
    /// Files this tool had written before that the snapshot no longer has.
    public var removed: Int
    /// Files TemplateTrack did not write (or that were edited since), left as they were.
    public var kept: [String]
}

/// How `extract` may treat a folder that already exists.
public struct ExtractionOptions: Sendable {
    /// Replace or delete files TemplateTrack did not write, or that were edited since.
    public var force: Bool
    /// Write into a folder TemplateTrack did not create (or that holds other files), beside
    /// what is there: only its own files, each atomically, in place.
    public var intoExisting: Bool
    /// How long to wait for another extraction into the same parent folder.
    public var lockTimeout: TimeInterval
    /// Asked between files: true stops the extraction, which then removes its temporary files
    /// (and a new folder's staging) and throws `cancelled`.
    public var isCancelled: @Sendable () -> Bool

    public init(
        force: Bool = false, intoExisting: Bool = false, lockTimeout: TimeInterval = 60,
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.force = force
        self.intoExisting = intoExisting
        self.lockTimeout = lockTimeout
        self.isCancelled = isCancelled
    }
}

/// Writes a snapshot's files from the store into a folder, laid out as `unzip -d` would.
///
/// A new folder is assembled in a hidden sibling and renamed into place only if nothing took
/// the name meanwhile, so it appears complete or not at all. An existing folder is updated in
/// place, file by file (each written to a temporary name and renamed), and only when it was
/// created by TemplateTrack (the same folder: its device, inode and birth time are recorded) and holds
/// nothing else, or when the caller opts in: the folder itself is never moved, replaced or
/// re-created, no other file is touched, no link is followed and no mount point crossed.
/// Paths are compared by their bytes, so NFC and NFD spellings are two files, as on disk. What
/// was written is recorded before and after, so updates remove only the tool's own files, and
/// a crash's temporary files are known as its own. The snapshot's blobs are pinned for the
/// whole extraction, so a concurrent `forget` cannot take them midway.
public enum Extraction {
    /// Extracts `snapshot` into `directory`; the report says what was written, kept and removed.
    @discardableResult
    public static func extract(
        _ snapshot: Snapshot, from store: any HistoryWriter & ExtractionLedger, to directory: String,
        options: ExtractionOptions = ExtractionOptions()
    ) throws -> ExtractionReport {
        let target = try checkedTarget(directory)
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        try makeParents(parent)
        let parentFD = try openFolder(parent)
        defer { close(parentFD) }
        try lock(parentFD, path: parent, timeout: options.lockTimeout)
        let key = (realPath(parent) ?? parent) + "/" + name
        // A crash before a new folder's rename leaves its staging folder and what the ledger
        // recorded under its identity: forgotten first, as its inode may be reused once removed.
        let leftovers = stagingLeftovers(parentFD)
        try store.forgetCreatedFolders(identities: leftovers.map(\.identity))
        for leftover in leftovers { removeTree(parentFD, leftover.name) }

        var plan = Plan()
        for entry in try store.treeEntries(snapshot.tree) {
            if let problem = EntryPolicy.problem(withName: entry.path) {
                throw TemplateTrackError(.unsafeEntry, "refusing to extract: entry \(problem)", at: [.entry(entry.path)])
            }
            if let sha256 = entry.sha256 {
                plan.files.append((entry.path, sha256))
            } else {
                plan.folders.insert(String(entry.path.dropLast()))
            }
        }
        plan.folders.formUnion(ArchivePaths.folders(containing: plan.files.map(\.path) + plan.folders.paths))
        // Pinned: a concurrent clean-up leaves these blobs alone until the extraction is done.
        let pin = try store.beginIngest()
        defer { pin.abandon() }
        let needed = Array(Set(plan.files.map(\.sha256)))
        let present = try pin.storedBlobs(among: needed)
        guard present.count == needed.count else {
            throw TemplateTrackError(
                .notFound, "snapshot \(snapshot.id) lost files to a clean-up while being extracted; nothing was changed",
                at: [.file(target)])
        }

        var info = stat()
        if fstatat(parentFD, name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
            guard errno == ENOENT else { throw TemplateTrackError.system(.io, "cannot look at the folder", at: [.file(target)]) }
            // A folder of this name that the tool made once is gone: what it owned there is too.
            try store.forgetExtraction(directory: key)
            return try createFolder(
                snapshot, store: store, plan: plan, parentFD: parentFD, name: name, key: key, target: target,
                isCancelled: options.isCancelled)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: break
        case S_IFLNK:
            throw TemplateTrackError(.conflict, "is a symbolic link; give the folder it points to", at: [.file(target)])
        default:
            throw TemplateTrackError(.conflict, "exists and is not a folder; it was left as it is", at: [.file(target)])
        }
        let rootFD = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard rootFD >= 0 else { throw TemplateTrackError.system(.io, "cannot open the folder", at: [.file(target)]) }
        defer { close(rootFD) }
        var rootInfo = stat()
        fstat(rootFD, &rootInfo)
        guard let identity = identity(rootFD) else { throw TemplateTrackError.system(.io, "cannot look at the folder", at: [.file(target)]) }
        var createdByTool = false
        switch try store.extractionFolder(directory: key) {
        case .none: break
        case .some(let recorded) where recorded.map({ isSameFolder(recorded: $0, current: identity) }) ?? true: createdByTool = true
        case .some:
            // The folder the tool made was replaced by another of the same name.
            try store.forgetExtraction(directory: key)
        }
        plan.owned = PathMap(try store.extractedFiles(directory: key).map { ($0.path, $0.sha256) })
        var disk = Disk(device: rootInfo.st_dev)
        var hashing = PathSet()
        hashing.formUnion(plan.files.map(\.path))
        hashing.formUnion(plan.owned.paths)
        try disk.scan(rootFD, relative: "", hashing: hashing, place: target)
        let foreign = disk.foreign(owned: plan.owned)
        if !options.intoExisting && !(createdByTool && foreign.isEmpty) {
            let examples = foreign.prefix(3).map { "'\(DisplayName.escaped($0))'" }.joined(separator: ", ")
            let what =
                createdByTool
                ? "holds files TemplateTrack did not write (\(examples)\(foreign.count > 3 ? ", …" : ""))"
                : "already exists and was not created by TemplateTrack"
            throw TemplateTrackError(.conflict, "\(what); nothing was changed", at: [.file(target)])
        }
        var report = ExtractionReport(
            directory: target, workspace: snapshot.workspace, snapshot: snapshot.id, created: false, written: 0,
            unchanged: 0, removed: 0, kept: [])
        try update(rootFD, root: target, disk: disk, plan: plan, store: store, key: key, snapshot: snapshot, options: options, report: &report)
        return report
    }

    /// Paths compared by their bytes: NFC and NFD spellings of a name are two paths, as on disk.
    struct PathSet {
        private var byBytes: [[UInt8]: String] = [:]

        mutating func insert(_ path: String) { byBytes[path.pathKey] = path }
        mutating func formUnion(_ paths: some Sequence<String>) { for path in paths { insert(path) } }
        func contains(_ path: String) -> Bool { byBytes[path.pathKey] != nil }
        var paths: [String] { Array(byBytes.values) }
    }

    /// path (by bytes) -> every SHA-256 the tool recorded there (`""` for folders it made,
    /// `tmp` for temporary names).
    struct PathMap {
        private var byBytes: [[UInt8]: (path: String, sums: Set<String>)] = [:]

        init(_ rows: [(String, String)] = []) {
            for (path, sha256) in rows { byBytes[path.pathKey, default: (path, [])].sums.insert(sha256) }
        }

        subscript(_ path: String) -> Set<String>? { byBytes[path.pathKey]?.sums }
        var paths: [String] { byBytes.values.map(\.path) }
        var entries: [(path: String, sums: Set<String>)] { Array(byBytes.values) }
    }

    /// What the snapshot needs; paths relative to the folder.
    struct Plan {
        var files: [(path: String, sha256: String)] = []
        /// Every folder the snapshot has, empty or holding files.
        var folders = PathSet()
        var owned = PathMap()
    }

    // MARK: - A new folder

    private static func createFolder(
        _ snapshot: Snapshot, store: any HistoryReader & ExtractionLedger, plan: Plan, parentFD: Int32, name: String,
        key: String, target: String, isCancelled: @escaping @Sendable () -> Bool
    ) throws -> ExtractionReport {
        let staging = stagingPrefix + String(UUID().uuidString.prefix(8))
        guard mkdirat(parentFD, staging, 0o700) == 0 else {
            throw TemplateTrackError.system(.io, "cannot create a folder beside it", at: [.file(target)])
        }
        var moved = false
        var keepStaging = false
        defer { if !moved && !keepStaging { removeTree(parentFD, staging) } }
        let stagingFD = openat(parentFD, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard stagingFD >= 0 else { throw TemplateTrackError.system(.io, "cannot open a folder beside it", at: [.file(target)]) }
        defer { close(stagingFD) }
        // The marker tells a later run that a leftover staging folder is the tool's own. It goes
        // only after the rename; the ledger knows it as a temporary name should a crash come first.
        let marker = openat(stagingFD, stagingMarker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard marker >= 0 else { throw TemplateTrackError.system(.io, "cannot create a folder beside it", at: [.file(target)]) }
        close(marker)

        var info = stat()
        fstat(stagingFD, &info)
        // Recorded before any file is, under the staging folder's identity (a rename keeps the
        // inode): after a crash before the rename, the next run forgets it all by that identity
        // as it removes the leftover; after one past the rename, the folder is known as its own.
        guard let stagingIdentity = identity(stagingFD) else {
            throw TemplateTrackError.system(.io, "cannot look at a folder beside it", at: [.file(target)])
        }
        try store.recordCreatedFolder(directory: key, identity: stagingIdentity)
        var disk = Disk(device: info.st_dev)
        var report = ExtractionReport(
            directory: target, workspace: snapshot.workspace, snapshot: snapshot.id, created: true, written: 0,
            unchanged: 0, removed: 0, kept: [])
        var ledger = Ledger()
        do {
            try write(
                plan, into: stagingFD, root: target, disk: &disk, store: store, ledger: &ledger, key: key, report: &report,
                isCancelled: isCancelled)
            let mask = umask(0)
            umask(mask)
            fchmod(stagingFD, 0o777 & ~mask)
            try store.recordPendingExtraction(directory: key, files: ledger.final + [ExtractedFile(path: stagingMarker, sha256: Ledger.temporary)])
            guard templatetrack_rename_noreplace(parentFD, staging, parentFD, name) == 0 else {
                let failure = errno
                if failure == EEXIST || failure == ENOTEMPTY {
                    throw TemplateTrackError(.conflict, "appeared while the snapshot was being written; nothing was changed", at: [.file(target)])
                }
                throw TemplateTrackError(.io, "cannot move the new folder into place", at: [.file(target)], cause: SystemError(code: failure))
            }
        } catch {
            // The name was free when this run began (its records were forgotten then), so what is
            // recorded under it is this run's. Should forgetting fail, the marked staging folder
            // stays for the next run, which forgets by its identity.
            do { try store.forgetExtraction(directory: key) } catch { keepStaging = true }
            throw error
        }
        moved = true
        unlinkat(stagingFD, stagingMarker, 0)
        try store.completeExtraction(directory: key, snapshot: snapshot, files: ledger.final)
        return report
    }

    // MARK: - An existing folder, in place

    private static func update(
        _ rootFD: Int32, root: String, disk: Disk, plan: Plan, store: any HistoryReader & ExtractionLedger, key: String,
        snapshot: Snapshot, options: ExtractionOptions, report: inout ExtractionReport
    ) throws {
        var disk = disk
        var wanted: [[UInt8]: String] = [:]
        for file in plan.files { wanted[file.path.pathKey] = file.sha256 }
        func ownedUnedited(_ path: String) -> Bool {
            guard case .file(let sha256?) = disk.entry(path) else { return false }
            return plan.owned[path]?.contains(sha256) ?? false
        }
        // Decide everything before changing anything: a conflict changes nothing.
        var conflicts: [TemplateTrackError] = []
        var toRemove: [String] = []
        for (path, entry) in disk.all.sorted(by: { $0.path < $1.path }) where !path.isEmpty {
            let place = TemplateTrackError.Place.file(root + "/" + path)
            if let sha256 = wanted[path.pathKey] {
                switch entry {
                case .file(let found):
                    if found != sha256, !ownedUnedited(path), !options.force {
                        conflicts.append(
                            TemplateTrackError(
                                .conflict,
                                plan.owned[path] == nil
                                    ? "this file was not written by TemplateTrack; nothing was changed"
                                    : "this file was edited since TemplateTrack wrote it; nothing was changed", at: [place]))
                    }
                case .folder, .other, .mount:
                    conflicts.append(
                        TemplateTrackError(.conflict, "something other than a file is where the snapshot has a file; nothing was changed", at: [place]))
                }
            } else if plan.folders.contains(path) {
                switch entry {
                case .folder: break
                case .file:
                    if ownedUnedited(path) || (options.force && plan.owned[path] != nil) {
                        toRemove.append(path)
                    } else {
                        conflicts.append(
                            TemplateTrackError(.conflict, "a file is where the snapshot has a folder; nothing was changed", at: [place]))
                    }
                case .other, .mount:
                    conflicts.append(
                        TemplateTrackError(.conflict, "something is where the snapshot has a folder; nothing was changed", at: [place]))
                }
            } else if case .file = entry, let sums = plan.owned[path], sums != [Ledger.temporary] {
                if ownedUnedited(path) || options.force { toRemove.append(path) } else { report.kept.append(path) }
            } else if case .folder = entry {
                continue
            } else if plan.owned[path] == nil {
                report.kept.append(path)
            }
        }
        if let first = conflicts.first { throw first }

        var ledger = Ledger()
        // Crashed runs' temporary files are the tool's own (their names were recorded first).
        for (path, sums) in plan.owned.entries where sums.contains(Ledger.temporary) {
            unlinkInside(rootFD, path, device: disk.device, root: root)
            disk.remove(path)
        }
        for path in toRemove {
            if unlinkInside(rootFD, path, device: disk.device, root: root) {
                disk.remove(path)
                report.removed += 1
            } else if case .file(let sha256?) = disk.entry(path) {
                // Not removed (a folder on the way changed since the scan): still the tool's own.
                ledger.final.append(ExtractedFile(path: path, sha256: sha256))
            }
        }
        try write(
            plan, into: rootFD, root: root, disk: &disk, store: store, ledger: &ledger, key: key, report: &report,
            isCancelled: options.isCancelled)
        // Folders the tool made that now hold nothing and that the snapshot does not have.
        let madeFolders = plan.owned.entries.filter { $0.sums.contains("") }.map { String($0.path.dropLast()) }
        for folder in madeFolders.sorted(by: { $0.utf8.count > $1.utf8.count }) where !plan.folders.contains(folder) {
            if !unlinkInside(rootFD, folder, flags: AT_REMOVEDIR, device: disk.device, root: root) {
                ledger.final.append(ExtractedFile(path: folder + "/", sha256: ""))
            }
        }
        for folder in madeFolders where plan.folders.contains(folder) { ledger.final.append(ExtractedFile(path: folder + "/", sha256: "")) }
        report.kept.sort()
        try store.completeExtraction(directory: key, snapshot: snapshot, files: ledger.final)
    }

    /// Removes `path` through its own folder, opened without following a link or leaving the
    /// file system (a folder swapped for a link since the scan is never followed); false when
    /// it was not removed.
    @discardableResult
    private static func unlinkInside(_ rootFD: Int32, _ path: String, flags: Int32 = 0, device: dev_t, root: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        guard let folderFD = folder.isEmpty ? dup(rootFD) : try? openInside(rootFD, folder, device: device, root: root), folderFD >= 0
        else { return false }
        defer { close(folderFD) }
        return unlinkat(folderFD, base, flags) == 0
    }

    /// Eight random hex digits.
    private static func randomName() -> String {
        let digits = String(UInt32.random(in: .min ... .max), radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// What the ledger is told: the final files and folders, and the temporary names in use.
    struct Ledger {
        static let temporary = "tmp"
        var final: [ExtractedFile] = []
    }

    /// Writes the snapshot's folders and files into `rootFD`, each file to a short temporary
    /// name first (recorded as the tool's own before it exists), then renamed into place. Only
    /// files the tool owned before or writes now are recorded as its own: a file that already
    /// held the right bytes in someone else's folder stays theirs.
    private static func write(
        _ plan: Plan, into rootFD: Int32, root: String, disk: inout Disk, store: any HistoryReader & ExtractionLedger,
        ledger: inout Ledger, key: String, report: inout ExtractionReport, isCancelled: @escaping @Sendable () -> Bool
    ) throws {
        var pending: [ExtractedFile] = []
        var work: [(path: String, sha256: String, temporary: String)] = []
        var temporaryNames: Set<[UInt8]> = []
        for file in plan.files {
            if case .file(file.sha256?) = disk.entry(file.path) {
                report.unchanged += 1
                if plan.owned[file.path]?.contains(file.sha256) == true { ledger.final.append(ExtractedFile(path: file.path, sha256: file.sha256)) }
                continue
            }
            ledger.final.append(ExtractedFile(path: file.path, sha256: file.sha256))
            let folder = (file.path as NSString).deletingLastPathComponent
            // Short, whatever the file's name: a 255-byte name must still fit.
            // (Not UUID(): Foundation reads /dev/urandom afresh for each one.) All of a run's
            // temporary files exist at once, so two must never share a name.
            var temporary: String
            repeat {
                temporary = (folder.isEmpty ? "" : folder + "/") + ".tt-" + randomName()
            } while !temporaryNames.insert(temporary.pathKey).inserted
            work.append((file.path, file.sha256, temporary))
            pending.append(ExtractedFile(path: file.path, sha256: file.sha256))
            pending.append(ExtractedFile(path: temporary, sha256: Ledger.temporary))
        }
        var madeFolders: [String] = []
        for folder in plan.folders.paths.sorted(by: { $0.utf8.count < $1.utf8.count }) where disk.entry(folder) == nil {
            madeFolders.append(folder)
        }
        for folder in madeFolders { pending.append(ExtractedFile(path: folder + "/", sha256: "")) }
        try store.recordPendingExtraction(directory: key, files: pending)

        for folder in madeFolders {
            guard mkdirat(rootFD, folder, 0o777) == 0 || errno == EEXIST else {
                throw TemplateTrackError.system(.io, "cannot create the folder", at: [.file(root + "/" + folder)])
            }
            try checkSameDevice(rootFD, folder, device: disk.device, root: root)
            disk.set(folder, .folder)
            ledger.final.append(ExtractedFile(path: folder + "/", sha256: ""))
        }
        // The bytes of every file first, under temporary names, on a few threads (each reads the
        // store on a connection of its own); then one flush of the file system; then the renames.
        // No file is renamed into place before its bytes are on disk, and one syncfs costs far
        // less than a fsync per file (a journal commit each). On a failure, the temporary files
        // this run made and did not rename are removed.
        let device = disk.device
        @Sendable func folderFD(_ item: (path: String, sha256: String, temporary: String)) throws -> Int32 {
            let folder = (item.path as NSString).deletingLastPathComponent
            return folder.isEmpty ? dup(rootFD) : try openInside(rootFD, folder, device: device, root: root)
        }
        var renamed = 0
        // Only names this run created are removed: one that was taken (a file of the user's
        // named like ours) fails its write and is left alone.
        let created = Mutex<Set<Int>>([])
        defer {
            let made = created.withLock { $0 }
            for (index, item) in work.enumerated() where index >= renamed && made.contains(index) {
                guard let fd = try? folderFD(item) else { continue }
                unlinkat(fd, (item.temporary as NSString).lastPathComponent, 0)
                close(fd)
            }
        }
        let failures = Mutex<[(index: Int, error: any Error)]>([])
        let workers = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4, max(work.count, 1))
        let items = work
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: items.count, by: workers) {
                if !failures.withLock({ $0.isEmpty }) { return }
                if isCancelled() {
                    failures.withLock { $0.append((index, TemplateTrackError(.cancelled, "interrupted"))) }
                    return
                }
                let item = items[index]
                do {
                    let fd = try folderFD(item)
                    defer { close(fd) }
                    let temporary = (item.temporary as NSString).lastPathComponent
                    try writeFile(sha256: item.sha256, store: store, folderFD: fd, name: temporary, place: root + "/" + item.path)
                    created.withLock { _ = $0.insert(index) }
                } catch {
                    failures.withLock { $0.append((index, error)) }
                    return
                }
            }
        }
        if let first = failures.withLock({ $0.min { $0.index < $1.index } }) { throw first.error }
        if isCancelled() { throw TemplateTrackError(.cancelled, "interrupted") }
        if !work.isEmpty {
            guard templatetrack_syncfs(rootFD) == 0 else { throw TemplateTrackError.system(.io, "cannot save the files", at: [.file(root)]) }
        }
        // The flush can take seconds: a stop asked for meanwhile still stops before any rename.
        if isCancelled() { throw TemplateTrackError(.cancelled, "interrupted") }
        for item in work {
            let fd = try folderFD(item)
            defer { close(fd) }
            let base = (item.path as NSString).lastPathComponent
            let temporary = (item.temporary as NSString).lastPathComponent
            let replacing = disk.entry(item.path) != nil
            let moved =
                replacing
                ? renameat(fd, temporary, fd, base) == 0
                : templatetrack_rename_noreplace(fd, temporary, fd, base) == 0
            guard moved else {
                let error = TemplateTrackError.system(
                    errno == EEXIST ? .conflict : .io,
                    errno == EEXIST ? "a file appeared here while extracting; it was left as it is" : "cannot move the file into place",
                    at: [.file(root + "/" + item.path)])
                throw error
            }
            renamed += 1
            disk.set(item.path, .file(item.sha256))
            report.written += 1
        }
    }

    private static func writeFile(
        sha256: String, store: any BlobLoader, folderFD: Int32, name: String, place: String
    ) throws {
        let fd = openat(folderFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot create", at: [.file(place)]) }
        var ok = false
        defer {
            close(fd)
            if !ok { unlinkat(folderFD, name, 0) }
        }
        try store.loadBlob(sha256: sha256) { chunk in try writeAll(fd, chunk, path: place) }
        ok = true
    }

    // MARK: - Reading the folder

    /// What is on disk, relative to the folder, by path bytes, never following links or crossing mounts.
    struct Disk {
        enum Entry: Equatable {
            /// A regular file, with its SHA-256 when it was read.
            case file(String?)
            case folder
            /// A link, device, socket…: never touched.
            case other
            /// A folder on another file system: never entered.
            case mount
        }

        let device: dev_t
        private var entries: [[UInt8]: (path: String, entry: Entry)] = [:]

        init(device: dev_t) { self.device = device }

        func entry(_ path: String) -> Entry? { entries[path.pathKey]?.entry }
        mutating func set(_ path: String, _ entry: Entry) { entries[path.pathKey] = (path, entry) }
        mutating func remove(_ path: String) { entries[path.pathKey] = nil }
        var all: [(path: String, entry: Entry)] { Array(entries.values) }

        mutating func scan(_ fd: Int32, relative: String, hashing: PathSet, place: String) throws {
            guard let stream = fdopendir(dup(fd)) else { throw TemplateTrackError.system(.io, "cannot list the folder", at: [.file(place)]) }
            defer { closedir(stream) }
            while let item = readdir(stream) {
                let name = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name == "." || name == ".." { continue }
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    guard info.st_dev == device else {
                        set(path, .mount)
                        continue
                    }
                    set(path, .folder)
                    let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    guard child >= 0 else { continue }
                    defer { close(child) }
                    try scan(child, relative: path, hashing: hashing, place: place + "/" + name)
                case S_IFREG:
                    var sha256: String?
                    if hashing.contains(path) {
                        let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                        if file >= 0 {
                            defer { close(file) }
                            sha256 = try? sha256OfFile(descriptor: file)
                        }
                    }
                    set(path, .file(sha256))
                default:
                    set(path, .other)
                }
            }
        }

        /// Entries at paths the tool never wrote: files, links, devices, mount points. (A file the
        /// tool wrote and someone edited is not foreign: it is a conflict the update reports.)
        func foreign(owned: PathMap) -> [String] {
            entries.values.compactMap { path, entry -> String? in
                switch entry {
                case .file: return owned[path] == nil ? path : nil
                case .folder: return owned[path + "/"] == nil && isEmptyFolder(path) ? path : nil
                case .other, .mount: return path
                }
            }.sorted()
        }

        /// A folder with nothing in it (the tool records the empty folders it makes).
        private func isEmptyFolder(_ path: String) -> Bool {
            let prefix = Array((path + "/").utf8)
            return !entries.keys.contains { $0.starts(with: prefix) }
        }
    }

    // MARK: - Small helpers

    /// An absolute, normalized target; the root, the home folder and the current folder are refused.
    static func checkedTarget(_ directory: String) throws -> String {
        guard !directory.isEmpty else {
            throw TemplateTrackError(.invalidArgument, "no folder given to extract into")
        }
        let target = URL(fileURLWithPath: directory).standardizedFileURL.path
        let resolved = realPath(target) ?? target
        let here = FileManager.default.currentDirectoryPath
        let refusals: [(String, String)] = [
            ("/", "the root folder"), (HomeFolder.path, "your home folder"), (here, "the current folder"),
        ]
        for (path, what) in refusals where resolved == (realPath(path) ?? path) || target == path {
            throw TemplateTrackError(
                .invalidArgument, "refusing to extract into \(what); give a folder of its own", at: [.file(target)])
        }
        return target
    }

    private static func makeParents(_ parent: String) throws {
        var info = stat()
        if stat(parent, &info) == 0 { return }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw TemplateTrackError(.io, "cannot create the folder", at: [.file(parent)], cause: error)
        }
    }

    private static func openFolder(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot open the folder", at: [.file(path)]) }
        return fd
    }

    /// Extractions into one parent folder take turns: wait for the lock, up to `timeout`.
    private static func lock(_ fd: Int32, path: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                throw TemplateTrackError(
                    .conflict, "another extraction beside this folder has been running for \(Int(timeout)) s; try again later",
                    at: [.file(path)])
            }
            usleep(50_000)
        }
    }

    /// Opens `relative` under `rootFD` one component at a time, never following a link and never
    /// leaving the root's file system.
    private static func openInside(_ rootFD: Int32, _ relative: String, device: dev_t, root: String) throws -> Int32 {
        var fd = dup(rootFD)
        for component in relative.split(separator: "/") {
            let next = openat(fd, String(component), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(fd)
            guard next >= 0 else {
                throw TemplateTrackError.system(.io, "cannot open the folder (is it a link?)", at: [.file(root + "/" + relative)])
            }
            var info = stat()
            guard fstat(next, &info) == 0, info.st_dev == device else {
                close(next)
                throw TemplateTrackError(.conflict, "lies on another file system; nothing is written across a mount point", at: [.file(root + "/" + relative)])
            }
            fd = next
        }
        return fd
    }

    private static func checkSameDevice(_ rootFD: Int32, _ relative: String, device: dev_t, root: String) throws {
        close(try openInside(rootFD, relative, device: device, root: root))
    }

    static let stagingMarker = ".templatetrack-staging"
    static let stagingPrefix = ".tt-staging-"

    /// `device:inode`, then `:seconds.nanoseconds` of the birth time where the file system has
    /// one, of `name` in `folderFD` (of `folderFD` itself when empty); nil when unreadable.
    package static func identity(_ folderFD: Int32, _ name: String = "") -> String? {
        var buffer = [CChar](repeating: 0, count: 96)
        guard templatetrack_identity(folderFD, name, &buffer, UInt(buffer.count)) == 0 else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Whether a recorded identity is this folder's. A freed inode number is given to new files,
    /// so the birth time must match too; where either side has none (recorded before birth times
    /// were, or a file system that gives none this time), device and inode decide.
    static func isSameFolder(recorded: String, current: String) -> Bool {
        recorded == current
            || (recorded.split(separator: ":").count == 2 && current.hasPrefix(recorded + ":"))
            || (current.split(separator: ":").count == 2 && recorded.hasPrefix(current + ":"))
    }

    /// Staging folders left by a crashed extraction: only those with the tool's marker inside.
    private static func stagingLeftovers(_ parentFD: Int32) -> [(name: String, identity: String)] {
        guard let stream = fdopendir(dup(parentFD)) else { return [] }
        var leftovers: [(name: String, identity: String)] = []
        while let item = readdir(stream) {
            let child = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard child.hasPrefix(stagingPrefix) else { continue }
            var info = stat()
            guard fstatat(parentFD, child + "/" + stagingMarker, &info, AT_SYMLINK_NOFOLLOW) == 0,
                let identity = identity(parentFD, child)
            else { continue }
            leftovers.append((child, identity))
        }
        closedir(stream)
        return leftovers
    }

    /// Removes a folder the tool made, with its contents (never following links); true when it
    /// is gone. The staging marker goes last, and only once everything else went: a folder a
    /// crash or a failure leaves half removed is still known as the tool's.
    @discardableResult
    private static func removeTree(_ parentFD: Int32, _ name: String, top: Bool = true) -> Bool {
        let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd >= 0, let stream = fdopendir(fd) {
            var children: [(String, Bool)] = []
            while let item = readdir(stream) {
                let child = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if child == "." || child == ".." { continue }
                var info = stat()
                let isFolder = fstatat(fd, child, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                children.append((child, isFolder))
            }
            var allGone = true
            for (child, isFolder) in children where !top || child != stagingMarker {
                let gone = isFolder ? removeTree(fd, child, top: false) : unlinkat(fd, child, 0) == 0
                allGone = allGone && gone
            }
            if top && allGone { unlinkat(fd, stagingMarker, 0) }
            closedir(stream)
        } else if fd >= 0 {
            close(fd)
        }
        return unlinkat(parentFD, name, AT_REMOVEDIR) == 0
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
