import Foundation
import TemplateTrackCheck

// Usage: TemplateTrackCheckProbe <definitions.json> <lookups.json> <filled file>
// Checks the file in a process of its own and prints one JSON line: the findings counted
// (not kept), the rows checked, the peak resident memory before and after, and the time.
// The tests use it to measure memory without other tests running in the same process.

func peakResidentKiB() -> Int {
    var usage = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)  // KiB on Linux
    #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss) / 1024  // bytes on macOS
    #endif
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: TemplateTrackCheckProbe <definitions.json> <lookups.json> <file>\n".utf8))
    exit(2)
}
do {
    let catalog = try TemplateCatalog(definitionsAt: arguments[1], lookupsAt: arguments[2])
    let before = peakResidentKiB()
    let start = Date()
    var findings = 0
    let checked = try FilledTemplateChecker.check(fileAt: arguments[3], against: catalog) { _ in findings += 1 }
    let seconds = Date().timeIntervalSince(start)
    let after = peakResidentKiB()
    print(
        "{\"findings\": \(findings), \"data_rows\": \(checked.dataRows), \"peak_rss_before_kib\": \(before), "
            + "\"peak_rss_after_kib\": \(after), \"seconds\": \(String(format: "%.2f", seconds))}")
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
