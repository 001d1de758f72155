public import Foundation
public import TemplateTrackBase
public import TemplateTrackTemplates

/// Content-addressed bytes, read back: the narrowest interface of a store (as restic's loader).
public protocol BlobLoader: Sendable {
    /// Streams the bytes with this SHA-256 through `body`, in chunks of at most 64 KiB.
    func loadBlob(sha256: String, into body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Size and kind of the stored bytes, or nil when there are none.
    func blobInfo(sha256: String) throws -> BlobInfo?
}

/// What a store knows about stored bytes without reading them.
public struct BlobInfo: Sendable, Hashable {
    public var size: Int64
    /// True when the bytes hold no NUL.
    public var isText: Bool

    public init(size: Int64, isText: Bool) {
        self.size = size
        self.isText = isText
    }
}

/// Which snapshots a listing wants.
public struct SnapshotQuery: Sendable {
    public var workspace: Int?
    public var api: TemplateAPI?
    /// Only snapshots fetched at or after this time.
    public var since: Date?
    /// Only snapshots whose contents differ from the one before.
    public var changedOnly: Bool
    /// At most this many, the most recent (still listed oldest first).
    public var limit: Int?

    public init(
        workspace: Int? = nil, api: TemplateAPI? = nil, since: Date? = nil, changedOnly: Bool = false, limit: Int? = nil
    ) {
        self.workspace = workspace
        self.api = api
        self.since = since
        self.changedOnly = changedOnly
        self.limit = limit
    }
}

/// Reading the history. Every answer comes from stored rows; nothing is computed from zips.
public protocol HistoryReader: BlobLoader {
    /// Snapshots matching `query`, oldest first (by fetch time, then number).
    func snapshots(_ query: SnapshotQuery) throws -> [Snapshot]
    /// The snapshot numbered `id`, or nil.
    func snapshot(id: Int) throws -> Snapshot?
    /// Resolves `reference` within `series`; throws `notFound` naming both.
    func resolve(_ reference: SnapshotReference, in series: Series) throws -> Snapshot
    /// The files and empty folders of a tree, by path.
    func treeEntries(_ tree: TreeID) throws -> [TreeEntry]
    /// The entries of each tree of `pair` that the other does not hold with the same contents,
    /// by path: all that `TreeDiff.changes` needs, without the unchanged files that are most of
    /// a tree.
    func differingEntries(_ pair: TreePair) throws -> (from: [TreeEntry], to: [TreeEntry])
    /// Every snapshot that differs from the one before it in its series (a series' first
    /// snapshot is not a change), fetched at or after `since`; by series, then time.
    func seriesChanges(since: Date?) throws -> [SeriesChange]
    /// Each distinct version of `path` in `series` over time (see `FileVersion`).
    func fileVersions(path: String, in series: Series) throws -> [FileVersion]
    /// Full-text search over text files of each series' latest snapshot, or of all snapshots.
    func search(_ text: String, workspace: Int?, allSnapshots: Bool) throws -> [SearchHit]
    /// The templates, `.txt` templates and lookups recorded for a tree's files.
    func templates(of tree: TreeID) throws -> TemplateInventory
    /// The stored comparison of two trees, if it was computed.
    func comparison(_ pair: TreePair) throws -> TreeComparison?
    /// The counts of stored comparisons, for many pairs at once; pairs not stored are absent.
    func comparisonSummaries(_ pairs: [TreePair]) throws -> [TreePair: ComparisonSummary]
    /// Every workspace the history has seen.
    func workspaces() throws -> [WorkspaceRecord]
    /// Whether this store was opened for reading only.
    var isReadOnly: Bool { get }
}

/// Bytes for a new blob, held by the ingest until stored.
public enum BlobContent: Sendable {
    case bytes([UInt8])
    /// A spool file holding the bytes; the ingest removes it.
    case file(String)
}

/// A file's contents for the store, with what was read from it.
public struct NewBlob: Sendable {
    public var sha256: String
    public var size: Int64
    public var isText: Bool
    public var content: BlobContent
    /// The template document the bytes hold, parsed once; nil for any other file.
    public var document: RecognizedDocument?

    public init(sha256: String, size: Int64, isText: Bool, content: BlobContent, document: RecognizedDocument?) {
        self.sha256 = sha256
        self.size = size
        self.isText = isText
        self.content = content
        self.document = document
    }
}

/// Where a snapshot came from, stored with it.
public enum SnapshotOrigin: Sendable {
    /// Downloaded by `sync` from this URL.
    case sync(url: String)
    /// Imported from a zip on disk (or from standard input when the name is `-`).
    case `import`(file: String)

    /// The stored text: `sync <url>` or `import <file name>`.
    public var text: String {
        switch self {
        case .sync(let url): "sync \(url)"
        case .import(let file): "import \(file == "-" ? "(standard input)" : (file as NSString).lastPathComponent)"
        }
    }
}

/// A snapshot to record.
public struct NewSnapshot: Sendable {
    /// The contents: every entry of the zip, or those of a zip already recorded.
    public enum Contents: Sendable {
        case entries([TreeEntry])
        /// The zip with this SHA-256 was recorded before: its tree is reused.
        case knownArchive
    }

    public var workspace: Workspace
    public var api: TemplateAPI
    public var fetchedAt: Date
    public var origin: SnapshotOrigin
    public var archiveSHA256: String
    public var archiveSize: Int64
    public var contents: Contents

    public init(
        workspace: Workspace, api: TemplateAPI, fetchedAt: Date, origin: SnapshotOrigin, archiveSHA256: String,
        archiveSize: Int64, contents: Contents
    ) {
        self.workspace = workspace
        self.api = api
        self.fetchedAt = fetchedAt
        self.origin = origin
        self.archiveSHA256 = archiveSHA256
        self.archiveSize = archiveSize
        self.contents = contents
    }
}

/// One import in progress. Blobs are stored in short transactions of their own (they are
/// idempotent, and claimed by this session so that no clean-up removes them); the snapshot is
/// recorded by one short final transaction. `abandon` removes what only this session stored.
public protocol IngestSession: AnyObject {
    /// The SHA-256s among `sha256s` already stored (their bytes need not be sent), claimed by
    /// the session so that no clean-up removes them while it lasts.
    func storedBlobs(among sha256s: [String]) throws -> Set<String>
    /// Stores the blobs not stored yet, in one transaction.
    func save(_ blobs: [NewBlob]) throws
    /// Records the snapshot in one transaction; its blobs must all be stored.
    func commit(_ snapshot: NewSnapshot) throws -> Snapshot
    /// Removes blobs this session stored that nothing references; safe to call after commit.
    func abandon()
}

/// Writing the history.
public protocol HistoryWriter: HistoryReader {
    /// The largest file one blob can hold.
    var maximumBlobSize: Int64 { get }
    /// Whether a zip with these bytes was recorded before (its tree can be reused).
    func knowsArchive(sha256: String) throws -> Bool
    /// False only when no zip of exactly `size` bytes was recorded: then a zip of this size is
    /// new whatever its hash, and an import need not wait for the hash to start inflating.
    func mayKnowArchive(size: Int64) throws -> Bool
    /// Starts an import.
    func beginIngest() throws -> any IngestSession
    /// Keeps a computed comparison.
    func saveComparison(_ comparison: TreeComparison, for pair: TreePair) throws
    /// Consecutive changes whose comparison is not stored yet (after an older build, or a crash).
    func pairsMissingComparison() throws -> [TreePair]
    /// Indexes text files stored since the last search; returns how many.
    func catchUpSearchIndex() throws -> Int
    /// Names a workspace (for imported ones, which have no name from the server).
    func setWorkspaceName(_ name: String, workspace: Int) throws
    /// Reads text files stored before templates were read (an older build's history); returns how many.
    func recognizeUnreadBlobs() throws -> Int
}

/// One path `extract` wrote (or made, or uses as a temporary name) in a folder.
public struct ExtractedFile: Sendable, Hashable {
    /// Relative to the folder, exactly as written (NFC and NFD spellings are two paths).
    public var path: String
    /// The bytes written there; `""` for a folder it made; `tmp` for a temporary name.
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// What `extract` wrote where, so that it updates only its own files.
public protocol ExtractionLedger: Sendable {
    /// Every (path, SHA-256) `extract` may have left in `directory` (absolute).
    func extractedFiles(directory: String) throws -> [ExtractedFile]
    /// Before writing: adds `files` to what the tool owns in `directory`.
    func recordPendingExtraction(directory: String, files: [ExtractedFile]) throws
    /// After writing: `directory` holds exactly `files` from `snapshot`; older records go.
    func completeExtraction(directory: String, snapshot: Snapshot, files: [ExtractedFile]) throws
    /// nil when `extract` did not create `directory`; else the identity (`device:inode[:birth time]`) it
    /// recorded, itself nil for a folder recorded before identities were.
    func extractionFolder(directory: String) throws -> String??
    /// Records that `extract` created `directory`, the folder with this identity.
    func recordCreatedFolder(directory: String, identity: String) throws
    /// Forgets everything recorded for `directory` (it is gone, or it is another folder now).
    func forgetExtraction(directory: String) throws
    /// Forgets the created folders recorded with these identities (staging folders a crash
    /// left before their rename, now removed: their inode numbers may be reused).
    func forgetCreatedFolders(identities: [String]) throws
}

/// Forgetting snapshots and collecting what nothing references.
public protocol RetentionStore: Sendable {
    /// Removes these snapshots; neighbours' `previous` and `changed` are recomputed.
    func forget(_ snapshots: [Int]) throws
    /// Removes trees, blobs and derived rows no snapshot references (and that no import in
    /// progress has claimed), then returns free pages to the file system.
    func collectGarbage() throws -> GarbageReport
}

/// What a clean-up removed.
public struct GarbageReport: Sendable, Hashable, Encodable {
    public var trees: Int
    public var blobs: Int
    public var bytes: Int64
    /// The database file's size before and after.
    public var fileSizeBefore: Int64
    public var fileSizeAfter: Int64

    public init(trees: Int, blobs: Int, bytes: Int64, fileSizeBefore: Int64, fileSizeAfter: Int64) {
        self.trees = trees
        self.blobs = blobs
        self.bytes = bytes
        self.fileSizeBefore = fileSizeBefore
        self.fileSizeAfter = fileSizeAfter
    }

    enum CodingKeys: String, CodingKey {
        case trees, blobs, bytes, fileSizeBefore = "file_size_before", fileSizeAfter = "file_size_after"
    }
}

/// Everything a command needs from a store.
public typealias HistoryStore = HistoryWriter & ExtractionLedger & RetentionStore

extension HistoryWriter {
    /// A store that cannot tell says it may: the import then hashes the zip before inflating.
    public func mayKnowArchive(size: Int64) throws -> Bool { true }
}
