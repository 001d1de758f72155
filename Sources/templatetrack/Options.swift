import ArgumentParser
import Foundation
import TemplateTrack

/// `--db`, shared by every command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The history database (default: $TEMPLATETRACK_DB, else ~/.local/share/templatetrack/history.sqlite).")
    var path: String?

    /// The history; only commands that record (`create`) may create it.
    func open(create: Bool = false) throws -> HistoryDatabase {
        try HistoryDatabase(path: path ?? HistoryDatabase.defaultPath(), create: create)
    }
}

/// Where ImmPort is and how to sign in.
struct ServerOptions: ParsableArguments {
    @Option(help: "Base URL of ImmPort's Data Upload API.")
    var server = Endpoints.production.server.absoluteString

    @Option(
        name: .customLong("auth-url"),
        help: "ImmPort's authentication URL (default: ImmPort's, or <server>/auth/token for a loopback --server).")
    var authURL: String?

    @Option(help: "ImmPort username; the password comes from --password-stdin or $IMMPORT_PASSWORD.")
    var username: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    func endpoints() throws -> Endpoints {
        guard let server = URL(string: server), server.host != nil else {
            throw ValidationError("--server '\(self.server)' is not a URL")
        }
        guard let authURL else { return Endpoints(server: server) }
        guard let auth = URL(string: authURL), auth.host != nil else {
            throw ValidationError("--auth-url '\(authURL)' is not a URL")
        }
        return Endpoints(server: server, auth: auth)
    }

    func credentials() throws -> Credentials {
        try Credentials.resolve(
            username: username, passwordFromStandardInput: passwordStdin,
            environment: ProcessInfo.processInfo.environment,
            readPassword: { readLine(strippingNewline: true) })
    }
}

/// Progress lines for people, on standard error.
func progress(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}

/// Pretty, key-sorted JSON on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// `--workspace ID` and `--snapshot REF`, for commands that read one snapshot.
struct SnapshotOptions: ParsableArguments {
    @Option(help: "The workspace.")
    var workspace: Int

    @Option(help: "Snapshot: a number, latest, latest~N, or a date/time (default: latest).")
    var snapshot = "latest"

    func resolve(in history: HistoryDatabase) throws -> Snapshot {
        try history.resolve(try SnapshotReference(parsing: snapshot), workspace: workspace)
    }
}
