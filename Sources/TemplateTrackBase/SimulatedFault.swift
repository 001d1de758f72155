/// A way for one workspace's download (or the workspace list) of the simulated ImmPort to
/// misbehave, for testing clients: a kind, and how many requests it spoils before the server behaves again.
///
/// On the command line: `KIND[:TIMES]`, with KIND one of `429`, `500`, `503` (or any
/// status from 300 to 599), `reset`, `truncate`, `stall`, `html200`, `big`.
public struct SimulatedFault: Sendable, Equatable, CustomStringConvertible {
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
    public static let htmlInsteadOfZip = SimulatedFault(.htmlInsteadOfZip)

    /// Every download (or the first `times`) answers `code`.
    public static func status(_ code: Int, times: Int? = nil) -> SimulatedFault { SimulatedFault(.status(code), times: times) }

    /// The same fault, for the first `count` requests only.
    public func times(_ count: Int) -> SimulatedFault { SimulatedFault(kind, times: count) }

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
