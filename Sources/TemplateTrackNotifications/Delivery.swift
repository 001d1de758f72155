import AsyncHTTPClient
public import Foundation
import NIOCore
public import TemplateTrackBase
import TemplateTrackFetcher

/// Where notifications go.
public struct NotificationTargets: Sendable, Equatable {
    /// A URL that receives the JSON by POST (https, or http to loopback only).
    public var webhook: URL?
    /// A command run by `/bin/sh -c` that receives the JSON on standard input.
    public var command: String?
    /// How long one attempt may take.
    public var timeout: Duration
    /// Attempts for each target, the first included; waits double between them.
    public var attempts: Int
    /// The wait before the second attempt.
    public var firstRetryDelay: Duration

    public init(
        webhook: URL? = nil, command: String? = nil, timeout: Duration = .seconds(10), attempts: Int = 3,
        firstRetryDelay: Duration = .seconds(1)
    ) {
        self.webhook = webhook
        self.command = command
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.firstRetryDelay = firstRetryDelay
    }

    public var isEmpty: Bool { webhook == nil && command == nil }
}

/// Sends a notification to the webhook and the command hook, each with a timeout and retries.
/// A failure is returned, never thrown: the snapshot it reports on is already recorded.
public enum NotificationDelivery {
    public static func deliver(_ notification: ChangeNotification, to targets: NotificationTargets) async -> [TemplateTrackError] {
        let body: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(Timestamp.display(date))
            }
            body = try encoder.encode(notification)
        } catch {
            return [TemplateTrackError(.io, "cannot write the notification", cause: error)]
        }
        var failures: [TemplateTrackError] = []
        if let webhook = targets.webhook {
            if let failure = await retrying(targets, { try await post(body, to: webhook, timeout: targets.timeout) }) {
                // A webhook's path is often its secret (Slack's are): only the host is named.
                failures.append(TemplateTrackError(failure.code, "the webhook at \(webhook.host ?? "?") failed: \(failure.message)", at: failure.places.filter {
                    if case .httpStatus = $0 { true } else { false }
                }))
            }
        }
        if let command = targets.command {
            if let failure = await retrying(targets, { try await runCommand(command, input: body, timeout: targets.timeout) }) {
                failures.append(TemplateTrackError(.io, "the notification command failed: \(failure.message)"))
            }
        }
        return failures
    }

    private static func retrying(
        _ targets: NotificationTargets, _ attempt: () async throws -> Void
    ) async -> TemplateTrackError? {
        var delay = targets.firstRetryDelay
        var last: TemplateTrackError?
        for number in 1...targets.attempts {
            do {
                try await attempt()
                return nil
            } catch let error as TemplateTrackError {
                last = error
            } catch {
                last = TemplateTrackError(.transport, "failed", cause: error)
            }
            if number < targets.attempts {
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        return last.map { TemplateTrackError($0.code, "\($0.message) (after \(targets.attempts) attempts)", at: $0.places, cause: $0.cause) }
    }

    private static func post(_ body: Data, to url: URL, timeout: Duration) async throws {
        try Endpoints.checkSecure(url)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await send(body, to: url, timeout: timeout, client: client)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func send(_ body: Data, to url: URL, timeout: Duration, client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "templatetrack/\(TemplateTrackVersion.current)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            _ = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw TemplateTrackError(.transport, "the webhook could not be reached", cause: error)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw TemplateTrackError(.http, "the webhook answered \(response.status.code)", at: [.httpStatus(Int(response.status.code))])
        }
    }

    private static func runCommand(_ command: String, input: Data, timeout: Duration) async throws {
        try await runBlocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let stdin = Pipe()
            process.standardInput = stdin
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.standardError
            do {
                try process.run()
            } catch {
                throw TemplateTrackError(.io, "cannot start it", cause: error)
            }
            let done = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in done.signal() }
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
            if done.wait(timeout: .now() + .seconds(Int(timeout.components.seconds))) == .timedOut {
                process.terminate()
                done.wait()
                throw TemplateTrackError(.io, "it ran longer than \(timeout.components.seconds) s and was stopped")
            }
            guard process.terminationStatus == 0 else {
                throw TemplateTrackError(.io, "it exited with status \(process.terminationStatus)")
            }
        }
    }
}
