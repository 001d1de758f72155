/// An error from any stage of TemplateTrack: what went wrong, where, and what caused it.
///
/// Modelled on SwiftNIO's `FileSystemError`: a `Sendable` value with a code, a message for
/// people, the place it happened (file, zip entry, workspace, HTTP status) and an optional
/// underlying cause. Messages never contain credentials or tokens.
public struct TemplateTrackError: Error, Sendable, CustomStringConvertible {
    /// The broad category of a failure; scripts and tests can branch on it.
    public enum Code: String, Sendable {
        /// Bad command-line input, such as a malformed date or an unknown snapshot.
        case invalidArgument
        /// A requested item (workspace, snapshot, file) does not exist.
        case notFound
        /// The zip cannot be read or fails an integrity check (CRC, size).
        case invalidArchive
        /// A zip entry that could escape the target folder or is otherwise unsafe.
        case unsafeEntry
        /// The server rejected the credentials or the token.
        case authentication
        /// The server answered with an unexpected status or body.
        case http
        /// The connection itself failed.
        case transport
        /// A URL TemplateTrack refuses to use (for example plain http to a remote host).
        case insecureURL
        /// SQLite failed or the database is not a TemplateTrack history.
        case database
        /// Reading or writing a local file failed.
        case io
    }

    /// Where the failure happened, most specific last.
    public enum Place: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case entry(String)
        case workspace(Int)
        case httpStatus(Int)
        case url(String)

        public var description: String {
            switch self {
            case .file(let path): "file \(path)"
            case .entry(let name): "entry '\(name)'"
            case .workspace(let id): "workspace \(id)"
            case .httpStatus(let status): "HTTP \(status)"
            case .url(let url): url
            }
        }
    }

    public var code: Code
    public var message: String
    public var places: [Place]
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, at places: [Place] = [], cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.places = places
        self.cause = cause
    }

    /// The same error with `place` added in front, as it travels up through the stages.
    public func at(_ place: Place) -> TemplateTrackError {
        var copy = self
        if !copy.places.contains(place) { copy.places.insert(place, at: 0) }
        return copy
    }

    /// The workspace this error concerns, if any.
    public var workspace: Int? {
        for case .workspace(let id) in places { return id }
        return nil
    }

    /// The HTTP status this error concerns, if any.
    public var httpStatus: Int? {
        for case .httpStatus(let status) in places { return status }
        return nil
    }

    public var description: String {
        var text = places.map(\.description).joined(separator: ": ")
        text += text.isEmpty ? message : ": " + message
        if let cause { text += " (\(String(describing: cause)))" }
        return text
    }
}

extension TemplateTrackError {
    /// Wraps any error so that it names `place`; TemplateTrack errors just gain the place.
    public static func wrapping(_ error: any Error, code: Code, at place: Place) -> TemplateTrackError {
        if let error = error as? TemplateTrackError { return error.at(place) }
        return TemplateTrackError(code, String(describing: error), at: [place])
    }
}
