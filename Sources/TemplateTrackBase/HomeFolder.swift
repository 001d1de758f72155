import Foundation

/// The user's home folder: `$HOME` when it is set to an absolute path (as shells and cron set
/// it), else the one in the user database. Foundation on Linux reads only the latter.
public enum HomeFolder {
    public static var path: String {
        if let home = ProcessInfo.processInfo.environment["HOME"], home.hasPrefix("/") { return home }
        return NSHomeDirectory()
    }

    /// `path` with a leading `~` or `~/` replaced by the home folder (`~user` is left to Foundation).
    public static func expandingTilde(_ path: String) -> String {
        if path == "~" { return self.path }
        if path.hasPrefix("~/") { return (self.path as NSString).appendingPathComponent(String(path.dropFirst(2))) }
        return (path as NSString).expandingTildeInPath
    }
}
