import Foundation

/// Runs blocking work (libzip, SQLite) on its own thread and awaits it, so that Swift's small
/// cooperative pool stays free for the tasks that talk to the network.
public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
