public import Foundation
import Hummingbird
import Logging
import Synchronization
public import TemplateTrackBase
import TemplateTrackExtractor

/// Settings of a simulated ImmPort.
public struct SimulatorConfiguration: Sendable {
    /// Which token field(s) `POST /auth/token` answers with: ImmPort now sends
    /// `access_token`; older documentation shows `token`.
    public enum TokenField: Sendable {
        case accessToken, token, both
    }

    /// A way for one workspace's download to misbehave, for testing clients.
    public enum Fault: Sendable {
        /// Answer 200 with an HTML page instead of a zip, as a login proxy might.
        case htmlInsteadOfZip
        /// Answer with this status and a JSON error body.
        case status(Int)
    }

    /// Username -> password of the accounts that may sign in.
    public var users: [String: String]
    /// API keys accepted directly as bearer tokens.
    public var apiKeys: Set<String>
    /// How long after issue a token may start a request (ImmPort: 60 s).
    public var tokenLifetime: TimeInterval
    public var tokenField: TokenField
    /// Workspace -> misbehaviour.
    public var faults: [Int: Fault]
    public var catalog: SampleCatalog

    public init(
        users: [String: String], apiKeys: Set<String> = [], tokenLifetime: TimeInterval = 60,
        tokenField: TokenField = .both, faults: [Int: Fault] = [:], catalog: SampleCatalog = .embedded
    ) {
        self.users = users
        self.apiKeys = apiKeys
        self.tokenLifetime = tokenLifetime
        self.tokenField = tokenField
        self.faults = faults
        self.catalog = catalog
    }
}

/// A local stand-in for ImmPort's authentication service and Data Upload / Batch Updater
/// APIs, serving zips built from `samples/`.
///
/// Every template set starts at its first version and moves on only when `advance()` is
/// called (or `POST /simulator/advance` is sent), never by itself.
public final class Simulator: Sendable {
    public let configuration: SimulatorConfiguration
    private let issuer: TokenIssuer
    private let versions: Mutex<[String: Int]>
    private let zips: Mutex<[String: Data]>
    private let issued = Mutex(0)

    /// How many tokens `POST /auth/token` has issued, so tests can see when clients reuse one.
    public var tokensIssued: Int { issued.withLock { $0 } }

    public init(configuration: SimulatorConfiguration) throws {
        self.configuration = configuration
        issuer = try TokenIssuer(lifetime: configuration.tokenLifetime)
        versions = Mutex(configuration.catalog.templateSets.mapValues { $0.map(\.version).min() ?? 1 })
        zips = Mutex([:])
    }

    /// Moves every template set to its next version, where it has one. Returns the new versions.
    @discardableResult
    public func advance() -> [String: Int] {
        let releases = configuration.catalog.templateSets
        return versions.withLock { current in
            for (set, version) in current {
                if let next = releases[set]?.map(\.version).filter({ $0 > version }).min() { current[set] = next }
            }
            return current
        }
    }

    /// The zip a workspace serves now, built deterministically from its template set.
    public func zip(forWorkspace id: Int) throws -> Data? {
        guard let sample = configuration.catalog.workspaces.first(where: { $0.workspace.workspaceId == id }) else {
            return nil
        }
        let version = versions.withLock { $0[sample.templateSet] } ?? 1
        let key = "\(sample.templateSet)/\(version)"
        if let cached = zips.withLock({ $0[key] }) { return cached }
        let released = configuration.catalog.templateSets[sample.templateSet]?.first { $0.version == version }
        let modified = released.flatMap { Timestamp.parse($0.released)?.start } ?? Date(timeIntervalSince1970: 1_494_806_400)
        let path = FileManager.default.temporaryDirectory.appending(path: "tt-sim-\(UUID().uuidString).zip").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ZipWriter(creating: path)
        for file in configuration.catalog.files(of: sample.templateSet, version: version) {
            try writer.addFile(file.path, bytes: file.bytes, modified: modified)
        }
        try writer.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        zips.withLock { $0[key] = data }
        return data
    }

    /// Serves on `host:port` (0 picks a free port) until the returned server is stopped.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> RunningSimulator {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "templatetrack.simulator")
        logger.logLevel = .critical
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "ImmPort-Simulator"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            let place = TemplateTrackError.Place.url("\(host):\(port)")
            do {
                try await task.value
            } catch {
                let inUse = "\(error)".contains("Address already in use")
                throw TemplateTrackError(
                    .io, inUse ? "port \(port) is in use; pick another, or 0 for any free one" : "cannot listen",
                    at: [place], cause: inUse ? nil : error)
            }
            throw TemplateTrackError(.io, "the simulator stopped before it started", at: [place])
        }
        return RunningSimulator(simulator: self, host: host, port: bound, task: task)
    }

    // MARK: - Routes

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/auth/token") { request, _ in try await self.issueToken(request) }
        router.get("/workspaces") { request, _ in try self.listWorkspaces(request) }
        router.get("/data/upload/documentation/templates/:id") { request, context in
            try self.templates(request, workspace: context.parameters.get("id"))
        }
        router.get("/data/batch/updater/documentation/templates/:id") { request, context in
            try self.templates(request, workspace: context.parameters.get("id"))
        }
        router.post("/simulator/advance") { _, _ in
            let versions = self.advance()
            return Self.json(.ok, try JSONSerialization.data(withJSONObject: ["versions": versions], options: .sortedKeys))
        }
        return router
    }

    private func issueToken(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 16)
        let fields = FormDecoding.fields(body: Data(body.readableBytesView), contentType: request.headers[.contentType])
        guard let user = fields["username"], let password = fields["password"],
            let expected = configuration.users[user], expected == password
        else { return Self.error(.unauthorized, "Bad credentials") }
        let token = try issuer.issue(user: user)
        issued.withLock { $0 += 1 }
        // Pretty-printed with " : ", as ImmPort's documentation shows and its curl example greps.
        var lines = [#"  "status" : 200"#]
        if configuration.tokenField != .accessToken { lines.append(#"  "token" : "\#(token)""#) }
        if configuration.tokenField != .token { lines.append(#"  "access_token" : "\#(token)""#) }
        return Self.json(.ok, Data(("{\n" + lines.joined(separator: ",\n") + "\n}\n").utf8))
    }

    private func listWorkspaces(_ request: Request) throws -> Response {
        if let refusal = authorize(request) { return refusal }
        let visible = configuration.catalog.workspaces.filter { $0.access == "granted" }.map(\.workspace)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Self.json(.ok, try encoder.encode(["workspaces": visible]))
    }

    private func templates(_ request: Request, workspace text: String?) throws -> Response {
        if let refusal = authorize(request) { return refusal }
        guard let text, let id = Int(text),
            let sample = configuration.catalog.workspaces.first(where: { $0.workspace.workspaceId == id })
        else { return Self.error(.notFound, "Workspace \(text ?? "") not found") }
        guard sample.access == "granted" else {
            return Self.error(.forbidden, "User is not a member of workspace \(id)")
        }
        switch configuration.faults[id] {
        case .htmlInsteadOfZip:
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>Please sign in</body></html>\n")))
        case .status(let code):
            return Self.error(.init(code: code), "Simulated failure")
        case nil:
            break
        }
        guard let zip = try zip(forWorkspace: id) else { return Self.error(.notFound, "Workspace \(id) not found") }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"ImmportTemplates.\(id).zip\"",
                .contentLength: "\(zip.count)",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: zip)))
    }

    /// Nil when the request carries a valid token or API key; otherwise the 401 to send.
    /// The token's lifetime is checked here, when the request starts.
    private func authorize(_ request: Request) -> Response? {
        guard let header = request.headers[.authorization] else {
            return Self.error(.unauthorized, "Full authentication is required to access this resource")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return Self.error(.unauthorized, "Authorization must use the bearer scheme")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        if configuration.apiKeys.contains(token) { return nil }
        switch issuer.verify(token) {
        case .valid: return nil
        case .expired: return Self.error(.unauthorized, "Access token expired")
        case .invalid: return Self.error(.unauthorized, "Invalid access token")
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ data: Data) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = try! JSONSerialization.data(
            withJSONObject: ["status": status.code, "error": message], options: .sortedKeys)
        return json(status, body)
    }
}

/// A simulator serving on a loopback port.
public struct RunningSimulator: Sendable {
    public let simulator: Simulator
    public let host: String
    public let port: Int
    let task: Task<Void, any Error>

    /// Base URL of the simulated Data Upload API.
    public var baseURL: URL { URL(string: "http://\(host):\(port)")! }
    /// The simulated authentication URL.
    public var authURL: URL { baseURL.appending(path: "auth/token") }

    /// Stops serving and waits until the port is closed.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Serves until the surrounding task is cancelled.
    public func wait() async throws {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
