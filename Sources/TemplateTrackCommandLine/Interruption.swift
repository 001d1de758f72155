import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM. Work that can stop cleanly (sync, import, watch) polls `isInterrupted`
/// or runs in a task that is cancelled, rolls back, removes partial files and exits with 130
/// (SIGINT) or 143 (SIGTERM). A second signal exits at once.
package enum Interruption {
    private static let received = Atomic<Int32>(0)
    /// By a number, so that a finished task's handler can be removed (`watch` runs many).
    private static let handlers = Mutex<(next: Int, byID: [Int: @Sendable () -> Void])>((0, [:]))
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Whether a signal has arrived.
    package static var isInterrupted: Bool { received.load(ordering: .relaxed) != 0 }

    /// 130 after SIGINT, 143 after SIGTERM.
    package static var exitStatus: Int32 {
        let signal = received.load(ordering: .relaxed)
        return 128 + (signal == 0 ? SIGINT : signal)
    }

    /// Takes over SIGINT and SIGTERM for work that stops cleanly.
    package static func install() {
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let (exchanged, _) = received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                if !exchanged { exit(128 + number) }  // a second signal: give up at once
                for handler in handlers.withLock({ $0.byID.sorted { $0.key < $1.key }.map(\.value) }) { handler() }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Runs `handler` when the first signal arrives (after the flag is set).
    package static func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
        install()
        _ = add(handler)
    }

    private static func add(_ handler: @escaping @Sendable () -> Void) -> Int {
        handlers.withLock { state in
            defer { state.next += 1 }
            state.byID[state.next] = handler
            return state.next
        }
    }

    /// Runs `body` in a task that a signal cancels.
    package static func cancellable<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        install()
        let task = Task { try await body() }
        let id = add { task.cancel() }
        defer { _ = handlers.withLock { $0.byID.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
