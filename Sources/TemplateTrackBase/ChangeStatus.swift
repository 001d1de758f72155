/// How an item (a file, a template) differs between two snapshots.
public enum ChangeStatus: String, Sendable, Hashable, Codable {
    case added, removed, modified, renamed
}
