import AsyncHTTPClient
import Foundation
import NIOCore
import TemplateTrackBase

/// Hands out bearer tokens, asking ImmPort for a fresh one shortly before each request.
///
/// ImmPort's token must *start* a request within 60 s of being issued. A token is reused only
/// while it is younger than `maximumReuse` and more than `expiryMargin` from its `exp`.
actor TokenSource {
    private let credentials: Credentials
    private let authURL: URL
    private let client: HTTPClient
    private let clock: any FetchClock
    private let describe: @Sendable (any Error) -> PlainFailure
    /// The token, when it was obtained (`clock.uptime`), and its `exp`.
    private var cached: (token: String, obtained: Duration, expires: Date?)?

    static let maximumReuse: Duration = .seconds(30)
    static let expiryMargin: TimeInterval = 15

    /// `describe` turns a transport error into plain words and says whether trying again may help.
    init(
        credentials: Credentials, authURL: URL, client: HTTPClient, clock: any FetchClock,
        describe: @escaping @Sendable (any Error) -> PlainFailure
    ) {
        self.credentials = credentials
        self.authURL = authURL
        self.client = client
        self.clock = clock
        self.describe = describe
    }

    /// A token valid to start a request now. With `renew`, a new one even if the cached one
    /// could still be used (each retry of a request asks for its own).
    func bearer(renew: Bool = false) async throws -> String {
        switch credentials {
        case .apiKey(let key):
            return key
        case .password(let username, let password):
            if !renew, let cached, clock.uptime - cached.obtained < Self.maximumReuse,
                cached.expires.map({ $0.timeIntervalSince(clock.date) > Self.expiryMargin }) ?? false
            {
                return cached.token
            }
            let token = try await requestToken(username: username, password: password)
            cached = (token, clock.uptime, Self.expiry(ofJWT: token))
            return token
        }
    }

    private func requestToken(username: String, password: String) async throws -> String {
        try Endpoints.checkSecure(authURL)
        var request = HTTPClientRequest(url: authURL.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let form = "username=\(Self.formEncode(username))&password=\(Self.formEncode(password))"
        request.body = .bytes(ByteBuffer(string: form))
        let place = TemplateTrackError.Place.url(Endpoints.redacted(authURL))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(60))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let failure = describe(error)
            let message = "cannot reach the authentication service: \(failure.words)"
            let wrapped = TemplateTrackError(.transport, message, at: [place], cause: error)
            if failure.transient { throw TransientFailure(error: wrapped) }
            throw wrapped
        }
        let status = Int(response.status.code)
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard status == 200 else {
            let detail = (json?["error"] as? String).map { ": \(Self.oneLine($0))" } ?? ""
            let reason =
                status == 401 || status == 403
                ? "authentication failed (check the username and password)"
                : "the authentication service answered \(status) \(response.status.reasonPhrase)"
            let error = TemplateTrackError(.authentication, reason + detail, at: [place, .httpStatus(status)])
            if ImmPortClient.transientStatuses.contains(status) {
                throw TransientFailure(error: error, retryAfter: ImmPortClient.retryAfter(response.headers.first(name: "Retry-After"), now: clock.date))
            }
            throw error
        }
        guard let token = (json?["access_token"] as? String) ?? (json?["token"] as? String), !token.isEmpty else {
            throw TemplateTrackError(
                .authentication, "the answer has no access_token or token field", at: [place, .httpStatus(status)])
        }
        return token
    }

    /// A server's text cut to one short line, with anything that could move the cursor or
    /// recolour the terminal made visible.
    static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return DisplayName.escaped(flat.count > 200 ? String(flat.prefix(200)) + "…" : flat)
    }

    /// `application/x-www-form-urlencoded` escaping: unreserved bytes kept, space as `+`.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "*"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The `exp` claim of a JWT, read without verifying it (the server verifies).
    static func expiry(ofJWT token: String) -> Date? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        guard let data = Data(base64Encoded: payload),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let exp = claims["exp"] as? NSNumber
        else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }
}
