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

/// Streams a file from disk through SHA-256 without loading it whole.
public func sha256OfFile(at path: String) throws -> (sha256: String, size: Int64) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw TemplateTrackError(.io, "cannot open for reading", at: [.file(path)])
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    var size: Int64 = 0
    while true {
        let chunk: Data
        do {
            guard let read = try handle.read(upToCount: 1 << 20), !read.isEmpty else { break }
            chunk = read
        } catch {
            throw TemplateTrackError(.io, "read failed", at: [.file(path)], cause: error)
        }
        hasher.update(data: chunk)
        size += Int64(chunk.count)
    }
    return (hasher.finalize().hex, size)
}

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
    var hasher = SHA256()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = read(fd, buffer.baseAddress, buffer.count)
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { throw SystemError() }
        if count == 0 { break }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
    return hasher.finalize().hex
}
