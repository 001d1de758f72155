package import ArgumentParser

package struct ServeCommand: NetworkCommand {
    package static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the history's pages, read-only, over HTTP (loopback only unless given an access token).",
        discussion: """
            The first line on standard output is the base URL. Beyond loopback every request needs the token: \
            as 'Authorization: Bearer TOKEN', or through the login form at /login, which sets a cookie. \
            A token is never accepted in a URL, and never printed or logged.
            """)

    @OptionGroup package var database: DatabaseOptions

    @Option(help: ArgumentHelp("Address to listen on: HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    package var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("Access token every request must carry (at least 16 characters; --token-file keeps it out of ps).", valueName: "token"))
    package var token: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp("Read the access token from this file's first line; the file must be yours and readable by you only (0600 or 0400).", valueName: "path"),
        completion: .file())
    package var tokenFile: String?

    package func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
    }

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
