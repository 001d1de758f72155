import TemplateTrackBase

/// The rules an entry must meet before TemplateTrack accepts an archive.
///
/// An archive is accepted whole or rejected whole: one unsafe entry rejects it, and the
/// error names that entry.
public enum EntryPolicy {
    /// Why `name` is unsafe as a relative path, or nil when it is acceptable.
    public static func problem(withName name: String) -> String? {
        if name.isEmpty { return "has an empty name" }
        if name.hasPrefix("/") { return "has an absolute path" }
        if name.contains("\\") { return "contains a backslash" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            return "contains a control character"
        }
        let bytes = Array(name.utf8)
        if bytes.count >= 2, bytes[1] == UInt8(ascii: ":") { return "has a drive-letter (absolute) path" }
        let body = name.hasSuffix("/") ? String(name.dropLast()) : name
        for segment in body.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "..": return "has a '..' segment"
            case ".": return "has a '.' segment"
            case "": return "has an empty path segment"
            default: continue
            }
        }
        return nil
    }

    /// Checks every entry of an archive; throws for the first one that breaks a rule.
    public static func validate(_ entries: [ZipEntryInfo], archive path: String) throws {
        func reject(_ entry: ZipEntryInfo, _ reason: String) -> TemplateTrackError {
            TemplateTrackError(.unsafeEntry, "archive rejected: entry \(reason)", at: [.file(path), .entry(entry.name)])
        }
        var kinds: [[UInt8]: Bool] = [:]  // path bytes without trailing slash -> is directory
        for entry in entries {
            if let problem = problem(withName: entry.name) { throw reject(entry, problem) }
            if entry.isSymlink { throw reject(entry, "is a symbolic link") }
            if entry.isEncrypted { throw reject(entry, "is encrypted") }
            let key = entry.isDirectory ? String(entry.name.dropLast()) : entry.name
            if kinds[key.pathKey] != nil { throw reject(entry, "duplicates another entry's path") }
            kinds[key.pathKey] = entry.isDirectory
        }
        // A file cannot also be the folder of another entry.
        for entry in entries {
            let key = entry.isDirectory ? String(entry.name.dropLast()) : entry.name
            var parent = Substring(key)
            while let slash = parent.lastIndex(of: "/") {
                parent = parent[..<slash]
                if kinds[String(parent).pathKey] == false {
                    throw reject(entry, "lies under '\(parent)', which is a file in the same archive")
                }
            }
        }
    }
}
