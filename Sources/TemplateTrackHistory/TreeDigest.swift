import TemplateTrackBase

/// A digest of a zip's contents that ignores entry order, timestamps and compression: equal
/// for equal (path, bytes) sets, shown as `content_sha256`.
public enum TreeDigest {
    /// SHA-256 over the `path NUL sha256 NUL` lines of the entries, sorted by path bytes.
    public static func of(_ entries: [TreeEntry]) -> String {
        var hasher = ContentHasher()
        for entry in entries.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            hasher.update(Array(entry.path.utf8) + [0] + Array((entry.sha256 ?? "").utf8) + [0])
        }
        return hasher.finalizeHex()
    }
}
