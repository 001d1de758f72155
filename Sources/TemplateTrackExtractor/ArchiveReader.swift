import CLibzip
public import Foundation
import TemplateTrackBase

/// A file or empty folder of a checked archive, with the SHA-256 of its bytes.
public struct ArchiveEntry: Sendable, Hashable {
    /// Position in the zip's central directory.
    public var index: Int
    /// The path exactly as stored in the zip; folders end in `/`.
    public var path: String
    /// Whether this is an empty folder rather than a file.
    public var isDirectory: Bool
    /// Size in bytes (0 for folders).
    public var size: Int64
    /// Lower-case hex SHA-256 of the bytes; nil for folders.
    public var sha256: String?
    /// True when the bytes hold no NUL: text to show line by line and to index for search.
    public var isText: Bool

    /// An entry with the given fields.
    public init(index: Int, path: String, isDirectory: Bool, size: Int64, sha256: String?, isText: Bool) {
        self.index = index
        self.path = path
        self.isDirectory = isDirectory
        self.size = size
        self.sha256 = sha256
        self.isText = isText
    }
}

/// One file inflated from an archive: checked (CRC, size), hashed, and its bytes kept either
/// whole in memory or in a spool file that the receiver removes when done.
public struct InflatedFile: Sendable {
    /// The entry, with its size and SHA-256 as inflated.
    public var entry: ArchiveEntry
    /// The bytes, when the file is no larger than `InflateOptions.memoryLimit`.
    public var bytes: [UInt8]?
    /// A file holding the bytes, for larger files when a spool folder was given.
    public var spoolPath: String?
}

/// How `ArchiveReader.inflateFiles` spreads its work and bounds its memory.
public struct InflateOptions: Sendable {
    /// Threads, each with its own `zip_t` (libzip wants one per thread).
    public var workers: Int
    /// Files up to this size are kept whole in memory. (Whatever it is, a deflated file of up to
    /// `ZipArchive.wholeEntryLimit` is inflated whole on its worker before being kept or not.)
    public var memoryLimit: Int64
    /// Where larger files are spooled; nil keeps nothing of them but their hash.
    public var spoolFolder: String?
    /// Bytes held in memory between the workers and the receiver before workers wait.
    public var maxBytesInFlight: Int64
    /// Polled while inflating; true stops the work with a `cancelled` error.
    public var isCancelled: @Sendable () -> Bool

    /// Options with the defaults: one worker per core, files up to 8 MiB kept in memory, no
    /// spooling, 24 MiB in flight, never cancelled.
    public init(
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, memoryLimit: Int64 = 8 << 20,
        spoolFolder: String? = nil, maxBytesInFlight: Int64 = 24 << 20,
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.workers = max(1, workers)
        self.memoryLimit = memoryLimit
        self.spoolFolder = spoolFolder
        self.maxBytesInFlight = maxBytesInFlight
        self.isCancelled = isCancelled
    }
}

/// The extractor: a zip checked whole from its central directory (names, kinds, declared
/// sizes) before any byte is inflated, then inflated in one pass spread over the cores.
public final class ArchiveReader: Sendable {
    /// Where the zip is on disk.
    public let path: String
    /// Every entry, in central-directory order; all passed `EntryPolicy`.
    public let entries: [ZipEntryInfo]

    /// Opens and checks the zip at `path`. Throws, naming the entry, if any entry is unsafe
    /// or breaks `limits`; nothing is inflated yet (except folder entries that hold compressed
    /// bytes, which must inflate to nothing).
    ///
    /// The checks run in this order, so that a hostile zip costs almost nothing to refuse:
    /// the central directory is read (its end record's count against `limits.maxEntries`
    /// first); every name, kind and declared size is judged; the entries' places in the file
    /// are checked (no prefix, no overlaps, local names equal to central ones); only then does
    /// libzip open the zip, and it must agree with the central directory.
    public init(path: String, limits: ArchiveLimits = .standard) throws {
        let directory = try CentralDirectory.read(path: path, maxEntries: limits.maxEntries)
        let declared = directory.records.enumerated().map { ZipEntryInfo(index: $0, record: $1) }
        try EntryPolicy.validate(declared, limits: limits, archive: path)
        try directory.checkLayout(path: path, names: declared.map(\.name))
        let archive = try ZipArchive(path: path)
        let infos = try archive.entries(of: directory)
        for info in infos where zip_compression_method_supported(Int32(info.compressionMethod), 0) == 0 {
            throw TemplateTrackError(
                .invalidArchive, "archive rejected: entry uses compression method \(info.compressionMethod), which cannot be read",
                at: [.file(path), .entry(info.name)])
        }
        // A folder's data must inflate to nothing (its declared size is already 0).
        for info in infos where info.isDirectory && info.compressedSize > 0 { try archive.read(info) }
        self.path = path
        entries = infos
    }

    /// The files (not folders).
    public var files: [ZipEntryInfo] { entries.filter { !$0.isDirectory } }

    /// Folders that hold no entry: `unzip` still creates them, so they are part of the contents.
    public var emptyFolders: [ArchiveEntry] {
        let keys = entries.map { $0.isDirectory ? Array($0.pathBytes.dropLast()) : $0.pathBytes }
        let index = PathIndex(zip(keys, entries.map(\.index)).map { ($0, $1) })
        return zip(entries, keys).compactMap { entry, key in
            guard entry.isDirectory, !index.hasDescendant(of: key) else { return nil }
            return ArchiveEntry(index: entry.index, path: entry.name, isDirectory: true, size: 0, sha256: nil, isText: false)
        }
    }

    /// Inflates every file once, on `options.workers` threads: the CRC and the size are checked
    /// against the headers, and SHA-256 is taken from the same pass (deflated files up to
    /// `ZipArchive.wholeEntryLimit` inflated whole by libdeflate, others streamed by libzip). `transform`
    /// runs on the worker (parse there, in parallel); `consume` runs on the calling thread, one
    /// file at a time, in no particular order. The first error stops everything and is thrown.
    ///
    /// Spool files: when this returns, each one belongs to the receiver, which removes it when
    /// done (after storing it, say). When it throws, it removes every spool file it made,
    /// including those already handed to `consume`, so a failure leaves none behind.
    public func inflateFiles<Result: Sendable>(
        options: InflateOptions, transform: @escaping @Sendable (InflatedFile) throws -> Result,
        consume: (Result) throws -> Void
    ) throws {
        // Largest first, so that the last file to finish is a small one.
        let order = files.sorted { ($0.size, $1.index) > ($1.size, $0.index) }
        let handOff = HandOff<Result>(limit: options.maxBytesInFlight, producers: min(options.workers, max(order.count, 1)))
        let spools = SpoolRegister()
        var succeeded = false
        defer { if !succeeded { spools.removeAll() } }
        let path = self.path
        for _ in 0..<handOff.producerCount {
            let thread = Thread {
                defer { handOff.producerFinished() }
                do {
                    let archive = try ZipArchive(path: path)
                    while let position = handOff.claimNext(), position < order.count {
                        let inflated = try Self.inflate(order[position], from: archive, options: options, spools: spools) {
                            handOff.hasFailed || options.isCancelled()
                        }
                        // A spooled text file may be read whole by `transform`: count it too.
                        let cost = Int64(inflated.bytes?.count ?? (inflated.entry.isText ? Int(inflated.entry.size) : 0))
                        guard handOff.put(try transform(inflated), cost: cost) else { return }
                    }
                } catch {
                    handOff.fail(error)
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        do {
            while let (item, cost) = handOff.take() {
                try consume(item)
                handOff.release(cost)
                if options.isCancelled() { throw TemplateTrackError(.cancelled, "interrupted", at: [.file(path)]) }
            }
        } catch {
            handOff.fail(error)
        }
        handOff.waitForProducers()
        if let failure = handOff.failure { throw failure }
        succeeded = true
    }

    /// Inflates and hashes every file, keeping nothing: a full integrity check.
    public func checkAll(options: InflateOptions = InflateOptions()) throws -> [ArchiveEntry] {
        var options = options
        options.memoryLimit = 0
        options.spoolFolder = nil
        var result: [ArchiveEntry] = []
        try inflateFiles(options: options, transform: { $0.entry }, consume: { result.append($0) })
        return (result + emptyFolders).sorted { $0.index < $1.index }
    }

    private static func inflate(
        _ info: ZipEntryInfo, from archive: ZipArchive, options: InflateOptions, spools: SpoolRegister,
        isCancelled: () -> Bool
    ) throws -> InflatedFile {
        var isText = true
        let keep = info.size <= options.memoryLimit
        var spool: (path: String, fd: Int32)?
        if !keep, let folder = options.spoolFolder {
            let spoolPath = folder + "/entry-\(info.index)-\(UUID().uuidString)"
            let fd = open(spoolPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot create a spool file", at: [.file(spoolPath)]) }
            spools.add(spoolPath)
            spool = (spoolPath, fd)
        }
        defer { if let spool { close(spool.fd) } }
        if isCancelled() { throw TemplateTrackError(.cancelled, "interrupted", at: [.file(archive.path), .entry(info.name)]) }
        if let whole = try archive.readWhole(info) {
            let isText = whole.bytes.withUnsafeBytes { $0.isEmpty || memchr($0.baseAddress!, 0, $0.count) == nil }
            if let spool { try whole.bytes.withUnsafeBytes { try writeAll(spool.fd, $0, path: spool.path) } }
            let entry = ArchiveEntry(
                index: info.index, path: info.name, isDirectory: false, size: info.size, sha256: whole.sha256, isText: isText)
            return InflatedFile(entry: entry, bytes: keep ? whole.bytes : nil, spoolPath: spool?.path)
        }
        var bytes: [UInt8] = []
        if keep { bytes.reserveCapacity(Int(info.size)) }
        let sha256 = try archive.read(info, isCancelled: isCancelled) { chunk in
            if isText, memchr(chunk.baseAddress!, 0, chunk.count) != nil { isText = false }
            if keep {
                bytes.append(contentsOf: chunk)
            } else if let spool {
                try writeAll(spool.fd, chunk, path: spool.path)
            }
        }
        let entry = ArchiveEntry(
            index: info.index, path: info.name, isDirectory: false, size: info.size, sha256: sha256, isText: isText)
        return InflatedFile(entry: entry, bytes: keep ? bytes : nil, spoolPath: spool?.path)
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw TemplateTrackError.system(.io, "write failed", at: [.file(path)])
        }
        offset += written
    }
}

/// Spool files made by one inflation, removed if it fails.
private final class SpoolRegister: @unchecked Sendable {
    private let lock = NSLock()
    private var paths: [String] = []

    func add(_ path: String) { lock.withLock { paths.append(path) } }

    func removeAll() {
        lock.withLock {
            for path in paths { unlink(path) }
            paths.removeAll()
        }
    }
}

/// Hands results from the workers to the receiver, holding at most `limit` bytes between them.
private final class HandOff<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [(Item, Int64)] = []
    private var inFlight: Int64 = 0
    private let limit: Int64
    private var running: Int
    private var next = 0
    private(set) var failure: (any Error)?
    let producerCount: Int

    init(limit: Int64, producers: Int) {
        self.limit = limit
        running = producers
        producerCount = producers
    }

    var hasFailed: Bool { condition.withLock { failure != nil } }

    /// The next position in the work list, or nil once something failed.
    func claimNext() -> Int? {
        condition.withLock {
            guard failure == nil else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// Waits for room, then queues `item`; false when the work has failed.
    func put(_ item: Item, cost: Int64) -> Bool {
        condition.withLock {
            while failure == nil, inFlight > 0, inFlight + cost > limit { condition.wait() }
            guard failure == nil else { return false }
            items.append((item, cost))
            inFlight += cost
            condition.broadcast()
            return true
        }
    }

    /// The next item, or nil when every worker is done (or something failed).
    func take() -> (Item, Int64)? {
        condition.withLock {
            while failure == nil, items.isEmpty, running > 0 { condition.wait() }
            guard failure == nil, !items.isEmpty else { return nil }
            return items.removeFirst()
        }
    }

    func release(_ cost: Int64) {
        condition.withLock {
            inFlight -= cost
            condition.broadcast()
        }
    }

    func fail(_ error: any Error) {
        condition.withLock {
            if failure == nil { failure = error }
            items.removeAll()
            condition.broadcast()
        }
    }

    func producerFinished() {
        condition.withLock {
            running -= 1
            condition.broadcast()
        }
    }

    func waitForProducers() {
        condition.withLock { while running > 0 { condition.wait() } }
    }
}
