import Crypto
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackTesting

/// Imports a zip as `import` does.
@discardableResult
func importZip(
    _ path: String, workspace: Int, at time: String? = nil, api: TemplateAPI = .upload, into history: SQLiteHistory,
    options: IngestOptions = IngestOptions()
) throws -> Snapshot {
    try ZipImport.run(
        path: path, workspace: workspace, api: api, fetchedAt: time.flatMap { Timestamp.parse($0)?.start } ?? Date(),
        into: history, options: options)
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    var hasher = Crypto.SHA256()
    hasher.update(data: bytes)
    return hasher.finalize().hex
}

/// The stored bytes of a file of `snapshot`.
func content(of path: String, in snapshot: Snapshot, history: SQLiteHistory) throws -> [UInt8]? {
    guard let sha256 = try history.treeEntries(snapshot.tree).first(where: { $0.path == path })?.sha256 else { return nil }
    var bytes: [UInt8] = []
    try history.loadBlob(sha256: sha256) { bytes.append(contentsOf: $0) }
    return bytes
}

/// The same shape as `independentChanges`, from TemplateTrack's diff.
func summarize(_ diff: SnapshotDiff) -> [String: String] {
    Dictionary(
        uniqueKeysWithValues: diff.files.map {
            ($0.path, $0.status == .renamed ? "renamed from " + ($0.fromPath ?? "") : $0.status.rawValue)
        })
}

/// `sha256sum` of every file under `folder`, sorted: equal listings mean equal trees.
func treeListing(_ folder: String) throws -> String {
    try run(["bash", "-c", "cd \"$1\" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum", "_", folder]).stdout
}

func inode(_ path: String) -> UInt64 {
    var info = stat()
    return stat(path, &info) == 0 ? UInt64(info.st_ino) : 0
}
