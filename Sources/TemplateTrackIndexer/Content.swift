import GRDB
import GRDBSQLite
import TemplateTrackBase

extension HistoryDatabase {
    /// Streams the stored bytes with this SHA-256 through `body`, 64 KiB at a time.
    public func readContent(sha256: String, into body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try read { db in try readContent(sha256: sha256, db: db, into: body) }
    }

    /// Streams the bytes (only the first `limit` when given) in chunks of at most 64 KiB.
    func readContent(
        sha256: String, db: Database, limit: Int64? = nil, into body: (UnsafeRawBufferPointer) throws -> Void
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
}
