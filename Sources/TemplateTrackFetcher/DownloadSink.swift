import Crypto
import Dispatch
import NIOCore
import Synchronization
import TemplateTrackBase

#if canImport(Glibc)
    import Glibc
#endif

/// Hashes and writes a download's chunks on queues of their own. AsyncHTTPClient reads the next
/// chunk only once the previous one is taken, so a loop that hashed and wrote each chunk itself
/// would leave the network idle meanwhile; here taking a chunk is nearly free, and the hashing
/// and the writing overlap the reading. Chunks are handed over in batches, so that the two
/// threads are woken once per batch, not once per network read. At most `limit` bytes wait in
/// memory, besides the batch being gathered.
final class DownloadSink: @unchecked Sendable {
    private struct State {
        var failure: TemplateTrackError?
        var waiting = 0
        var resume: CheckedContinuation<Void, Never>?
        /// The waiting chunk's own count: it is not in flight yet, so it never holds itself back
        /// (a chunk larger than the limit must still go through).
        var waiterOwn = 0
    }

    /// The hash and the file are fed on two queues, so that they use two cores when there are.
    private let hashing = DispatchQueue(label: "templatetrack.download.hash")
    private let writing = DispatchQueue(label: "templatetrack.download.write")
    /// Touched only on `hashing` (and after it is drained): no lock.
    private var hasher = SHA256()
    private let state = Mutex(State())
    private let fd: Int32
    private let final: String
    private let limit: Int

    /// `batchBytes`: 256 KiB measured best on 2 cores against 64 KiB, 128 KiB, 512 KiB and 1 MiB
    /// (the CPU a download takes fell by about a tenth; larger batches leave the hashing and
    /// writing threads idle while a batch fills).
    init(fd: Int32, final: String, limit: Int = 8 << 20, batchBytes: Int = 256 << 10) {
        self.fd = fd
        self.final = final
        self.limit = limit
        self.batchBytes = batchBytes
    }

    /// Chunks not yet handed to the queues; touched only by the one task that appends.
    private var gathered: [ByteBuffer] = []
    private var gatheredBytes = 0
    private let batchBytes: Int

    /// Gathers `buffer`; hands what is gathered to the queues once it reaches `batchBytes`;
    /// waits while too much is queued; throws the first write failure.
    func append(_ buffer: ByteBuffer) async throws {
        gathered.append(buffer)
        gatheredBytes += buffer.readableBytes
        if gatheredBytes >= batchBytes { try await handOver() }
    }

    /// Hands what is gathered to the queues: one wake-up of each thread per batch instead of
    /// one per network read (a read is at most 64 KiB).
    func handOver() async throws {
        guard !gathered.isEmpty else { return }
        let batch = gathered
        let count = gatheredBytes
        gathered = []
        gatheredBytes = 0
        let full = try state.withLock { state -> Bool in
            if let failure = state.failure { throw failure }
            state.waiting += 2 * count  // released once hashed and once written
            return state.waiting - 2 * count > 2 * limit
        }
        if full {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.waiting - 2 * count <= 2 * limit || state.failure != nil { return true }
                    state.resume = continuation
                    state.waiterOwn = 2 * count
                    return false
                }
                if ready { continuation.resume() }
            }
        }
        hashing.async { [self] in
            for buffer in batch { buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
            release(count, failure: nil)
        }
        writing.async { [self] in
            var failure: TemplateTrackError?
            for buffer in batch where failure == nil && state.withLock({ $0.failure == nil }) {
                buffer.withUnsafeReadableBytes { bytes in
                    do { try Self.writeAll(fd, bytes, final: final) } catch let error as TemplateTrackError { failure = error } catch {}
                }
            }
            release(count, failure: failure)
        }
    }

    private func release(_ count: Int, failure: TemplateTrackError?) {
        let resume = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let failure, state.failure == nil { state.failure = failure }
            state.waiting -= count
            guard state.waiting - state.waiterOwn <= 2 * limit || state.failure != nil else { return nil }
            defer {
                state.resume = nil
                state.waiterOwn = 0
            }
            return state.resume
        }
        resume?.resume()
    }

    /// Hands over the last chunks and waits for every one; the SHA-256 of all of them, or the
    /// first failure.
    func finish() async throws -> String {
        try await handOver()
        drain()
        if let failure = state.withLock({ $0.failure }) { throw failure }
        return hasher.finalize().hex
    }

    /// Waits for every queued chunk (on a failure, before the file is closed and removed).
    func drain() {
        hashing.sync {}
        writing.sync {}
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, final: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw TemplateTrackError.system(.io, "cannot write the download", at: [.file(final)])
            }
            offset += written
        }
    }
}
