import TemplateTrackBase

/// The rules an entry must meet before TemplateTrack accepts an archive.
///
/// An archive is accepted whole or rejected whole: one unsafe entry rejects it, and the
/// error names that entry, escaped for display.
public enum EntryPolicy {
    /// Longest path component in bytes (most file systems' limit).
    public static let maximumComponentLength = 255
    /// Longest path in bytes (Linux's `PATH_MAX`).
    public static let maximumPathLength = 4096

    /// Why the raw name bytes are unusable before they are even decoded, or nil.
    static func problem(withRawName raw: [UInt8], declaresUTF8: Bool) -> String? {
        if declaresUTF8 && String(validating: raw, as: UTF8.self) == nil {
            return "is flagged as UTF-8 but its name is not valid UTF-8 (its bytes: \(DisplayName.escaped(bytes: raw)))"
        }
        return nil
    }

    /// Why `name` is unsafe as a relative path, or nil when it is acceptable.
    public static func problem(withName name: String) -> String? {
        if name.isEmpty { return "has an empty name" }
        if let scalar = name.unicodeScalars.first(where: DisplayName.isUnsafe) {
            let value = scalar.value
            let hex = String(value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let what: String
            switch value {
            case 0: what = "a control character (\(code), NUL: unzip would cut the name there)"
            case 0..<0x20, 0x7f, 0x80...0x9f: what = "a control character (\(code))"
            case 0x2028, 0x2029: what = "a line or paragraph separator (\(code))"
            default: what = "an invisible formatting character (\(code), bidi or zero-width)"
            }
            return "contains \(what) in its name"
        }
        if name.hasPrefix("/") { return "has an absolute path" }
        if name.contains("\\") { return "contains a backslash (a folder separator on Windows)" }
        let bytes = Array(name.utf8)
        if bytes.count > maximumPathLength { return "has a path longer than \(maximumPathLength) bytes" }
        if bytes.count >= 2, bytes[1] == UInt8(ascii: ":"), (bytes[0] | 0x20) >= UInt8(ascii: "a"),
            (bytes[0] | 0x20) <= UInt8(ascii: "z")
        {
            return "has a drive-letter (absolute) path"
        }
        let body = name.hasSuffix("/") ? String(name.dropLast()) : name
        for segment in body.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "..": return "has a '..' segment"
            case ".": return "has a '.' segment"
            case "": return "has an empty path segment"
            default:
                if segment.utf8.count > maximumComponentLength {
                    return "has a path component longer than \(maximumComponentLength) bytes"
                }
            }
        }
        return nil
    }

    /// Checks every entry of an archive against the name rules and `limits`; throws for the
    /// first one that breaks a rule, naming it. Nothing is inflated: sizes are the declared
    /// ones (inflation enforces them again, since a header can lie).
    public static func validate(_ entries: [ZipEntryInfo], limits: ArchiveLimits, archive path: String) throws {
        func reject(_ entry: ZipEntryInfo, _ reason: String, _ code: TemplateTrackError.Code = .unsafeEntry)
            -> TemplateTrackError
        {
            TemplateTrackError(code, "archive rejected: entry \(reason)", at: [.file(path), .entry(entry.name)])
        }
        if entries.count > limits.maxEntries {
            throw TemplateTrackError(
                .limitExceeded, "archive rejected: it has \(entries.count) entries; at most \(limits.maxEntries) are accepted",
                at: [.file(path)])
        }
        var kinds: [[UInt8]: Bool] = [:]  // path bytes without trailing slash -> is directory
        var total: Int64 = 0
        for entry in entries {
            if let problem = problem(withRawName: entry.rawName, declaresUTF8: entry.declaresUTF8) {
                throw reject(entry, problem)
            }
            if let problem = problem(withName: entry.name) { throw reject(entry, problem) }
            if entry.isSymlink { throw reject(entry, "is a symbolic link") }
            if entry.isEncrypted { throw reject(entry, "is encrypted") }
            if entry.isDirectory && entry.size > 0 {
                throw reject(entry, "is a folder but declares \(entry.size) bytes of data")
            }
            if entry.size > limits.maxEntrySize {
                throw reject(
                    entry, "would unpack to \(ByteCount.format(entry.size)); at most \(ByteCount.format(limits.maxEntrySize)) per file is accepted",
                    .limitExceeded)
            }
            if entry.size > ArchiveLimits.ratioFloor,
                Double(entry.size) / Double(max(entry.compressedSize, 1)) > limits.maxCompressionRatio
            {
                let ratio = Int(Double(entry.size) / Double(max(entry.compressedSize, 1)))
                throw reject(
                    entry, "compresses \(ratio):1, beyond the \(Int(limits.maxCompressionRatio)):1 accepted (a zip bomb?)",
                    .limitExceeded)
            }
            let (sum, overflow) = total.addingReportingOverflow(entry.size)
            total = overflow ? .max : sum
            if total > limits.maxTotalSize {
                throw TemplateTrackError(
                    .limitExceeded,
                    "archive rejected: it would unpack to more than \(ByteCount.format(limits.maxTotalSize)), the most accepted",
                    at: [.file(path)])
            }
            let key = entry.isDirectory ? String(entry.name.dropLast()) : entry.name
            if kinds[key.pathKey] != nil { throw reject(entry, "duplicates another entry's path") }
            kinds[key.pathKey] = entry.isDirectory
        }
        // A file cannot also be the folder of another entry.
        for entry in entries {
            let key = entry.isDirectory ? String(entry.name.dropLast()) : entry.name
            for parent in ArchivePaths.ancestors(of: key) where kinds[parent.pathKey] == false {
                throw reject(entry, "lies under '\(DisplayName.escaped(parent))', which is a file in the same archive")
            }
        }
    }
}

/// Paths inside an archive.
public enum ArchivePaths {
    /// `a/b/c.txt` -> `a/b`, `a` (nearest first).
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
