public import ArgumentParser
import Foundation
import Synchronization
import TemplateTrack
package import TemplateTrackBase
package import TemplateTrackExtractor
package import TemplateTrackHistory
package import TemplateTrackSQLite

/// `--db`, shared by every command that reads or writes the history.
package struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The history database (default: the configuration's database, else $TEMPLATETRACK_DB, else $XDG_DATA_HOME/templatetrack/history.sqlite or ~/.local/share/templatetrack/history.sqlite).",
            valueName: "path"),
        completion: .file(extensions: ["sqlite", "db"]))
    package var path: String?

    /// The database path after defaults and `~`.
    package var resolvedPath: String {
        let chosen = path ?? Configuration.current.database ?? SQLiteHistory.defaultPath()
        return HomeFolder.expandingTilde(chosen)
    }

    /// The history opened for `access`; a history from an older build is brought up to date
    /// when it can be written.
    package func open(_ access: SQLiteHistory.Access = .read) throws -> SQLiteHistory {
        if path?.isEmpty == true { throw ValidationError("--db must not be empty") }
        let store = try SQLiteHistory(path: resolvedPath, access: access)
        OpenHistories.register(store)
        try Maintenance.catchUp(store)
        return store
    }
    package init() {}
}

/// Where ImmPort is and how to sign in.
package struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Base URL of ImmPort's API (default: the Data Upload API's).", valueName: "url"))
    package var server: String?

    @Option(
        name: .customLong("auth-url"),
        help: ArgumentHelp(
            "ImmPort's authentication URL (default: ImmPort's, or <server>/auth/token for a loopback --server).",
            valueName: "url"))
    package var authURL: String?

    @Option(help: ArgumentHelp("ImmPort username; the password comes from --password-stdin or $IMMPORT_PASSWORD.", valueName: "name"))
    package var username: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
    package var passwordStdin = false
    package init() {}
}

/// `--workspace` (`-w`) and `--api`: one workspace's documentation series.
package struct SeriesOptions: ParsableArguments {
    @Option(name: [.customShort("w"), .long], help: "The workspace.", completion: .custom(Completions.workspaces))
    package var workspace: Int

    @Option(name: .customLong("api"), help: "Which documentation series: upload or batch-updater (default: the configuration's api, else upload).")
    package var apiChoice: TemplateAPI?

    /// `--api`, else the configuration's `api`, else upload.
    package var api: TemplateAPI { apiChoice ?? Configuration.current.api ?? .upload }

    package var series: Series { Series(workspace: workspace, api: api) }
    package init() {}
}

/// `--workspace` (`-w`), `--api` and `--snapshot` (`-s`), for commands that read one snapshot.
package struct SnapshotOptions: ParsableArguments {
    @OptionGroup package var seriesOptions: SeriesOptions

    @Option(name: [.customShort("s"), .long], help: "Snapshot: a number, latest, latest~N, or a date/time.")
    package var snapshot = "latest"

    package var workspace: Int { seriesOptions.workspace }
    package var api: TemplateAPI { seriesOptions.api }
    package var series: Series { seriesOptions.series }

    package func resolve(in history: some HistoryReader) throws -> Snapshot {
        try history.resolve(try SnapshotReference(parsing: snapshot), in: series)
    }
    package init() {}
}

extension TemplateAPI: ExpressibleByArgument {}

/// `--json` (`-j`).
package struct JSONOption: ParsableArguments {
    @Flag(name: [.customShort("j"), .long], help: "Print JSON (stable snake_case keys).")
    package var json = false
    package init() {}
}

/// Sizes an archive or download may reach.
package struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-entry-size"), help: ArgumentHelp("Largest file in a zip (default 512MiB).", valueName: "size"))
    package var maxEntrySize: String?

    @Option(name: .customLong("max-total-size"), help: ArgumentHelp("Largest unpacked zip (default 2GiB).", valueName: "size"))
    package var maxTotalSize: String?

    @Option(name: .customLong("max-entries"), help: ArgumentHelp("Most entries in a zip (default 65536).", valueName: "n"))
    package var maxEntries: Int?

    @Option(
        name: .customLong("max-ratio"),
        help: ArgumentHelp("Highest compression ratio of a file over 1 MiB (default 200).", valueName: "n"))
    package var maxRatio: Double?

    package func limits() throws -> ArchiveLimits {
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
    package init() {}
}

/// Reads a size such as `512MiB`, or fails as a usage error naming the option.
package func size(_ text: String, _ option: String) throws -> Int64 {
    guard let value = ByteCount.parse(text), value > 0 else {
        throw ValidationError("\(option) '\(text)' is not a size (e.g. 512MiB, 2GiB, 1000000)")
    }
    return value
}

/// Reads a date or time for an option, refusing impossible ones as a usage error.
package func time(_ text: String, _ option: String, allowFuture: Bool = true) throws -> Timestamp.Parsed {
    guard let parsed = Timestamp.parse(text) else {
        throw ValidationError("\(option) '\(text)' is not a date (YYYY-MM-DD) or ISO 8601 time that exists")
    }
    if !allowFuture, parsed.start > Date().addingTimeInterval(60) {
        throw ValidationError("\(option) '\(text)' is in the future")
    }
    return parsed
}

/// Progress and notes for people, on standard error.
package func note(_ line: String) {
    FileHandle.standardError.write(Data("\(TerminalText.safe(line, keepColour: false))\n".utf8))
}

/// The histories a command opened, closed before the process exits: a writer's last close
/// checkpoints its write-ahead log into the file and removes it.
package enum OpenHistories {
    private static let opened = Mutex<[SQLiteHistory]>([])

    package static func register(_ history: SQLiteHistory) { opened.withLock { $0.append(history) } }

    package static func closeAll() {
        for history in opened.withLock({ list in defer { list.removeAll() }; return list }) { history.close() }
    }
}
