import ArgumentParser
import Foundation
import TemplateTrack
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
    var apiKeyFile: String?
    var limits = ArchiveLimits.standard
    var retention = RetentionPolicy()

    /// The configuration of this run (set once, before any command runs).
    nonisolated(unsafe) static var current = Configuration()

    /// Credentials, in this order: `--username` (with `--password-stdin`, else
    /// `IMMPORT_PASSWORD`); `IMMPORT_API_KEY`; `IMMPORT_USERNAME` with `IMMPORT_PASSWORD`;
    /// then the configuration file's `username` (with `IMMPORT_PASSWORD` or `password_file`)
    /// or `api_key_file`. Passwords are never taken from the command line.
    func credentials(
        username: String?, passwordFromStandardInput: Bool, environment: [String: String], readPassword: () -> String?
    ) throws -> Credentials {
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        if let username {
            let password = passwordFromStandardInput ? readPassword() : environment["IMMPORT_PASSWORD"]
            guard let password = nonEmpty(password) else {
                throw ValidationError("--username needs a password: pipe it in with --password-stdin, or set IMMPORT_PASSWORD")
            }
            return .password(username: username, password: password)
        }
        if passwordFromStandardInput { throw ValidationError("--password-stdin goes with --username") }
        if let key = nonEmpty(environment["IMMPORT_API_KEY"]) { return .apiKey(key) }
        if let user = nonEmpty(environment["IMMPORT_USERNAME"]), let password = nonEmpty(environment["IMMPORT_PASSWORD"]) {
            return .password(username: user, password: password)
        }
        if let user = self.username {
            if let password = nonEmpty(environment["IMMPORT_PASSWORD"]) { return .password(username: user, password: password) }
            if let file = passwordFile { return .password(username: user, password: try SecretFile.read(file, key: "password_file")) }
        }
        if let file = apiKeyFile { return .apiKey(try SecretFile.read(file, key: "api_key_file")) }
        throw ValidationError(
            "no credentials: set IMMPORT_API_KEY, or IMMPORT_USERNAME and IMMPORT_PASSWORD, or use --username with --password-stdin")
    }
}

/// A file holding one secret, readable by its owner only.
enum SecretFile {
    static func read(_ path: String, key: String) throws -> String {
        let expanded = (path as NSString).expandingTildeInPath
        var info = stat()
        guard stat(expanded, &info) == 0 else {
            throw TemplateTrackError(.invalidArgument, "the \(key) named in the configuration does not exist", at: [.file(expanded)])
        }
        guard info.st_mode & 0o077 == 0 else {
            throw TemplateTrackError(
                .invalidArgument,
                "the \(key) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it", at: [.file(expanded)])
        }
        guard let text = try? String(contentsOfFile: expanded, encoding: .utf8) else {
            throw TemplateTrackError(.invalidArgument, "the \(key) cannot be read as text", at: [.file(expanded)])
        }
        let secret = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !secret.isEmpty else { throw TemplateTrackError(.invalidArgument, "the \(key) is empty", at: [.file(expanded)]) }
        return secret
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
