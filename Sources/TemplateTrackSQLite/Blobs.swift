public import Foundation
import GRDB
import GRDBSQLite
#if canImport(Glibc)
    import Glibc
#endif
public import TemplateTrackBase
public import TemplateTrackHistory

extension SQLiteHistory: BlobLoader {
    public func loadBlob(sha256: String, into body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try read { db in try Self.readBlob(sha256: sha256, db: db, path: path, into: body) }
    }

    public func blobInfo(sha256: String) throws -> BlobInfo? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT size, is_text FROM blob WHERE sha256 = ?", arguments: [sha256]).map {
                BlobInfo(size: $0["size"], isText: $0["is_text"])
            }
        }
    }

    /// Streams stored bytes (only the first `limit` when given) in chunks of at most 64 KiB,
    /// with SQLite's incremental blob I/O: never whole in memory.
    static func readBlob(
        sha256: String, db: Database, path: String, limit: Int64? = nil,
        into body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, size FROM blob WHERE sha256 = ?", arguments: [sha256])
        else { throw TemplateTrackError(.notFound, "no stored content with sha256 \(sha256)", at: [.file(path)]) }
        let rowID: Int64 = row["id"]
        let size: Int64 = min(row["size"], limit ?? .max)
        guard size > 0 else { return }
        var handle: OpaquePointer?
        guard sqlite3_blob_open(db.sqliteConnection, "main", "blob", "content", rowID, 0, &handle) == SQLITE_OK else {
            throw TemplateTrackError(.database, "cannot open stored content \(sha256)", at: [.file(path)])
        }
        defer { sqlite3_blob_close(handle) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while offset < size {
            let count = Int(min(Int64(buffer.count), size - offset))
            guard sqlite3_blob_read(handle, buffer.baseAddress, Int32(count), Int32(offset)) == SQLITE_OK else {
                throw TemplateTrackError(.database, "cannot read stored content \(sha256)", at: [.file(path)])
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
        }
    }

    /// Streams a spool file into the zero-filled blob at `rowID`, 1 MiB at a time.
    static func writeBlob(rowID: Int64, fromFile file: String, size: Int64, db: Database, path: String) throws {
        guard size > 0 else { return }
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot read a spool file", at: [.file(file)]) }
        defer { Glibc.close(fd) }
        var handle: OpaquePointer?
        guard sqlite3_blob_open(db.sqliteConnection, "main", "blob", "content", rowID, 1, &handle) == SQLITE_OK else {
            throw TemplateTrackError(.database, "cannot open a blob for writing", at: [.file(path)])
        }
        defer { sqlite3_blob_close(handle) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while offset < size {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw TemplateTrackError.system(.io, "cannot read a spool file", at: [.file(file)]) }
            guard count > 0 else { throw TemplateTrackError(.io, "a spool file ended early", at: [.file(file)]) }
            guard offset + Int64(count) <= size,
                sqlite3_blob_write(handle, buffer.baseAddress, Int32(count), Int32(offset)) == SQLITE_OK
            else { throw TemplateTrackError(.database, "cannot write a blob", at: [.file(path)]) }
            offset += Int64(count)
        }
    }
}
