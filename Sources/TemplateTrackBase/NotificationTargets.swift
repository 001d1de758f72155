public import Foundation

/// Where notifications go.
public struct NotificationTargets: Sendable, Equatable {
    /// A URL that receives the JSON by POST (https, or http to loopback only).
    public var webhook: URL?
    /// A command run by `/bin/sh -c` that receives the JSON on standard input.
    public var command: String?
    /// How long one attempt may take.
    public var timeout: Duration
    /// Attempts for each target, the first included (1 to 10); waits double between them, up to a minute.
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
        self.attempts = min(max(1, attempts), 10)
        self.firstRetryDelay = firstRetryDelay
    }

    public var isEmpty: Bool { webhook == nil && command == nil }
}
