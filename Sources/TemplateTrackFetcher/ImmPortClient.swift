import AsyncHTTPClient
import Crypto
public import Foundation
import NIOCore
public import TemplateTrackBase

#if canImport(Glibc)
    import Glibc
#endif

/// A zip downloaded to disk, hashed as it streamed in.
public struct DownloadedZip: Sendable {
    public var workspace: Int
    /// Where the complete zip now is.
    public var path: String
    public var sha256: String
    public var size: Int64
    /// The URL it came from.
    public var url: String
    /// When the last byte arrived.
    public var completedAt: Date
}

/// How long and how large the fetcher lets things get.
public struct FetchOptions: Sendable {
    /// Largest zip accepted; a larger `Content-Length` is refused before any byte is written.
    public var maxDownloadSize: Int64
    /// How long to wait for a connection.
    public var connectTimeout: Duration
    /// How long a response may go silent.
    public var idleTimeout: Duration
    /// How long one download may take in all, retries included.
    public var deadline: Duration
    /// Attempts per request, the first included, for answers worth retrying.
    public var maxAttempts: Int

    public init(
        maxDownloadSize: Int64 = 1 << 30, connectTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60),
        deadline: Duration = .seconds(30 * 60), maxAttempts: Int = 4
    ) {
        self.maxDownloadSize = maxDownloadSize
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.deadline = deadline
        self.maxAttempts = maxAttempts
    }
}

/// How far a download has come.
public struct DownloadProgress: Sendable {
    public var workspace: Int
    public var bytes: Int64
    /// The size the server announced, if it did.
    public var expected: Int64?
}

/// The fetcher: talks to ImmPort's API (or the simulator) over verified TLS.
///
/// Call `shutdown()` when done.
public final class ImmPortClient: Sendable {
    public let endpoints: Endpoints
    private let client: HTTPClient
    private let tokens: TokenSource

    public let options: FetchOptions

    public init(endpoints: Endpoints, credentials: Credentials, options: FetchOptions = FetchOptions()) throws {
        try Endpoints.checkSecure(endpoints.server)
        try Endpoints.checkSecure(endpoints.auth)
        self.options = options
        var configuration = HTTPClient.Configuration()
        // A redirect could carry the bearer token to another host.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(
            connect: .nanoseconds(Int64(options.connectTimeout.components.seconds) * 1_000_000_000),
            read: .nanoseconds(Int64(options.idleTimeout.components.seconds) * 1_000_000_000))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.endpoints = endpoints
        tokens = TokenSource(credentials: credentials, authURL: endpoints.auth, client: client)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// The workspaces the account can see (`GET /workspaces`).
    public func workspaces() async throws -> [Workspace] {
        let url = endpoints.server.appending(path: "workspaces").absoluteString
        let response = try await start(url: url, accept: "application/json", place: nil)
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw TemplateTrackError(.transport, "reading the workspace list failed: \(error)", at: [.url(url)])
        }
        struct Listing: Decodable { var workspaces: [Workspace] }
        do {
            return try JSONDecoder().decode(Listing.self, from: Data(body.readableBytesView)).workspaces
        } catch {
            throw TemplateTrackError(
                .http, "the workspace list is not the JSON ImmPort documents: \(error)", at: [.url(url)])
        }
    }

    /// Downloads a workspace's template zip into `directory`, streaming it to a temporary
    /// file while hashing, then renaming it to `ImmportTemplates.<id>.zip`.
    public func downloadTemplates(
        workspace: Int, api: TemplateAPI = .upload, into directory: URL,
        progress: @Sendable (DownloadProgress) -> Void = { _ in }
    ) async throws -> DownloadedZip {
        let url = endpoints.server.appending(path: api.documentationPath(workspace: workspace)).absoluteString
        let places: [TemplateTrackError.Place] = [.workspace(workspace)]
        let response = try await start(url: url, accept: "application/zip", place: .workspace(workspace))
        let expected = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        if let expected, expected > options.maxDownloadSize {
            throw TemplateTrackError(
                .limitExceeded,
                "the zip is \(ByteCount.format(expected)); at most \(ByteCount.format(options.maxDownloadSize)) is accepted",
                at: places)
        }
        let final = directory.appending(path: "ImmportTemplates.\(workspace).zip").path
        let partial = final + ".part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw TemplateTrackError(.io, "cannot create: \(String(cString: strerror(errno)))", at: places + [.file(partial)])
        }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(partial)
        }
        var hasher = SHA256()
        var size: Int64 = 0
        var head: [UInt8] = []
        do {
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { bytes in
                    if head.count < 4 { head += bytes.prefix(4 - head.count) }
                    hasher.update(bufferPointer: bytes)
                    try Self.writeAll(fd, bytes, path: partial)
                }
                size += Int64(buffer.readableBytes)
                if size > options.maxDownloadSize {
                    throw TemplateTrackError(
                        .limitExceeded,
                        "the download passed \(ByteCount.format(options.maxDownloadSize)), the most accepted; stopped",
                        at: places)
                }
                progress(DownloadProgress(workspace: workspace, bytes: size, expected: expected))
            }
        } catch let error as TemplateTrackError {
            throw error.at(.workspace(workspace))
        } catch {
            throw TemplateTrackError(.transport, "download broke off after \(size) bytes: \(error)", at: places)
        }
        // "PK\3\4" starts a zip with entries, "PK\5\6" an empty one.
        guard head.count == 4, head[0] == 0x50, head[1] == 0x4b, (head[2], head[3]) == (3, 4) || (head[2], head[3]) == (5, 6)
        else {
            let type = response.headers.first(name: "Content-Type") ?? "no Content-Type"
            throw TemplateTrackError(
                .http, "the server answered 200 but the body (\(size) bytes, \(type)) is not a zip",
                at: places + [.httpStatus(200)])
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            throw TemplateTrackError(.io, "cannot save the download", at: places + [.file(partial)])
        }
        closed = true
        guard rename(partial, final) == 0 else {
            throw TemplateTrackError(.io, "cannot rename the download into place", at: places + [.file(final)])
        }
        return DownloadedZip(
            workspace: workspace, path: final, sha256: hasher.finalize().hex, size: size, url: url, completedAt: Date())
    }

    /// Starts a GET with a fresh bearer token and returns once the status is 200.
    private func start(url: String, accept: String, place: TemplateTrackError.Place?) async throws
        -> HTTPClientResponse
    {
        let places = [place, .url(url)].compactMap { $0 }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: accept)
        let token: String
        do {
            token = try await tokens.bearer()
        } catch let error as TemplateTrackError {
            throw place.map(error.at) ?? error
        }
        request.headers.add(name: "Authorization", value: "bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .hours(2))
        } catch {
            throw TemplateTrackError(.transport, "request failed: \(error)", at: places)
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            let body = try? await response.body.collect(upTo: 64 << 10)
            let json = body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.readableBytesView)) } as? [String: Any]
            let detail = (json?["error"] as? String) ?? (json?["message"] as? String)
            let reason: String
            let code: TemplateTrackError.Code
            switch status {
            case 401:
                (code, reason) = (.authentication, "the token was refused")
            case 403:
                (code, reason) = (.http, "forbidden: this account may not access it")
            case 404:
                (code, reason) = (.http, "not found (or not visible to this account)")
            default:
                (code, reason) = (.http, "unexpected answer \(response.status)")
            }
            throw TemplateTrackError(
                code, reason + (detail.map { ": \($0)" } ?? ""), at: places + [.httpStatus(status)])
        }
        return response
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw TemplateTrackError(.io, "write failed: \(String(cString: strerror(errno)))", at: [.file(path)])
            }
            offset += written
        }
    }
}
