public import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import TemplateTrackBase

/// How TemplateTrack proves who it is to ImmPort.
///
/// Its descriptions never include the secret, so it can appear in messages safely.
public enum Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// ImmPort username and password, exchanged for a short-lived token before each request.
    case password(username: String, password: String)
    /// An API key from ImmPort's Auth Service, sent directly as the bearer token.
    case apiKey(String)

    /// `IMMPORT_API_KEY`, or `IMMPORT_USERNAME` with `IMMPORT_PASSWORD`, from `environment`.
    public static func fromEnvironment(_ environment: [String: String]) -> Credentials? {
        if let key = environment["IMMPORT_API_KEY"], !key.isEmpty { return .apiKey(key) }
        if let user = environment["IMMPORT_USERNAME"], !user.isEmpty,
            let password = environment["IMMPORT_PASSWORD"], !password.isEmpty
        {
            return .password(username: user, password: password)
        }
        return nil
    }

    /// `password of user NAME` or `API key`: never the secret.
    public var description: String {
        switch self {
        case .password(let username, _): "password of user \(username)"
        case .apiKey: "API key"
        }
    }

    /// The same as `description`: never the secret.
    public var debugDescription: String { description }
}

/// ImmPort's two addresses: the authentication URL and the API's base URL.
public struct Endpoints: Sendable {
    /// Base of the Data Upload API, e.g. `https://immport-upload.niaid.nih.gov:8443`.
    public var server: URL
    /// Where a username and password are exchanged for a token.
    public var auth: URL

    /// ImmPort's production addresses.
    public static let production = Endpoints(
        server: URL(string: "https://immport-upload.niaid.nih.gov:8443")!,
        auth: URL(string: "https://www.immport.org/auth/token")!)

    /// Endpoints at these two URLs.
    public init(server: URL, auth: URL) {
        self.server = server
        self.auth = auth
    }

    /// `server` with ImmPort's authentication URL, or, for a local server such as the
    /// simulator, the server's own `/auth/token`.
    public init(server: URL) {
        self.server = server
        auth = SecureURL.isLoopback(server.host ?? "") ? server.appending(path: "auth/token") : Self.production.auth
    }

    /// Refuses URLs that would send credentials in the clear (see `SecureURL.check`).
    public static func checkSecure(_ url: URL, allowingQuery: Bool = false) throws {
        try SecureURL.check(url, allowingQuery: allowingQuery)
    }

    /// The URL without user info or query, safe to print (see `SecureURL.redacted`).
    public static func redacted(_ url: URL) -> String { SecureURL.redacted(url) }
}

