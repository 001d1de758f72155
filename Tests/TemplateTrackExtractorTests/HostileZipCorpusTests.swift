import Foundation
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackTesting
import Testing

@Suite("Extractor: the hostile-zip corpus")
struct HostileZipCorpusTests {
    @Test("the corpus holds every case the reliability audit asked for")
    func corpusIsComplete() throws {
        let cases = try HostileCorpus.cases()
        #expect(cases.count >= 40)
        let names = Set(cases.map(\.name))
        let required = [
            "absolute-path", "drive-letter", "dotdot-leading", "dot-segment", "empty-segment", "backslash", "nul", "esc",
            "newline", "del", "c1-nel", "bidi-override", "bidi-isolate", "zero-width-space", "bom", "invalid-utf8",
            "long-component", "long-path", "folder-with-data", "symlink-zip-y", "symlink-crafted", "encrypted-zip-P",
            "encrypted-flag", "duplicate-zipfile", "duplicate-after-cp437", "file-is-folder", "crc-mismatch",
            "size-larger-than-declared", "size-smaller-than-declared", "compressed-size-too-small",
            "compressed-size-too-large", "truncated", "garbage", "empty-file", "count-mismatch", "bomb-900mb",
            "bomb-8gib", "too-many-entries", "total-over-limit", "entry-over-limit", "overlap-same-data",
            "zip64-size-lie", "prefix-unadjusted", "prefix-adjusted", "nfc-nfd",
        ]
        #expect(Set(required).subtracting(names).isEmpty, "missing: \(Set(required).subtracting(names).sorted())")
        for hostile in cases {
            #expect(FileManager.default.fileExists(atPath: HostileCorpus.path(hostile)), "\(hostile.name)")
            if hostile.isRefused {
                #expect(hostile.code.flatMap(TemplateTrackError.Code.init(rawValue:)) != nil, "\(hostile.name)")
                #expect(hostile.entry != nil && ["open", "inflate"].contains(hostile.stage), "\(hostile.name)")
            } else {
                #expect(hostile.expect == "accepted" && hostile.files != nil, "\(hostile.name)")
            }
        }
    }

    @Test("every hostile zip is refused, naming the entry, or accepted as it should be", arguments: try HostileCorpus.cases())
    func hostileZip(_ hostile: HostileCase) throws {
        let path = HostileCorpus.path(hostile)
        let limits = hostile.archiveLimits
        guard hostile.isRefused else {
            let reader = try ArchiveReader(path: path, limits: limits)
            let checked = try reader.checkAll()
            let files = checked.filter { !$0.isDirectory }.map { HostileCase.File(path: $0.path, size: $0.size, sha256: $0.sha256 ?? "") }
            #expect(files.sorted { $0.path < $1.path } == (hostile.files ?? []).sorted { $0.path < $1.path })
            return
        }
        if hostile.stage == "open" {
            // Refused from the central directory and the declared sizes, before inflating.
            let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: path, limits: limits) }
            HostileCorpus.expect(error, matches: hostile)
        } else {
            // Only inflating can tell: the reader opens it, and the full check refuses it,
            // on one worker and on several.
            let reader = try ArchiveReader(path: path, limits: limits)
            for workers in [1, 4] {
                let error = try #require(throws: TemplateTrackError.self) {
                    try reader.checkAll(options: InflateOptions(workers: workers))
                }
                HostileCorpus.expect(error, matches: hostile)
            }
        }
    }

    /// Bytes this thread has read from files so far (Linux's `rchar`), or nil where the kernel
    /// does not say.
    static func bytesReadByThisThread() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/thread-self/io", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("rchar:") {
            return Int(line.dropFirst("rchar:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    @Test("an 8 GiB zip bomb is refused from its declared sizes, reading a sliver of the file")
    func bombRefusedUpFront() throws {
        let hostile = try #require(try HostileCorpus.cases().first { $0.name == "bomb-8gib" })
        let path = HostileCorpus.path(hostile)
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(fileSize > 8 << 20)  // the real deflate stream of 8 GiB of zeros is all there
        // Opening reads on the calling thread (no workers yet), so this thread's read count
        // shows how much of the file was looked at: the end record, the central directory and
        // nothing of the 8 MB of deflate data.
        let before = Self.bytesReadByThisThread()
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: path) }
        let after = Self.bytesReadByThisThread()
        #expect(error.code == .limitExceeded)
        #expect(error.places.contains(.entry("zeros.txt")))
        #expect(error.message.contains("8 GiB"))
        if let before, let after {
            #expect(after - before < 256 << 10, "read \(after - before) bytes of a \(fileSize)-byte bomb")
        }
    }

    @Test("a bomb whose header understates its size stops at the first byte past the declared size")
    func lyingBombStopsEarly() throws {
        let hostile = try #require(try HostileCorpus.cases().first { $0.name == "bomb-8gib-lying" })
        let path = HostileCorpus.path(hostile)
        let archive = try ZipArchive(path: path)
        let entry = try #require(try archive.entries().first { $0.name == "zeros.txt" })
        #expect(entry.size == 1000)
        var delivered = 0
        let before = Self.bytesReadByThisThread()
        let error = try #require(throws: TemplateTrackError.self) {
            try archive.read(entry, into: { delivered += $0.count })
        }
        let after = Self.bytesReadByThisThread()
        #expect(error.code == .invalidArchive)
        #expect(error.places.contains(.entry("zeros.txt")))
        #expect(delivered <= 1000)
        if let before, let after {
            #expect(after - before < 1 << 20, "read \(after - before) bytes to refuse an entry declaring 1000")
        }
    }
}
