import CLibzip
public import Foundation
import TemplateTrackBase

/// Writes a zip with libzip. The simulator builds its downloads with it, and tests build
/// their fixtures with it; given the same entries and times it writes the same bytes.
public final class ZipWriter {
    private var handle: OpaquePointer?
    /// The buffer an in-memory zip is written to (kept past `zip_close`, which would free it).
    private var memory: OpaquePointer?
    /// Where the zip is written; it appears there on `close()`. "(memory)" for one in memory.
    public let path: String

    /// Starts a new zip at `path`, replacing any file there when closed.
    public init(creating path: String) throws {
        var code: Int32 = 0
        guard let handle = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code) else {
            throw TemplateTrackError(
                .io, "cannot create zip: \(ZipArchive.describe(libzipCode: code))", at: [.file(path)])
        }
        self.handle = handle
        self.path = path
    }

    /// Starts a new zip in memory, touching no disk; `closeReturningData()` gives its bytes,
    /// the same a zip written to a file would hold.
    public init() throws {
        path = "(memory)"
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        guard let source = zip_source_buffer_create(nil, 0, 0, &error) else {
            throw TemplateTrackError(.io, "cannot create a zip in memory: \(String(cString: zip_error_strerror(&error)))", at: [])
        }
        guard let handle = zip_open_from_source(source, ZIP_TRUNCATE, &error) else {
            zip_source_free(source)
            throw TemplateTrackError(.io, "cannot create a zip in memory: \(String(cString: zip_error_strerror(&error)))", at: [])
        }
        zip_source_keep(source)
        self.handle = handle
        self.memory = source
    }

    deinit {
        if let handle { zip_discard(handle) }
        if let memory { zip_source_free(memory) }
    }

    /// Finishes a zip started in memory and returns its bytes.
    public func closeReturningData() throws -> Data {
        guard let memory else { throw TemplateTrackError(.io, "not a zip in memory", at: [.file(path)]) }
        try close()
        defer {
            zip_source_free(memory)
            self.memory = nil
        }
        var info = zip_stat_t()
        zip_stat_init(&info)
        guard zip_source_stat(memory, &info) == 0, info.valid & UInt64(ZIP_STAT_SIZE) != 0, zip_source_open(memory) == 0 else {
            throw TemplateTrackError(.io, "cannot read the zip back from memory", at: [])
        }
        defer { zip_source_close(memory) }
        var data = Data(count: Int(info.size))
        let read = data.withUnsafeMutableBytes { zip_source_read(memory, $0.baseAddress, info.size) }
        guard read == Int64(info.size) else { throw TemplateTrackError(.io, "cannot read the zip back from memory", at: []) }
        return data
    }

    /// Adds a file holding `bytes`, deflated, with Unix mode `mode` and time `modified`.
    public func addFile(
        _ name: String, bytes: some Collection<UInt8>, modified: Date, mode: UInt32 = 0o644
    ) throws {
        let za = try open()
        // libzip keeps the buffer until close and frees it with free().
        let copy = malloc(max(bytes.count, 1))!
        copy.initializeMemory(as: UInt8.self, from: Array(bytes), count: bytes.count)
        guard let source = zip_source_buffer(za, copy, zip_uint64_t(bytes.count), 1) else {
            free(copy)
            throw failure("cannot buffer entry", name)
        }
        try add(name, source: source, modified: modified, unixMode: 0o100000 | mode)
    }

    /// Adds a file whose bytes libzip streams from `sourcePath` when the zip is closed.
    public func addFile(_ name: String, contentsOf sourcePath: String, modified: Date, mode: UInt32 = 0o644)
        throws
    {
        let za = try open()
        guard let source = zip_source_file(za, sourcePath, 0, -1) else {
            throw failure("cannot read \(sourcePath)", name)
        }
        try add(name, source: source, modified: modified, unixMode: 0o100000 | mode)
    }

    /// Adds a symbolic link entry (Unix attributes), as `zip -y` stores one.
    public func addSymlink(_ name: String, target: String, modified: Date) throws {
        let za = try open()
        let bytes = Array(target.utf8)
        let copy = malloc(max(bytes.count, 1))!
        copy.initializeMemory(as: UInt8.self, from: bytes, count: bytes.count)
        guard let source = zip_source_buffer(za, copy, zip_uint64_t(bytes.count), 1) else {
            free(copy)
            throw failure("cannot buffer entry", name)
        }
        try add(name, source: source, modified: modified, unixMode: 0o120777)
    }

    /// Adds a folder entry; `name` should end in `/`.
    public func addDirectory(_ name: String, modified: Date) throws {
        let za = try open()
        let index = zip_dir_add(za, name, zip_flags_t(ZIP_FL_ENC_UTF_8))
        guard index >= 0 else { throw failure("cannot add folder", name) }
        try setAttributes(index, name: name, modified: modified, unixMode: 0o040755)
    }

    /// Writes the archive (to its file, or to memory).
    public func close() throws {
        let za = try open()
        guard zip_close(za) == 0 else {
            throw TemplateTrackError(.io, "cannot write zip: \(String(cString: zip_strerror(za)))", at: [.file(path)])
        }
        handle = nil
    }

    private func open() throws -> OpaquePointer {
        guard let handle else { throw TemplateTrackError(.io, "zip already closed", at: [.file(path)]) }
        return handle
    }

    private func add(_ name: String, source: OpaquePointer, modified: Date, unixMode: UInt32) throws {
        let za = try open()
        let index = zip_file_add(za, name, source, zip_flags_t(ZIP_FL_ENC_UTF_8))
        guard index >= 0 else {
            zip_source_free(source)
            throw failure("cannot add entry", name)
        }
        guard zip_set_file_compression(za, zip_uint64_t(index), ZIP_CM_DEFLATE, 6) == 0 else {
            throw failure("cannot set compression", name)
        }
        try setAttributes(index, name: name, modified: modified, unixMode: unixMode)
    }

    private func setAttributes(_ index: Int64, name: String, modified: Date, unixMode: UInt32) throws {
        let za = try open()
        guard
            zip_file_set_mtime(za, zip_uint64_t(index), time_t(modified.timeIntervalSince1970), 0) == 0,
            zip_file_set_external_attributes(
                za, zip_uint64_t(index), 0, zip_uint8_t(ZIP_OPSYS_UNIX), unixMode << 16) == 0
        else { throw failure("cannot set attributes", name) }
    }

    private func failure(_ message: String, _ name: String) -> TemplateTrackError {
        let reason = handle.map { String(cString: zip_strerror($0)) } ?? "closed"
        return TemplateTrackError(.io, "\(message): \(reason)", at: [.file(path), .entry(name)])
    }
}
