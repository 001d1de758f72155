public import Foundation
import TemplateTrackBase

/// A private temporary folder for one run (downloads, spooled entries), in the system's
/// temporary folder: `templatetrack-run-<uuid>`, mode 0700, holding a lock file that the run
/// keeps locked while it lives.
///
/// A run stopped by SIGKILL cannot clean up after itself, so every new run removes the run
/// folders whose lock is no longer held. Only folders with this name and this lock file are
/// ever removed: nothing else in the temporary folder is touched.
public final class RunFolder: Sendable {
    public let path: String
    private let lock: Int32

    static let prefix = "templatetrack-run-"
    /// A folder being made: it gets its lock file under this name, then its final name, so that
    /// a folder named `templatetrack-run-…` always has its lock.
    static let newPrefix = "templatetrack-newrun-"
    static let lockName = ".templatetrack-run.lock"

    private init(path: String, lock: Int32) {
        self.path = path
        self.lock = lock
    }

    /// Makes a new run folder, after removing those of runs that are gone.
    public static func create(in parent: String = NSTemporaryDirectory()) throws -> RunFolder {
        removeAbandoned(in: parent)
        let name = UUID().uuidString
        let making = (parent as NSString).appendingPathComponent(newPrefix + name)
        let path = (parent as NSString).appendingPathComponent(prefix + name)
        guard mkdir(making, 0o700) == 0 else {
            throw TemplateTrackError.system(.io, "cannot create a temporary folder", at: [.file(making)])
        }
        let fd = open(making + "/" + lockName, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0, rename(making, path) == 0 else {
            let error = TemplateTrackError.system(.io, "cannot prepare a temporary folder", at: [.file(making)])
            if fd >= 0 { close(fd) }
            try? FileManager.default.removeItem(atPath: making)
            throw error
        }
        return RunFolder(path: path, lock: fd)
    }

    /// Removes the folder and everything in it (all of it made by this run).
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        close(lock)
    }

    /// Run folders whose lock nobody holds: their run ended without cleaning up.
    static func removeAbandoned(in parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(prefix) || name.hasPrefix(newPrefix) {
            let folder = (parent as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else { continue }
            // A folder still being made (its lock file may not be locked yet) is left alone for
            // a minute: making one takes microseconds, so after that its run is gone.
            if name.hasPrefix(newPrefix), Date().timeIntervalSince1970 - Double(info.st_mtim.tv_sec) < 60 { continue }
            let fd = open(folder + "/" + lockName, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else {
                if name.hasPrefix(newPrefix) { rmdir(folder) }  // killed before its lock file: empty
                continue
            }
            defer { close(fd) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { try? FileManager.default.removeItem(atPath: folder) }
        }
    }
}
