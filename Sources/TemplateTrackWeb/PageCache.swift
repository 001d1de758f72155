import Synchronization
import TemplateTrackHistory

/// Rendered pages of the web view, kept until the history changes. The history's fingerprint
/// is what `workspaces()` says of each workspace (its name, how many snapshots, the latest
/// fetch), read on every request: a sync, an import or a forget changes it.
final class PageCache: Sendable {
    private struct State {
        var fingerprint: [WorkspaceRecord] = []
        var pages: [String: String] = [:]
    }

    private let state = Mutex(State())
    /// Pages kept at most; past it the cache starts again.
    private let capacity: Int

    init(capacity: Int = 512) { self.capacity = capacity }

    /// The page at `key`, rendered by `render` unless already rendered for this state of `store`.
    func page(_ key: String, store: any HistoryReader, render: () throws -> String?) throws -> String? {
        let fingerprint = try store.workspaces()
        let cached = state.withLock { state -> String? in
            if state.fingerprint != fingerprint {
                state.fingerprint = fingerprint
                state.pages = [:]
            }
            return state.pages[key]
        }
        if let cached { return cached }
        guard let rendered = try render() else { return nil }
        state.withLock { state in
            guard state.fingerprint == fingerprint else { return }
            if state.pages.count >= capacity { state.pages = [:] }
            state.pages[key] = rendered
        }
        return rendered
    }
}
