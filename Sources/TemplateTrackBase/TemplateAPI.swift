/// Which of ImmPort's two template documentations a zip holds. Each (workspace, API) is its own
/// series in the history.
public enum TemplateAPI: String, Sendable, Hashable, CaseIterable, Codable {
    /// The Data Upload API: `/data/upload/documentation/templates/{id}`.
    case upload
    /// The Batch Updater API: `/data/batch/updater/documentation/templates/{id}`.
    case batchUpdater = "batch-updater"

    /// The documentation's path on the server for `workspace`.
    public func documentationPath(workspace: Int) -> String {
        switch self {
        case .upload: "/data/upload/documentation/templates/\(workspace)"
        case .batchUpdater: "/data/batch/updater/documentation/templates/\(workspace)"
        }
    }
}

/// This build's version, as `--version` prints it and JSON outputs carry it.
public enum TemplateTrackVersion {
    public static let current = "2.0.0"
}
