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
        auth = Self.isLoopback(server.host ?? "") ? server.appending(path: "auth/token") : Self.production.auth
    }

    /// Refuses URLs that would send credentials in the clear (http is allowed to loopback
    /// only) and URLs that carry a secret themselves (user info, or a query unless the URL is
    /// a webhook, whose query is its own).
    public static func checkSecure(_ url: URL, allowingQuery: Bool = false) throws {
        let place = TemplateTrackError.Place.url(redacted(url))
        guard url.user == nil, url.password == nil, allowingQuery || url.query == nil else {
            throw TemplateTrackError(
                .insecureURL, "URLs with user info or a query are not accepted; pass credentials as documented", at: [place])
        }
        switch url.scheme?.lowercased() {
        case "https":
            return
        case "http":
            if isLoopback(url.host ?? "") { return }
            throw TemplateTrackError(.insecureURL, "plain http is allowed only to loopback addresses; use https", at: [place])
        default:
            throw TemplateTrackError(.insecureURL, "not an http(s) URL", at: [place])
        }
    }

    /// `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (not a name that merely starts with 127.).
    static func isLoopback(_ host: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if host == "localhost" || host == "::1" { return true }
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 && UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    /// The URL without user info or query, safe to print, as people read it: `…` stands for
    /// what was left out, and the path is shown decoded (never `%E2%80%A6`).
    public static func redacted(_ url: URL) -> String {
        guard let parts = URLComponents(url: url, resolvingAgainstBaseURL: false), let scheme = parts.scheme else {
            return "(unprintable URL)"
        }
        var text = scheme + "://"
        if parts.user != nil || parts.password != nil { text += "…@" }
        var host = parts.host ?? ""
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        text += host
        if let port = parts.port { text += ":\(port)" }
        text += parts.path
        if parts.query != nil { text += "?…" }
        if parts.fragment != nil { text += "#…" }
        return text
    }
}

