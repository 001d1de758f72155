import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import TemplateTrackBase

#if canImport(Glibc)
    import Glibc
#endif

/// A transport error said in plain words, and whether trying again may help.
struct PlainFailure: Sendable, Equatable {
    /// One line for people: "connection refused", "timed out after 60 s without data".
    var words: String
    /// A reset, a refused connection, a connection closed mid-answer: worth another attempt.
    var transient: Bool
    /// A read or connect timeout (not retried: the time has already been spent).
    var timedOut = false
}

/// A failure worth another attempt, with how long the server asked us to wait.
struct TransientFailure: Error {
    var error: TemplateTrackError
    var retryAfter: Duration? = nil
}

/// Turns AsyncHTTPClient, SwiftNIO and BoringSSL errors into one line of plain words.
///
/// Library errors print as dumps (`NIOConnectionError(...) (errno: 111)`, BoringSSL's build
/// paths); none of that reaches a message. The original error stays in
/// `TemplateTrackError.cause` for programs.
enum PlainWords {
    static func describe(_ error: any Error, options: FetchOptions) -> PlainFailure {
        if let error = error as? HTTPClientError { return describe(error, options: options) }
        if let error = error as? NIOConnectionError {
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return PlainFailure(words: "cannot resolve the host name \(DisplayName.escaped(error.host))", transient: false)
            }
            // Happy Eyeballs tried each address; the first failure says it for all of them.
            if let first = error.connectionErrors.first { return describe(first.error, options: options) }
            return PlainFailure(words: "cannot connect", transient: true)
        }
        if let error = error as? IOError { return describe(errno: error.errnoCode) }
        if let error = error as? SystemError { return describe(errno: error.code) }
        if let error = error as? POSIXError { return describe(errno: error.code.rawValue) }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout:
                return PlainFailure(
                    words: "could not connect within \(seconds(options.connectTimeout))", transient: false, timedOut: true)
            case .ioOnClosedChannel, .alreadyClosed, .eof, .inputClosed, .outputClosed:
                return PlainFailure(words: "the server closed the connection", transient: true)
            default:
                return PlainFailure(words: "the connection failed", transient: false)
            }
        }
        // Types of modules this target does not link directly, recognised by name.
        let type = String(reflecting: Swift.type(of: error))
        let text = String(describing: error)
        if type.hasPrefix("NIOHTTP1.HTTPParserError") {
            // invalidEOFState, whose text is "stream ended at an unexpected time".
            if text.contains("invalidEOFState") || text.contains("stream ended at an unexpected time") {
                return PlainFailure(words: "the server closed the connection mid-answer", transient: true)
            }
            return PlainFailure(words: "the server's answer is not valid HTTP", transient: false)
        }
        if type.hasPrefix("NIOSSL.") { return describeTLS(text) }
        if error is CancellationError { return PlainFailure(words: "cancelled", transient: false) }
        return PlainFailure(words: "the connection failed", transient: false)
    }

    private static func describe(_ error: HTTPClientError, options: FetchOptions) -> PlainFailure {
        switch error {
        case .readTimeout:
            return PlainFailure(
                words: "timed out after \(seconds(options.idleTimeout)) without data", transient: false, timedOut: true)
        case .connectTimeout, .getConnectionFromPoolTimeout:
            return PlainFailure(
                words: "could not connect within \(seconds(options.connectTimeout))", transient: false, timedOut: true)
        case .tlsHandshakeTimeout:
            return PlainFailure(words: "the TLS handshake timed out", transient: false, timedOut: true)
        case .remoteConnectionClosed, .uncleanShutdown:
            return PlainFailure(words: "the server closed the connection", transient: true)
        case .deadlineExceeded:
            return PlainFailure(words: "passed the \(seconds(options.deadline)) deadline", transient: false, timedOut: true)
        case .cancelled:
            return PlainFailure(words: "cancelled", transient: false)
        case .invalidURL, .emptyHost, .emptyScheme:
            return PlainFailure(words: "not a URL the client can use", transient: false)
        case .alreadyShutdown:
            return PlainFailure(words: "the client was already shut down", transient: false)
        case .redirectLimitReached, .redirectCycleDetected:
            return PlainFailure(words: "too many redirects", transient: false)
        default:
            return PlainFailure(words: "the connection failed", transient: false)
        }
    }

    static func describe(errno code: Int32) -> PlainFailure {
        switch code {
        case ECONNREFUSED: PlainFailure(words: "connection refused", transient: true)
        case ECONNRESET: PlainFailure(words: "connection reset by the server", transient: true)
        case EPIPE: PlainFailure(words: "the server closed the connection", transient: true)
        case ECONNABORTED: PlainFailure(words: "the connection was aborted", transient: true)
        case ETIMEDOUT: PlainFailure(words: "the connection timed out", transient: false, timedOut: true)
        case ENETUNREACH: PlainFailure(words: "the network is unreachable", transient: false)
        case EHOSTUNREACH: PlainFailure(words: "no route to the host", transient: false)
        case EADDRNOTAVAIL: PlainFailure(words: "the address is not available", transient: false)
        default: PlainFailure(words: String(cString: strerror(code)).lowercased(), transient: false)
        }
    }

    /// NIOSSL's errors print BoringSSL's error stack with source paths; only the reason is kept.
    static func describeTLS(_ text: String) -> PlainFailure {
        if text.contains("failedToValidateHostname") || text.contains("serverHostnameImpossibleToMatch") {
            return PlainFailure(words: "the server's TLS certificate is not for this host name", transient: false)
        }
        if text.contains("uncleanShutdown") {
            return PlainFailure(words: "the server closed the TLS connection without a proper close", transient: true)
        }
        // BoringSSL's reasons read like "...:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /path:123".
        let reasons = text.matches(of: /:([A-Z][A-Z0-9_]+)(?= at |\]|\)|$)/).map { String($0.1) }
        let words = reasons.map { $0.replacingOccurrences(of: "_", with: " ").lowercased() }
        let reason = words.first { !$0.isEmpty }
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            return PlainFailure(words: "the server's TLS certificate is not trusted (certificate verify failed)", transient: false)
        }
        if let reason { return PlainFailure(words: "the TLS handshake failed (\(reason))", transient: false) }
        return PlainFailure(words: "the TLS handshake failed", transient: false)
    }

    /// `60 s`, `1.5 s`, `30 min`, as people read durations in messages.
    static func seconds(_ duration: Duration) -> String {
        let total = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        if total >= 120, total.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(total / 60)) min" }
        if total == total.rounded() { return "\(Int(total)) s" }
        return String(format: "%.1f s", total)
    }
}
