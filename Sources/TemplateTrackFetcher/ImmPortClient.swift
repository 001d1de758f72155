import AsyncHTTPClient
import CSystemCalls
import Crypto
public import Foundation
import NIOCore
public import TemplateTrackBase

#if canImport(Glibc)
    import Glibc
#endif

/// A zip downloaded to disk, hashed as it streamed in.
public struct DownloadedZip: Sendable {
    /// The workspace whose templates these are.
    public var workspace: Int
    /// Where the complete zip now is.
    public var path: String
    /// SHA-256 of the zip, lowercase hex.
    public var sha256: String
    /// Bytes in the zip.
    public var size: Int64
    /// The URL it came from, readable and without secrets.
    public var url: String
    /// When the last byte arrived.
    public var completedAt: Date
}

/// How long and how large the fetcher lets things get, and how it retries.
///
/// Answers worth another attempt: 429 (after its `Retry-After`), 502, 503 and 504, a refused or
/// reset connection, and a body cut short. Each attempt has a fresh token. 401, 403, 404, other
/// statuses, timeouts and a 200 that is not a zip fail at once.
public struct FetchOptions: Sendable {
    /// Largest zip accepted; a larger `Content-Length` is refused before any byte is written,
    /// and a body without one is stopped when it passes this size.
    public var maxDownloadSize: Int64
    /// How long to wait for a connection.
    public var connectTimeout: Duration
    /// How long a response may go silent (before its head, or between two pieces of its body).
    public var idleTimeout: Duration
    /// How long one request may take in all, retries and the waits between them included.
    public var deadline: Duration
    /// Attempts per request, the first included, for answers worth retrying.
    public var maxAttempts: Int
    /// The wait before the second attempt; it doubles for each later one, with random jitter
    /// (each wait is between half and all of its doubled value).
    public var retryBaseDelay: Duration
    /// The longest wait between two attempts, a server's `Retry-After` included.
    public var maxRetryDelay: Duration

    /// Options with ImmPort-friendly defaults: 1 GiB, 30 s to connect, 60 s of silence, a
    /// 30-minute deadline, 4 attempts, waits of 1 s, 2 s, 4 s... up to 60 s.
    public init(
        maxDownloadSize: Int64 = 1 << 30, connectTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60),
        deadline: Duration = .seconds(30 * 60), maxAttempts: Int = 4, retryBaseDelay: Duration = .seconds(1),
        maxRetryDelay: Duration = .seconds(60)
    ) {
        self.maxDownloadSize = maxDownloadSize
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.deadline = deadline
        self.maxAttempts = maxAttempts
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
    }
}

/// How far a download has come.
public struct DownloadProgress: Sendable {
    /// The workspace being downloaded.
    public var workspace: Int
    /// Bytes received so far in this attempt (a retry starts again from 0).
    public var bytes: Int64
    /// The size the server announced, if it did.
    public var expected: Int64?
}

/// The fetcher: talks to ImmPort's API (or the simulator) over verified TLS.
///
/// Redirects are not followed (one could carry the bearer token to another host). Failures
/// are `TemplateTrackError`s with one-line messages in plain words; the library error behind
/// one is kept in its `cause`. Call `shutdown()` when done.
public final class ImmPortClient: Sendable {
    /// Where requests go.
    public let endpoints: Endpoints
    /// Limits, timeouts and retries.
    public let options: FetchOptions
    private let client: HTTPClient
    private let tokens: TokenSource
    private let clock: any FetchClock

    /// A client for `endpoints`; refuses plain http to anything but loopback. `clock` is the
    /// time the client reads (token ages and expiry, `Retry-After` dates) and how it waits
    /// between attempts; tests pass one that takes no real time.
    public init(
        endpoints: Endpoints, credentials: Credentials, options: FetchOptions = FetchOptions(),
        clock: any FetchClock = SystemFetchClock()
    ) throws {
        try Endpoints.checkSecure(endpoints.server)
        try Endpoints.checkSecure(endpoints.auth)
        self.options = options
        self.clock = clock
        var configuration = HTTPClient.Configuration()
        // A redirect could carry the bearer token to another host.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(
            connect: Self.timeAmount(options.connectTimeout), read: Self.timeAmount(options.idleTimeout))
        // A refused connection fails the attempt at once; this client's own retries decide what next.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.endpoints = endpoints
        tokens = TokenSource(
            credentials: credentials, authURL: endpoints.auth, client: client, clock: clock,
            describe: { PlainWords.describe($0, options: options) })
    }

    /// Closes the connections; the client cannot be used afterwards.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// The workspaces the account can see (`GET /workspaces`).
    public func workspaces() async throws -> [Workspace] {
        let url = endpoints.server.appending(path: "workspaces")
        let places: [TemplateTrackError.Place] = [.url(Endpoints.redacted(url))]
        return try await withRetries(places: places) { [self] attempt in
            let response = try await start(url: url, accept: "application/json", places: places, renewToken: attempt > 1)
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: 16 << 20)
            } catch is NIOTooManyBytesError {
                throw TemplateTrackError(.limitExceeded, "the workspace list is larger than 16 MiB; refused", at: places)
            } catch {
                throw bodyFailure(error, what: "the workspace list", bytes: nil, places: places)
            }
            struct Listing: Decodable { var workspaces: [Workspace] }
            do {
                return try JSONDecoder().decode(Listing.self, from: Data(body.readableBytesView)).workspaces
            } catch {
                throw TemplateTrackError(
                    .http, "the workspace list is not the JSON ImmPort documents", at: places + [.httpStatus(200)],
                    cause: error)
            }
        }
    }

    /// Downloads a workspace's template zip into `directory`, streaming it to a temporary
    /// file while hashing, then renaming it to `ImmportTemplates.<id>.zip`.
    ///
    /// Transient failures are retried (see `FetchOptions`); between attempts and after a
    /// failure nothing of the download is left in `directory`.
    public func downloadTemplates(
        workspace: Int, api: TemplateAPI = .upload, into directory: URL,
        progress: @Sendable (DownloadProgress) -> Void = { _ in }
    ) async throws -> DownloadedZip {
        let url = endpoints.server.appending(path: api.documentationPath(workspace: workspace))
        let places: [TemplateTrackError.Place] = [.workspace(workspace), .url(Endpoints.redacted(url))]
        let final = directory.appending(path: "ImmportTemplates.\(workspace).zip").path
        return try await withoutActuallyEscaping(progress) { progress in
            try await withRetries(places: places) { [self] attempt in
                try await downloadOnce(
                    workspace: workspace, url: url, final: final, places: places, renewToken: attempt > 1,
                    progress: progress)
            }
        }
    }

    // MARK: - One attempt

    private func downloadOnce(
        workspace: Int, url: URL, final: String, places: [TemplateTrackError.Place], renewToken: Bool,
        progress: @Sendable (DownloadProgress) -> Void
    ) async throws -> DownloadedZip {
        let response = try await start(url: url, accept: "application/zip", places: places, renewToken: renewToken)
        let expected = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        if let expected, expected > options.maxDownloadSize {
            throw TemplateTrackError(
                .limitExceeded,
                "the zip is \(ByteCount.format(expected)); at most \(ByteCount.format(options.maxDownloadSize)) is accepted",
                at: places)
        }
        let partial = final + ".part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw TemplateTrackError.system(.io, "cannot create the download", at: [.file(final)])
        }
        var closed = false
        var kept = false
        defer {
            if !closed { close(fd) }
            if !kept { unlink(partial) }
        }
        // The announced size is reserved on disk first: a disk too full fails now, not after
        // most of the download, and the writes then skip the file system's block-by-block
        // reservation. Where the file system cannot (EOPNOTSUPP), the writes reserve as usual.
        if let expected, expected > 0, templatetrack_reserve(fd, expected) != 0 {
            let reason = SystemError()
            if reason.code == ENOSPC || reason.code == EDQUOT {
                throw TemplateTrackError(
                    .io, "no room on disk for the \(ByteCount.format(expected)) the server announced", at: places + [.file(final)],
                    cause: reason)
            }
        }
        let sink = DownloadSink(fd: fd, final: final)
        defer { sink.drain() }  // runs first: nothing writes once the file is closed
        var size: Int64 = 0
        var head: [UInt8] = []
        let notZip = { (size: Int64) in
            let type = response.headers.first(name: "Content-Type").map { TokenSource.oneLine($0) } ?? "no Content-Type"
            return TemplateTrackError(
                .http, "the server answered 200 but the body (\(type)) is not a zip", at: places + [.httpStatus(200)])
        }
        do {
            for try await buffer in response.body {
                if head.count < 4 {
                    buffer.withUnsafeReadableBytes { bytes in head += bytes.prefix(4 - head.count) }
                }
                try await sink.append(buffer)
                size += Int64(buffer.readableBytes)
                // "PK\3\4" starts a zip with entries, "PK\5\6" an empty one: a login page
                // answered with 200 is refused at its first bytes.
                if head.count == 4, !Self.isZipStart(head) { throw notZip(size) }
                if size > options.maxDownloadSize {
                    throw TemplateTrackError(
                        .limitExceeded,
                        "the download passed \(ByteCount.format(options.maxDownloadSize)), the most accepted; stopped",
                        at: places)
                }
                progress(DownloadProgress(workspace: workspace, bytes: size, expected: expected))
            }
        } catch let error as TemplateTrackError {
            throw error
        } catch {
            throw bodyFailure(error, what: "the download", bytes: (size, expected), places: places)
        }
        if let expected, size < expected {
            throw TransientFailure(
                error: TemplateTrackError(
                    .transport,
                    "the download was cut short: \(size) of the \(expected) bytes announced arrived", at: places))
        }
        guard head.count == 4, Self.isZipStart(head) else { throw notZip(size) }
        let sha256 = try await sink.finish()
        // No fsync: the download is a temporary file, recorded into the history (which makes
        // what it records durable) and removed; after a crash it is never used again.
        closed = true
        guard close(fd) == 0 else { throw TemplateTrackError.system(.io, "cannot save the download", at: [.file(final)]) }
        guard rename(partial, final) == 0 else {
            throw TemplateTrackError.system(.io, "cannot move the download into place", at: [.file(final)])
        }
        kept = true
        return DownloadedZip(
            workspace: workspace, path: final, sha256: sha256, size: size,
            url: Endpoints.redacted(url), completedAt: clock.date)
    }

    private static func isZipStart(_ head: [UInt8]) -> Bool {
        head.count == 4 && head[0] == 0x50 && head[1] == 0x4b
            && ((head[2], head[3]) == (3, 4) || (head[2], head[3]) == (5, 6))
    }

    /// Starts a GET with a bearer token and returns once the status is 200. Throws
    /// `TransientFailure` for answers worth another attempt.
    private func start(url: URL, accept: String, places: [TemplateTrackError.Place], renewToken: Bool) async throws
        -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: accept)
        let workspace = places.first { if case .workspace = $0 { true } else { false } }
        let token: String
        do {
            token = try await tokens.bearer(renew: renewToken)
        } catch let error as TemplateTrackError {
            throw workspace.map(error.at) ?? error
        } catch let failure as TransientFailure {
            throw TransientFailure(error: workspace.map(failure.error.at) ?? failure.error, retryAfter: failure.retryAfter)
        }
        // ImmPort's documentation writes the scheme in lower case; servers read it either way.
        request.headers.add(name: "Authorization", value: "bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .hours(24))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let failure = PlainWords.describe(error, options: options)
            let wrapped = TemplateTrackError(.transport, failure.words, at: places, cause: error)
            if failure.transient { throw TransientFailure(error: wrapped) }
            throw wrapped
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            let body = try? await response.body.collect(upTo: 64 << 10)
            let json = body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.readableBytesView)) } as? [String: Any]
            let detail = ((json?["error"] as? String) ?? (json?["message"] as? String)).map(TokenSource.oneLine)
            let reason: String
            let code: TemplateTrackError.Code
            switch status {
            case 401:
                (code, reason) = (.authentication, "the token was refused")
            case 403:
                (code, reason) = (.http, "forbidden: this account may not access it")
            case 404:
                (code, reason) = (.http, "not found (or not visible to this account)")
            case 429:
                (code, reason) = (.http, "too many requests")
            case 300..<400:
                let location = response.headers.first(name: "Location").map { " to \(TokenSource.oneLine($0))" } ?? ""
                (code, reason) = (.http, "redirected\(location); redirects are not followed")
            default:
                let phrase = response.status.reasonPhrase.isEmpty ? "" : " (\(response.status.reasonPhrase.lowercased()))"
                (code, reason) = (.http, "the server answered \(status)\(phrase)")
            }
            let error = TemplateTrackError(code, reason + (detail.map { ": \($0)" } ?? ""), at: places + [.httpStatus(status)])
            if Self.transientStatuses.contains(status) {
                throw TransientFailure(error: error, retryAfter: Self.retryAfter(response.headers.first(name: "Retry-After"), now: clock.date))
            }
            throw error
        }
        return response
    }

    /// A body that broke off: a reset, a close mid-answer (worth another attempt), or silence.
    private func bodyFailure(
        _ error: any Error, what: String, bytes: (received: Int64, expected: Int64?)?, places: [TemplateTrackError.Place]
    ) -> any Error {
        if Task.isCancelled || error is CancellationError { return CancellationError() }
        let failure = PlainWords.describe(error, options: options)
        var message = "\(what) broke off"
        if let bytes {
            message += bytes.expected.map { " after \(bytes.received) of \($0) bytes" } ?? " after \(bytes.received) bytes"
        }
        message += ": \(failure.words)"
        let wrapped = TemplateTrackError(.transport, message, at: places, cause: error)
        return failure.transient ? TransientFailure(error: wrapped) : wrapped
    }

    // MARK: - Retries

    /// Statuses worth another attempt: too many requests, and the gateway and availability errors.
    static let transientStatuses: Set<Int> = [429, 502, 503, 504]

    /// Runs `attempt` (given its number, from 1) until it succeeds, fails for good, runs out of
    /// attempts, or the deadline would pass; waits with jittered exponential backoff between.
    private func withRetries<T: Sendable>(
        places: [TemplateTrackError.Place], _ attempt: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        // A deadline of years is no deadline; clamped so the instant cannot overflow.
        let deadline = ContinuousClock.now + min(max(options.deadline, .zero), .seconds(366 * 86_400))
        let attempts = max(1, options.maxAttempts)
        return try await withDeadline(deadline, places: places) { [self] in
            var number = 1
            while true {
                do {
                    return try await attempt(number)
                } catch let failure as TransientFailure {
                    var error = failure.error
                    guard number < attempts else {
                        if attempts > 1 { error.message += "; gave up after \(attempts) attempts" }
                        throw error
                    }
                    let delay = self.delay(beforeAttempt: number + 1, retryAfter: failure.retryAfter)
                    guard ContinuousClock.now + delay < deadline else {
                        error.message += "; gave up after \(number) of \(attempts) attempts: "
                            + "waiting \(PlainWords.seconds(delay)) more would pass the \(PlainWords.seconds(options.deadline)) deadline"
                        throw error
                    }
                    try await clock.sleep(for: delay)
                    number += 1
                }
            }
        }
    }

    /// The wait before attempt `number` (2 or more): the server's `Retry-After` if it sent one,
    /// else `retryBaseDelay` doubled per attempt with jitter; at most `maxRetryDelay`.
    func delay(beforeAttempt number: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), options.maxRetryDelay) }
        let doubling = Double(1 << min(max(number - 2, 0), 30))
        let full = min(options.retryBaseDelay * doubling, options.maxRetryDelay)
        return full * Double.random(in: 0.5...1)
    }

    /// `Retry-After` in seconds or as an HTTP date, as a wait from `now`; nil when absent or unreadable.
    static func retryAfter(_ header: String?, now: Date) -> Duration? {
        guard let value = header?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Int(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        // RFC 9110's preferred IMF-fixdate, then the two obsolete forms it says to accept.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded(.up))))
            }
        }
        return nil
    }

    /// Runs `body`, and fails it (cancelling what it is doing) when `deadline` comes first.
    private func withDeadline<T: Sendable>(
        _ deadline: ContinuousClock.Instant, places: [TemplateTrackError.Place],
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            do {
                if let value = try await group.next()! { return value }
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw error
            }
            throw TemplateTrackError(
                .transport, "gave up: the \(PlainWords.seconds(options.deadline)) deadline passed", at: places)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = min(max(duration, .zero), .seconds(366 * 86_400)).components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
