public import Crypto
import Foundation

extension SHA256.Digest {
    /// Lower-case hexadecimal, as `sha256sum` prints it.
    public var hex: String {
        var text = ""
        text.reserveCapacity(64)
        for byte in self {
            text.append(Self.digits[Int(byte >> 4)])
            text.append(Self.digits[Int(byte & 0x0f)])
        }
        return text
    }

    private static let digits = Array("0123456789abcdef")
}

/// A file's SHA-256 and size, read in large chunks into one reused buffer. (Not mapped: a
/// file cut short by another process while mapped would kill this one with SIGBUS.)
///
/// `isCancelled` is polled between chunks; true stops the work with a `cancelled` error.
public func sha256OfFile(
    at path: String, isCancelled: () -> Bool = { false }
) throws -> (sha256: String, size: Int64) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TemplateTrackError(.io, "cannot open for reading", at: [.file(path)]) }
    defer { close(fd) }
    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    do {
        return try hashing(fd, isCancelled: isCancelled)
    } catch CancelledHashing.cancelled {
        throw TemplateTrackError(.cancelled, "interrupted", at: [.file(path)])
    } catch {
        throw TemplateTrackError(.io, "read failed", at: [.file(path)], cause: error)
    }
}

private enum CancelledHashing: Error { case cancelled }

/// SHA-256 fed piece by piece, for modules that do not link Crypto themselves.
public struct ContentHasher {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: some Collection<UInt8>) {
        hasher.update(data: Array(bytes))
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// Lower-case hex of the digest.
    public func finalizeHex() -> String { hasher.finalize().hex }
}

/// Streams an open file through SHA-256 (from its current offset) without loading it whole.
public func sha256OfFile(descriptor fd: Int32) throws -> String {
    try hashing(fd).sha256
}

/// SHA-256 and length of what is left to read from `fd`, through one reused 4 MiB buffer.
private func hashing(_ fd: Int32, isCancelled: () -> Bool = { false }) throws -> (sha256: String, size: Int64) {
    var hasher = SHA256()
    var size: Int64 = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 4096)
    defer { buffer.deallocate() }
    while true {
        if isCancelled() { throw CancelledHashing.cancelled }
        let count = read(fd, buffer.baseAddress, buffer.count)
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { throw SystemError() }
        if count == 0 { break }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        size += Int64(count)
    }
    return (hasher.finalize().hex, size)
}
