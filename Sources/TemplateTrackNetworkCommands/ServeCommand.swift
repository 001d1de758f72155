import ArgumentParser
import Foundation
import TemplateTrackBase
import TemplateTrackSQLite
import TemplateTrackWeb
import TemplateTrackCommandLine

extension ServeCommand {
    func runHere() async throws {
        let address = try ListenAddress(parsing: listen)
        var access: AccessToken?
        if let tokenFile { access = try AccessToken.read(file: HomeFolder.expandingTilde(tokenFile)) }
        if let token { access = try AccessToken(token) }
        guard address.isLoopback || access != nil else {
            throw ValidationError("listening on \(address) lets other machines in: give --token-file PATH (or --token) as well")
        }
        // Files recorded since the last search are indexed, as `search` does, where the file can be
        // written: at once, in the background (a large backlog takes seconds and must not delay the
        // pages), then every 15 s while serving (snapshots a sync records meanwhile). The pages are
        // served from a read-only connection.
        let path = database.resolvedPath
        @Sendable func indexNewFiles() {
            guard let writable = try? SQLiteHistory(path: path, access: .write) else { return }
            _ = try? writable.catchUpSearchIndex()
            writable.close()
        }
        let history = try database.open(.readConcurrently)
        // On a queue of its own: indexing a large backlog takes seconds, which must not hold one
        // of the few threads that answer requests.
        let indexer = DispatchQueue(label: "templatetrack.serve.index")
        let indexing = Task.detached {
            while !Task.isCancelled {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    indexer.async {
                        indexNewFiles()
                        done.resume()
                    }
                }
                try? await Task.sleep(for: .seconds(15))
            }
        }
        defer { indexing.cancel() }
        let options = SiteOptions(databaseName: (database.resolvedPath as NSString).lastPathComponent)
        let server = try await WebServer.start(store: history, configuration: .init(listen: address, token: access, options: options))
        FileHandle.standardOutput.write(Data("\(server.baseURL.absoluteString)\n".utf8))
        note("Serving \(database.resolvedPath) read-only on \(server.baseURL.absoluteString)\(access == nil ? "" : " (an access token is required)")")
        note("Stop with Ctrl-C.")
        await waitForStopSignal()
        await server.stop()
    }
}
