public import Foundation

/// The time the fetcher reads, and its way of waiting between attempts.
///
/// `SystemFetchClock` is the real one. Tests pass their own, so that a token's age, its
/// expiry and the backoff between attempts take no real time.
public protocol FetchClock: Sendable {
    /// Monotonic time since an arbitrary start: how old a cached token is.
    var uptime: Duration { get }
    /// Wall-clock time: compared with a token's `exp` and with a `Retry-After` date.
    var date: Date { get }
    /// Waits `duration` before the next attempt; throws `CancellationError` when cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's clocks: `ContinuousClock` for ages and waits, `Date()` for the wall clock.
public struct SystemFetchClock: FetchClock {
    private let start = ContinuousClock.now

    /// A clock that starts counting `uptime` now.
    public init() {}

    /// Time since this clock was made, on `ContinuousClock`.
    public var uptime: Duration { ContinuousClock.now - start }

    /// `Date()`.
    public var date: Date { Date() }

    /// `Task.sleep(for:)`.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
