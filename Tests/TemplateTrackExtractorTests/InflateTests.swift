import Foundation
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackTesting
import Testing

/// What one inflation pass saw of a file.
private struct Seen: Sendable, Hashable {
    var path: String
    var size: Int64
    var sha256: String
    var isText: Bool
}

/// A folder of files of many sizes (empty, small, over the memory limit, binary and text),
/// from a fixed seed so that every run zips the same bytes; returns each file's bytes.
private func makeSourceTree(in scratch: Scratch) throws -> [String: [UInt8]] {
    let script = """
        import os, random, sys
        rng = random.Random(0x1D5EED)
        sizes = [0, 1, 17, 4095, 4096, 65537, 300000, 1 << 20, (2 << 20) + 5]
        digits = bytes((48 + b % 10) if b % 41 else 10 for b in range(256))
        for n in range(60):
            size = sizes[n % len(sizes)] + n
            binary = n % 4 == 3
            data = rng.randbytes(size)
            if not binary:
                data = data.translate(digits)  # lines of digits: text, and compressible
            path = os.path.join(sys.argv[1], "set%d" % (n % 5), "file%d%s" % (n, ".bin" if binary else ".txt"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        """
    let source = scratch.file("src")
    let result = try run(["python3", "-c", script, source])
    #expect(result.status == 0, "\(result.stderr)")
    var files: [String: [UInt8]] = [:]
    let enumerator = FileManager.default.enumerator(atPath: source)
    while let relative = enumerator?.nextObject() as? String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue else { continue }
        files[relative] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source + "/" + relative)))
    }
    #expect(files.count == 60)
    #expect(files.values.contains { $0.contains(0) } && files.values.contains { !$0.isEmpty && !$0.contains(0) })
    return files
}

/// `sha256sum`'s answers for many files at once, by path relative to `folder`.
private func sha256sums(in folder: String, _ paths: [String]) throws -> [String: String] {
    let result = try run(["sha256sum", "--"] + paths, in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    var sums: [String: String] = [:]
    for line in result.stdout.split(separator: "\n") {
        sums[String(line.dropFirst(66))] = String(line.prefix(64))
    }
    return sums
}

private func sha256Hex(_ bytes: [UInt8]) -> String {
    var hasher = ContentHasher()
    hasher.update(bytes)
    return hasher.finalizeHex()
}

@Suite("Extractor: one-pass parallel inflation")
struct InflateTests {
    /// Runs `inflateFiles` and returns what the receiver saw.
    private func inflate(_ reader: ArchiveReader, workers: Int, memoryLimit: Int64 = 8 << 20) throws -> Set<Seen> {
        var seen: Set<Seen> = []
        try reader.inflateFiles(
            options: InflateOptions(workers: workers, memoryLimit: memoryLimit),
            transform: { Seen(path: $0.entry.path, size: $0.entry.size, sha256: $0.entry.sha256 ?? "", isText: $0.entry.isText) },
            consume: { seen.insert($0) })
        return seen
    }

    @Test("many workers, one worker, and unzip + sha256sum see the same files", arguments: ["zip", "python", "libzip"])
    func parallelMatchesSerialAndUnzip(tool: String) throws {
        let scratch = try Scratch()
        let files = try makeSourceTree(in: scratch)
        let zipPath = scratch.file("t.zip")
        switch tool {
        case "zip":
            try run(["zip", "-qr", zipPath, "."], in: scratch.file("src"))
        case "python":
            let script = """
                import os, sys, zipfile
                with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                    for root, _, names in sorted(os.walk(".")):
                        for name in sorted(names):
                            path = os.path.join(root, name)[2:]
                            z.write(path, path)
                """
            let result = try run(["python3", "-c", script, zipPath], in: scratch.file("src"))
            #expect(result.status == 0, "\(result.stderr)")
        default:
            let writer = try ZipWriter(creating: zipPath)
            for path in files.keys.sorted() { try writer.addFile(path, contentsOf: scratch.file("src/" + path), modified: fixedDate) }
            try writer.close()
        }
        let reader = try ArchiveReader(path: zipPath)
        #expect(reader.files.count == files.count)

        let serial = try inflate(reader, workers: 1)
        let parallel = try inflate(reader, workers: 8)
        let spooled = try inflate(reader, workers: 3, memoryLimit: 0)
        #expect(parallel == serial)
        #expect(spooled == serial)

        // unzip writes the files; sha256sum hashes them.
        let out = scratch.file("out")
        let unzipped = try run(["unzip", "-q", zipPath, "-d", out])
        #expect(unzipped.status == 0, "\(unzipped.stderr)")
        let sums = try sha256sums(in: out, Array(files.keys))
        var expected: Set<Seen> = []
        for (path, bytes) in files {
            let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/" + path)))
            #expect(onDisk == bytes, "\(path)")
            expected.insert(Seen(path: path, size: Int64(bytes.count), sha256: sums[path] ?? "", isText: !bytes.contains(0)))
        }
        #expect(serial == expected)
    }

    @Test("files kept in memory and files spooled to disk hold exactly the original bytes")
    func memoryAndSpoolRoundTrip() throws {
        let scratch = try Scratch()
        let files = try makeSourceTree(in: scratch)
        try run(["zip", "-qr", "../t.zip", "."], in: scratch.file("src"))
        let spool = scratch.file("spool")
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        let memoryLimit: Int64 = 64 << 10
        var kept = 0
        var spooled: [String] = []
        try reader.inflateFiles(
            options: InflateOptions(workers: 4, memoryLimit: memoryLimit, spoolFolder: spool, maxBytesInFlight: 256 << 10),
            transform: { $0 },
            consume: { file in
                let original = try #require(files[file.entry.path])
                if let bytes = file.bytes {
                    #expect(file.entry.size <= memoryLimit)
                    #expect(file.spoolPath == nil)
                    #expect(bytes == original, "\(file.entry.path)")
                    kept += 1
                } else {
                    #expect(file.entry.size > memoryLimit)
                    let path = try #require(file.spoolPath)
                    #expect(path.hasPrefix(spool + "/"))
                    #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == original, "\(file.entry.path)")
                    spooled.append(path)
                }
                #expect(file.entry.sha256 == sha256Hex(original))
                #expect(file.entry.isText == !original.contains(0))
            })
        #expect(kept > 0 && !spooled.isEmpty)
        #expect(kept + spooled.count == files.count)
        // On success the spool files belong to the receiver: they are still there to be stored.
        for path in spooled { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: spool)) == Set(spooled.map { ($0 as NSString).lastPathComponent }))
    }

    /// A zip of the source tree (stored, so that bytes can be corrupted in place) whose largest
    /// file has one bit flipped.
    private func corruptedZip(_ scratch: Scratch) throws -> (path: String, entry: String, count: Int) {
        let files = try makeSourceTree(in: scratch)
        let largest = try #require(files.max { $0.value.count < $1.value.count })
        // A marker only the largest file holds, to find its bytes in the zip.
        var bytes = largest.value
        let marker = Array("CORRUPT-ME-HERE".utf8)
        bytes.replaceSubrange(1000..<1000 + marker.count, with: marker)
        try Data(bytes).write(to: scratch.url.appending(path: "src/" + largest.key))
        try run(["zip", "-qr0", "../t.zip", "."], in: scratch.file("src"))
        try flipByte(in: scratch.file("t.zip"), after: "CORRUPT-ME")
        return (scratch.file("t.zip"), largest.key, files.count)
    }

    @Test("whole-entry inflation (libdeflate) and streaming (libzip) agree; only deflated entries up to the limit go whole, and a bad CRC is caught either way")
    func wholeAndStreamedAgree() throws {
        let scratch = try Scratch()
        let limit = Int(ZipArchive.wholeEntryLimit)
        // Deflated around the limit, empty and tiny; stored; then copies whose CRC is wrong.
        let script = """
            import random, struct, sys, zipfile
            rng = random.Random(7)
            table = bytes(b"ACGT\\t\\n0123456789abcd"[b % 16] for b in range(256))
            def text(n):
                return rng.randbytes(n).translate(table)
            sizes = {"empty.txt": 0, "one.txt": 1, "at-limit.txt": \(limit), "over-limit.txt": \(limit + 1)}
            files = {name: text(n) for name, n in sizes.items()}
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                for name, data in files.items():
                    z.writestr(name, data, zipfile.ZIP_DEFLATED)
                z.writestr("stored.txt", text(1000), zipfile.ZIP_STORED)
            for name in ("at-limit.txt", "over-limit.txt"):
                # The CRC flipped in the local header and the central directory alike.
                with zipfile.ZipFile(sys.argv[2] + name + ".zip", "w") as z:
                    z.writestr(name, files[name], zipfile.ZIP_DEFLATED)
                data = bytearray(open(sys.argv[2] + name + ".zip", "rb").read())
                central = data.rindex(b"PK\\x01\\x02")
                for at in (14, central + 16):
                    data[at:at + 4] = struct.pack("<I", struct.unpack("<I", data[at:at + 4])[0] ^ 0x5A5A)
                open(sys.argv[2] + name + ".zip", "wb").write(data)
            # An empty file marked deflated with no compressed byte at all: libzip reads it as
            # empty; libdeflate would call it no stream.
            with zipfile.ZipFile(sys.argv[2] + "empty-deflated.zip", "w") as z:
                z.writestr("empty.txt", b"", zipfile.ZIP_STORED)
            data = bytearray(open(sys.argv[2] + "empty-deflated.zip", "rb").read())
            for at in (8, data.rindex(b"PK\\x01\\x02") + 10):
                data[at:at + 2] = struct.pack("<H", 8)
            open(sys.argv[2] + "empty-deflated.zip", "wb").write(data)
            """
        let result = try run(["python3", "-c", script, scratch.file("t.zip"), scratch.file("bad-")])
        #expect(result.status == 0, "\(result.stderr)")
        let archive = try ZipArchive(path: scratch.file("t.zip"))
        var whole: [String] = []
        for entry in try archive.entries() {
            let streamed = try archive.read(entry)
            if let (bytes, sha256) = try archive.readWhole(entry) {
                whole.append(entry.name)
                #expect(bytes.count == Int(entry.size), "\(entry.name)")
                #expect(sha256 == streamed, "\(entry.name)")
                #expect(sha256 == sha256Hex(bytes), "\(entry.name)")
            }
        }
        #expect(whole.sorted() == ["at-limit.txt", "empty.txt", "one.txt"])
        let empty = try ArchiveReader(path: scratch.file("bad-empty-deflated.zip"))
        #expect(empty.files.map(\.compressionMethod) == [8])
        #expect(try ZipArchive(path: scratch.file("bad-empty-deflated.zip")).readWhole(empty.files[0]) == nil)
        #expect(try empty.checkAll().map(\.sha256) == [sha256Hex([])])
        for name in ["at-limit.txt", "over-limit.txt"] {
            let path = scratch.file("bad-\(name).zip")
            let error = try #require(throws: TemplateTrackError.self) { try ArchiveReader(path: path).checkAll() }
            #expect(error.code == .invalidArchive)
            #expect(error.places == [.file(path), .entry(name)])
            #expect(error.message.contains("CRC"), "\(error)")
        }
    }

    @Test("a CRC failure in one entry stops everything, names it, and leaves no spool file behind", arguments: [1, 4])
    func crcFailureStopsAll(workers: Int) throws {
        let scratch = try Scratch()
        let (path, entry, count) = try corruptedZip(scratch)
        let spool = scratch.file("spool")
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let reader = try ArchiveReader(path: path)
        let transformed = Counter()
        var consumed: [String] = []
        let error = try #require(throws: TemplateTrackError.self) {
            try reader.inflateFiles(
                options: InflateOptions(workers: workers, memoryLimit: 0, spoolFolder: spool),
                transform: { file in
                    transformed.add()
                    return file.spoolPath ?? ""
                },
                consume: { consumed.append($0) })
        }
        #expect(error.code == .invalidArchive)
        #expect(error.places == [.file(path), .entry(entry)])
        #expect(error.message.contains("CRC"))
        // Every spool file is gone, those already handed over included.
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == [])
        for file in consumed where !file.isEmpty { #expect(!FileManager.default.fileExists(atPath: file)) }
        #expect(consumed.count < count)
        if workers == 1 {
            // The largest file goes first; on one worker nothing else was even inflated.
            #expect(transformed.value == 0)
            #expect(consumed.isEmpty)
        }
    }

    @Test("an error thrown by the receiver stops the workers and removes the spool files")
    func receiverErrorStopsAll() throws {
        let scratch = try Scratch()
        _ = try makeSourceTree(in: scratch)
        try run(["zip", "-qr", "../t.zip", "."], in: scratch.file("src"))
        let spool = scratch.file("spool")
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        var consumed = 0
        let error = try #require(throws: TemplateTrackError.self) {
            try reader.inflateFiles(
                options: InflateOptions(workers: 4, memoryLimit: 0, spoolFolder: spool), transform: { $0 },
                consume: { _ in
                    consumed += 1
                    if consumed == 3 { throw TemplateTrackError(.io, "the store is full") }
                })
        }
        #expect(error.message == "the store is full")
        #expect(consumed == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == [])
    }

    @Test("cancellation stops the work with a cancelled error and no spool file left")
    func cancellation() throws {
        let scratch = try Scratch()
        _ = try makeSourceTree(in: scratch)
        try run(["zip", "-qr", "../t.zip", "."], in: scratch.file("src"))
        let spool = scratch.file("spool")
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let reader = try ArchiveReader(path: scratch.file("t.zip"))
        let polls = Counter()
        let error = try #require(throws: TemplateTrackError.self) {
            try reader.inflateFiles(
                options: InflateOptions(
                    workers: 2, memoryLimit: 0, spoolFolder: spool, isCancelled: { polls.add() > 20 }),
                transform: { $0 }, consume: { _ in })
        }
        #expect(error.code == .cancelled)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == [])
    }
}

/// A thread-safe counter.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// Adds one and returns the new count.
    @discardableResult
    func add() -> Int { lock.withLock { count += 1; return count } }

    var value: Int { lock.withLock { count } }
}
