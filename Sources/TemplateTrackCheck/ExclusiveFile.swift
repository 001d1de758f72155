import Foundation
import TemplateTrackBase

/// Writes a new file that appears whole or not at all, and never replaces an existing one:
/// bytes go to a temporary file in the same folder, are flushed to disk, and the file is
/// then hard-linked to its name (`link` fails if the name exists, with no window for a race)
/// and the temporary name removed.
final class ExclusiveFile {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var finished = false

    /// Starts writing `path` with permission bits `mode` (mkstemp's 0600 would hide the
    /// file from others who could read the input); refuses at once if something is already there.
    init(creating path: String, mode: mode_t = 0o644) throws {
        self.path = path
        if Self.exists(path) {
            throw TemplateTrackError(.conflict, "refusing to overwrite an existing file", at: [.file(path)])
        }
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array(((folder.isEmpty ? "." : folder) + "/." + name + ".partial-XXXXXX").utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw TemplateTrackError.system(.io, "cannot create a file beside it", at: [.file(path)])
        }
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        fchmod(descriptor, mode & 0o777)
    }

    deinit {
        if !finished {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw TemplateTrackError.system(.io, "cannot write", at: [.file(path)])
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs, and gives the file its name; throws if the name was taken meanwhile.
    func commit() throws {
        try flush()
        guard fsync(descriptor) == 0 else {
            throw TemplateTrackError.system(.io, "cannot flush to disk", at: [.file(path)])
        }
        close(descriptor)
        finished = true
        defer { unlink(temporaryPath) }
        if link(temporaryPath, path) != 0 {
            let code = errno
            if code == EEXIST {
                throw TemplateTrackError(.conflict, "refusing to overwrite an existing file", at: [.file(path)])
            }
            // File systems without hard links: check, then rename (a narrow race, the best they allow).
            guard code == EPERM || code == EOPNOTSUPP, !Self.exists(path), rename(temporaryPath, path) == 0 else {
                throw TemplateTrackError(
                    Self.exists(path) ? .conflict : .io,
                    Self.exists(path) ? "refusing to overwrite an existing file" : "cannot create: \(ChunkedFile.reason(code))",
                    at: [.file(path)])
            }
        }
        let folder = (path as NSString).deletingLastPathComponent
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
