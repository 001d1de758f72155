import Foundation
import TemplateTrackBase

/// A zip's central directory read straight from the file: every record's raw name, flags,
/// declared sizes and local-header offset, and where the directory sits in the file.
///
/// libzip hands names out as C strings, which end at the first NUL; it refuses a name flagged
/// UTF-8 that is not, and a duplicate name, without saying which entry; and it opens a zip
/// whose entries overlap. So the archive is first read here, and every name, kind and declared
/// size is judged from these records before libzip opens it or any byte is inflated; libzip
/// must then agree with them (see `ZipArchive.entries`).
struct CentralDirectory {
    struct Record {
        /// The name's bytes exactly as stored.
        var rawName: [UInt8]
        /// General-purpose flags (bit 0: encrypted, bit 3: data descriptor, bit 6: strong
        /// encryption, bit 11: UTF-8 name).
        var flags: UInt16
        /// Compression method (0 stored, 8 deflated, ...).
        var method: UInt16
        /// "Version made by": its high byte is the host system (3 is Unix).
        var madeBy: UInt16
        var crc: UInt32
        /// Sizes and offset, from the zip64 extra field where the 32-bit ones say 0xFFFFFFFF.
        var compressedSize: UInt64
        var size: UInt64
        var localHeaderOffset: UInt64
        var externalAttributes: UInt32
        /// "Version needed to extract".
        var versionNeeded: UInt16
        /// DOS time (low half) and date (high half) of the last change.
        var modified: UInt32

        /// General-purpose bit 11: the name is declared UTF-8.
        var declaresUTF8: Bool { flags & 0x0800 != 0 }
    }

    var records: [Record]
    /// Where the central directory really starts in the file.
    var start: UInt64
    /// Where the end record says it starts; more than `start` only when bytes were glued in
    /// front of the zip without adjusting its offsets.
    var declaredStart: UInt64

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let headerSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Reads the central directory of the zip at `path`. Throws `invalidArchive` when it cannot
    /// be found or is malformed, and `limitExceeded` when the end record counts more than
    /// `maxEntries` entries (checked before the records are read).
    static func read(path: String, maxEntries: Int = .max) throws -> CentralDirectory {
        let file = try ReadOnlyFile(path: path)
        defer { file.close() }
        func invalid(_ message: String) -> TemplateTrackError {
            TemplateTrackError(.invalidArchive, message, at: [.file(path)])
        }
        let fileSize = file.size
        if fileSize == 0 { throw invalid("not a zip: the file is empty (0 bytes)") }
        guard fileSize >= 22 else { throw invalid("not a zip: \(fileSize) bytes, too short for one") }
        let tailLength = min(fileSize, 22 + 65_535)
        let tail = try file.read(at: fileSize - tailLength, count: Int(tailLength))
        // The end record is the last signature that fits with its comment.
        var position = tail.count - 22
        var endOffset: Int?
        while position >= 0 {
            if le32(tail, position) == endSignature, position + 22 + Int(le16(tail, position + 20)) <= tail.count {
                endOffset = position
                break
            }
            position -= 1
        }
        guard let end = endOffset else { throw invalid("not a zip: it has no end of central directory record") }
        let endPosition = fileSize - tailLength + UInt64(end)
        let disk = le16(tail, end + 4)
        let directoryDisk = le16(tail, end + 6)
        var countOnDisk = UInt64(le16(tail, end + 8))
        var count = UInt64(le16(tail, end + 10))
        var size = UInt64(le32(tail, end + 12))
        var offset = UInt64(le32(tail, end + 16))
        var directoryEnd = endPosition
        var disks = [UInt64(disk), UInt64(directoryDisk)]
        if count == 0xffff || size == 0xffff_ffff || offset == 0xffff_ffff || countOnDisk == 0xffff {
            guard end >= 20, le32(tail, end - 20) == zip64LocatorSignature else {
                throw invalid("the end record defers to a zip64 record that is not there")
            }
            // The zip64 end record sits just before its locator; its stated offset must agree.
            let recordPosition = le64(tail, end - 20 + 8)
            guard endPosition >= 76, recordPosition <= endPosition - 76 else {
                throw invalid("the zip64 end record is not where its locator says")
            }
            let record = try file.read(at: recordPosition, count: 56)
            guard le32(record, 0) == zip64EndSignature else {
                throw invalid("the zip64 end record is not where its locator says")
            }
            disks += [UInt64(le32(record, 16)), UInt64(le32(record, 20)), UInt64(le32(tail, end - 20 + 4))]
            countOnDisk = le64(record, 24)
            count = le64(record, 32)
            size = le64(record, 40)
            offset = le64(record, 48)
            directoryEnd = recordPosition
        }
        guard disks.allSatisfy({ $0 == 0 }), countOnDisk == count else {
            throw invalid("the zip spans several disks, which is not supported")
        }
        if count > UInt64(maxEntries) {
            throw TemplateTrackError(
                .limitExceeded, "archive rejected: it has \(count) entries; at most \(maxEntries) are accepted",
                at: [.file(path)])
        }
        // A record takes 46 to 46 + 3 × 65,535 bytes: a size the count cannot explain is a lie
        // (and is not read into memory).
        guard size <= directoryEnd, count <= size / 46, size <= count * (46 + 3 * 65_535) else {
            throw invalid("the central directory cannot hold the \(count) entries its end record counts")
        }
        let start = directoryEnd - size
        guard start >= offset else {
            throw invalid("the central directory is not where the end record says (the zip is cut short?)")
        }
        let bytes = try file.read(at: start, count: Int(size))
        var records: [Record] = []
        records.reserveCapacity(Int(count))
        var at = 0
        while at < bytes.count {
            guard records.count < count, at + 46 <= bytes.count, le32(bytes, at) == headerSignature else {
                throw invalid(
                    "the central directory holds more or other records than the \(count) its end record counts")
            }
            let nameLength = Int(le16(bytes, at + 28))
            let extraLength = Int(le16(bytes, at + 30))
            let commentLength = Int(le16(bytes, at + 32))
            let nameStart = at + 46
            let next = nameStart + nameLength + extraLength + commentLength
            guard next <= bytes.count else { throw invalid("a central directory record runs past the directory's end") }
            var record = Record(
                rawName: Array(bytes[nameStart..<nameStart + nameLength]), flags: le16(bytes, at + 8),
                method: le16(bytes, at + 10), madeBy: le16(bytes, at + 4), crc: le32(bytes, at + 16),
                compressedSize: UInt64(le32(bytes, at + 20)), size: UInt64(le32(bytes, at + 24)),
                localHeaderOffset: UInt64(le32(bytes, at + 42)), externalAttributes: le32(bytes, at + 38),
                versionNeeded: le16(bytes, at + 6), modified: le32(bytes, at + 12))
            let extra = Array(bytes[nameStart + nameLength..<nameStart + nameLength + extraLength])
            let name = decodedName(record.rawName, declaresUTF8: record.declaresUTF8)
            guard applyZip64(extra, to: &record) else {
                throw TemplateTrackError(
                    .invalidArchive, "its zip64 sizes are missing or malformed", at: [.file(path), .entry(name)])
            }
            guard record.size <= UInt64(Int64.max), record.compressedSize <= UInt64(Int64.max) else {
                throw TemplateTrackError(.invalidArchive, "declares an impossible size", at: [.file(path), .entry(name)])
            }
            records.append(record)
            at = next
        }
        guard records.count == count else {
            throw invalid("the central directory holds \(records.count) entries but its end record counts \(count)")
        }
        return CentralDirectory(records: records, start: start, declaredStart: offset)
    }

    /// Replaces the 32-bit fields marked 0xFFFFFFFF with the zip64 extra field's values, in
    /// the order the format gives them; false when a needed value is missing.
    private static func applyZip64(_ extra: [UInt8], to record: inout Record) -> Bool {
        let needSize = record.size == 0xffff_ffff
        let needCompressed = record.compressedSize == 0xffff_ffff
        let needOffset = record.localHeaderOffset == 0xffff_ffff
        guard needSize || needCompressed || needOffset else { return true }
        var at = 0
        while at + 4 <= extra.count {
            let id = le16(extra, at)
            let length = Int(le16(extra, at + 2))
            guard at + 4 + length <= extra.count else { return false }
            if id == 0x0001 {
                var field = at + 4
                let fieldEnd = field + length
                func next() -> UInt64? {
                    guard field + 8 <= fieldEnd else { return nil }
                    defer { field += 8 }
                    return le64(extra, field)
                }
                if needSize { guard let value = next() else { return false }; record.size = value }
                if needCompressed { guard let value = next() else { return false }; record.compressedSize = value }
                if needOffset { guard let value = next() else { return false }; record.localHeaderOffset = value }
                return true
            }
            at += 4 + length
        }
        return false
    }

    /// Checks where each entry lies in the file: nothing glued in front of the zip, each
    /// record pointing at a local header with the same name, and no two entries' bytes
    /// overlapping (two names for one body of data, or the overlapping-bomb trick). Throws,
    /// naming the entry.
    func checkLayout(path: String, names: [String]) throws {
        if start > declaredStart {
            throw TemplateTrackError(
                .invalidArchive,
                "\(start - declaredStart) bytes come before the zip that its offsets do not count (a self-extractor, or something glued in front)",
                at: [.file(path)])
        }
        let first = records.map(\.localHeaderOffset).min() ?? start
        if first > 0 {
            throw TemplateTrackError(
                .invalidArchive,
                "\(first) bytes come before the first entry (a self-extractor, or something glued in front)",
                at: [.file(path)])
        }
        let file = try ReadOnlyFile(path: path)
        defer { file.close() }
        var spans: [(start: UInt64, end: UInt64, index: Int)] = []
        var localNames: [[UInt8]] = []
        spans.reserveCapacity(records.count)
        localNames.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let places: [TemplateTrackError.Place] = [.file(path), .entry(names[index])]
            let offset = record.localHeaderOffset
            guard offset <= start, start - offset >= 30,
                let header = try? file.read(at: offset, count: 30),
                Self.le32(header, 0) == Self.localSignature
            else {
                throw TemplateTrackError(.invalidArchive, "its local header is missing", at: places)
            }
            let nameLength = UInt64(Self.le16(header, 26))
            let extraLength = UInt64(Self.le16(header, 28))
            let (end, overflow) = (offset + 30 + nameLength + extraLength).addingReportingOverflow(record.compressedSize)
            guard !overflow, end <= start else {
                throw TemplateTrackError(
                    .invalidArchive, "its data runs past the entries into the central directory (a lying size?)",
                    at: places)
            }
            let rest = try file.read(at: offset + 30, count: Int(nameLength + extraLength))
            localNames.append(Array(rest[..<Int(nameLength)]))
            if let field = Self.disagreement(local: header, extra: Array(rest[Int(nameLength)...]), central: record) {
                throw TemplateTrackError(
                    .invalidArchive, "its local header disagrees with the central directory on its \(field)",
                    at: places)
            }
            spans.append((offset, end, index))
        }
        // Overlaps first: two records sharing one local header also share its name.
        let ordered = spans.sorted { ($0.start, $0.index) < ($1.start, $1.index) }
        for (current, next) in zip(ordered, ordered.dropFirst()) where current.end > next.start {
            if current.start == next.start {
                throw TemplateTrackError(
                    .invalidArchive,
                    "overlaps entry '\(DisplayName.escaped(names[current.index]))': both point at the same data",
                    at: [.file(path), .entry(names[next.index])])
            }
            throw TemplateTrackError(
                .invalidArchive,
                "its data overlaps entry '\(DisplayName.escaped(names[next.index]))', whose header lies inside it",
                at: [.file(path), .entry(names[current.index])])
        }
        for (index, record) in records.enumerated() where localNames[index] != record.rawName {
            throw TemplateTrackError(
                .invalidArchive,
                "its local header names it '\(DisplayName.escaped(bytes: localNames[index]))' (a name for one tool, another for the next)",
                at: [.file(path), .entry(names[index])])
        }
    }

    /// The field a local header gives otherwise than its central record (as libzip's
    /// consistency check compares them), or nil when they agree.
    private static func disagreement(local header: [UInt8], extra: [UInt8], central: Record) -> String? {
        if le16(header, 4) > central.versionNeeded { return "version needed to extract" }
        if le16(header, 8) != central.method { return "compression method" }
        if le32(header, 10) != central.modified { return "modification time" }
        let flags = le16(header, 6)
        let crc = le32(header, 14)
        var compressed = UInt64(le32(header, 18))
        var size = UInt64(le32(header, 22))
        // A data descriptor after the data may leave the local fields zero.
        if flags & 0x0008 != 0, crc == 0, compressed == 0, size == 0 { return nil }
        if size == 0xffff_ffff || compressed == 0xffff_ffff {
            var record = Record(
                rawName: [], flags: 0, method: 0, madeBy: 0, crc: 0, compressedSize: compressed, size: size,
                localHeaderOffset: 0, externalAttributes: 0, versionNeeded: 0, modified: 0)
            guard applyZip64(extra, to: &record) else { return "zip64 sizes" }
            size = record.size
            compressed = record.compressedSize
        }
        if crc != central.crc { return "CRC" }
        if size != central.size { return "size" }
        if compressed != central.compressedSize { return "compressed size" }
        return nil
    }

    /// A name as text: the stored bytes when they are UTF-8; otherwise, for a name flagged
    /// UTF-8, the bytes with each invalid sequence shown as U+FFFD (it is refused), and for
    /// any other name CP437 above 0x7F, as DOS and Windows tools write them.
    static func decodedName(_ raw: [UInt8], declaresUTF8: Bool) -> String {
        if let text = String(validating: raw, as: UTF8.self) { return text }
        if declaresUTF8 { return String(decoding: raw, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for byte in raw {
            scalars.append(Unicode.Scalar(byte < 0x80 ? UInt32(byte) : cp437High[Int(byte - 0x80)])!)
        }
        return String(scalars)
    }

    /// CP437's characters for 0x80...0xFF.
    private static let cp437High: [UInt32] = [
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC,
        0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2,
        0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310,
        0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
        0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C,
        0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
        0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF,
        0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
        0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2,
        0x25A0, 0x00A0,
    ]

    static func le16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(le16(bytes, at)) | UInt32(le16(bytes, at + 2)) << 16
    }

    static func le64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        UInt64(le32(bytes, at)) | UInt64(le32(bytes, at + 4)) << 32
    }
}

/// A file opened for `pread`, closed by `close()`.
struct ReadOnlyFile {
    let fd: Int32
    let path: String
    let size: UInt64

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot read the zip", at: [.file(path)]) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = TemplateTrackError.system(.io, "cannot read the zip", at: [.file(path)])
            closeDescriptor(fd)
            throw error
        }
        guard info.st_mode & 0o170000 == 0o100000 else {
            closeDescriptor(fd)
            throw TemplateTrackError(.invalidArchive, "not a zip: not a regular file", at: [.file(path)])
        }
        self.path = path
        size = UInt64(info.st_size)
    }

    func close() { closeDescriptor(fd) }

    /// Exactly `count` bytes at `offset`; throws when the file is shorter.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard offset <= UInt64(Int64.max), offset + UInt64(count) <= size else {
            throw TemplateTrackError(.invalidArchive, "the zip is cut short", at: [.file(path)])
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                throw TemplateTrackError.system(.io, "cannot read the zip", at: [.file(path)])
            }
            done += result
        }
        return bytes
    }
}

private func closeDescriptor(_ fd: Int32) { close(fd) }
