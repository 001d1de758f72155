import Crypto
import Foundation
import _CryptoExtras

/// Issues and checks JWTs shaped like ImmPort's: RS256, with `user_name`, `authorities`,
/// `scope`, `exp`, `jti` and `client_id`, and no `iat`, `iss` or `sub`.
struct TokenIssuer: Sendable {
    private let key: _RSA.Signing.PrivateKey
    let lifetime: TimeInterval

    init(lifetime: TimeInterval) throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.lifetime = lifetime
    }

    func issue(user: String, now: Date = Date()) throws -> String {
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims: [String: Any] = [
            "user_name": user,
            "authorities": ["ROLE_USER"],
            "scope": ["browse", "download"],
            "exp": Int(now.timeIntervalSince1970 + lifetime),
            "jti": UUID().uuidString.lowercased(),
            "client_id": "immport-simulator",
        ]
        let payload = try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(payload)
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    enum Verdict: Equatable, Sendable {
        case valid(user: String)
        case expired
        case invalid
    }

    /// Checks signature and `exp` at the moment a request starts.
    func verify(_ token: String, now: Date = Date()) -> Verdict {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Self.decodeBase64URL(parts[2]),
            let payload = Self.decodeBase64URL(parts[1]),
            key.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5),
            let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let user = claims["user_name"] as? String,
            let exp = (claims["exp"] as? NSNumber)?.doubleValue
        else { return .invalid }
        return now.timeIntervalSince1970 < exp ? .valid(user: user) : .expired
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
