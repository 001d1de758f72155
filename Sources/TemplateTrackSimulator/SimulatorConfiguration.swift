public import Foundation
public import TemplateTrackBase

/// Settings of a simulated ImmPort.
public struct SimulatorConfiguration: Sendable {
    /// Which token field(s) `POST /auth/token` answers with: ImmPort now sends
    /// `access_token`; older documentation shows `token`.
    public enum TokenField: Sendable {
        /// `access_token` only, as ImmPort answers now.
        case accessToken
        /// `token` only, as older documentation shows.
        case token
        /// Both fields.
        case both
    }

    /// A way for a download to misbehave (defined in TemplateTrackBase, so that the command
    /// line can check `--fault` while parsing).
    public typealias Fault = SimulatedFault

    /// How `Retry-After` is written on a simulated 429.
    public enum RetryAfterStyle: Sendable {
        /// A number of seconds, as most servers send it.
        case seconds
        /// An HTTP date (IMF-fixdate) that many seconds from now.
        case httpDate
    }

    /// Username -> password of the accounts that may sign in.
    public var users: [String: String]
    /// API keys accepted directly as bearer tokens.
    public var apiKeys: Set<String>
    /// How long after issue a token may start a request (ImmPort: 60 s).
    public var tokenLifetime: TimeInterval
    /// Which field(s) carry the token in the answer of `POST /auth/token`.
    public var tokenField: TokenField
    /// Workspace -> misbehaviour of its template download.
    public var faults: [Int: Fault]
    /// Misbehaviour of `GET /workspaces`, if any.
    public var listingFault: Fault?
    /// Seconds a simulated 429 asks the client to wait.
    public var retryAfter: Int
    /// How a simulated 429 writes its `Retry-After`.
    public var retryAfterStyle: RetryAfterStyle
    /// Workspace -> path of a zip file served as that workspace's templates, streamed from
    /// disk (never held in memory). The workspace is added to the list if the catalog lacks it.
    public var servedZips: [Int: String]
    /// This many extra workspaces, ids from 10001, each serving the zip of one of the
    /// catalog's template sets in turn (deterministic, and advancing with them).
    public var syntheticWorkspaces: Int
    /// The workspaces and template sets served.
    public var catalog: SampleCatalog
    /// The simulator's wall clock: tokens' `exp` is set and checked with it. Tests pass their
    /// own to move tokens past their lifetime without waiting.
    public var now: @Sendable () -> Date

    /// The first id of synthetic workspaces.
    public static let firstSyntheticWorkspace = 10001

    /// A simulator with these accounts and settings; every other knob starts off.
    public init(
        users: [String: String], apiKeys: Set<String> = [], tokenLifetime: TimeInterval = 60,
        tokenField: TokenField = .both, faults: [Int: Fault] = [:], listingFault: Fault? = nil, retryAfter: Int = 1,
        retryAfterStyle: RetryAfterStyle = .seconds, servedZips: [Int: String] = [:], syntheticWorkspaces: Int = 0,
        catalog: SampleCatalog = .embedded, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.users = users
        self.apiKeys = apiKeys
        self.tokenLifetime = tokenLifetime
        self.tokenField = tokenField
        self.faults = faults
        self.listingFault = listingFault
        self.retryAfter = retryAfter
        self.retryAfterStyle = retryAfterStyle
        self.servedZips = servedZips
        self.syntheticWorkspaces = syntheticWorkspaces
        self.catalog = catalog
        self.now = now
    }
}
