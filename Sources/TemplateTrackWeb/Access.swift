import Crypto
import Foundation
import TemplateTrackBase

/// Where the web view listens, and who may ask.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A name or an address (IPv6 without brackets).
    public var host: String
    /// 0 picks a free port.
    public var port: Int

    /// An address as given.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (loopback); throws `invalidArgument` naming the text.
    public init(parsing text: String) throws {
        let invalid = TemplateTrackError(
            .invalidArgument, "'\(DisplayName.escaped(text))' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)")
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw invalid }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw invalid }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard let port = Int(portText), (0...65_535).contains(port), !host.contains(where: { $0 == "/" || $0.isWhitespace }) else {
            throw invalid
        }
        self.host = String(host)
        self.port = port
    }

    /// Whether only this machine can reach the address: `localhost`, 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// Whether `host` (a name or an address, IPv6 with or without brackets) is loopback.
    public static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            return bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
        }
        return false
    }

    /// `HOST:PORT`, IPv6 in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The web view's access token: given on the command line or read from a file only its owner
/// can read. It is compared in constant time, and never printed, logged or put in a page.
public struct AccessToken: Sendable {
    let digest: [UInt8]
    /// The value of the session cookie set by the login form: derived from the token, not the token.
    let session: String

    /// Takes the token; throws `invalidArgument` when it is too short to resist guessing.
    public init(_ token: String) throws {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 16 else {
            throw TemplateTrackError(.invalidArgument, "the access token must be at least 16 characters long")
        }
        digest = Array(SHA256.hash(data: Data(trimmed.utf8)))
        let key = SymmetricKey(data: Data(trimmed.utf8))
        session = HMAC<SHA256>.authenticationCode(for: Data("templatetrack web session v1".utf8), using: key)
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Reads the token from the first line of `path`, which must be a regular file owned by this
    /// user and readable by no one else (mode 0600 or 0400); throws naming the file otherwise.
    public static func read(file path: String) throws -> AccessToken {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw TemplateTrackError.system(.notFound, "cannot read the token file", at: [.file(path)])
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw TemplateTrackError(.invalidArgument, "the token file must be a regular file (not a link)", at: [.file(path)])
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw TemplateTrackError(
                .invalidArgument, "the token file can be read by others (mode 0\(mode)); chmod 600 it", at: [.file(path)])
        }
        guard info.st_uid == geteuid() else {
            throw TemplateTrackError(.invalidArgument, "the token file belongs to another user", at: [.file(path)])
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TemplateTrackError(.io, "cannot read the token file", at: [.file(path)], cause: error)
        }
        return try AccessToken(String(text.split(whereSeparator: \.isNewline).first ?? ""))
    }

    /// Whether `candidate` is the token, in time independent of where they differ.
    func matches(_ candidate: some StringProtocol) -> Bool {
        let other = Array(SHA256.hash(data: Data(candidate.trimmingCharacters(in: .whitespaces).utf8)))
        return zip(digest, other).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether `candidate` is the session cookie's value.
    func matchesSession(_ candidate: some StringProtocol) -> Bool {
        let a = Array(session.utf8), b = Array(candidate.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
