import Foundation
import NIOCore
import Testing
import TemplateTrackTesting
@testable import TemplateTrackFetcher

@Suite("The download sink: hashing and writing off the network loop")
struct DownloadSinkTests {
    @Test(
        "chunks small and larger than the in-flight limit all arrive, in order, with the right SHA-256, handed over one by one or gathered",
        .timeLimit(.minutes(1)), arguments: [1, 4096, 1 << 20])
    func chunksOfEverySize(batchBytes: Int) async throws {
        let scratch = try Scratch()
        let path = scratch.file("download.part")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        // A 1 KiB limit: the 3 KiB chunk alone exceeds it and must still go through.
        let sink = DownloadSink(fd: fd, final: path, limit: 1024, batchBytes: batchBytes)
        var expected = Data()
        for size in [100, 3072, 1, 900, 5000, 0, 2048] {
            let bytes = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) })
            expected += bytes
            try await sink.append(ByteBuffer(bytes: bytes))
        }
        let sha256 = try await sink.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
        let reference = try run(["sha256sum", path]).stdout.split(separator: " ").first.map(String.init)
        #expect(sha256 == reference)
    }
}
