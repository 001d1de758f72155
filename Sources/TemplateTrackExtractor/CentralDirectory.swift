import Foundation
import TemplateTrackBase

/// The raw bytes of each entry's name, read straight from the zip's central directory.
///
/// libzip hands names out as C strings, which end at the first NUL and hide whether a name
/// flagged as UTF-8 really is; entry names are checked on their exact bytes, so the few fields
/// needed are read here, and libzip must agree with them on the number of entries.
struct CentralDirectory {
    struct Record {
        /// The name's bytes exactly as stored.
        var rawName: [UInt8]
        /// General-purpose bit 11: the name is declared UTF-8.
        var declaresUTF8: Bool
    }

    var records: [Record]

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let headerSignature: UInt32 = 0x0201_4b50

    /// Reads the central directory of the zip at `path`; nil when it cannot be found or parsed
    /// (libzip then reports the archive as unreadable, or the two disagree).
    static func read(path: String, maximumSize: Int64) -> CentralDirectory? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let fileSize = try? handle.seekToEnd(), fileSize >= 22 else { return nil }
        let tailLength = min(fileSize, 22 + 65_535)
        guard let tail = read(handle, at: fileSize - tailLength, count: Int(tailLength)) else { return nil }
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
        guard let end = endOffset else { return nil }
        let endPosition = fileSize - tailLength + UInt64(end)
        var count = UInt64(le16(tail, end + 10))
        var size = UInt64(le32(tail, end + 12))
        var directoryEnd = endPosition
        if count == 0xffff || size == 0xffff_ffff || le32(tail, end + 16) == 0xffff_ffff, end >= 20,
            le32(tail, end - 20) == zip64LocatorSignature
        {
            let recordPosition = le64(tail, end - 20 + 8)
            guard recordPosition < endPosition, let record = read(handle, at: recordPosition, count: 56),
                le32(record, 0) == zip64EndSignature
            else { return nil }
            count = le64(record, 32)
            size = le64(record, 40)
            directoryEnd = recordPosition
        }
        guard size <= UInt64(maximumSize), size <= directoryEnd,
            let bytes = read(handle, at: directoryEnd - size, count: Int(size))
        else { return nil }
        var records: [Record] = []
        records.reserveCapacity(Int(min(count, 1 << 20)))
        var offset = 0
        while offset + 46 <= bytes.count, le32(bytes, offset) == headerSignature {
            let flags = le16(bytes, offset + 8)
            let nameLength = Int(le16(bytes, offset + 28))
            let extraLength = Int(le16(bytes, offset + 30))
            let commentLength = Int(le16(bytes, offset + 32))
            let nameStart = offset + 46
            guard nameStart + nameLength <= bytes.count else { return nil }
            records.append(Record(rawName: Array(bytes[nameStart..<nameStart + nameLength]), declaresUTF8: flags & 0x0800 != 0))
            offset = nameStart + nameLength + extraLength + commentLength
        }
        guard UInt64(records.count) == count else { return nil }
        return CentralDirectory(records: records)
    }

    private static func read(_ handle: FileHandle, at offset: UInt64, count: Int) -> [UInt8]? {
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: count),
            data.count == count
        else { return nil }
        return [UInt8](data)
    }

    private static func le16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(le16(bytes, at)) | UInt32(le16(bytes, at + 2)) << 16
    }

    private static func le64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        UInt64(le32(bytes, at)) | UInt64(le32(bytes, at + 4)) << 32
    }
}
