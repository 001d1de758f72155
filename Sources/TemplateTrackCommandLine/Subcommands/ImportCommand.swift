import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record a template zip already on disk (or - for standard input) as a snapshot of a workspace.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var limits: LimitOptions

    @Argument(help: "The zip, e.g. ImmportTemplates.5001.zip; - reads it from standard input.", completion: .file(extensions: ["zip"]))
    var zip: String

    @Option(name: [.customShort("w"), .long], help: "The workspace the zip belongs to.")
    var workspace: Int

    @Option(name: .customLong("api"), help: "Which documentation the zip holds: upload or batch-updater (default: the configuration's api, else upload).")
    var apiChoice: TemplateAPI?

    /// `--api`, else the configuration's `api`, else upload.
    var api: TemplateAPI { apiChoice ?? Configuration.current.api ?? .upload }

    @Option(name: .customLong("fetched-at"), help: "When it was downloaded, ISO 8601 (default: now).")
    var fetchedAt: String?

    @Option(help: "A name for the workspace (imported workspaces have none from the server).")
    var name: String?

    @OptionGroup var output: JSONOption

    func validate() throws {
        guard workspace > 0 else { throw ValidationError("--workspace must be a workspace number (1 or more)") }
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
    }

    func run() async throws {
        let time = try fetchedAt.map { try parsedTime($0) } ?? Date()
        let options = IngestOptions(limits: try limits.limits(), isCancelled: { Interruption.isInterrupted })
        Interruption.install()
        var input: RunFolder?
        defer { input?.remove() }
        var localPath = zip
        if zip == "-" {
            let folder = try RunFolder.create()
            input = folder
            localPath = folder.path + "/standard-input.zip"
            try copyStandardInput(to: localPath)
        } else if !FileManager.default.fileExists(atPath: zip) {
            throw TemplateTrackError(.notFound, "no such file", at: [.file(zip)])
        }
        let path = localPath
        let history = try database.open(.create)
        var snapshot: Snapshot
        do {
            snapshot = try await runBlocking { [workspace, api, zip] in
                try ZipImport.run(
                    path: path, workspace: workspace, api: api, fetchedAt: time, originName: zip, into: history,
                    options: options)
            }
            if let name {
                try history.setWorkspaceName(name, workspace: workspace)
                snapshot = try history.snapshot(id: snapshot.id) ?? snapshot
            }
        } catch let error as TemplateTrackError where zip == "-" {
            history.discardIfUnused()
            // The private copy is ours, not the user's: name what they gave.
            var named = error
            named.places = error.places.map { $0 == .file(path) ? .file("standard input") : $0 }
            throw named
        } catch {
            history.discardIfUnused()
            throw error
        }
        if output.json { return try printJSON(snapshot) }
        let what =
            switch (snapshot.previous, snapshot.changed) {
            case (nil, _): "\(snapshot.fileCount) files, the series' first snapshot"
            case (let previous?, true): "\(snapshot.fileCount) files, changed since snapshot \(previous)"
            case (let previous?, false): "unchanged: same contents as snapshot \(previous)"
            }
        print("\(snapshot.series): recorded snapshot \(snapshot.id) (\(what))")
    }

    private func parsedTime(_ text: String) throws -> Date {
        try time(text, "--fetched-at", allowFuture: false).start
    }

    /// Standard input, copied to a private file (a zip is read from its end, so it needs one).
    private func copyStandardInput(to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TemplateTrackError.system(.io, "cannot create a temporary file", at: [.file(path)]) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        let limit = try limits.limits().maxTotalSize
        while true {
            // Waits in short steps, so that Ctrl-C stops a wait on a terminal or an idle pipe.
            var ready = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 200)
            if Interruption.isInterrupted { throw TemplateTrackError(.cancelled, "interrupted") }
            if polled == 0 || (polled < 0 && errno == EINTR) { continue }
            let count = read(STDIN_FILENO, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw TemplateTrackError.system(.io, "cannot read standard input", at: []) }
            if count == 0 { break }
            total += Int64(count)
            guard total <= limit else {
                throw TemplateTrackError(.limitExceeded, "standard input passed \(ByteCount.format(limit)), the most accepted")
            }
            var offset = 0
            while offset < count {
                let written = write(fd, buffer.baseAddress! + offset, count - offset)
                guard written > 0 else { throw TemplateTrackError.system(.io, "cannot write a temporary file", at: [.file(path)]) }
                offset += written
            }
        }
    }
}
