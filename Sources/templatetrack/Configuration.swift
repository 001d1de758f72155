import Foundation
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackFetcher
import TemplateTrackSQLite

/// Settings from the configuration file; command-line flags override them.
struct Configuration: Sendable {
    var server: String?
    var authURL: String?
    var database: String?
    var api: TemplateAPI?
    var workspaces: [Int]?
    var username: String?
    var passwordFile: String?
    var limits = ArchiveLimits.standard

    /// The configuration of this run (set once, before any command runs).
    nonisolated(unsafe) static var current = Configuration()

    /// Credentials the documented way; the configuration's username and password file come
    /// after the command line and before the environment's username.
    func credentials(
        username: String?, passwordFromStandardInput: Bool, environment: [String: String], readPassword: () -> String?
    ) throws -> Credentials {
        try Credentials.resolve(
            username: username, passwordFromStandardInput: passwordFromStandardInput, environment: environment,
            readPassword: readPassword)
    }
}

/// Completions that look into the history.
enum Completions {
    /// Workspace ids recorded in the default history (or the one `--db` names).
    @Sendable static func workspaces(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        var path = SQLiteHistory.defaultPath()
        if let position = arguments.firstIndex(of: "--db"), position + 1 < arguments.count { path = arguments[position + 1] }
        guard let history = try? SQLiteHistory(path: (path as NSString).expandingTildeInPath, access: .read),
            let workspaces = try? history.workspaces()
        else { return [] }
        return workspaces.map { "\($0.workspace)" }.filter { $0.hasPrefix(prefix) }
    }
}
