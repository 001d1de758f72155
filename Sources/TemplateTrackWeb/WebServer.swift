public import Foundation
import Hummingbird
import Logging
import TemplateTrack
import TemplateTrackBase
public import TemplateTrackHistory
import TemplateTrackExtractor

/// The history's pages, live and read-only, over HTTP (Hummingbird 2): the report's pages at
/// the same paths, plus a diff of any two snapshots, full-text search, any file of any
/// snapshot, a snapshot as a zip, and a JSON API in the command line's JSON shapes.
///
/// Nothing it answers comes from outside the database: there are no file routes, and paths in
/// queries are looked up among a snapshot's stored paths, byte for byte.
public enum WebServer {
    /// How to serve.
    public struct Configuration: Sendable {
        /// Where to listen.
        public var listen: ListenAddress
        /// Required by every request when set (and required to listen beyond loopback).
        public var token: AccessToken?
        /// What the pages show.
        public var options: SiteOptions

        /// Listens at `listen`; with `token`, every request must carry it.
        public init(listen: ListenAddress, token: AccessToken?, options: SiteOptions = SiteOptions()) {
            self.listen = listen
            self.token = token
            self.options = options
        }
    }

    /// Starts serving `store` (opened read-only); throws `invalidArgument` when the address is
    /// not loopback and there is no token, and `io` naming the address when it cannot listen.
    public static func start(store: any HistoryWriter, configuration: Configuration) async throws -> RunningWebServer {
        guard configuration.listen.isLoopback || configuration.token != nil else {
            throw TemplateTrackError(
                .invalidArgument,
                "listening on \(configuration.listen) lets other machines in: an access token is required")
        }
        let site = Site(store: store, options: configuration.options)
        let router = Router()
        router.add(middleware: Guard(token: configuration.token))
        Routes(site: site, token: configuration.token).add(to: router)

        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "templatetrack.serve")
        logger.logLevel = .critical  // no request is logged: nothing of a token or a cookie can reach a log
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "TemplateTrack"),
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
            let place = TemplateTrackError.Place.url(configuration.listen.description)
            do {
                try await task.value
            } catch {
                let inUse = "\(error)".contains("Address already in use")
                throw TemplateTrackError(
                    .io, inUse ? "the port is in use; pick another, or 0 for any free one" : "cannot listen", at: [place],
                    cause: inUse ? nil : error)
            }
            throw TemplateTrackError(.io, "the server stopped before it started", at: [place])
        }
        return RunningWebServer(listen: ListenAddress(host: configuration.listen.host, port: bound), task: task)
    }
}

/// A web view that is serving.
public struct RunningWebServer: Sendable {
    /// The address, with the port actually bound.
    public let listen: ListenAddress
    let task: Task<Void, any Error>

    /// `http://HOST:PORT/`.
    public var baseURL: URL { URL(string: "http://\(listen)/")! }

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

// MARK: - Access

/// Refuses requests without the token (when there is one) and, on loopback without a token,
/// requests whose `Host` is not a loopback name (a web page elsewhere cannot reach the view
/// through DNS rebinding). Adds the security headers to every answer.
struct Guard: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let cookie = "templatetrack_session"
    let token: AccessToken?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if let refusal = refuse(request) {
            response = refusal
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound {
                response = Pages.message(status: .notFound, "Not found", "There is no page at this address.", root: Pages.root(request))
            }
        }
        for (name, value) in Pages.securityHeaders {
            if response.headers[.init(name)!] == nil { response.headers[.init(name)!] = value }
        }
        return response
    }

    private func refuse(_ request: Request) -> Response? {
        guard let token else {
            let host = request.head.authority ?? ""
            return ListenAddress.isLoopback(Self.hostName(host))
                ? nil
                : Pages.message(status: .misdirectedRequest, "Wrong host", "This server answers only to loopback names such as 127.0.0.1.", root: "")
        }
        let path = request.uri.path
        if path == "/login" || path == "/style.css" { return nil }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", token.matches(parts[1]) { return nil }
        }
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == Self.cookie, token.matchesSession(parts[1]) {
                    return nil
                }
            }
        }
        var refusal: Response
        if path.hasPrefix("/api/") {
            refusal = Pages.json(status: .unauthorized, Data(#"{"error": "an access token is required (Authorization: Bearer TOKEN)"}"#.utf8))
        } else {
            refusal = Pages.message(
                status: .unauthorized, "Sign in", "This history is served with an access token. Enter it once; a cookie keeps you signed in.",
                root: Pages.root(request), login: true)
        }
        refusal.headers[.wwwAuthenticate] = #"Bearer realm="templatetrack""#
        return refusal
    }

    /// The host part of a `Host` header: without the port, IPv6 without brackets.
    static func hostName(_ header: String) -> String {
        if header.hasPrefix("["), let close = header.firstIndex(of: "]") {
            return String(header[header.index(after: header.startIndex)..<close])
        }
        return String(header.split(separator: ":").first ?? "")
    }
}
