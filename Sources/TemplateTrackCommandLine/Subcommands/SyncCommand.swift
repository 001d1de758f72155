package import ArgumentParser
import Foundation
import TemplateTrack
package import TemplateTrackBase

package struct SyncCommand: NetworkCommand {
    package static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Download every workspace's template zip from ImmPort and record it.")

    @OptionGroup package var database: DatabaseOptions
    @OptionGroup package var server: ServerOptions
    @OptionGroup package var limits: LimitOptions

    @Option(
        name: [.customShort("w"), .customLong("workspace")], help: "Only this workspace (repeatable).",
        completion: .custom(Completions.workspaces))
    package var workspaces: [Int] = []

    @Option(help: "Which documentation: upload (Data Upload API) or batch-updater (Batch Updater API).")
    package var api: TemplateAPI?

    @Option(name: .customLong("max-download-size"), help: ArgumentHelp("Largest zip to download (default 1GiB).", valueName: "size"))
    package var maxDownloadSize: String?

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Seconds a download may go silent.", valueName: "seconds"))
    package var idleTimeout: Int = 60

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Seconds to wait for a connection.", valueName: "seconds"))
    package var connectTimeout: Int = 30

    @Option(help: ArgumentHelp("Seconds one workspace's download may take in all, retries included.", valueName: "seconds"))
    package var deadline: Int = 1800

    @Option(name: .customLong("max-attempts"), help: ArgumentHelp("Attempts per request for answers worth retrying.", valueName: "n"))
    package var maxAttempts: Int = 4

    @Option(help: ArgumentHelp("Downloads at once.", valueName: "n"))
    package var concurrency: Int = 4

    @Flag(name: [.customShort("q"), .long], help: "Print nothing unless something changed or failed.")
    package var quiet = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when any workspace changed.")
    package var exitCode = false

    @Flag(name: [.customShort("v"), .long], help: "Progress lines on standard error even when it is not a terminal.")
    package var verbose = false

    @Flag(name: .customLong("no-notify"), help: "Do not run the configured notifications.")
    package var noNotify = false

    @OptionGroup package var output: JSONOption

    package func validate() throws {
        guard (1...3600).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be 1 to 3600 seconds") }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 32") }
        guard (1...600).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be 1 to 600 seconds") }
        guard (1...86_400).contains(deadline) else { throw ValidationError("--deadline must be 1 to 86400 seconds") }
        guard (1...20).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1 to 20") }
        if let bad = workspaces.first(where: { $0 < 1 }) { throw ValidationError("--workspace \(bad) is not a workspace number (1 or more)") }
    }

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
