// A client of the extractor alone: checks a zip and lists its files with their SHA-256, as
// `unzip -l` plus `sha256sum` would. It links libzip and swift-crypto, and none of the other
// stages (no GRDB, no Hummingbird, no AsyncHTTPClient).
import Foundation
import TemplateTrackExtractor

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: extractor-example ZIP\n".utf8))
    exit(64)
}
do {
    let reader = try ArchiveReader(path: CommandLine.arguments[1])
    for entry in try reader.checkAll() {
        print("\(entry.sha256 ?? String(repeating: "-", count: 64))  \(entry.size)\t\(entry.path)")
    }
} catch {
    FileHandle.standardError.write(Data("extractor-example: \(error)\n".utf8))
    exit(2)
}
