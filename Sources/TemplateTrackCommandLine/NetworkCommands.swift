package import ArgumentParser
import Foundation
import TemplateTrackBase

/// A command that needs the network stack (SwiftNIO, AsyncHTTPClient, Hummingbird): sync,
/// watch, workspaces, serve, report, simulator and demo. Defined here, so that `templatetrack`
/// parses, documents and completes it like any other; run by `templatetrack-network`.
package protocol NetworkCommand: AsyncParsableCommand {}

/// Where network commands run. `templatetrack` links none of the network stack, which takes
/// a sixth off the start-up of every query (a binary of half the size: fewer relocations and
/// page faults, and a third fewer protocol-conformance records for the runtime to scan on its
/// first lookups); for a network command it replaces itself with
/// `templatetrack-network`, which sets `perform` and parses the same arguments again. The
/// process, its standard streams, signals and exit status stay the same.
package enum NetworkCommands {
    /// How templatetrack-network runs a network command; nil in `templatetrack`.
    nonisolated(unsafe) package static var perform: (@Sendable (any NetworkCommand) async throws -> Void)?

    /// The helper's name, installed in `../libexec/templatetrack/` or beside `templatetrack`.
    package static let helperName = "templatetrack-network"

    package static func run(_ command: some NetworkCommand) async throws {
        if let perform { return try await perform(command) }
        try handOver()
    }

    /// Replaces this process with templatetrack-network, given the same arguments.
    private static func handOver() throws -> Never {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            executable.deletingLastPathComponent().appending(path: "libexec/templatetrack/\(helperName)").path,
            executable.appending(path: helperName).path,
        ]
        guard let helper = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw TemplateTrackError(
                .notFound, "\(helperName), which runs this command, is not installed (looked for "
                    + candidates.joined(separator: " and ") + ")")
        }
        let arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { (text: String) in strdup(text) } + [nil]
        // This runs on a worker thread: the helper must not inherit its blocked signals.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        execv(helper, arguments)
        throw TemplateTrackError.system(.io, "cannot start \(helperName)", at: [.file(helper)])
    }
}
