import ArgumentParser
import Foundation
import TOMLKit
package import TemplateTrack
package import TemplateTrackBase
package import TemplateTrackExtractor
import TemplateTrackSQLite

/// Settings from the configuration file (TOML); command-line flags override them, and for
/// credentials the environment does too. Secrets are never kept in the file: it may name a file
/// that holds one (`password_file`, `api_key_file`, mode 0600).
package struct Configuration: Sendable {
    package var server: String?
    package var authURL: String?
    package var database: String?
    package var api: TemplateAPI?
    package var workspaces: [Int]?
    package var username: String?
    package var passwordFile: String?
    package var apiKeyFile: String?
    package var limits = ArchiveLimits.standard
    package var maxDownloadSize: Int64?
    package var retention = RetentionPolicy()
    package var notify = NotificationTargets()
    /// The file read, if any.
    package var source: String?

    /// The configuration of this run (set once, before any command runs).
    package nonisolated(unsafe) static var current = Configuration()

    /// `$XDG_CONFIG_HOME/templatetrack/config.toml`, else `~/.config/templatetrack/config.toml`.
    package static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (HomeFolder.path as NSString).appendingPathComponent(".config")
        return (home as NSString).appendingPathComponent("templatetrack/config.toml")
    }

    /// The file this run reads: `--config`, else `$TEMPLATETRACK_CONFIG`, else the default
    /// place; `named` says which, and is nil for the default place (where no file is fine).
    package static func chosenFile(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> (file: String, named: String?) {
        if let path { return (HomeFolder.expandingTilde(path), "--config") }
        if let path = environment["TEMPLATETRACK_CONFIG"], !path.isEmpty {
            return (HomeFolder.expandingTilde(path), "TEMPLATETRACK_CONFIG")
        }
        return (defaultPath(environment: environment), nil)
    }

    /// Reads the chosen file; a missing file at the default place is an empty configuration,
    /// one named by `--config` or `TEMPLATETRACK_CONFIG` is an error. The file may name a
    /// command to run, so one that others can write is refused, as ssh refuses its own.
    package static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        let (file, named) = chosenFile(path: path, environment: environment)
        var info = stat()
        guard stat(file, &info) == 0 else {
            guard let named else { return Configuration() }
            throw TemplateTrackError(.invalidArgument, "no configuration file here (named by \(named))", at: [.file(file)])
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw TemplateTrackError(.invalidArgument, "the configuration is not a regular file", at: [.file(file)])
        }
        if info.st_mode & 0o022 != 0 || (info.st_uid != geteuid() && info.st_uid != 0) {
            throw TemplateTrackError(
                .invalidArgument,
                "the configuration file can be changed by others (mode \(String(info.st_mode & 0o777, radix: 8)), owner \(info.st_uid)); "
                    + "it may name a command to run, so it must be yours and not group- or world-writable (chmod 600)",
                at: [.file(file)])
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw TemplateTrackError(.invalidArgument, "the configuration file cannot be read as text", at: [.file(file)])
        }
        var configuration = try parse(text, file: file)
        configuration.source = file
        return configuration
    }

    package static let topKeys: Set<String> = [
        "server", "auth_url", "api", "workspaces", "database", "username", "password_file", "api_key_file", "limits",
        "notify", "retention",
    ]
    package static let limitKeys: Set<String> = ["max_entry_size", "max_total_size", "max_entries", "max_ratio", "max_download_size"]
    package static let notifyKeys: Set<String> = ["webhook", "command", "timeout", "attempts"]
    package static let retentionKeys: Set<String> = ["keep_daily", "keep_monthly"]
    package static let secretKeys: Set<String> = ["password", "api_key", "token", "secret"]

    /// Parses TOML text; every error names the key (and the line, for syntax errors).
    package static func parse(_ text: String, file: String) throws -> Configuration {
        func fail(_ message: String) -> TemplateTrackError {
            TemplateTrackError(.invalidArgument, message, at: [.file(file)])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw fail("line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw fail("not valid TOML")
        }
        func checkKeys(_ table: TOMLTable, _ allowed: Set<String>, in section: String?) throws {
            for key in table.keys where !allowed.contains(key) {
                let place = section.map { "[\($0)] " } ?? ""
                if secretKeys.contains(key) {
                    throw fail("\(place)'\(key)': secrets never go in the configuration; name a file with password_file or api_key_file, or use the environment")
                }
                let suggestion = allowed.min { distance($0, key) < distance($1, key) }.flatMap { distance($0, key) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
                throw fail("\(place)unknown key '\(key)'\(suggestion)")
            }
        }
        func string(_ key: String, in table: TOMLTable, section: String? = nil) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let text = value.string else { throw fail("\(section.map { "[\($0)] " } ?? "")'\(key)' must be a string") }
            return text
        }
        func integer(_ key: String, in table: TOMLTable, section: String, minimum: Int) throws -> Int? {
            guard let value = table[key] else { return nil }
            guard let number = value.int, number >= minimum else { throw fail("[\(section)] '\(key)' must be a whole number of at least \(minimum)") }
            return number
        }
        func size(_ key: String, in table: TOMLTable) throws -> Int64? {
            guard let value = table[key] else { return nil }
            if let number = value.int, number > 0 { return Int64(number) }
            if let text = value.string, let parsed = ByteCount.parse(text), parsed > 0 { return parsed }
            throw fail("[limits] '\(key)' must be a size such as \"512MiB\" or a number of bytes")
        }
        try checkKeys(table, topKeys, in: nil)
        var configuration = Configuration()
        configuration.server = try string("server", in: table)
        configuration.authURL = try string("auth_url", in: table)
        for (key, value) in [("server", configuration.server), ("auth_url", configuration.authURL)] {
            guard let value else { continue }
            guard let url = URL(string: value), url.host != nil else { throw fail("'\(key)' is not a URL") }
            do { try SecureURL.check(url) } catch let error as TemplateTrackError { throw fail("'\(key)': \(error.message)") }
        }
        if let api = try string("api", in: table) {
            guard let parsed = TemplateAPI(rawValue: api) else { throw fail("'api' must be \"upload\" or \"batch-updater\"") }
            configuration.api = parsed
        }
        if let value = table["workspaces"] {
            if value.string == "all" {
                configuration.workspaces = []
            } else if let array = value.array, !array.isEmpty {
                var ids: [Int] = []
                for item in array {
                    guard let id = item.int, id > 0 else { throw fail("'workspaces' must be \"all\" or a list of workspace ids, e.g. [5001, 5002]") }
                    ids.append(id)
                }
                configuration.workspaces = ids
            } else {
                throw fail("'workspaces' must be \"all\" or a list of workspace ids, e.g. [5001, 5002]")
            }
        }
        configuration.database = try string("database", in: table)
        if configuration.database?.isEmpty == true { throw fail("'database' must not be empty") }
        configuration.username = try string("username", in: table)
        configuration.passwordFile = try string("password_file", in: table)
        configuration.apiKeyFile = try string("api_key_file", in: table)
        if let value = table["limits"] {
            guard let limits = value.table else { throw fail("'limits' must be a table: [limits]") }
            try checkKeys(limits, limitKeys, in: "limits")
            if let size = try size("max_entry_size", in: limits) { configuration.limits.maxEntrySize = size }
            if let size = try size("max_total_size", in: limits) { configuration.limits.maxTotalSize = size }
            if let count = try integer("max_entries", in: limits, section: "limits", minimum: 1) { configuration.limits.maxEntries = count }
            if let value = limits["max_ratio"] {
                guard let ratio = value.double ?? value.int.map(Double.init), ratio >= 1 else { throw fail("[limits] 'max_ratio' must be a number of at least 1") }
                configuration.limits.maxCompressionRatio = ratio
            }
            configuration.maxDownloadSize = try size("max_download_size", in: limits)
        }
        if let value = table["notify"] {
            guard let notify = value.table else { throw fail("'notify' must be a table: [notify]") }
            try checkKeys(notify, notifyKeys, in: "notify")
            if let webhook = try string("webhook", in: notify, section: "notify") {
                guard let url = URL(string: webhook), url.host != nil else { throw fail("[notify] 'webhook' is not a URL") }
                do { try SecureURL.check(url, allowingQuery: true) } catch let error as TemplateTrackError { throw fail("[notify] 'webhook': \(error.message)") }
                configuration.notify.webhook = url
            }
            configuration.notify.command = try string("command", in: notify, section: "notify")
            if let seconds = try integer("timeout", in: notify, section: "notify", minimum: 1) {
                guard seconds <= 600 else { throw fail("[notify] 'timeout' must be from 1 to 600 seconds") }
                configuration.notify.timeout = .seconds(seconds)
            }
            if let attempts = try integer("attempts", in: notify, section: "notify", minimum: 1) {
                guard attempts <= 10 else { throw fail("[notify] 'attempts' must be from 1 to 10") }
                configuration.notify.attempts = attempts
            }
        }
        if let value = table["retention"] {
            guard let retention = value.table else { throw fail("'retention' must be a table: [retention]") }
            try checkKeys(retention, retentionKeys, in: "retention")
            if let days = try integer("keep_daily", in: retention, section: "retention", minimum: 0) { configuration.retention.keepDaily = days }
            if let months = try integer("keep_monthly", in: retention, section: "retention", minimum: 0) { configuration.retention.keepMonthly = months }
        }
        return configuration
    }

    /// Edit distance, for "did you mean".
    private static func distance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }

}

/// A file holding one secret: a regular file, yours, readable by you only. Read only when
/// credentials are needed (and by `config check`).
package enum SecretFile {
    package static func read(_ path: String, key: String) throws -> String {
        let expanded = HomeFolder.expandingTilde(path)
        var info = stat()
        guard stat(expanded, &info) == 0 else {
            throw TemplateTrackError(.invalidArgument, "the \(key) named in the configuration does not exist", at: [.file(expanded)])
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw TemplateTrackError(.invalidArgument, "the \(key) is not a regular file", at: [.file(expanded)])
        }
        guard info.st_uid == geteuid() else {
            throw TemplateTrackError(.invalidArgument, "the \(key) belongs to another user (uid \(info.st_uid))", at: [.file(expanded)])
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
package enum Completions {
    /// Workspace ids recorded in the default history (or the one `--db` names).
    @Sendable static func workspaces(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        var path = SQLiteHistory.defaultPath()
        if let position = arguments.firstIndex(of: "--db"), position + 1 < arguments.count { path = arguments[position + 1] }
        guard let history = try? SQLiteHistory(path: HomeFolder.expandingTilde(path), access: .read),
            let workspaces = try? history.workspaces()
        else { return [] }
        return workspaces.map { "\($0.workspace)" }.filter { $0.hasPrefix(prefix) }
    }
}
