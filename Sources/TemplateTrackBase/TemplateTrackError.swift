import Foundation

/// An error from any stage of TemplateTrack: what went wrong, where, and what caused it.
///
/// Modelled on SwiftNIO's `FileSystemError`: a `Sendable` value with a code, a message for
/// people, the places it concerns (file, zip entry, workspace, HTTP status) and an optional
/// underlying cause. Messages name no command-line flag (the command line adds its own hints)
/// and never contain credentials or tokens.
public struct TemplateTrackError: Error, Sendable, CustomStringConvertible {
    /// The broad category of a failure; scripts and tests can branch on it.
    public enum Code: String, Sendable {
        /// Bad input from the user, such as a malformed date or an unknown snapshot reference.
        case invalidArgument
        /// A requested item (workspace, snapshot, file, database) does not exist.
        case notFound
        /// The zip cannot be read or fails an integrity check (CRC, size).
        case invalidArchive
        /// A file is not what it should be: not a filled-in template, not a definitions file.
        case invalidFile
        /// A zip entry that could escape the target folder or is otherwise unsafe.
        case unsafeEntry
        /// An archive, entry or download larger than a configured limit.
        case limitExceeded
        /// The server rejected the credentials or the token.
        case authentication
        /// The server answered with an unexpected status or body.
        case http
        /// The connection itself failed or timed out.
        case transport
        /// A URL TemplateTrack refuses to use (for example plain http to a remote host).
        case insecureURL
        /// SQLite failed, or the file is not a TemplateTrack history.
        case database
        /// Reading or writing a local file failed.
        case io
        /// A file or folder is in the way and TemplateTrack will not touch it without consent.
        case conflict
        /// The work was interrupted (SIGINT or SIGTERM).
        case cancelled
    }

    /// Where the failure happened, most general first.
    public enum Place: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case entry(String)
        case workspace(Int)
        case httpStatus(Int)
        case url(String)
        case row(Int)

        public var description: String {
            switch self {
            case .file(let path): "file \(DisplayName.escaped(path))"
            case .entry(let name): "entry '\(DisplayName.escaped(name))'"
            case .workspace(let id): "workspace \(id)"
            case .httpStatus(let status): "HTTP \(status)"
            case .url(let url): DisplayName.escaped(url)
            case .row(let row): "row \(row)"
            }
        }
    }

    public var code: Code
    public var message: String
    public var places: [Place]
    /// What caused it, kept for programs; the one-line description shows it only in plain words.
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

    /// One line: the places, the message, and the cause where it can be said in plain words.
    public var description: String {
        var text = places.map(\.description).joined(separator: ": ")
        text += text.isEmpty ? message : ": " + message
        if let reason = cause.flatMap(Self.plainReason) { text += " (\(reason))" }
        return text
    }

    /// A cause in plain words: a system error's text, or another TemplateTrack error; nil for
    /// library errors whose text would be a dump.
    static func plainReason(_ cause: any Error) -> String? {
        if let error = cause as? TemplateTrackError { return error.description }
        if let error = cause as? SystemError { return error.description }
        if let error = cause as? POSIXError { return String(cString: strerror(error.code.rawValue)) }
        let bridged = cause as NSError
        if bridged.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(bridged.code))) }
        if let underlying = bridged.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nil
    }
}

/// An `errno` captured where a system call failed.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var code: Int32

    /// The current `errno`.
    public init() { code = errno }
    public init(code: Int32) { self.code = code }

    /// The system's words for it, such as "Permission denied".
    public var description: String { String(cString: strerror(code)) }
}

extension TemplateTrackError {
    /// Wraps any error so that it names `place`; TemplateTrack errors just gain the place.
    public static func wrapping(_ error: any Error, code: Code, message: String, at place: Place) -> TemplateTrackError {
        if let error = error as? TemplateTrackError { return error.at(place) }
        return TemplateTrackError(code, message, at: [place], cause: error)
    }

    /// A system call failed: `errno` becomes the cause.
    public static func system(_ code: Code, _ message: String, at places: [Place]) -> TemplateTrackError {
        TemplateTrackError(code, message, at: places, cause: SystemError())
    }
}
