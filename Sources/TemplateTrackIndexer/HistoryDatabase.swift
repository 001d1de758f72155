import Foundation
import GRDB
import TemplateTrackBase

/// The SQLite history of every workspace's template zips.
///
/// Opening a database applies any migrations from `migrations/` it has not seen yet, each
/// once, in order. Every import is one transaction: a failure leaves the file as it was.
public final class HistoryDatabase: Sendable {
    /// Path of the SQLite file.
    public let path: String
    let pool: DatabasePool

    /// Opens the history at `path`, creating it when `create` (commands that record), else
    /// failing with `notFound` if there is none (commands that only read).
    public init(path: String, create: Bool = true) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw TemplateTrackError(
                .notFound, "no history database here; `sync` or `import` creates it (or pass --db)", at: [.file(path)])
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Migrations.apply(to: pool)
        } catch let error as TemplateTrackError {
            throw error.at(.file(path))
        } catch {
            throw TemplateTrackError(.database, "cannot open history: \(error)", at: [.file(path)])
        }
        do {
            try recognizePendingBlobs()
        } catch let error as TemplateTrackError {
            throw error.at(.file(path))
        } catch {
            throw TemplateTrackError(.database, "cannot open history: \(error)", at: [.file(path)])
        }
    }

    /// Runs `body` in a read transaction.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try translatingErrors { try pool.read(body) }
    }

    /// Runs `body` in one write transaction: all of it is recorded, or none.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try translatingErrors { try pool.write(body) }
    }

    /// SQLite's errors become `TemplateTrackError`s naming the database file.
    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TemplateTrackError {
            throw error
        } catch {
            throw TemplateTrackError(.database, "\(error)", at: [.file(path)])
        }
    }
}

/// The schema: numbered `.sql` files from the top-level `migrations/` folder, compiled in.
enum Migrations {
    /// `(identifier, sql)` in the order they apply, e.g. `("0001_history", "CREATE ...")`.
    static let all: [(id: String, sql: String)] = EmbeddedMigrations.files
        .filter { $0.key.hasSuffix(".sql") }
        .map { (String($0.key.dropLast(4)), String(decoding: Data(base64Encoded: $0.value)!, as: UTF8.self)) }
        .sorted { $0.id < $1.id }

    static func apply(to pool: DatabasePool) throws {
        var migrator = DatabaseMigrator()
        for migration in all {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sql) }
        }
        let known = Set(all.map(\.id))
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        if let unknown = applied.subtracting(known).sorted().first {
            throw TemplateTrackError(
                .database, "written by a newer TemplateTrack (migration \(unknown) is unknown to this one)")
        }
        try migrator.migrate(pool)
    }
}

extension HistoryDatabase {
    /// `$TEMPLATETRACK_DB`, else `$XDG_DATA_HOME/templatetrack/history.sqlite`, else
    /// `~/.local/share/templatetrack/history.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["TEMPLATETRACK_DB"], !path.isEmpty { return path }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")
        return (dataHome as NSString).appendingPathComponent("templatetrack/history.sqlite")
    }
}
