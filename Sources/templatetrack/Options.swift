public import ArgumentParser
import Foundation
import Synchronization
import TemplateTrack
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackFetcher
import TemplateTrackHistory
import TemplateTrackSQLite

/// `--db`, shared by every command that reads or writes the history.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The history database (default: the configuration's database, else $TEMPLATETRACK_DB, else $XDG_DATA_HOME/templatetrack/history.sqlite or ~/.local/share/templatetrack/history.sqlite).",
            valueName: "path"),
        completion: .file(extensions: ["sqlite", "db"]))
    var path: String?

    /// The database path after defaults and `~`.
    var resolvedPath: String {
        let chosen = path ?? Configuration.current.database ?? SQLiteHistory.defaultPath()
        return HomeFolder.expandingTilde(chosen)
    }

    /// The history opened for `access`; a history from an older build is brought up to date
    /// when it can be written.
    func open(_ access: SQLiteHistory.Access = .read) throws -> SQLiteHistory {
        if path?.isEmpty == true { throw ValidationError("--db must not be empty") }
        let store = try SQLiteHistory(path: resolvedPath, access: access)
        OpenHistories.register(store)
        try Maintenance.catchUp(store)
        return store
    }
}

/// Where ImmPort is and how to sign in.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Base URL of ImmPort's API (default: the Data Upload API's).", valueName: "url"))
    var server: String?

    @Option(
        name: .customLong("auth-url"),
        help: ArgumentHelp(
            "ImmPort's authentication URL (default: ImmPort's, or <server>/auth/token for a loopback --server).",
            valueName: "url"))
    var authURL: String?

    @Option(help: ArgumentHelp("ImmPort username; the password comes from --password-stdin or $IMMPORT_PASSWORD.", valueName: "name"))
    var username: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    func endpoints() throws -> Endpoints {
        let configuration = Configuration.current
        let serverText = server ?? configuration.server ?? Endpoints.production.server.absoluteString
        guard let server = URL(string: serverText), server.host != nil else {
            throw ValidationError("--server '\(DisplayName.escaped(serverText))' is not a URL")
        }
        do { try Endpoints.checkSecure(server) } catch let error as TemplateTrackError { throw ValidationError("--server: \(error.message)") }
        guard let authText = authURL ?? configuration.authURL else { return Endpoints(server: server) }
        guard let auth = URL(string: authText), auth.host != nil else {
            throw ValidationError("--auth-url '\(DisplayName.escaped(authText))' is not a URL")
        }
        do { try Endpoints.checkSecure(auth) } catch let error as TemplateTrackError { throw ValidationError("--auth-url: \(error.message)") }
        return Endpoints(server: server, auth: auth)
    }

    func credentials() throws -> Credentials {
        try Configuration.current.credentials(
            username: username, passwordFromStandardInput: passwordStdin,
            environment: ProcessInfo.processInfo.environment, readPassword: { readLine(strippingNewline: true) })
    }
}

/// `--workspace` (`-w`) and `--snapshot` (`-s`), for commands that read one snapshot.
struct SnapshotOptions: ParsableArguments {
    @Option(name: [.customShort("w"), .long], help: "The workspace.", completion: .custom(Completions.workspaces))
    var workspace: Int

    @Option(name: [.customShort("s"), .long], help: "Snapshot: a number, latest, latest~N, or a date/time.")
    var snapshot = "latest"

    @Option(name: .customLong("api"), help: "Which documentation series: upload or batch-updater (default: the configuration's api, else upload).")
    var apiChoice: TemplateAPI?

    /// `--api`, else the configuration's `api`, else upload.
    var api: TemplateAPI { apiChoice ?? Configuration.current.api ?? .upload }

    var series: Series { Series(workspace: workspace, api: api) }

    func resolve(in history: some HistoryReader) throws -> Snapshot {
        try history.resolve(try SnapshotReference(parsing: snapshot), in: series)
    }
}

extension TemplateAPI: ExpressibleByArgument {}

/// `--json` (`-j`).
struct JSONOption: ParsableArguments {
    @Flag(name: [.customShort("j"), .long], help: "Print JSON (stable snake_case keys).")
    var json = false
}

/// Sizes an archive or download may reach.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-entry-size"), help: ArgumentHelp("Largest file in a zip (default 512MiB).", valueName: "size"))
    var maxEntrySize: String?

    @Option(name: .customLong("max-total-size"), help: ArgumentHelp("Largest unpacked zip (default 2GiB).", valueName: "size"))
    var maxTotalSize: String?

    @Option(name: .customLong("max-entries"), help: ArgumentHelp("Most entries in a zip (default 65536).", valueName: "n"))
    var maxEntries: Int?

    @Option(
        name: .customLong("max-ratio"),
        help: ArgumentHelp("Highest compression ratio of a file over 1 MiB (default 200).", valueName: "n"))
    var maxRatio: Double?

    func limits() throws -> ArchiveLimits {
        var limits = Configuration.current.limits
        if let maxEntrySize { limits.maxEntrySize = try size(maxEntrySize, "--max-entry-size") }
        if let maxTotalSize { limits.maxTotalSize = try size(maxTotalSize, "--max-total-size") }
        if let maxEntries {
            guard maxEntries > 0 else { throw ValidationError("--max-entries must be positive") }
            limits.maxEntries = maxEntries
        }
        if let maxRatio {
            guard maxRatio >= 1 else { throw ValidationError("--max-ratio must be at least 1") }
            limits.maxCompressionRatio = maxRatio
        }
        return limits
    }
}

/// Reads a size such as `512MiB`, or fails as a usage error naming the option.
func size(_ text: String, _ option: String) throws -> Int64 {
    guard let value = ByteCount.parse(text), value > 0 else {
        throw ValidationError("\(option) '\(text)' is not a size (e.g. 512MiB, 2GiB, 1000000)")
    }
    return value
}

/// Reads a date or time for an option, refusing impossible ones as a usage error.
func time(_ text: String, _ option: String, allowFuture: Bool = true) throws -> Timestamp.Parsed {
    guard let parsed = Timestamp.parse(text) else {
        throw ValidationError("\(option) '\(text)' is not a date (YYYY-MM-DD) or ISO 8601 time that exists")
    }
    if !allowFuture, parsed.start > Date().addingTimeInterval(60) {
        throw ValidationError("\(option) '\(text)' is in the future")
    }
    return parsed
}

/// Progress and notes for people, on standard error.
func note(_ line: String) {
    FileHandle.standardError.write(Data("\(TerminalText.safe(line, keepColour: false))\n".utf8))
}

/// The histories a command opened, closed before the process exits: a writer's last close
/// checkpoints its write-ahead log into the file and removes it.
enum OpenHistories {
    private static let opened = Mutex<[SQLiteHistory]>([])

    static func register(_ history: SQLiteHistory) { opened.withLock { $0.append(history) } }

    static func closeAll() {
        for history in opened.withLock({ list in defer { list.removeAll() }; return list }) { history.close() }
    }
}
