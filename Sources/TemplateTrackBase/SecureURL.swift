public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which URLs may carry credentials, and how to name one without its secrets.
public enum SecureURL {
    /// Refuses URLs that would send credentials in the clear (http is allowed to loopback
    /// only) and URLs that carry a secret themselves (user info, or a query unless the URL is
    /// a webhook, whose query is its own).
    public static func check(_ url: URL, allowingQuery: Bool = false) throws {
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
    public static func isLoopback(_ host: String) -> Bool {
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
