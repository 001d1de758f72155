public import Foundation
public import TemplateTrackBase
public import TemplateTrackExtractor
public import TemplateTrackHistory
import TemplateTrackTemplates

/// How an import reads a zip: limits, threads, where to spool, when to stop.
public struct IngestOptions: Sendable {
    public var limits: ArchiveLimits
    /// Threads that inflate entries (each with its own `zip_t`).
    public var workers: Int
    /// Files up to this size are held in memory on their way to the store; larger ones are
    /// spooled to a private temporary file.
    public var memoryLimit: Int64
    /// Where entries too large to hold in memory wait for the store; nil: a fresh run folder.
    public var spoolFolder: String?
    /// Polled throughout; true stops the import, recording nothing.
    public var isCancelled: @Sendable () -> Bool

    public init(
        limits: ArchiveLimits = .standard, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        memoryLimit: Int64 = 8 << 20, spoolFolder: String? = nil, isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.limits = limits
        self.workers = workers
        self.memoryLimit = memoryLimit
        self.spoolFolder = spoolFolder
        self.isCancelled = isCancelled
    }
}

/// Records zips into a store in one pass: every entry is inflated once, on all cores, and its
/// CRC, size and SHA-256 are checked and its bytes stored from that one stream.
///
/// The archive is accepted or rejected whole: names and declared sizes are checked before any
/// byte is stored, and any failure removes what the import stored. A zip recorded before is
/// recognized from its SHA-256 and not inflated again.
public enum Ingest {
    /// Records the zip at `path` as a new snapshot.
    ///
    /// - Parameter digest: the zip's SHA-256 and size when known (the fetcher hashes while
    ///   downloading); otherwise the file is hashed first, or, when no recorded zip has its
    ///   size, on a thread of its own while its entries inflate.
    public static func record(
        zipAt path: String, digest: (sha256: String, size: Int64)? = nil, workspace: Workspace,
        api: TemplateAPI = .upload, fetchedAt: Date, origin: SnapshotOrigin, into store: any HistoryWriter,
        options: IngestOptions = IngestOptions()
    ) throws -> Snapshot {
        // A zip of a size never recorded is new whatever its hash: it is hashed on a thread of
        // its own while its entries are inflated. Otherwise the hash decides first whether to
        // inflate at all (a re-import costs only the hash).
        var background: BackgroundDigest?
        defer { background?.cancel() }
        var known = digest
        if known == nil {
            if let size = fileSize(path), try !store.mayKnowArchive(size: size) {
                background = BackgroundDigest(path: path, isCancelled: options.isCancelled)
            } else {
                known = try sha256OfFile(at: path, isCancelled: options.isCancelled)
            }
        }
        if options.isCancelled() { throw TemplateTrackError(.cancelled, "interrupted", at: [.file(path)]) }
        let session = try store.beginIngest()
        var committed = false
        defer { if !committed { session.abandon() } }
        let contents: NewSnapshot.Contents
        if let known, try store.knowsArchive(sha256: known.sha256) {
            contents = .knownArchive
        } else {
            contents = .entries(try storeEntries(of: path, session: session, store: store, options: options))
        }
        let (sha256, size) = try known ?? background!.wait()
        if options.isCancelled() { throw TemplateTrackError(.cancelled, "interrupted", at: [.file(path)]) }
        let snapshot = try session.commit(
            NewSnapshot(
                workspace: workspace, api: api, fetchedAt: fetchedAt, origin: origin, archiveSHA256: sha256,
                archiveSize: size, contents: contents))
        committed = true
        session.abandon()  // nothing left to remove; ends the session's claims
        // The snapshot is recorded; a comparison that cannot be stored now is computed later.
        _ = try? Comparisons.completeMissing(in: store)
        return snapshot
    }

    private static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Bytes the receiving side holds before a batch is written.
    static let batchByteLimit: Int64 = 16 << 20
    static let batchFiles = 512

    private static func storeEntries(
        of path: String, session: any IngestSession, store: any HistoryWriter, options: IngestOptions
    ) throws -> [TreeEntry] {
        let limits = options.limits
        let storeLimit = store.maximumBlobSize
        let reader = try ArchiveReader(path: path, limits: limits)
        if let large = reader.files.first(where: { $0.size > storeLimit }) {
            throw TemplateTrackError(
                .limitExceeded,
                "archive rejected: entry would unpack to \(ByteCount.format(large.size)); this history stores at most \(storeLimit) bytes per file",
                at: [.file(path), .entry(large.name)])
        }
        let run = try options.spoolFolder.map { ($0, nil as RunFolder?) } ?? {
            let folder = try RunFolder.create()
            return (folder.path, folder)
        }()
        defer { run.1?.remove() }

        var entries: [TreeEntry] = reader.emptyFolders.map { TreeEntry(path: $0.path, size: 0, sha256: nil) }
        var batch: [NewBlob] = []
        var batchBytes: Int64 = 0
        func flush() throws {
            defer {
                for blob in batch { if case .file(let spool) = blob.content { unlink(spool) } }
                batch.removeAll()
                batchBytes = 0
            }
            let known = try session.storedBlobs(among: batch.map(\.sha256))
            var seen: Set<String> = []
            try session.save(batch.filter { !known.contains($0.sha256) && seen.insert($0.sha256).inserted })
        }
        let inflate = InflateOptions(
            workers: options.workers, memoryLimit: options.memoryLimit, spoolFolder: run.0, isCancelled: options.isCancelled)
        try reader.inflateFiles(options: inflate, transform: prepare) { blob, entry in
            entries.append(entry)
            batch.append(blob)
            // Every byte the batch's transaction will write, in memory or spooled: it bounds both
            // the memory held and how long one transaction keeps other writers waiting.
            if case .bytes(let bytes) = blob.content { batchBytes += Int64(bytes.count) } else { batchBytes += blob.size }
            if batchBytes >= batchByteLimit || batch.count >= batchFiles { try flush() }
        }
        try flush()
        return entries
    }

    /// On a worker: what the file is, read once while its bytes are at hand.
    @Sendable private static func prepare(_ file: InflatedFile) throws -> (NewBlob, TreeEntry) {
        let entry = file.entry
        var document: RecognizedDocument?
        if entry.isText {
            if let bytes = file.bytes {
                if TemplateRecognizer.mayRecognize(prefix: bytes.prefix(4096)) { document = TemplateRecognizer.recognize(bytes) }
            } else if let spool = file.spoolPath, entry.size <= recognizedSizeLimit,
                let handle = FileHandle(forReadingAtPath: spool)
            {
                defer { try? handle.close() }
                let prefix = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
                if TemplateRecognizer.mayRecognize(prefix: prefix), let data = FileManager.default.contents(atPath: spool) {
                    document = TemplateRecognizer.recognize([UInt8](data))
                }
            }
        }
        let content: BlobContent = file.bytes.map(BlobContent.bytes) ?? .file(file.spoolPath ?? "")
        let blob = NewBlob(sha256: entry.sha256!, size: entry.size, isText: entry.isText, content: content, document: document)
        return (blob, TreeEntry(path: entry.path, size: entry.size, sha256: entry.sha256))
    }

    /// Files larger than this are stored but not read as template documents.
    static let recognizedSizeLimit: Int64 = 32 << 20
}

/// A zip's SHA-256 and size, taken on a thread of its own.
private final class BackgroundDigest: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = NSLock()
    private var stopped = false
    /// Written by the thread before it signals `finished`; read only after waiting for it.
    private var result: Result<(sha256: String, size: Int64), any Error>?

    init(path: String, isCancelled: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in
            result = Result { try sha256OfFile(at: path) { isCancelled() || stopping.withLock { stopped } } }
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the hash; throws what hashing threw.
    func wait() throws -> (sha256: String, size: Int64) {
        finished.wait()
        finished.signal()  // a later `cancel` (or `wait`) returns at once
        return try result!.get()
    }

    /// Stops the hashing, if it still runs, and waits for its thread: nothing reads the zip
    /// once the import has returned.
    func cancel() {
        stopping.withLock { stopped = true }
        finished.wait()
        finished.signal()
    }
}
