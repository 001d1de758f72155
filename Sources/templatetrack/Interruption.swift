import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM. Work that can stop cleanly (sync, import, watch) polls `isInterrupted`
/// or runs in a task that is cancelled, rolls back, removes partial files and exits with 130
/// (SIGINT) or 143 (SIGTERM). A second signal exits at once.
enum Interruption {
    private static let received = Atomic<Int32>(0)
    private static let handlers = Mutex<[@Sendable () -> Void]>([])
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Whether a signal has arrived.
    static var isInterrupted: Bool { received.load(ordering: .relaxed) != 0 }

    /// 130 after SIGINT, 143 after SIGTERM.
    static var exitStatus: Int32 {
        let signal = received.load(ordering: .relaxed)
        return 128 + (signal == 0 ? SIGINT : signal)
    }

    /// Takes over SIGINT and SIGTERM for work that stops cleanly.
    static func install() {
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let (exchanged, _) = received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                if !exchanged { exit(128 + number) }  // a second signal: give up at once
                for handler in handlers.withLock({ $0 }) { handler() }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Runs `handler` when the first signal arrives (after the flag is set).
    static func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
        install()
        handlers.withLock { $0.append(handler) }
    }

    /// Runs `body` in a task that a signal cancels.
    static func cancellable<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        install()
        let task = Task { try await body() }
        handlers.withLock { $0.append { task.cancel() } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
