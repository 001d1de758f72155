import Foundation
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackTesting
import Testing

/// The extractor's checks on zips made by real tools (Info-ZIP zip, Python's zipfile, libzip).
@Suite("Extractor: checking and hashing zips with libzip")
struct ExtractorTests {
    @Test("hashes of a zip made by Info-ZIP equal sha256sum of the original files")
    func hashesMatchSha256sum() throws {
        let scratch = try Scratch()
        try scratch.write("src/subjectHumans.txt", "subjecthumans\tSchema Version 3.18\nColumn Name\tUser Defined ID\n")
        try scratch.write("src/json/templates.json", "[]\n")
        // A large, compressible entry: streamed in chunks, never whole.
        try scratch.write("src/big.txt", (0..<200_000).map { "\($0)\t\($0 * 7919 % 100_003)\n" }.joined())
        try run(["zip", "-qr", "../t.zip", "."], in: scratch.file("src"))

        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        let checked = try reader.checkAll()
        let byPath = Dictionary(uniqueKeysWithValues: checked.filter { !$0.isDirectory }.map { ($0.path, $0) })
        #expect(Set(byPath.keys) == ["subjectHumans.txt", "json/templates.json", "big.txt"])
        for (path, entry) in byPath {
            #expect(entry.sha256 == (try sha256sum(scratch.file("src/" + path))), "\(path)")
            let size = try FileManager.default.attributesOfItem(atPath: scratch.file("src/" + path))[.size] as? Int
            #expect(entry.size == size.map(Int64.init), "\(path)")
            #expect(entry.isText)
        }
        // zip -r stores folder entries; json/ holds a file, so it is not kept as an empty folder.
        #expect(reader.entries.contains { $0.isDirectory })
        #expect(!checked.contains { $0.isDirectory })
        #expect(reader.emptyFolders.isEmpty)
    }

    @Test("an empty folder is kept, since unzip creates it")
    func emptyFolderKept() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("t.zip"), [("a/", ""), ("a/b.txt", "b"), ("empty/", ""), ("x/y/", "")])
        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        #expect(reader.emptyFolders.map(\.path) == ["empty/", "x/y/"])
        #expect(try reader.checkAll().filter(\.isDirectory).map(\.path) == ["empty/", "x/y/"])
        #expect(reader.files.map(\.name) == ["a/b.txt"])
    }

    @Test(
        "unsafe names reject the whole archive, naming the entry",
        arguments: [
            ("../evil.txt", "'..'"), ("docs/../../evil.txt", "'..'"), ("/etc/passwd", "absolute"),
            ("docs\\evil.txt", "backslash"), ("C:/evil.txt", "drive-letter"), ("a//b.txt", "empty path segment"),
            ("docs/./a.txt", "'.'"), ("docs/nel\u{85}.txt", "control character"),
            ("docs/\u{202e}txt.exe", "formatting character"),
        ])
    func unsafeNames(name: String, reason: String) throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("t.zip"), [("good.txt", "fine"), (name, "bad")])
        let error = try #require(throws: TemplateTrackError.self) {
            try ArchiveReader(path: scratch.file("t.zip")).checkAll()
        }
        #expect(error.code == .unsafeEntry)
        #expect(error.places.contains(.entry(name)))
        #expect(error.description.contains("entry '\(DisplayName.escaped(name))'"))
        #expect(error.description.contains(reason))
    }

    @Test("a symbolic link made by zip -y is rejected")
    func symlinkRejected() throws {
        let scratch = try Scratch()
        try scratch.write("src/real.txt", "real")
        try FileManager.default.createSymbolicLink(atPath: scratch.file("src/link.txt"), withDestinationPath: "/etc/passwd")
        try run(["zip", "-qy", "../t.zip", "real.txt", "link.txt"], in: scratch.file("src"))
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("link.txt")))
        #expect(error.message.contains("symbolic link"))
    }

    @Test("a zip written in memory holds the same bytes as one written to a file, and unzip reads it")
    func inMemoryZip() throws {
        let scratch = try Scratch()
        func fill(_ writer: ZipWriter) throws {
            try writer.addDirectory("docs/", modified: fixedDate)
            try writer.addFile("docs/a.txt", bytes: Array("hello\n".utf8), modified: fixedDate)
            try writer.addFile("big.txt", bytes: Array(repeating: UInt8(ascii: "x"), count: 300_000), modified: fixedDate)
            try writer.addFile("empty.txt", bytes: [UInt8](), modified: fixedDate)
        }
        let onDisk = try ZipWriter(creating: scratch.file("disk.zip"))
        try fill(onDisk)
        try onDisk.close()
        let inMemory = try ZipWriter()
        try fill(inMemory)
        let bytes = try inMemory.closeReturningData()
        #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: scratch.file("disk.zip")))))
        try bytes.write(to: URL(fileURLWithPath: scratch.file("memory.zip")))
        let test = try run(["unzip", "-tq", scratch.file("memory.zip")])
        #expect(test.status == 0, "\(test.stdout)")
        #expect(throws: TemplateTrackError.self) { try onDisk.closeReturningData() }
    }

    @Test("a symbolic link made by libzip is rejected")
    func libzipSymlinkRejected() throws {
        let scratch = try Scratch()
        let writer = try ZipWriter(creating: scratch.file("t.zip"))
        try writer.addSymlink("escape", target: "../../outside", modified: fixedDate)
        try writer.close()
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("escape")))
        #expect(error.message.contains("symbolic link"))
    }

    @Test("an encrypted entry made by zip -P is rejected")
    func encryptedRejected() throws {
        let scratch = try Scratch()
        try scratch.write("src/secret.txt", "hidden")
        try run(["zip", "-q", "-P", "fixture-only", "../t.zip", "secret.txt"], in: scratch.file("src"))
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("secret.txt")))
        #expect(error.message.contains("encrypted"))
    }

    @Test("duplicate entry names (written by Python's zipfile) are rejected")
    func duplicatesRejected() throws {
        let scratch = try Scratch()
        let script = """
            import sys, zipfile, warnings
            warnings.simplefilter("ignore")
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                z.writestr("templates.json", "[1]")
                z.writestr("templates.json", "[2]")
            """
        let result = try run(["python3", "-c", script, scratch.file("t.zip")])
        #expect(result.status == 0, "\(result.stderr)")
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("templates.json")))
        #expect(error.message.contains("duplicates"))
    }

    @Test("a file that is also another entry's folder is rejected")
    func fileFolderConflict() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("t.zip"), [("docs", "a file"), ("docs/inner.txt", "under it")])
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("docs/inner.txt")))
        #expect(error.message.contains("'docs', which is a file"))
    }

    @Test("a corrupted entry fails its CRC check, naming the entry")
    func crcChecked() throws {
        let scratch = try Scratch()
        try scratch.write("src/data.txt", String(repeating: "ImmPort template row\n", count: 50))
        try run(["zip", "-q", "-0", "../t.zip", "data.txt"], in: scratch.file("src"))  // stored: bytes appear as-is
        try flipByte(in: scratch.file("t.zip"), after: "template row")
        // The central directory is intact, so the reader opens it; only inflating can tell.
        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        let error = try #require(throws: TemplateTrackError.self) { try reader.checkAll() }
        #expect(error.code == .invalidArchive)
        #expect(error.places.contains(.entry("data.txt")))
        #expect(error.message.contains("CRC"))
    }

    @Test("a file that is not a zip is named in the error")
    func notAZip() throws {
        let scratch = try Scratch()
        let path = try scratch.write("page.zip", "<html>Please sign in</html>")
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: path) }
        #expect(error.code == .invalidArchive)
        #expect(error.places == [.file(path)])
        #expect(error.message.contains("not a zip"))
    }

    @Test("a missing file is an I/O error, not a bad zip")
    func missingFile() throws {
        let scratch = try Scratch()
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("absent.zip")) }
        #expect(error.code == .io)
        #expect(error.places == [.file(scratch.file("absent.zip"))])
    }

    @Test("zips written by libzip are reproducible")
    func writerIsDeterministic() throws {
        let scratch = try Scratch()
        let files = [("b.txt", "bee"), ("a/c.txt", String(repeating: "sea ", count: 1000))]
        try makeZip(at: scratch.file("1.zip"), files)
        try makeZip(at: scratch.file("2.zip"), files)
        #expect(try sha256sum(scratch.file("1.zip")) == sha256sum(scratch.file("2.zip")))
        let listing = try run(["unzip", "-Z1", scratch.file("1.zip")])
        #expect(listing.stdout == "b.txt\na/c.txt\n")
    }

    @Test("a legitimate 512 MiB file passes the default limits (declared sizes are all that is read)")
    func defaultLimitsAcceptLargeFiles() throws {
        let scratch = try Scratch()
        // 512 MiB stored, the largest file the defaults accept: zeros, written as a hole in a
        // sparse file, so the test costs no disk and little time.
        let script = """
            import sys, struct, zlib
            size, crc, name = 512 << 20, 0, b"large.txt"
            for _ in range(512):
                crc = zlib.crc32(bytes(1 << 20), crc)
            with open(sys.argv[1], "wb") as f:
                f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x5761, crc, size, size, len(name), 0) + name)
                f.seek(size, 1)
                cd = f.tell()
                record = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0, 0, 0, 0x5761, crc, size, size,
                                     len(name), 0, 0, 0, 0, 0o100644 << 16, 0) + name
                f.write(record + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(record), cd, 0))
            """
        let result = try run(["python3", "-c", script, scratch.file("t.zip")])
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        #expect(reader.files.map(\.size) == [512 << 20])
        // One byte over is refused, naming the entry.
        var limits = ArchiveLimits.standard
        limits.maxEntrySize = (512 << 20) - 1
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip"), limits: limits) }
        #expect(error.code == .limitExceeded)
        #expect(error.places.contains(.entry("large.txt")))
    }

    @Test("a file of one repeated line compresses beyond the default ratio: refused by default, accepted when raised")
    func repetitiveFileAndTheRatioLimit() throws {
        let scratch = try Scratch()
        try scratch.write("src/repeated.txt", String(repeating: "0123456789abcdef\n", count: 200_000))
        try run(["zip", "-q", "../t.zip", "repeated.txt"], in: scratch.file("src"))
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: scratch.file("t.zip")) }
        #expect(error.code == .limitExceeded)
        #expect(error.places.contains(.entry("repeated.txt")))
        #expect(error.message.contains("beyond the 200:1 accepted"))
        var limits = ArchiveLimits.standard
        limits.maxCompressionRatio = 1000
        let checked = try ArchiveReader(path: scratch.file("t.zip"), limits: limits).checkAll()
        #expect(checked.map(\.sha256) == [try sha256sum(scratch.file("src/repeated.txt"))])
    }

    @Test("the name rules, one by one")
    func nameRules() {
        for good in ["a.txt", "docs/a.txt", "docs/", "caf\u{e9}.txt", "cafe\u{301}.txt", "1:2", "docs/a:b.txt", "...", "..a", "a..", String(repeating: "x", count: 255)] {
            #expect(EntryPolicy.problem(withName: good) == nil, "\(good)")
        }
        let bad: [(String, String)] = [
            ("", "empty name"), ("/a", "absolute"), ("a/../b", "'..'"), ("..", "'..'"), ("./a", "'.'"), ("a//b", "empty path segment"),
            ("a\\b", "backslash"), ("c:x", "drive-letter"), ("Z:/x", "drive-letter"), ("a\u{0}b", "NUL"),
            ("a\u{1b}b", "U+001B"), ("a\u{85}b", "U+0085"), ("a\u{7f}", "U+007F"), ("\u{202e}a", "U+202E"),
            ("a\u{2066}", "U+2066"), ("a\u{200b}", "U+200B"), ("\u{feff}a", "U+FEFF"), ("a\u{2029}", "paragraph separator"),
            (String(repeating: "x", count: 256), "255 bytes"), (Array(repeating: "x", count: 2100).joined(separator: "/"), "4096 bytes"),
        ]
        for (name, reason) in bad {
            let problem = EntryPolicy.problem(withName: name)
            #expect(problem?.contains(reason) == true, "\(DisplayName.escaped(name)): \(problem ?? "accepted")")
        }
    }

    @Test("ancestors of a path, nearest first")
    func ancestors() {
        #expect(ArchivePaths.ancestors(of: "a/b/c.txt") == ["a/b", "a"])
        #expect(ArchivePaths.ancestors(of: "c.txt") == [])
        #expect(ArchivePaths.ancestors(of: "a/b/") == ["a/b", "a"])
    }

    @Test("the folders holding many paths, each once, NFC and NFD apart")
    func foldersOfPaths() {
        let nfc = "caf\u{e9}"
        let nfd = "cafe\u{301}"
        let paths = ["a/b/c.txt", "a/b/d.txt", "a/e.txt", "top.txt", "\(nfc)/x", "\(nfd)/x", "a/b/f/"]
        let folders = ArchivePaths.folders(containing: paths)
        #expect(folders.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            == ["a", "a/b", "a/b/f", nfc, nfd].map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        // The same set as every path's ancestors, by bytes.
        let ancestors = Set(paths.flatMap { ArchivePaths.ancestors(of: $0.hasSuffix("/") ? $0 + "x" : $0) }.map(\.pathKey))
        #expect(Set(folders.map(\.pathKey)) == ancestors)
        #expect(folders.count == ancestors.count)
    }
}

/// Flips one bit of the byte just after the first occurrence of `marker` in the file.
func flipByte(in path: String, after marker: String) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let needle = Array(marker.utf8)
    let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
    bytes[at] ^= 0x20
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
