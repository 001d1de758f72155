public import Foundation
public import TemplateTrackBase

/// A stored tree: one distinct set of (path, content), shared by every snapshot with those
/// contents. The number is the store's own.
public struct TreeID: Sendable, Hashable, Comparable, Codable {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static func < (a: TreeID, b: TreeID) -> Bool { a.rawValue < b.rawValue }
}

/// A workspace's series of snapshots of one API's documentation.
public struct Series: Sendable, Hashable, CustomStringConvertible {
    public var workspace: Int
    public var api: TemplateAPI

    public init(workspace: Int, api: TemplateAPI = .upload) {
        self.workspace = workspace
        self.api = api
    }

    public var description: String {
        api == .upload ? "workspace \(workspace)" : "workspace \(workspace) (\(api.rawValue))"
    }
}

/// One fetch or import of a workspace's template zip.
public struct Snapshot: Sendable, Hashable, Encodable {
    /// The snapshot's number, unique across the history and never reused.
    public var id: Int
    public var workspace: Int
    /// Which documentation series it belongs to.
    public var api: TemplateAPI
    @NullWhenAbsent public var workspaceName: String?
    /// When it was fetched (or the time given to `import`), to the millisecond.
    public var fetchedAt: Date
    /// `sync <url>` or `import <file name>`.
    public var origin: String
    public var archiveSHA256: String
    public var archiveSize: Int64
    /// Digest of the contents alone (paths and bytes), equal for equal contents.
    public var contentSHA256: String
    public var fileCount: Int
    /// False when the contents equal the series' previous snapshot's.
    public var changed: Bool
    /// The series' snapshot before this one, if any.
    @NullWhenAbsent public var previous: Int?
    /// The stored contents.
    public var tree: TreeID

    public init(
        id: Int, workspace: Int, api: TemplateAPI, workspaceName: String?, fetchedAt: Date, origin: String,
        archiveSHA256: String, archiveSize: Int64, contentSHA256: String, fileCount: Int, changed: Bool, previous: Int?,
        tree: TreeID
    ) {
        self.id = id
        self.workspace = workspace
        self.api = api
        self.workspaceName = workspaceName
        self.fetchedAt = fetchedAt
        self.origin = origin
        self.archiveSHA256 = archiveSHA256
        self.archiveSize = archiveSize
        self.contentSHA256 = contentSHA256
        self.fileCount = fileCount
        self.changed = changed
        self.previous = previous
        self.tree = tree
    }

    public var series: Series { Series(workspace: workspace, api: api) }

    enum CodingKeys: String, CodingKey {
        case id = "snapshot", workspace, api, workspaceName = "workspace_name", fetchedAt = "fetched_at", origin
        case archiveSHA256 = "archive_sha256", archiveSize = "archive_size", contentSHA256 = "content_sha256"
        case fileCount = "files", changed, previous
    }
}

/// How a command names a snapshot: `12`, `latest`, `latest~2`, `2026-03-01` or a full time.
public enum SnapshotReference: Sendable, Equatable, CustomStringConvertible {
    /// A snapshot number.
    case id(Int)
    /// The latest snapshot (`back` = 0) or the one `back` before it.
    case latest(back: Int)
    /// The last snapshot fetched within or before this time: a bare date means its whole day,
    /// a time without fractions its whole second (so a time copied from `log` finds its snapshot).
    case asOf(Timestamp.Parsed)

    /// Parses a reference; throws `invalidArgument` naming the text when it is none of the forms.
    public init(parsing text: String) throws {
        if let id = Int(text), id > 0 {
            self = .id(id)
        } else if text == "latest" {
            self = .latest(back: 0)
        } else if text.hasPrefix("latest~"), let back = Int(text.dropFirst(7)), back >= 0 {
            self = .latest(back: back)
        } else if let time = Timestamp.parse(text) {
            self = .asOf(time)
        } else {
            throw TemplateTrackError(
                .invalidArgument,
                "'\(DisplayName.escaped(text))' is not a snapshot reference (a number, latest, latest~N, a date or an ISO 8601 time)")
        }
    }

    public var description: String {
        switch self {
        case .id(let id): "\(id)"
        case .latest(let back): back == 0 ? "latest" : "latest~\(back)"
        case .asOf(let time): time.precision == .day ? String(Timestamp.display(time.start).prefix(10)) : Timestamp.display(time.start)
        }
    }
}

/// What a workspace is called, as the history knows it.
public struct WorkspaceRecord: Sendable, Hashable, Encodable {
    public var workspace: Int
    @NullWhenAbsent public var name: String?
    /// Snapshots recorded, in all its series.
    public var snapshots: Int
    /// The APIs it has series for.
    public var apis: [TemplateAPI]
    @NullWhenAbsent public var latestFetchedAt: Date?

    public init(workspace: Int, name: String?, snapshots: Int, apis: [TemplateAPI], latestFetchedAt: Date?) {
        self.workspace = workspace
        self.name = name
        self.snapshots = snapshots
        self.apis = apis
        self.latestFetchedAt = latestFetchedAt
    }

    enum CodingKeys: String, CodingKey {
        case workspace, name, snapshots, apis, latestFetchedAt = "latest_fetched_at"
    }
}
