public import Foundation
import TemplateTrackBase

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

    /// A way for one workspace's download (or the workspace list) to misbehave, for testing
    /// clients: a kind, and how many requests it spoils before the server behaves again.
    ///
    /// On the command line: `KIND[:TIMES]`, with KIND one of `429`, `500`, `503` (or any
    /// status from 300 to 599), `reset`, `truncate`, `stall`, `html200`, `big`.
    public struct Fault: Sendable, Equatable, CustomStringConvertible {
        /// What goes wrong.
        public enum Kind: Sendable, Equatable {
            /// Answer with this status and a JSON error body; 429 carries `Retry-After`, and a
            /// 3xx a `Location` back to the same path.
            case status(Int)
            /// Answer 200 with an HTML login page instead of a zip, as a login proxy might.
            case htmlInsteadOfZip
            /// Send half of the body without a `Content-Length` (chunked), then close the connection.
            case reset
            /// Announce the full `Content-Length`, send half of the body, then close the connection.
            case truncate
            /// Send half of the body (chunked), then go silent until the client gives up or the
            /// simulator stops (at most 10 minutes).
            case stall
            /// Announce a `Content-Length` of 8 GiB and stream a zip header then zeros until
            /// the client hangs up.
            case big
        }

        /// What goes wrong.
        public var kind: Kind
        /// How many requests it spoils before the server behaves; nil: every request.
        public var times: Int?

        /// `kind`, for `times` requests (nil: for every request).
        public init(_ kind: Kind, times: Int? = nil) {
            self.kind = kind
            self.times = times
        }

        /// Every download answers 200 with an HTML page.
        public static let htmlInsteadOfZip = Fault(.htmlInsteadOfZip)

        /// Every download (or the first `times`) answers `code`.
        public static func status(_ code: Int, times: Int? = nil) -> Fault { Fault(.status(code), times: times) }

        /// The same fault, for the first `count` requests only.
        public func times(_ count: Int) -> Fault { Fault(kind, times: count) }

        /// Reads `KIND[:TIMES]`: `429`, `503:2`, `reset`, `truncate:1`, `stall`, `html200`, `big`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            var times: Int?
            if parts.count == 2 {
                guard let count = Int(parts[1]), count >= 1 else {
                    throw TemplateTrackError(.invalidArgument, "fault '\(DisplayName.escaped(text))': TIMES must be a whole number from 1")
                }
                times = count
            }
            let kind: Kind
            switch parts[0].lowercased() {
            case "reset": kind = .reset
            case "truncate": kind = .truncate
            case "stall": kind = .stall
            case "html200", "html": kind = .htmlInsteadOfZip
            case "big": kind = .big
            case let code where Int(code).map({ (300...599).contains($0) }) == true: kind = .status(Int(code)!)
            default:
                throw TemplateTrackError(
                    .invalidArgument,
                    "fault '\(DisplayName.escaped(text))': KIND is one of 429, 500, 503 (or another status 300-599), reset, truncate, stall, html200, big")
            }
            self.init(kind, times: times)
        }

        /// `KIND[:TIMES]`, as `init(parsing:)` reads it.
        public var description: String {
            let name =
                switch kind {
                case .status(let code): "\(code)"
                case .htmlInsteadOfZip: "html200"
                case .reset: "reset"
                case .truncate: "truncate"
                case .stall: "stall"
                case .big: "big"
                }
            return times.map { "\(name):\($0)" } ?? name
        }
    }

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
