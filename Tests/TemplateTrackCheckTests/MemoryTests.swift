import Foundation
import Testing

/// The probe executable built beside the test bundle.
var probeBinary: String? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for folder in [bundle, bundle.deletingLastPathComponent(), packageRoot.appending(path: ".build/debug")] {
        let path = folder.appending(path: "TemplateTrackCheckProbe").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

@Suite("Memory does not grow with the number of rows")
struct MemoryTests {
    /// 100,000 rows checked in a child process (no other test shares its memory): the peak
    /// resident size grows by far less than the file, which is never held whole.
    @Test("A 100,000-row .txt is checked in bounded memory", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func hundredThousandRows() throws {
        let probe = try #require(probeBinary, "TemplateTrackCheckProbe is not built: run `swift build --build-tests` first")
        let scratch = try Scratch()
        let template = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "subjectshuman" })
        let generator = FilledTemplateGenerator(template: template, lookups: try ImmPort.rawLookups("3.15"))
        let header = generator.sheet(dataRows: 1).rows.prefix(3).map { $0.map(\.txt).joined(separator: "\t") }
        let columns = template.blocks[0].columns
        // Values computed once: choosing a lookup value scans its table.
        let fixed = columns.map { generator.value(for: $0, row: 1).txt }
        let path = scratch.file("big.txt")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data((header.joined(separator: "\n") + "\n").utf8))
        let rows = 100_000
        var expectedFindings = 0
        var batch = ""
        for row in 1...rows {
            var cells = [""]
            for (column, value) in zip(columns, fixed) {
                switch column.name {
                case "User Defined ID": cells.append(row % 10_000 == 5_000 ? "ID-1" : "ID-\(row)")
                case "Gender": cells.append(row % 1_000 == 0 ? "" : value)
                case "Description": cells.append("Row \(row) " + String(repeating: "description ", count: 24))
                default: cells.append(value)
                }
            }
            if row % 1_000 == 0 { expectedFindings += 1 }
            if row % 10_000 == 5_000 { expectedFindings += 1 }
            batch += cells.joined(separator: "\t") + "\n"
            if row % 1_000 == 0 {
                try handle.write(contentsOf: Data(batch.utf8))
                batch = ""
            }
        }
        try handle.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: probe)
        process.arguments = [ImmPort.definitionsPath("3.15"), ImmPort.lookupsPath("3.15"), path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let before = try #require(report["rss_before_kib"] as? Int)
        let after = try #require(report["peak_rss_kib"] as? Int)
        #expect(report["data_rows"] as? Int == rows)
        #expect(report["findings"] as? Int == expectedFindings)
        let grownKiB = after - before
        print(
            "100,000-row check: file \(size / 1024) KiB, resident \(before) KiB before, peak \(after) KiB during "
                + "(+\(grownKiB) KiB; peak reset: \(report["peak_was_reset"] ?? "?")), \(report["seconds"] ?? "?") s")
        // Generous: the IDs seen (100,000 short strings) and buffers, far below the file's size.
        // Where the peak could not be reset, the catalog's loading may set it: still an upper bound.
        #expect(grownKiB < 32 * 1024, "peak memory grew by \(grownKiB) KiB for a \(size / 1024) KiB file")
        #expect(size > 40 * 1024 * 1024, "the file must be larger than the bound for the bound to mean anything")
    }
}
