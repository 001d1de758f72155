import TemplateTrackBase

/// How one path differs between two snapshots.
public struct FileChange: Sendable, Hashable, Encodable {
    public typealias Status = ChangeStatus
    public var path: String
    public var status: Status
    /// The old path of a renamed file.
    public var fromPath: String?
    @NullWhenAbsent public var fromSHA256: String?
    @NullWhenAbsent public var toSHA256: String?
    @NullWhenAbsent public var fromSize: Int64?
    @NullWhenAbsent public var toSize: Int64?

    /// An empty folder (its path ends in `/`), not a file.
    public var isFolder: Bool { path.hasSuffix("/") }

    enum CodingKeys: String, CodingKey {
        case path, status, fromPath = "from_path", fromSHA256 = "from_sha256", toSHA256 = "to_sha256"
        case fromSize = "from_size", toSize = "to_size"
    }
}

/// Compares two snapshots' entries by path and content.
///
/// A file whose bytes reappear unchanged under a new path is one rename, not a removal and
/// an addition; when several candidates share the bytes they pair in path order.
public enum TreeDiff {
    public typealias Entry = (path: String, size: Int64, sha256: String?)

    public static func changes(from old: [Entry], to new: [Entry]) -> [FileChange] {
        let oldByPath = Dictionary(old.map { ($0.path.pathKey, $0) }, uniquingKeysWith: { first, _ in first })
        let newByPath = Dictionary(new.map { ($0.path.pathKey, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [FileChange] = []
        var removed: [Entry] = []
        var added: [Entry] = []
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

        var addedBySHA: [String: [Entry]] = [:]
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

extension HistoryDatabase {
    /// The file changes from snapshot `from` to snapshot `to`.
    public func changes(from: Snapshot, to: Snapshot) throws -> [FileChange] {
        TreeDiff.changes(from: try entries(of: from), to: try entries(of: to))
    }
}
