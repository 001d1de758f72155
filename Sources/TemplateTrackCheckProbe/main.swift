import Foundation
import TemplateTrackCheck

// Usage: TemplateTrackCheckProbe <definitions.json> <lookups.json> <filled file>
// Checks the file in a process of its own and prints one JSON line: the findings counted
// (not kept), the rows checked, resident memory just before the check, the peak resident
// memory during it, and the time. The tests use it to measure memory without other tests
// sharing the process.

/// A field of /proc/self/status in KiB (`VmRSS`, `VmHWM`), on Linux.
func statusKiB(_ field: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
    return nil
}

/// The peak resident size so far, in KiB.
func peakResidentKiB() -> Int {
    if let peak = statusKiB("VmHWM") { return peak }
    var usage = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)  // KiB on Linux
    #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss) / 1024  // bytes on macOS
    #endif
}

/// Resets the peak to the current size (Linux: writing 5 to clear_refs), so the catalog's
/// loading does not hide the check's own peak. False where the system does not allow it.
func resetPeak() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    return (try? handle.write(contentsOf: Data("5".utf8))) != nil
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: TemplateTrackCheckProbe <definitions.json> <lookups.json> <file>\n".utf8))
    exit(2)
}
do {
    let catalog = try TemplateCatalog(definitionsAt: arguments[1], lookupsAt: arguments[2])
    let reset = resetPeak()
    let before = statusKiB("VmRSS") ?? peakResidentKiB()
    let start = Date()
    var findings = 0
    let checked = try FilledTemplateChecker.check(fileAt: arguments[3], against: catalog) { _ in findings += 1 }
    let seconds = Date().timeIntervalSince(start)
    let after = peakResidentKiB()
    print(
        "{\"findings\": \(findings), \"data_rows\": \(checked.dataRows), \"rss_before_kib\": \(before), "
            + "\"peak_rss_kib\": \(after), \"peak_was_reset\": \(reset), \"seconds\": \(String(format: "%.2f", seconds))}")
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
