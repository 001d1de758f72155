import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// Issues and checks JWTs shaped like ImmPort's: RS256, with `user_name`, `authorities`,
/// `scope`, `exp`, `jti` and `client_id`, and no `iat`, `iss` or `sub`.
///
/// It reads the time through `now`, so tests can move a token past its lifetime without waiting.
/// Issuers in one process share one RSA key (making a 2048-bit key takes a good part of a
/// second of CPU, which dozens of simulators in a test run would spend again and again); each
/// accepts only the tokens it issued itself, by their `jti`.
final class TokenIssuer: Sendable {
    private let key: _RSA.Signing.PrivateKey
    let lifetime: TimeInterval
    let now: @Sendable () -> Date
    private let issued = Mutex<Set<String>>([])

    private static let sharedKey = Result { try _RSA.Signing.PrivateKey(keySize: .bits2048) }

    init(lifetime: TimeInterval, now: @escaping @Sendable () -> Date = { Date() }) throws {
        key = try Self.sharedKey.get()
        self.lifetime = lifetime
        self.now = now
    }

    func issue(user: String, now given: Date? = nil) throws -> String {
        let now = given ?? self.now()
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let jti = UUID().uuidString.lowercased()
        issued.withLock { _ = $0.insert(jti) }
        let claims: [String: Any] = [
            "user_name": user,
            "authorities": ["ROLE_USER"],
            "scope": ["browse", "download"],
            "exp": Int(now.timeIntervalSince1970 + lifetime),
            "jti": jti,
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
    func verify(_ token: String, now checked: Date? = nil) -> Verdict {
        let now = checked ?? self.now()
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Self.decodeBase64URL(parts[2]),
            let payload = Self.decodeBase64URL(parts[1]),
            key.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5),
            let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let user = claims["user_name"] as? String,
            let jti = claims["jti"] as? String, issued.withLock({ $0.contains(jti) }),
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
