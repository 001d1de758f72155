/// A data-submission workspace as ImmPort's `GET /workspaces` describes it.
///
/// Field names are ImmPort's own; dates are epoch milliseconds, as ImmPort sends them.
public struct Workspace: Codable, Sendable, Hashable {
    public var workspaceId: Int
    public var name: String?
    public var type: String?
    public var category: String?
    public var dateCreated: Int64?
    public var dateLastUpdated: Int64?
    public var createdBy: String?
    public var lastUpdatedBy: String?

    public init(
        workspaceId: Int, name: String? = nil, type: String? = nil, category: String? = nil,
        dateCreated: Int64? = nil, dateLastUpdated: Int64? = nil, createdBy: String? = nil,
        lastUpdatedBy: String? = nil
    ) {
        self.workspaceId = workspaceId
        self.name = name
        self.type = type
        self.category = category
        self.dateCreated = dateCreated
        self.dateLastUpdated = dateLastUpdated
        self.createdBy = createdBy
        self.lastUpdatedBy = lastUpdatedBy
    }
}
