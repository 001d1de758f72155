import Foundation
import Testing

@testable import TemplateTrack

@Suite("Extractor: checking and hashing zips with libzip")
struct ExtractorTests {
    @Test("hashes of a zip made by Info-ZIP equal sha256sum of the original files")
    func hashesMatchSha256sum() throws {
        let scratch = try Scratch()
        try scratch.write("src/subjectHumans.txt", "subjecthumans\tSchema Version 3.18\nColumn Name\tUser Defined ID\n")
        try scratch.write("src/json/templates.json", "[]\n")
        // A large, compressible entry: streamed in chunks, never whole.
        try scratch.write("src/big.txt", String(repeating: "0123456789abcdef\n", count: 200_000))
        try run(["zip", "-qr", "../t.zip", "."], in: scratch.file("src"))

        let archive = try ArchiveScanner.scan(path: scratch.file("t.zip"))
        #expect(archive.sha256 == (try sha256sum(scratch.file("t.zip"))))
        let byPath = Dictionary(uniqueKeysWithValues: archive.files.map { ($0.path, $0) })
        #expect(Set(byPath.keys) == ["subjectHumans.txt", "json/templates.json", "big.txt"])
        for (path, entry) in byPath {
            #expect(entry.sha256 == (try sha256sum(scratch.file("src/" + path))), "\(path)")
            #expect(entry.size == (try FileManager.default.attributesOfItem(atPath: scratch.file("src/" + path))[.size] as? Int).map(Int64.init))
        }
        // zip -r stores folder entries; json/ holds a file, so it is not kept as an empty folder.
        #expect(!archive.entries.contains { $0.isDirectory })
    }

    @Test("an empty folder is kept, since unzip creates it")
    func emptyFolderKept() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("t.zip"), [("a/", ""), ("a/b.txt", "b"), ("empty/", ""), ("x/y/", "")])
        let archive = try ArchiveScanner.scan(path: scratch.file("t.zip"))
        #expect(archive.entries.filter(\.isDirectory).map(\.path) == ["empty/", "x/y/"])
    }

    @Test(
        "unsafe names reject the whole archive, naming the entry",
        arguments: [
            ("../evil.txt", "'..'"), ("docs/../../evil.txt", "'..'"), ("/etc/passwd", "absolute"),
            ("docs\\evil.txt", "backslash"), ("C:/evil.txt", "drive-letter"), ("a//b.txt", "empty path segment"),
        ])
    func unsafeNames(name: String, reason: String) throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("t.zip"), [("good.txt", "fine"), (name, "bad")])
        let error = try #require(throws: TemplateTrackError.self) {
            try ArchiveScanner.scan(path: scratch.file("t.zip"))
        }
        #expect(error.code == .unsafeEntry)
        #expect(error.places.contains(.entry(name)))
        #expect(error.description.contains(reason))
    }

    @Test("a symbolic link made by zip -y is rejected")
    func symlinkRejected() throws {
        let scratch = try Scratch()
        try scratch.write("src/real.txt", "real")
        try FileManager.default.createSymbolicLink(atPath: scratch.file("src/link.txt"), withDestinationPath: "/etc/passwd")
        try run(["zip", "-qy", "../t.zip", "real.txt", "link.txt"], in: scratch.file("src"))
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("link.txt")))
        #expect(error.message.contains("symbolic link"))
    }

    @Test("a symbolic link made by libzip is rejected")
    func libzipSymlinkRejected() throws {
        let scratch = try Scratch()
        let writer = try ZipWriter(creating: scratch.file("t.zip"))
        try writer.addSymlink("escape", target: "../../outside", modified: fixedDate)
        try writer.close()
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("escape")))
    }

    @Test("an encrypted entry made by zip -P is rejected")
    func encryptedRejected() throws {
        let scratch = try Scratch()
        try scratch.write("src/secret.txt", "hidden")
        try run(["zip", "-q", "-P", "fixture-only", "../t.zip", "secret.txt"], in: scratch.file("src"))
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: scratch.file("t.zip")) }
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
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("templates.json")))
        #expect(error.message.contains("duplicates"))
    }

    @Test("a file that is also another entry's folder is rejected")
    func fileFolderConflict() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("t.zip"), [("docs", "a file"), ("docs/inner.txt", "under it")])
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: scratch.file("t.zip")) }
        #expect(error.places.contains(.entry("docs/inner.txt")))
    }

    @Test("a corrupted entry fails its CRC check, naming the entry")
    func crcChecked() throws {
        let scratch = try Scratch()
        try scratch.write("src/data.txt", String(repeating: "ImmPort template row\n", count: 50))
        try run(["zip", "-q", "-0", "../t.zip", "data.txt"], in: scratch.file("src"))  // stored: bytes appear as-is
        var bytes = [UInt8](try Data(contentsOf: scratch.url.appending(path: "t.zip")))
        let needle = Array("template row".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[at] ^= 0x20
        try Data(bytes).write(to: scratch.url.appending(path: "t.zip"))
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: scratch.file("t.zip")) }
        #expect(error.code == .invalidArchive)
        #expect(error.places.contains(.entry("data.txt")))
        #expect(error.message.contains("CRC"))
    }

    @Test("a file that is not a zip is named in the error")
    func notAZip() throws {
        let scratch = try Scratch()
        let path = try scratch.write("page.zip", "<html>Please sign in</html>")
        let error = try #require(throws: TemplateTrackError.self) { try ArchiveScanner.scan(path: path) }
        #expect(error.code == .invalidArchive)
        #expect(error.places.contains(.file(path)))
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
}
