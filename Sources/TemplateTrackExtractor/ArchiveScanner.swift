import Foundation
import TemplateTrackBase

/// A file or empty folder of a checked archive, with the SHA-256 of its bytes.
public struct ArchiveEntry: Sendable, Hashable {
    /// Position in the zip's central directory.
    public var index: Int
    /// The path exactly as stored in the zip; folders end in `/`.
    public var path: String
    public var isDirectory: Bool
    public var size: Int64
    /// Lower-case hex SHA-256 of the bytes; nil for folders.
    public var sha256: String?
    /// True when the bytes hold no NUL: text to show line by line and to index for search.
    public var isText: Bool = false
}

/// An archive that passed every check: safe names, readable data, CRCs verified.
public struct ScannedArchive: Sendable {
    /// Where the zip is on disk.
    public var path: String
    /// SHA-256 and size of the zip file itself.
    public var sha256: String
    public var size: Int64
    /// Every file, plus the folders that hold no file (they still appear when unzipped),
    /// in the order the zip lists them.
    public var entries: [ArchiveEntry]

    /// The files alone.
    public var files: [ArchiveEntry] { entries.filter { !$0.isDirectory } }
}

/// The extractor's first pass: validates a zip and hashes every entry, streaming.
public enum ArchiveScanner {
    /// Checks and hashes the zip at `path`. Throws, naming the entry, if any entry is unsafe
    /// or corrupt; nothing about a rejected archive is returned.
    ///
    /// - Parameter archiveDigest: the zip's SHA-256 and size when already known (the fetcher
    ///   hashes while downloading); otherwise the file is read once more to hash it.
    public static func scan(path: String, archiveDigest: (sha256: String, size: Int64)? = nil) throws
        -> ScannedArchive
    {
        let archive = try ZipArchive(path: path)
        let infos = try archive.entries()
        try EntryPolicy.validate(infos, archive: path)

        var entries: [ArchiveEntry] = []
        entries.reserveCapacity(infos.count)
        for info in infos where !info.isDirectory {
            var isText = true
            let sha256 = try archive.read(info) { chunk in
                if isText, memchr(chunk.baseAddress!, 0, chunk.count) != nil { isText = false }
            }
            entries.append(
                ArchiveEntry(
                    index: info.index, path: info.name, isDirectory: false, size: info.size, sha256: sha256,
                    isText: isText))
        }
        // A folder matters only when no other entry lies under it: unzip creates it even if empty.
        let keys = infos.map { $0.isDirectory ? String($0.name.dropLast()) : $0.name }
        let implied = Set(keys.flatMap(ancestors(of:)).map(\.pathKey))
        for (info, key) in zip(infos, keys) where info.isDirectory && !implied.contains(key.pathKey) {
            entries.append(ArchiveEntry(index: info.index, path: info.name, isDirectory: true, size: 0, sha256: nil))
        }
        entries.sort { $0.index < $1.index }
        let digest = try archiveDigest ?? sha256OfFile(at: path)
        return ScannedArchive(path: path, sha256: digest.sha256, size: digest.size, entries: entries)
    }

    /// `a/b/c.txt` -> `a`, `a/b`.
    public static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var current = Substring(path)
        while let slash = current.lastIndex(of: "/") {
            current = current[..<slash]
            result.append(String(current))
        }
        return result
    }
}
