public import TemplateTrackBase

/// One file or empty folder of a stored tree.
public struct TreeEntry: Sendable, Hashable {
    /// The path exactly as stored in the zip; empty folders end in `/`.
    public var path: String
    public var size: Int64
    /// Nil for folders.
    public var sha256: String?

    public init(path: String, size: Int64, sha256: String?) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }

    public var isFolder: Bool { sha256 == nil }
}

/// One file of a snapshot.
public struct FileRecord: Sendable, Hashable, Encodable {
    /// The path exactly as stored in the zip.
    public var path: String
    public var size: Int64
    public var sha256: String

    public init(path: String, size: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}

/// How one path differs between two snapshots.
public struct FileChange: Sendable, Hashable, Codable {
    public typealias Status = ChangeStatus
    public var path: String
    public var status: Status
    /// The old path of a renamed file.
    public var fromPath: String?
    @NullWhenAbsent public var fromSHA256: String?
    @NullWhenAbsent public var toSHA256: String?
    @NullWhenAbsent public var fromSize: Int64?
    @NullWhenAbsent public var toSize: Int64?

    public init(
        path: String, status: Status, fromPath: String? = nil, fromSHA256: String? = nil, toSHA256: String? = nil,
        fromSize: Int64? = nil, toSize: Int64? = nil
    ) {
        self.path = path
        self.status = status
        self.fromPath = fromPath
        self.fromSHA256 = fromSHA256
        self.toSHA256 = toSHA256
        self.fromSize = fromSize
        self.toSize = toSize
    }

    /// An empty folder (its path ends in `/`), not a file.
    public var isFolder: Bool { path.hasSuffix("/") }

    enum CodingKeys: String, CodingKey {
        case path, status, fromPath = "from_path", fromSHA256 = "from_sha256", toSHA256 = "to_sha256"
        case fromSize = "from_size", toSize = "to_size"
    }
}

/// File counts of one change, as `diff` would report it.
public struct FileCounts: Sendable, Hashable, Codable {
    public var added = 0, removed = 0, modified = 0, renamed = 0

    public init(added: Int = 0, removed: Int = 0, modified: Int = 0, renamed: Int = 0) {
        self.added = added
        self.removed = removed
        self.modified = modified
        self.renamed = renamed
    }

    public init(_ changes: [FileChange]) {
        for change in changes {
            switch change.status {
            case .added: added += 1
            case .removed: removed += 1
            case .modified: modified += 1
            case .renamed: renamed += 1
            }
        }
    }

    public var total: Int { added + removed + modified + renamed }
}

/// Compares two trees by path and content.
///
/// A file whose bytes reappear unchanged under a new path is one rename, not a removal and
/// an addition; when several candidates share the bytes they pair in path order.
public enum TreeDiff {
    public static func changes(from old: [TreeEntry], to new: [TreeEntry]) -> [FileChange] {
        let oldByPath = Dictionary(old.map { ($0.path.pathKey, $0) }, uniquingKeysWith: { first, _ in first })
        let newByPath = Dictionary(new.map { ($0.path.pathKey, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [FileChange] = []
        var removed: [TreeEntry] = []
        var added: [TreeEntry] = []
        for entry in old {
            guard let now = newByPath[entry.path.pathKey] else {
                removed.append(entry)
                continue
            }
            if now.sha256 != entry.sha256 {
                changes.append(
                    FileChange(
                        path: entry.path, status: .modified, fromSHA256: entry.sha256, toSHA256: now.sha256,
                        fromSize: entry.size, toSize: now.size))
            }
        }
        for entry in new where oldByPath[entry.path.pathKey] == nil { added.append(entry) }

        var addedBySHA: [String: [TreeEntry]] = [:]
        for entry in added.sorted(by: { $0.path < $1.path }) {
            if let sha = entry.sha256 { addedBySHA[sha, default: []].append(entry) }
        }
        var renamedTargets: Set<[UInt8]> = []
        for entry in removed.sorted(by: { $0.path < $1.path }) {
            if let sha = entry.sha256, var candidates = addedBySHA[sha], !candidates.isEmpty {
                let target = candidates.removeFirst()
                addedBySHA[sha] = candidates
                renamedTargets.insert(target.path.pathKey)
                changes.append(
                    FileChange(
                        path: target.path, status: .renamed, fromPath: entry.path, fromSHA256: sha, toSHA256: sha,
                        fromSize: entry.size, toSize: target.size))
            } else {
                changes.append(
                    FileChange(path: entry.path, status: .removed, fromSHA256: entry.sha256, fromSize: entry.size))
            }
        }
        for entry in added where !renamedTargets.contains(entry.path.pathKey) {
            changes.append(FileChange(path: entry.path, status: .added, toSHA256: entry.sha256, toSize: entry.size))
        }
        return changes.sorted { $0.path < $1.path }
    }
}

extension HistoryReader {
    /// Both whole trees, less the entries they share: a store without a cheaper way (SQLite
    /// merges the two in path order) needs only `treeEntries`.
    public func differingEntries(_ pair: TreePair) throws -> (from: [TreeEntry], to: [TreeEntry]) {
        guard pair.from != pair.to else { return ([], []) }
        let (from, to) = (try treeEntries(pair.from), try treeEntries(pair.to))
        let shared = Set(from).intersection(to)
        return (from.filter { !shared.contains($0) }, to.filter { !shared.contains($0) })
    }

    /// What changed from the first tree of `pair` to the second, by path.
    public func fileChanges(_ pair: TreePair) throws -> [FileChange] {
        let (from, to) = try differingEntries(pair)
        return TreeDiff.changes(from: from, to: to)
    }
}
