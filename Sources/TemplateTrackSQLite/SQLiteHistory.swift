public import Foundation
import CSystemCalls
import GRDB
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif
import GRDBSQLite
public import TemplateTrackBase
public import TemplateTrackHistory

/// The history in one SQLite file (GRDB, WAL): TemplateTrack's store.
///
/// The file is stamped with `applicationID`; any other SQLite file is refused, naming it, and
/// left untouched. A new file is created with mode 0600 (its folders 0700). Queries never
/// write it: a command reads through one connection with `query_only` (which, closing last,
/// removes the write-ahead log as any connection that may write does), a server through a
/// pool of read-only ones; when the file or its folder is read-only, without taking locks.
/// Migrations run in one `BEGIN IMMEDIATE` transaction, so concurrent first uses take turns.
public final class SQLiteHistory: Sendable {
    /// How a command means to use the history.
    public enum Access: Sendable, Equatable {
        /// Queries only, from one thread at a time (a command); the file must exist. One
        /// connection that only reads (`query_only`), unless an upgrade is pending.
        case read
        /// Queries only, from many threads at once (a server): as `.read`, with a pool of readers.
        case readConcurrently
        /// Recording or maintenance; the file must exist.
        case write
        /// Recording, creating the file if there is none.
        case create
    }

    /// SQLite's `application_id` for TemplateTrack histories ("TTrk").
    public static let applicationID: Int32 = 0x5454_726b

    /// Path of the SQLite file.
    public let path: String
    /// Whether queries only are possible.
    public let isReadOnly: Bool
    /// Whether this process created the file (and the folders in `createdFolders`).
    public let createdFile: Bool
    let createdFolders: [String]
    let reader: any DatabaseReader
    let writerIfAny: (any DatabaseWriter)?
    /// Whether `reader` is one connection that may write, so the last to close, which removes
    /// the log and index files: it only ever reads (GRDB reads with `query_only`).
    private let readerClosesLast: Bool
    /// A shared `flock` on the file, held while this history is open: a failed first import may
    /// remove the file it created only when it can take the lock exclusively, i.e. when no other
    /// process has the history open. (Closed only after the connections, so that SQLite's own
    /// locks, which a close of any descriptor of the file would drop, are never lost.)
    private let usageLock: Int32
    private let closed = Mutex(false)

    /// Text larger than this is stored but not indexed for search (FTS5 reads it whole).
    static let maximumIndexedSize: Int64 = 32 << 20

    /// Opens the history at `path` for `access`.
    public convenience init(path: String, access: Access) throws {
        try self.init(path: path, access: access, writable: nil)
    }

    /// `writable` overrides what the file's and folder's modes say (for tests run as root).
    init(path: String, access: Access, writable forced: Bool?) throws {
        self.path = path
        var createdFolders: [String] = []
        var created = false
        var lock: Int32 = -1
        // Opening takes the usage lock on the very file at the path; a file removed meanwhile by
        // a process that created it and failed is opened again (or created).
        for _ in 0..<3 {
            var info = stat()
            if stat(path, &info) == 0 {
                switch info.st_mode & S_IFMT {
                case S_IFDIR: throw TemplateTrackError(.database, "is a folder, not a history database", at: [.file(path)])
                case S_IFREG: break
                default: throw TemplateTrackError(.database, "is not a regular file, so not a history database", at: [.file(path)])
                }
            } else {
                guard access == .create else {
                    throw TemplateTrackError(.notFound, "no history database here", at: [.file(path)])
                }
                if createdFolders.isEmpty { createdFolders = try Self.makeFolders(for: path) }
                created = try Self.createAtomically(path)
            }
            lock = HeldDescriptors.open(path)
            guard lock >= 0 else {
                if errno == ENOENT { continue }
                throw TemplateTrackError.system(.io, "cannot open the history database", at: [.file(path)])
            }
            flock(lock, LOCK_SH)
            var held = stat()
            var now = stat()
            if fstat(lock, &held) == 0, stat(path, &now) == 0, held.st_ino == now.st_ino, held.st_dev == now.st_dev { break }
            HeldDescriptors.close(lock)
            lock = -1
            created = false
        }
        guard lock >= 0 else {
            throw TemplateTrackError(.database, "kept changing while it was being opened; try again", at: [.file(path)])
        }
        usageLock = lock
        createdFile = created
        self.createdFolders = createdFolders
        do {
            if !created { try Self.checkIsOurs(path, through: lock) }
        } catch {
            HeldDescriptors.close(lock)
            throw error
        }

        let writable = forced ?? Self.isWritable(path)
        do {
            if access == .read || access == .readConcurrently {
                let (reader, upgraded) = try Self.openForReading(
                    path: path, writable: writable, concurrently: access == .readConcurrently)
                self.reader = reader
                writerIfAny = upgraded
                isReadOnly = upgraded == nil
                readerClosesLast = upgraded == nil && reader is DatabaseQueue && writable
            } else {
                guard writable else {
                    throw TemplateTrackError(.database, "is read-only: cannot record into it", at: [.file(path)])
                }
                let pool = try DatabasePool(path: path, configuration: Self.configuration(readOnly: false))
                try Migrations.apply(to: pool, creating: false)
                reader = pool
                writerIfAny = pool
                isReadOnly = false
                readerClosesLast = false
            }
        } catch let error as TemplateTrackError {
            HeldDescriptors.close(lock)
            throw error.places.contains(.file(path)) ? error : error.at(.file(path))
        } catch {
            HeldDescriptors.close(lock)
            throw Self.translate(error, path: path)
        }
    }

    deinit { close() }

    /// Started by the first import that stores file contents; stopped by `close`.
    private let backgroundCheckpointer = Mutex<BackgroundCheckpointer?>(nil)

    /// Hands the copying of the write-ahead log into the file to a thread of its own.
    func checkpointInBackground() {
        guard let writerIfAny else { return }
        backgroundCheckpointer.withLock { checkpointer in
            guard checkpointer == nil, !closed.withLock({ $0 }) else { return }
            checkpointer = BackgroundCheckpointer(writer: writerIfAny, path: path)
        }
    }

    /// Stops the background checkpoints, if they run; a later import starts them again. A
    /// checkpoint that must finish (TRUNCATE) cannot start while another one runs: SQLite then
    /// answers busy at once, without waiting.
    func stopBackgroundCheckpoints() {
        backgroundCheckpointer.withLock { checkpointer in
            checkpointer?.stop()
            checkpointer = nil
        }
    }

    /// Closes the connections (a writer's last close checkpoints and removes the WAL), then
    /// releases the usage lock. Later calls do nothing.
    public func close() {
        let first = closed.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        backgroundCheckpointer.withLock { $0?.stop() }
        if let pool = writerIfAny as? DatabasePool {
            // The log goes into the file now; a pool's readers close last and, being read-only,
            // cannot remove it, so one plain connection, the last to close, removes it.
            _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try? pool.close()
        }
        try? (reader as? DatabasePool)?.close()
        try? (reader as? DatabaseQueue)?.close()
        if !readerClosesLast, Self.isWritable(path), let last = try? DatabaseQueue(path: path, configuration: Self.configuration(readOnly: false)) {
            try? last.close()
        }
        HeldDescriptors.close(usageLock)
    }

    /// The write connection; commands that write open with `.write` or `.create`.
    var writer: any DatabaseWriter {
        get throws {
            guard let writerIfAny else {
                throw TemplateTrackError(.database, "opened for reading only", at: [.file(path)])
            }
            return writerIfAny
        }
    }

    static func configuration(readOnly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(60)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                // Safe against a crashed process; the final commit of a snapshot is FULL.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        return configuration
    }

    /// Read-only where possible; an older schema is upgraded first when the file can be written.
    private static func openForReading(path: String, writable: Bool, concurrently: Bool) throws -> (
        any DatabaseReader, (any DatabaseWriter)?
    ) {
        if writable && !concurrently {
            // A command's queries: one connection, not a pool's writer, reader and a last
            // connection to remove the log at close (each open reads the whole schema).
            let queue = try DatabaseQueue(path: path, configuration: configuration(readOnly: false))
            if try queue.read(Migrations.isCurrent) { return (queue, nil) }
            try queue.close()
        }
        if writable {
            let pool = try DatabasePool(path: path, configuration: configuration(readOnly: true))
            if try pool.read(Migrations.isCurrent) { return (pool, nil) }
            let writer = try DatabasePool(path: path, configuration: configuration(readOnly: false))
            try Migrations.apply(to: writer, creating: false)
            return (writer, writer)
        }
        // A read-only file or folder. With a write-ahead log holding commits, read through it
        // (mode=ro); without one, read the file as it stands, without locks (no -shm can be made).
        var wal = stat()
        let hasLog = stat(path + "-wal", &wal) == 0 && wal.st_size > 0
        let uri = "file:" + uriEscaped(path) + (hasLog ? "?mode=ro" : "?immutable=1")
        let queue = try DatabaseQueue(path: uri, configuration: configuration(readOnly: true))
        guard try queue.read(Migrations.isReadable) else {
            throw TemplateTrackError(
                .database, "was written by an older TemplateTrack and must be upgraded, which needs write access",
                at: [.file(path)])
        }
        return (queue, nil)
    }

    /// Refuses any file that is not a TemplateTrack history, reading only its header (and, for
    /// an unstamped SQLite file, its table names, without locks): nothing is written to it.
    ///
    /// The header is read through `descriptor`, the usage lock's, which stays open: closing any
    /// other descriptor of the file would drop every POSIX lock this process holds on it,
    /// those of another open history on the same file included.
    static func checkIsOurs(_ path: String, through descriptor: Int32) throws {
        var bytes = [UInt8](repeating: 0, count: 100)
        let count = pread(descriptor, &bytes, 100, 0)
        guard count >= 0 else {
            throw TemplateTrackError.system(.io, "cannot read the history database", at: [.file(path)])
        }
        let header = Data(bytes.prefix(count))
        if header.isEmpty {
            throw TemplateTrackError(
                .database, "is an empty file, not a TemplateTrack history; it was left as it is", at: [.file(path)])
        }
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw TemplateTrackError(
                .database, "is not an SQLite database, so not a TemplateTrack history; it was left as it is",
                at: [.file(path)])
        }
        let id = header[68..<72].reduce(Int32(0)) { $0 << 8 | Int32($1) }
        if id == applicationID { return }
        if id == 0, isEarlierTemplateTrack(path) { return }
        let owner = id == 0 ? "another application's SQLite database" : "the SQLite database of another application (application_id 0x\(String(UInt32(bitPattern: id), radix: 16)))"
        throw TemplateTrackError(
            .database, "is \(owner), not a TemplateTrack history; it was left as it is", at: [.file(path)])
    }

    /// TemplateTrack before application ids: its migrations table names `0001_history`.
    private static func isEarlierTemplateTrack(_ path: String) -> Bool {
        var wal = stat()
        let hasLog = stat(path + "-wal", &wal) == 0 && wal.st_size > 0
        // Reading through a log would create an -shm beside another application's file: only
        // when there is a log holding commits (an earlier TemplateTrack's unclosed history).
        for mode in hasLog ? ["immutable=1", "mode=ro"] : ["immutable=1"] {
            let uri = "file:" + uriEscaped(path) + "?" + mode
            guard let queue = try? DatabaseQueue(path: uri, configuration: configuration(readOnly: true)) else { continue }
            let found = try? queue.read { db in
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'grdb_migrations')") == true
                    && Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM grdb_migrations WHERE identifier = '0001_history')")
                        == true
            }
            if found == true { return true }
        }
        return false
    }

    private static func uriEscaped(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    private static func isWritable(_ path: String) -> Bool {
        access(path, R_OK | W_OK) == 0 && access(folder(of: path), W_OK) == 0
    }

    /// Writes a new, empty history beside `path` under a private name, with its whole schema,
    /// then links it into place only if nothing is there: a history file is never seen half made,
    /// whatever kills the process. Returns false when another process created it first.
    private static func createAtomically(_ path: String) throws -> Bool {
        let folder = folder(of: path)
        let name = (path as NSString).lastPathComponent
        removeAbandonedCreations(in: folder, name: name)
        let temporary = folder + "/.\(name).templatetrack-new-\(UUID().uuidString)"
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot create the history database", at: [.file(path)]) }
        flock(fd, LOCK_EX)  // tells a later run that this creation is still under way
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(temporary + suffix) }
            Glibc.close(fd)
        }
        do {
            // Incremental vacuuming must be chosen before the first page is written (opening
            // in WAL mode writes it), so that prune can return pages to the file system.
            let empty = try DatabaseQueue(path: temporary)
            try empty.writeWithoutTransaction { db in
                // Most bytes are file contents of tens to hundreds of KB: large pages take a
                // fraction of the system calls to write, log and read them.
                try db.execute(sql: "PRAGMA page_size = 32768")
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try empty.close()
            let pool = try DatabasePool(path: temporary, configuration: configuration(readOnly: false))
            try Migrations.apply(to: pool, creating: true)
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try pool.close()
        } catch {
            throw translate(error, path: path)
        }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        // File systems without hard links: an atomic rename that never replaces.
        if errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP, templatetrack_rename_noreplace(AT_FDCWD, temporary, AT_FDCWD, path) == 0 {
            return true
        }
        if errno == EEXIST { return false }
        throw TemplateTrackError.system(.io, "cannot put the new history database in place", at: [.file(path)])
    }

    /// New histories left half made by a process that died: only files with the tool's private
    /// name whose creator no longer holds its lock.
    private static func removeAbandonedCreations(in folder: String, name: String) {
        guard let children = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for child in children where child.hasPrefix(".\(name).templatetrack-new-") && !child.hasSuffix("-wal") && !child.hasSuffix("-shm") {
            let stale = folder + "/" + child
            // One being made right now may not be locked yet: only those a minute old are judged.
            var info = stat()
            guard lstat(stale, &info) == 0, Date().timeIntervalSince1970 - Double(info.st_mtim.tv_sec) > 60 else { continue }
            let fd = open(stale, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                for suffix in ["", "-wal", "-shm"] { unlink(stale + suffix) }
            }
            Glibc.close(fd)
        }
    }

    static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Creates the missing folders above `path` with mode 0700; returns them, outermost first.
    private static func makeFolders(for path: String) throws -> [String] {
        var missing: [String] = []
        var folder = Self.folder(of: path)
        var info = stat()
        while !folder.isEmpty, folder != "/", folder != ".", stat(folder, &info) != 0 {
            missing.insert(folder, at: 0)
            folder = (folder as NSString).deletingLastPathComponent
        }
        var created: [String] = []
        for folder in missing {
            if mkdir(folder, 0o700) == 0 {
                created.append(folder)
            } else if errno != EEXIST {
                let error = TemplateTrackError.system(.io, "cannot create the folder", at: [.file(folder)])
                for made in created.reversed() { rmdir(made) }
                throw error
            }
        }
        return created
    }

    /// After a failed command: removes the file (and its folders) if this process created it,
    /// nothing was recorded in it, and no other process has it open. Other files are never removed.
    public func discardIfUnused() {
        guard createdFile, !isReadOnly, !closed.withLock({ $0 }) else { return }
        // Exclusive only when nobody else holds the shared usage lock.
        guard flock(usageLock, LOCK_EX | LOCK_NB) == 0 else { return }
        let empty = try? reader.read { db in
            try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM snapshot) AND NOT EXISTS (SELECT 1 FROM ingest)")
        }
        guard empty == true else {
            flock(usageLock, LOCK_SH)
            return
        }
        closed.withLock { $0 = true }
        backgroundCheckpointer.withLock { $0?.stop() }
        try? (reader as? DatabasePool)?.close()
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        for folder in createdFolders.reversed() { rmdir(folder) }
        HeldDescriptors.close(usageLock)
    }

    /// The usage lock's descriptors. Closing any descriptor of a file drops every POSIX lock
    /// this process holds on it, SQLite's included, so one closed while another history on the
    /// same file is open here (`serve` opens one every 15 s to index) would leave that one's
    /// connections unlocked: another process's last close could then remove the log under them.
    /// So a descriptor is closed only with the last one of its file, as SQLite does with its own.
    enum HeldDescriptors {
        private struct FileKey: Hashable {
            var device: UInt
            var inode: UInt
        }
        private static let files = Mutex<[FileKey: (open: Int, waiting: [Int32])]>([:])

        private static func key(_ descriptor: Int32) -> FileKey? {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { return nil }
            return FileKey(device: UInt(info.st_dev), inode: UInt(info.st_ino))
        }

        /// Opens `path` for reading, counted as open until `close`.
        static func open(_ path: String) -> Int32 {
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0, let key = key(descriptor) else { return descriptor }
            files.withLock { $0[key, default: (0, [])].open += 1 }
            return descriptor
        }

        /// Closes `descriptor` now if no other is open on its file, else with the last of them.
        static func close(_ descriptor: Int32) {
            guard let key = key(descriptor) else {
                Glibc.close(descriptor)
                return
            }
            let closing: [Int32] = files.withLock { files in
                var file = files[key] ?? (1, [])
                file.open -= 1
                file.waiting.append(descriptor)
                guard file.open <= 0 else {
                    files[key] = file
                    return []
                }
                files[key] = nil
                return file.waiting
            }
            for descriptor in closing { Glibc.close(descriptor) }
        }
    }

    /// SQLite's errors become `TemplateTrackError`s in plain words, naming the file.
    static func translate(_ error: any Error, path: String) -> TemplateTrackError {
        if let error = error as? TemplateTrackError { return error }
        guard let error = error as? DatabaseError else {
            return TemplateTrackError(.database, "failed", at: [.file(path)], cause: error)
        }
        let message: String
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            // A lock is waited for up to a minute; some states (a checkpoint already running) answer at once.
            message = "busy: another process is using it and did not let go in time; try again"
        case .SQLITE_READONLY: message = "is read-only"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: message = "is damaged or not a database"
        case .SQLITE_FULL: message = "the disk is full"
        case .SQLITE_CANTOPEN: message = "cannot be opened (check the folder's permissions)"
        case .SQLITE_TOOBIG: message = "a file is larger than SQLite can store in one blob"
        case .SQLITE_IOERR: message = "a read or write failed"
        default: message = "SQLite error: \(error.message ?? "\(error.resultCode)")"
        }
        return TemplateTrackError(.database, message, at: [.file(path)])
    }

    /// Runs `body` in a read transaction.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try reader.read(body) } catch { throw Self.translate(error, path: path) }
    }

    /// Runs `body` in one write transaction: all of it is recorded, or none.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch { throw Self.translate(error, path: path) }
    }
}

/// The schema: numbered `.sql` files from the top-level `migrations/` folder, compiled in.
enum Migrations {
    /// `(identifier, sql)` in the order they apply, e.g. `("0001_history", "CREATE ...")`.
    static let all: [(id: String, sql: String)] = EmbeddedMigrations.files
        .filter { $0.key.hasSuffix(".sql") }
        .map { (String($0.key.dropLast(4)), String(decoding: Data(base64Encoded: $0.value)!, as: UTF8.self)) }
        .sorted { $0.id < $1.id }

    /// Migrations that only clear data computed from the rest (stored comparisons): a history
    /// in a read-only file or folder, which cannot apply them, is still read without them.
    static let derivedOnly: Set<String> = ["0006_recompare"]

    /// Whether a read-only history can be read as it is: current but for `derivedOnly`.
    static func isReadable(_ db: Database) throws -> Bool {
        guard try db.tableExists("grdb_migrations") else { return false }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        try checkKnown(applied)
        let stamped = try Int32.fetchOne(db, sql: "PRAGMA application_id") == SQLiteHistory.applicationID
        return stamped && applied.union(derivedOnly).isSuperset(of: all.map(\.id))
    }

    /// Whether every migration has been applied and the file is stamped.
    static func isCurrent(_ db: Database) throws -> Bool {
        guard try db.tableExists("grdb_migrations") else { return false }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        try checkKnown(applied)
        let stamped = try Int32.fetchOne(db, sql: "PRAGMA application_id") == SQLiteHistory.applicationID
        return stamped && applied.isSuperset(of: all.map(\.id))
    }

    private static func checkKnown(_ applied: Set<String>) throws {
        if let unknown = applied.subtracting(all.map(\.id)).sorted().first {
            throw TemplateTrackError(
                .database, "was written by a newer TemplateTrack (migration \(unknown) is unknown to this one)")
        }
    }

    /// Applies what is missing, in one immediate transaction: a second process waits, then
    /// finds nothing left to do.
    static func apply(to writer: DatabasePool, creating: Bool) throws {
        if try writer.read(isCurrent) { return }
        try writer.writeWithoutTransaction { db in
            if creating {
                // Only possible before the first table: lets prune return pages to the file system.
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction(.immediate) {
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
                try checkKnown(applied)
                for migration in all where !applied.contains(migration.id) {
                    try db.execute(sql: migration.sql)
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.id])
                }
                if try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") != nil {
                    throw TemplateTrackError(.database, "an upgrade left broken references; nothing was changed")
                }
                try db.execute(sql: "PRAGMA application_id = \(SQLiteHistory.applicationID)")
                return .commit
            }
            // The schema reaches the main file now, so that a header read sees the stamp.
            _ = try? db.checkpoint(.truncate)
        }
    }
}

extension SQLiteHistory {
    /// `$TEMPLATETRACK_DB`, else `$XDG_DATA_HOME/templatetrack/history.sqlite`, else
    /// `~/.local/share/templatetrack/history.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["TEMPLATETRACK_DB"], !path.isEmpty { return path }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (HomeFolder.path as NSString).appendingPathComponent(".local/share")
        return (dataHome as NSString).appendingPathComponent("templatetrack/history.sqlite")
    }
}
