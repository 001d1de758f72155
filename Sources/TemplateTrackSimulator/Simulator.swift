public import Foundation
import Hummingbird
import Logging
import Synchronization
public import TemplateTrackBase
import TemplateTrackExtractor

/// A local stand-in for ImmPort's authentication service and Data Upload / Batch Updater
/// APIs, serving zips built from `samples/`, zips from disk, and synthetic workspaces.
///
/// Every template set starts at its first version and moves on only when `advance()` is
/// called (or `POST /simulator/advance` is sent), never by itself. Faults configured per
/// workspace make downloads misbehave the ways real servers and networks do.
public final class Simulator: Sendable {
    /// The settings it was started with.
    public let configuration: SimulatorConfiguration
    private let issuer: TokenIssuer
    private let versions: Mutex<[String: Int]>
    private let zips: Mutex<[String: Data]>
    private let issued = Mutex(0)
    /// Requests that reached a download (or the list), by workspace (nil: the list).
    private let requests = Mutex<[Int?: Int]>([:])
    /// Requests each counted fault has spoiled so far, by workspace (nil: the list).
    private let spoiled = Mutex<[Int?: Int]>([:])
    /// Synthetic workspaces' template sets, in turn.
    private let syntheticSets: [String]

    /// How many tokens `POST /auth/token` has issued, so tests can see when clients reuse one.
    public var tokensIssued: Int { issued.withLock { $0 } }

    /// How many authorized requests reached `workspace`'s download (nil: `GET /workspaces`),
    /// faulty answers included.
    public func requestCount(workspace: Int?) -> Int { requests.withLock { $0[workspace] ?? 0 } }

    /// Checks the served zip files and prepares the catalog; the server starts with `start`.
    public init(configuration: SimulatorConfiguration) throws {
        self.configuration = configuration
        issuer = try TokenIssuer(lifetime: configuration.tokenLifetime, now: configuration.now)
        versions = Mutex(configuration.catalog.templateSets.mapValues { $0.map(\.version).min() ?? 1 })
        zips = Mutex([:])
        syntheticSets = configuration.catalog.templateSets.keys.sorted()
        guard configuration.syntheticWorkspaces >= 0, configuration.syntheticWorkspaces <= 1_000_000 else {
            throw TemplateTrackError(.invalidArgument, "synthetic workspaces must number 0 to 1000000")
        }
        if configuration.syntheticWorkspaces > 0, syntheticSets.isEmpty {
            throw TemplateTrackError(.invalidArgument, "synthetic workspaces need a catalog with a template set")
        }
        for (id, path) in configuration.servedZips.sorted(by: { $0.key < $1.key }) {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw TemplateTrackError.system(.notFound, "cannot serve it as workspace \(id)", at: [.file(path)])
            }
            guard (info.st_mode & S_IFMT) == S_IFREG, access(path, R_OK) == 0 else {
                throw TemplateTrackError(.invalidArgument, "not a readable file; cannot serve it as workspace \(id)", at: [.file(path)])
            }
        }
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

    /// Every workspace served, visible or not, with its access (`granted` or `denied`).
    public var allWorkspaces: [(workspace: Workspace, access: String)] {
        var all = configuration.catalog.workspaces.map {
            ($0.workspace, configuration.servedZips[$0.workspace.workspaceId] == nil ? $0.access : "granted")
        }
        var known = Set(all.map(\.0.workspaceId))
        for (id, path) in configuration.servedZips.sorted(by: { $0.key < $1.key }) where known.insert(id).inserted {
            let name = URL(fileURLWithPath: path).lastPathComponent
            all.append((Self.madeUp(id, name: "Served \(name)"), "granted"))
        }
        let first = SimulatorConfiguration.firstSyntheticWorkspace
        for id in first..<(first + configuration.syntheticWorkspaces) where known.insert(id).inserted {
            all.append((Self.madeUp(id, name: "Synthetic workspace \(id)"), "granted"))
        }
        return all
    }

    /// `granted`, `denied`, or nil for a workspace not served.
    private func permission(forWorkspace id: Int) -> String? {
        if let sample = configuration.catalog.workspaces.first(where: { $0.workspace.workspaceId == id }) {
            return configuration.servedZips[id] == nil ? sample.access : "granted"
        }
        return configuration.servedZips[id] != nil || templateSet(ofWorkspace: id) != nil ? "granted" : nil
    }

    private static func madeUp(_ id: Int, name: String) -> Workspace {
        Workspace(
            workspaceId: id, name: name, type: "PW", category: "LSR", dateCreated: 1_494_806_400_000,
            dateLastUpdated: 1_494_806_400_000, createdBy: "simulator", lastUpdatedBy: "SYSTEM")
    }

    /// What a workspace serves: bytes in memory, or a file streamed from disk.
    enum Source: Sendable {
        case bytes(Data)
        case file(path: String, size: Int)

        var size: Int {
            switch self {
            case .bytes(let data): data.count
            case .file(_, let size): size
            }
        }
    }

    /// The template set a catalog or synthetic workspace serves.
    private func templateSet(ofWorkspace id: Int) -> String? {
        if let sample = configuration.catalog.workspaces.first(where: { $0.workspace.workspaceId == id }) {
            return sample.templateSet
        }
        let first = SimulatorConfiguration.firstSyntheticWorkspace
        if id >= first, id < first + configuration.syntheticWorkspaces {
            return syntheticSets[(id - first) % syntheticSets.count]
        }
        return nil
    }

    func source(forWorkspace id: Int) throws -> Source? {
        if let path = configuration.servedZips[id] {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw TemplateTrackError.system(.io, "cannot serve workspace \(id)", at: [.file(path)])
            }
            return .file(path: path, size: Int(info.st_size))
        }
        guard let set = templateSet(ofWorkspace: id) else { return nil }
        return .bytes(try zip(ofSet: set))
    }

    /// The zip a workspace serves now, built deterministically from its template set (or, for
    /// a served file, read whole from disk).
    public func zip(forWorkspace id: Int) throws -> Data? {
        switch try source(forWorkspace: id) {
        case .bytes(let data): return data
        case .file(let path, _): return try Data(contentsOf: URL(fileURLWithPath: path))
        case nil: return nil
        }
    }

    private func zip(ofSet set: String) throws -> Data {
        let version = versions.withLock { $0[set] } ?? 1
        let key = "\(set)/\(version)"
        if let cached = zips.withLock({ $0[key] }) { return cached }
        let released = configuration.catalog.templateSets[set]?.first { $0.version == version }
        let modified = released.flatMap { Timestamp.parse($0.released)?.start } ?? Date(timeIntervalSince1970: 1_494_806_400)
        // In memory: a request never depends on the disk.
        let writer = try ZipWriter()
        for file in configuration.catalog.files(of: set, version: version) {
            try writer.addFile(file.path, bytes: file.bytes, modified: modified)
        }
        let data = try writer.closeReturningData()
        zips.withLock { $0[key] = data }
        return data
    }

    /// Serves on `host:port` (0 picks a free port) until the returned server is stopped.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> RunningSimulator {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(host: host, port: port) { port in
            continuation.yield(port)
            continuation.finish()
        }
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

    /// The Hummingbird application, for `start` and for in-process tests (`app.test(.router)`).
    func application(
        host: String = "127.0.0.1", port: Int = 0, onRunning: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var logger = Logger(label: "templatetrack.simulator")
        logger.logLevel = .critical
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "ImmPort-Simulator"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    // MARK: - Routes

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/auth/token") { request, _ in try await self.issueToken(request) }
        router.get("/workspaces") { request, _ in Self.answering { try self.listWorkspaces(request) } }
        router.get("/data/upload/documentation/templates/:id") { request, context in
            Self.answering { try self.templates(request, workspace: context.parameters.get("id")) }
        }
        router.get("/data/batch/updater/documentation/templates/:id") { request, context in
            Self.answering { try self.templates(request, workspace: context.parameters.get("id")) }
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
        requests.withLock { $0[nil, default: 0] += 1 }
        let visible = allWorkspaces.filter { $0.access == "granted" }.map(\.workspace)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(["workspaces": visible])
        if let fault = takeFault(configuration.listingFault, key: nil) {
            return faulty(fault, source: .bytes(body), contentType: "application/json", path: "/workspaces")
        }
        return Self.json(.ok, body)
    }

    private func templates(_ request: Request, workspace text: String?) throws -> Response {
        if let refusal = authorize(request) { return refusal }
        guard let text, let id = Int(text), let access = permission(forWorkspace: id) else {
            return Self.error(.notFound, "Workspace \(text ?? "") not found")
        }
        guard access == "granted" else {
            return Self.error(.forbidden, "User is not a member of workspace \(id)")
        }
        requests.withLock { $0[id, default: 0] += 1 }
        guard let source = try source(forWorkspace: id) else { return Self.error(.notFound, "Workspace \(id) not found") }
        if let fault = takeFault(configuration.faults[id], key: id) {
            return faulty(fault, source: source, contentType: "application/zip", path: request.uri.path)
        }
        return Self.response(
            source, prefix: source.size, contentLength: source.size, contentType: "application/zip",
            extraHeaders: [.contentDisposition: "attachment; filename=\"ImmportTemplates.\(id).zip\""], ending: .finish)
    }

    /// The fault's kind if it still applies to this request (and counts it), else nil.
    private func takeFault(_ fault: SimulatorConfiguration.Fault?, key: Int?) -> SimulatorConfiguration.Fault.Kind? {
        guard let fault else { return nil }
        guard let times = fault.times else { return fault.kind }
        return spoiled.withLock { counts in
            let used = counts[key] ?? 0
            guard used < times else { return nil }
            counts[key] = used + 1
            return fault.kind
        }
    }

    // MARK: - Faults

    /// The simulated break: thrown from a body writer, it makes Hummingbird close the connection.
    struct SimulatedBreak: Error {}

    /// How a body ends.
    enum Ending {
        /// Normally.
        case finish
        /// The connection closes.
        case close
        /// Silence, then the connection closes when the simulator stops or after 10 minutes.
        case silence
    }

    private func faulty(
        _ kind: SimulatorConfiguration.Fault.Kind, source: Source, contentType: String, path: String
    ) -> Response {
        let half = source.size / 2
        switch kind {
        case .status(let code):
            var response = Self.error(.init(code: code), "Simulated failure")
            if code == 429 {
                response.headers[.retryAfter] =
                    switch configuration.retryAfterStyle {
                    case .seconds: "\(configuration.retryAfter)"
                    case .httpDate: Self.httpDate(configuration.now().addingTimeInterval(Double(configuration.retryAfter)))
                    }
            }
            if (300..<400).contains(code) { response.headers[.location] = path }
            return response
        case .htmlInsteadOfZip:
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>Please sign in</body></html>\n")))
        case .truncate:
            return Self.response(source, prefix: half, contentLength: source.size, contentType: contentType, ending: .close)
        case .reset:
            return Self.response(source, prefix: half, contentLength: nil, contentType: contentType, ending: .close)
        case .stall:
            return Self.response(source, prefix: half, contentLength: nil, contentType: contentType, ending: .silence)
        case .big:
            let announced = 8 << 30
            let body = ResponseBody(contentLength: announced) { writer in
                var header = ByteBuffer(bytes: [0x50, 0x4b, 0x03, 0x04])
                header.writeRepeatingByte(0, count: (64 << 10) - 4)
                try await writer.write(header)
                let zeros = ByteBuffer(repeating: 0, count: 64 << 10)
                var sent = 64 << 10
                while sent < announced {
                    try Task.checkCancellation()
                    try await writer.write(zeros)
                    sent += zeros.readableBytes
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: contentType], body: body)
        }
    }

    /// A 200 answer sending the first `prefix` bytes of `source`, then ending as `ending` says.
    private static func response(
        _ source: Source, prefix: Int, contentLength: Int?, contentType: String, extraHeaders: HTTPFields = [:],
        ending: Ending
    ) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extraHeaders)
        if let contentLength { headers[.contentLength] = "\(contentLength)" }
        if case .bytes(let data) = source, ending == .finish, prefix == data.count {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let body = ResponseBody(contentLength: contentLength) { writer in
            switch source {
            case .bytes(let data):
                if prefix > 0 { try await writer.write(ByteBuffer(bytes: data.prefix(prefix))) }
            case .file(let path, _):
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw SimulatedBreak() }
                defer { close(fd) }
                var remaining = prefix
                while remaining > 0 {
                    // Read straight into the buffer that is sent: one copy, large chunks.
                    let want = min(remaining, 1 << 20)
                    var buffer = ByteBufferAllocator().buffer(capacity: want)
                    let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { space in
                        var got = -1
                        repeat { got = read(fd, space.baseAddress, want) } while got < 0 && errno == EINTR
                        return max(got, 0)
                    }
                    guard count > 0 else { throw SimulatedBreak() }  // the file shrank: close rather than send too little
                    try await writer.write(buffer)
                    remaining -= count
                }
            }
            switch ending {
            case .finish:
                try await writer.finish(nil)
            case .close:
                throw SimulatedBreak()
            case .silence:
                // Cancelled when the simulator stops; Task.sleep then throws and the connection closes.
                try await Task.sleep(for: .seconds(600))
                throw SimulatedBreak()
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// An IMF-fixdate, as HTTP writes dates: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
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

    /// A failure of the simulator itself (not a simulated one) is a 500 that says what failed,
    /// in the answer and on standard error: a bare 500 would pass for a simulated fault.
    private static func answering(_ body: () throws -> Response) -> Response {
        do { return try body() } catch {
            FileHandle.standardError.write(Data("templatetrack simulator: \(error)\n".utf8))
            return Self.error(.internalServerError, "The simulator failed: \(error)")
        }
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = try! JSONSerialization.data(
            withJSONObject: ["status": status.code, "error": message], options: .sortedKeys)
        return json(status, body)
    }
}

/// A simulator serving on a loopback port.
public struct RunningSimulator: Sendable {
    /// The simulator being served.
    public let simulator: Simulator
    /// The address it listens on, such as `127.0.0.1`.
    public let host: String
    /// The port it listens on (the one picked, when asked for 0).
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
