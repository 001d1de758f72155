// libFuzzer target: any bytes, written to a file, must be refused by ArchiveReader with a
// TemplateTrackError of one plain line, or accepted with entries that pass EntryPolicy and
// inflate as declared. A crash, a trap, a hang or an AddressSanitizer report is a bug.
import CFuzzDriver
import Foundation
import TemplateTrackBase
import TemplateTrackExtractor

/// Where each input is written: one file per process, rewritten for every input.
private let inputPath = FileManager.default.temporaryDirectory.appending(path: "tt-fuzz-\(getpid()).zip").path

/// Small limits keep each run quick (a 64 KiB input can otherwise declare gigabytes that
/// inflate legitimately) while exercising every limit check.
private let limits = ArchiveLimits(maxEntries: 4096, maxEntrySize: 4 << 20, maxTotalSize: 8 << 20, maxCompressionRatio: 100)

private func store(_ data: UnsafePointer<UInt8>?, _ size: Int) {
    let fd = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot write \(inputPath)")
    defer { close(fd) }
    var offset = 0
    while offset < size {
        let written = write(fd, data! + offset, size - offset)
        precondition(written > 0, "cannot write \(inputPath)")
        offset += written
    }
}

/// A Swift executable has a `main` of its own, so libFuzzer's is never linked: this one hands
/// the command line to libFuzzer's driver.
@main
enum Main {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzArchiveReader(data, size) }))
    }
}

/// One input.
func fuzzArchiveReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    store(data, size)
    do {
        let reader = try ArchiveReader(path: inputPath, limits: limits)
        for entry in reader.entries {
            precondition(EntryPolicy.problem(withName: entry.name) == nil, "accepted an unsafe name")
            precondition(entry.size <= limits.maxEntrySize, "accepted an entry over the limit")
        }
        // Alternate one worker and two, so the hand-off between threads is exercised too.
        let workers = size % 2 + 1
        let checked = try reader.checkAll(options: InflateOptions(workers: workers))
        precondition(checked.count == reader.files.count + reader.emptyFolders.count, "lost an entry")
        let declared = Dictionary(uniqueKeysWithValues: reader.entries.map { ($0.index, $0.size) })
        for entry in checked {
            precondition(entry.size == declared[entry.index], "an entry inflated to another size than declared")
            precondition(entry.isDirectory == (entry.sha256 == nil), "a hash is missing or extra")
        }
    } catch let error as TemplateTrackError {
        let line = error.description
        precondition(!line.unicodeScalars.contains(where: DisplayName.isUnsafe), "an error printed an unsafe character")
        precondition(error.places.first == .file(inputPath), "an error does not name the zip")
    } catch {
        preconditionFailure("an error of another type: \(error)")
    }
    return 0
}
