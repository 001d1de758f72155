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
    private var cached: (token: String, obtained: ContinuousClock.Instant, expires: Date?)?

    static let maximumReuse: Duration = .seconds(30)
    static let expiryMargin: TimeInterval = 15

    init(credentials: Credentials, authURL: URL, client: HTTPClient) {
        self.credentials = credentials
        self.authURL = authURL
        self.client = client
    }

    /// A token valid to start a request now.
    func bearer() async throws -> String {
        switch credentials {
        case .apiKey(let key):
            return key
        case .password(let username, let password):
            if let cached, ContinuousClock.now - cached.obtained < Self.maximumReuse,
                cached.expires.map({ $0.timeIntervalSinceNow > Self.expiryMargin }) ?? false
            {
                return cached.token
            }
            let token = try await requestToken(username: username, password: password)
            cached = (token, .now, Self.expiry(ofJWT: token))
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
        let place = TemplateTrackError.Place.url(authURL.absoluteString)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(60))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw TemplateTrackError(.transport, "cannot reach the authentication service: \(error)", at: [place])
        }
        let status = Int(response.status.code)
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard status == 200 else {
            let detail = (json?["error"] as? String).map { ": \($0)" } ?? ""
            let reason = status == 401 || status == 403 ? "authentication failed (check the username and password)"
                : "authentication service answered an error"
            throw TemplateTrackError(.authentication, reason + detail, at: [place, .httpStatus(status)])
        }
        guard let token = (json?["access_token"] as? String) ?? (json?["token"] as? String), !token.isEmpty else {
            throw TemplateTrackError(
                .authentication, "the answer has no access_token or token field", at: [place, .httpStatus(status)])
        }
        return token
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
