import Foundation
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
        // A file cannot also be the folder of another entry. Paths are looked up by prefix in
        // sorted order, not by listing every entry's ancestors: a path of 2,000 one-letter
        // folders has 2,000 ancestors, and 2,000 such entries would make billions of bytes.
        let index = PathIndex(entries.map { ($0.isDirectory ? Array($0.pathBytes.dropLast()) : $0.pathBytes, $0.index) })
        for entry in entries where !entry.isDirectory {
            if let under = index.firstDescendant(of: entry.pathBytes), let inner = entries.first(where: { $0.index == under }) {
                throw reject(
                    inner, "lies under '\(DisplayName.escaped(entry.name))', which is a file in the same archive")
            }
        }
    }
}

extension ZipEntryInfo {
    /// The decoded name's UTF-8 bytes, for comparing paths byte for byte.
    var pathBytes: [UInt8] { name.pathKey }
}

/// Entry paths (without a folder's trailing `/`) sorted by their bytes, to ask which entries lie
/// under a folder in O(log n): all paths starting with `folder/` sit together in that order.
struct PathIndex {
    private let keys: [(path: [UInt8], index: Int)]

    init(_ paths: [(path: [UInt8], index: Int)]) {
        keys = paths.sorted { Self.precedes($0.path, $1.path) }
    }

    /// The range of entries whose path starts with `folder` + `/`.
    private func descendants(of folder: [UInt8]) -> Range<Int> {
        let low = folder + [UInt8(ascii: "/")]
        let high = folder + [UInt8(ascii: "/") + 1]
        return firstNotBefore(low)..<firstNotBefore(high)
    }

    private func firstNotBefore(_ bound: [UInt8]) -> Int {
        var lower = 0
        var upper = keys.count
        while lower < upper {
            let middle = (lower + upper) / 2
            if Self.precedes(keys[middle].path, bound) { lower = middle + 1 } else { upper = middle }
        }
        return lower
    }

    /// Byte order, with memcmp (a generic comparison costs far more per byte in debug builds).
    private static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let common = min(a.count, b.count)
        let order = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common) } }
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// Whether any entry lies under `folder`.
    func hasDescendant(of folder: [UInt8]) -> Bool { !descendants(of: folder).isEmpty }

    /// The central-directory position of the first entry (in that order) under `folder`.
    func firstDescendant(of folder: [UInt8]) -> Int? {
        keys[descendants(of: folder)].map(\.index).min()
    }
}

/// Paths inside an archive.
public enum ArchivePaths {
    /// Every folder that holds one of `paths`, once each, distinct by bytes (NFC and NFD
    /// spellings are two folders), nearest-first for each path. It walks up from each path and
    /// stops at a folder already found, so a deep tree costs its distinct folders rather than
    /// every path's every ancestor (`ancestors(of:)` for each of 300 paths 2,000 folders deep
    /// builds over a gigabyte of strings).
    public static func folders(containing paths: some Sequence<String>) -> [String] {
        var seen: Set<[UInt8]> = []
        var result: [String] = []
        for path in paths {
            var current = Substring(path)
            while let slash = current.lastIndex(of: "/") {
                current = current[..<slash]
                guard seen.insert(Array(current.utf8)).inserted else { break }
                result.append(String(current))
            }
        }
        return result
    }

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
