import CLibdeflate
import CLibzip
import Crypto
import Foundation
import TemplateTrackBase

/// One entry of a zip as its central directory describes it, before any safety check.
public struct ZipEntryInfo: Sendable, Hashable {
    /// Position in the central directory.
    public var index: Int
    /// The name as text: the stored bytes when they are UTF-8, else read as CP437 (bytes
    /// above 0x7F), as DOS and Windows tools write names. A name flagged UTF-8 that is not
    /// shows U+FFFD for each invalid sequence (and is refused).
    public var name: String
    /// The name's bytes exactly as stored.
    public var rawName: [UInt8]
    /// Whether the entry declares its name UTF-8 (general-purpose bit 11).
    public var declaresUTF8: Bool
    /// Uncompressed size in bytes, as declared.
    public var size: Int64
    /// Compressed size in bytes, as declared.
    public var compressedSize: Int64
    /// The compression method (0 stored, 8 deflated, ...).
    public var compressionMethod: Int
    /// The CRC-32 of the uncompressed bytes, as declared.
    public var crc: UInt32
    /// Whether the entry is encrypted (flag bits 0 or 6, or the AES method).
    public var isEncrypted: Bool
    /// Whether Unix attributes mark the entry as a symbolic link.
    public var isSymlink: Bool
    /// Whether the name ends in `/`.
    public var isDirectory: Bool { name.hasSuffix("/") }

    /// The entry that central-directory record `index` declares.
    init(index: Int, record: CentralDirectory.Record) {
        self.index = index
        name = CentralDirectory.decodedName(record.rawName, declaresUTF8: record.declaresUTF8)
        rawName = record.rawName
        declaresUTF8 = record.declaresUTF8
        size = Int64(record.size)
        compressedSize = Int64(record.compressedSize)
        compressionMethod = Int(record.method)
        crc = record.crc
        isEncrypted = record.flags & 0x0041 != 0 || record.method == 99
        // The file type in the high half of the attributes, whatever host wrote them: unzip
        // honours it from Unix and several other hosts, so any symbolic link is refused.
        isSymlink = (record.externalAttributes >> 16) & 0o170000 == 0o120000
    }
}

/// A zip archive opened read-only with libzip.
///
/// Not `Sendable`: libzip wants one `zip_t` per thread, so each thread opens its own.
public final class ZipArchive {
    private let handle: OpaquePointer
    /// The archive's path on disk, used in error messages.
    public let path: String

    /// Opens `path` read-only, with libzip's consistency checks on (every local header must
    /// agree with its central-directory record).
    public init(path: String) throws {
        var code: Int32 = 0
        guard let handle = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code) else {
            if code == ZIP_ER_EXISTS, let duplicate = Self.firstDuplicateName(path) {
                throw TemplateTrackError(
                    .unsafeEntry, "archive rejected: entry duplicates another entry's path",
                    at: [.file(path), .entry(duplicate)])
            }
            if code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_NOENT {
                throw TemplateTrackError(.io, "cannot read the zip", at: [.file(path)], cause: SystemError())
            }
            throw TemplateTrackError(
                .invalidArchive, "not a readable zip: \(Self.describe(libzipCode: code))", at: [.file(path)])
        }
        self.handle = handle
        self.path = path
    }

    /// Made on first use: each archive belongs to one thread, and so does its decompressor.
    private var decompressor: OpaquePointer?

    deinit {
        zip_discard(handle)
        if let decompressor { libdeflate_free_decompressor(decompressor) }
    }

    /// libzip's consistency check refuses duplicate names without saying which; find it.
    private static func firstDuplicateName(_ path: String) -> String? {
        var code: Int32 = 0
        guard let handle = zip_open(path, ZIP_RDONLY, &code) else { return nil }
        defer { zip_discard(handle) }
        var seen: Set<[UInt8]> = []
        for index in 0..<zip_get_num_entries(handle, 0) {
            guard let name = zip_get_name(handle, zip_uint64_t(index), 0).map(String.init(cString:)) else { continue }
            if !seen.insert(name.pathKey).inserted { return name }
        }
        return nil
    }

    /// Number of entries in the central directory.
    public var entryCount: Int { Int(zip_get_num_entries(handle, 0)) }

    /// Every entry, in central-directory order, as the central directory declares it (see
    /// `CentralDirectory`), checked against libzip's own reading: both must agree on every
    /// entry's size, compressed size and method.
    public func entries() throws -> [ZipEntryInfo] {
        try entries(of: try CentralDirectory.read(path: path))
    }

    func entries(of directory: CentralDirectory) throws -> [ZipEntryInfo] {
        guard directory.records.count == entryCount else {
            throw TemplateTrackError(
                .invalidArchive,
                "libzip counts \(entryCount) entries where the central directory holds \(directory.records.count)",
                at: [.file(path)])
        }
        return try directory.records.enumerated().map { index, record in
            let info = ZipEntryInfo(index: index, record: record)
            try checkAgreement(info)
            return info
        }
    }

    /// libzip reads its own copy of each header; a field read differently means a malformed
    /// header that one of the two misreads.
    private func checkAgreement(_ info: ZipEntryInfo) throws {
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        let places: [TemplateTrackError.Place] = [.file(path), .entry(info.name)]
        guard zip_stat_index(handle, zip_uint64_t(info.index), 0, &stat) == 0 else {
            throw TemplateTrackError(.invalidArchive, "cannot read the entry: \(lastError)", at: places)
        }
        let valid = stat.valid
        let needed = UInt64(ZIP_STAT_SIZE) | UInt64(ZIP_STAT_COMP_SIZE) | UInt64(ZIP_STAT_COMP_METHOD)
        guard valid & needed == needed, stat.size == UInt64(info.size), stat.comp_size == UInt64(info.compressedSize),
            Int(stat.comp_method) == info.compressionMethod
        else {
            throw TemplateTrackError(
                .invalidArchive, "libzip reads its sizes differently from the central directory (a malformed header)",
                at: places)
        }
    }

    /// Streams entry `entry` to its end through `body`, 64 KiB at a time, and returns its SHA-256.
    ///
    /// Reading to the end is what makes libzip check the CRC; the byte count is checked against
    /// the declared size so that a lying header cannot inflate an entry beyond it.
    @discardableResult
    public func read(
        _ entry: ZipEntryInfo, isCancelled: () -> Bool = { false },
        into body: (UnsafeRawBufferPointer) throws -> Void = { _ in }
    ) throws -> String {
        let places: [TemplateTrackError.Place] = [.file(path), .entry(entry.name)]
        guard let file = zip_fopen_index(handle, zip_uint64_t(entry.index), 0) else {
            throw TemplateTrackError(.invalidArchive, "cannot open entry: \(lastError)", at: places)
        }
        defer { zip_fclose(file) }
        var hasher = SHA256()
        var total: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            if isCancelled() { throw TemplateTrackError(.cancelled, "interrupted", at: places) }
            let count = zip_fread(file, buffer.baseAddress!, zip_uint64_t(buffer.count))
            if count < 0 {
                let reason = String(cString: zip_file_strerror(file))
                throw TemplateTrackError(.invalidArchive, "corrupt data: \(reason)", at: places)
            }
            if count == 0 { break }
            total += count
            if total > entry.size {
                throw TemplateTrackError(
                    .invalidArchive, "holds more bytes than the \(entry.size) its header declares", at: places)
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<Int(count)])
            hasher.update(bufferPointer: chunk)
            try body(chunk)
        }
        guard total == entry.size else {
            throw TemplateTrackError(
                .invalidArchive, "holds \(total) bytes but its header declares \(entry.size)", at: places)
        }
        return hasher.finalize().hex
    }

    /// Deflated entries up to this size are inflated whole by `readWhole`.
    public static let wholeEntryLimit: Int64 = 4 << 20

    /// Inflates a deflated entry of at most `wholeEntryLimit` bytes whole, with libdeflate, and
    /// returns its bytes and SHA-256; nil for any other entry (stream it with `read`).
    ///
    /// libzip hands over the compressed bytes as stored; the checks are those `read` makes: the
    /// data must inflate to exactly the declared size, with the declared CRC-32. A worker holds
    /// at most about twice `wholeEntryLimit` meanwhile.
    public func readWhole(_ entry: ZipEntryInfo) throws -> (bytes: [UInt8], sha256: String)? {
        // No compressed bytes at all is not a deflate stream, but libzip reads it as an empty
        // file without checking a CRC: such entries keep going through libzip.
        guard entry.compressionMethod == 8, entry.compressedSize > 0, entry.size <= Self.wholeEntryLimit,
            entry.compressedSize <= Self.wholeEntryLimit + (Self.wholeEntryLimit >> 6)
        else { return nil }
        let places: [TemplateTrackError.Place] = [.file(path), .entry(entry.name)]
        guard let file = zip_fopen_index(handle, zip_uint64_t(entry.index), zip_flags_t(ZIP_FL_COMPRESSED)) else {
            throw TemplateTrackError(.invalidArchive, "cannot open entry: \(lastError)", at: places)
        }
        defer { zip_fclose(file) }
        let compressedSize = Int(entry.compressedSize)
        let compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: max(compressedSize, 1), alignment: 16)
        defer { compressed.deallocate() }
        var stored = 0
        while stored < compressedSize {
            let count = zip_fread(file, compressed.baseAddress! + stored, zip_uint64_t(compressedSize - stored))
            if count < 0 {
                throw TemplateTrackError(.invalidArchive, "corrupt data: \(String(cString: zip_file_strerror(file)))", at: places)
            }
            guard count > 0 else {
                throw TemplateTrackError(
                    .invalidArchive, "holds \(stored) compressed bytes but its header declares \(compressedSize)", at: places)
            }
            stored += Int(count)
        }
        if decompressor == nil { decompressor = libdeflate_alloc_decompressor() }
        guard let decompressor else { throw TemplateTrackError(.io, "out of memory for a decompressor", at: places) }
        let size = Int(entry.size)
        var result = LIBDEFLATE_SUCCESS
        var inflated = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, initialized in
            result = libdeflate_deflate_decompress(
                decompressor, compressed.baseAddress, compressedSize, buffer.baseAddress, size, &inflated)
            initialized = result == LIBDEFLATE_SUCCESS ? inflated : 0
        }
        switch result {
        case LIBDEFLATE_SUCCESS:
            guard inflated == size else {
                throw TemplateTrackError(.invalidArchive, "holds \(inflated) bytes but its header declares \(size)", at: places)
            }
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw TemplateTrackError(.invalidArchive, "holds more bytes than the \(size) its header declares", at: places)
        default:
            throw TemplateTrackError(.invalidArchive, "corrupt data: not a valid deflate stream", at: places)
        }
        let crc = bytes.withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
        guard crc == entry.crc else { throw TemplateTrackError(.invalidArchive, "corrupt data: CRC error", at: places) }
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return (bytes, hasher.finalize().hex)
    }

    private var lastError: String { String(cString: zip_strerror(handle)) }

    static func describe(libzipCode code: Int32) -> String {
        var error = zip_error_t()
        zip_error_init_with_code(&error, code)
        defer { zip_error_fini(&error) }
        return String(cString: zip_error_strerror(&error))
    }
}
