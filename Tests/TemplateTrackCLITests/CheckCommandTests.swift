import Foundation
import Testing
import TemplateTrackTesting

@Suite("check and upgrade on the demo's history", .serialized)
struct CheckCommandTests {
    /// The demo's history (workspace 5001 moves from schema 3.15 to 3.18) and the sample filled file.
    func demoHistory(_ scratch: Scratch) throws -> (db: String, filled: String, output: String) {
        let db = scratch.file("demo/history.sqlite")
        let demo = try run([templatetrackBinary, "demo", "--db", db], environment: ["NO_COLOR": "1"])
        guard demo.status == 0 else { throw CocoaError(.fileReadUnknown) }
        return (db, scratch.file("demo/subjectHumans.filled.txt"), demo.stdout)
    }

    @Test("check exits 0 against the templates the file was filled for, 1 against the new ones, 2 for a file it cannot read")
    func exitCodesAndShapes() throws {
        let scratch = try Scratch()
        let (db, filled, output) = try demoHistory(scratch)
        #expect(FileManager.default.fileExists(atPath: filled))
        // The demo shows the sample file breaking after the simulator advanced, and why.
        let story = try #require(output.range(of: "5. Will filled-in spreadsheets still pass?").map { String(output[$0.lowerBound...]) })
        for line in ["Column 'Ethnicity' is now required:", "rows 5–6: 'Ethnicity' is empty but required",
                     "lk_time_unit lost 1 value: 'Weeks':", "row 7: 'Age Unit' is not a value of lk_time_unit ('Weeks')"] {
            #expect(story.contains(line), "\(line)")
        }
        let old = try run([templatetrackBinary, "check", filled, "-w", "5001", "-s", "latest~2", "--db", db])
        #expect(old.status == 0, "\(old.stdout)\(old.stderr)")
        let new = try run([templatetrackBinary, "check", filled, "-w", "5001", "--json", "--db", db])
        #expect(new.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(new.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { Set($0.keys) == ["file", "template", "block", "row", "column", "rule", "value", "expected", "severity", "message"] })
        #expect(Set(findings.compactMap { $0["rule"] as? String }) == ["schema_version", "missing_column", "required", "vocabulary"])
        let required = findings.filter { $0["rule"] as? String == "required" }
        #expect(required.compactMap { $0["row"] as? Int } == [5, 6])
        #expect(required.allSatisfy { $0["column"] as? String == "Ethnicity" })
        #expect(report["errors"] as? Int == 4 && report["warnings"] as? Int == 1)
        let text = try run([templatetrackBinary, "check", filled, "-w", "5001", "--db", db])
        #expect(text.stdout.contains("rows 5–6: 'Ethnicity' is empty but required"))
        try scratch.write("not-a-template.txt", "hello\n")
        let bad = try run([templatetrackBinary, "check", scratch.file("not-a-template.txt"), "-w", "5001", "--db", db])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not-a-template.txt"))
    }

    @Test("--from --to ties each new finding to the change that causes it; diff and changed --templates count the files a change breaks")
    func impact() throws {
        let scratch = try Scratch()
        let (db, filled, _) = try demoHistory(scratch)
        let result = try run([templatetrackBinary, "check", filled, "-w", "5001", "--from", "latest~2", "--to", "latest", "--json", "--db", db])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let new = try #require(report["new"] as? [[String: Any]])
        let causes = Set(new.compactMap { ($0["cause"] as? [String: Any])?["kind"] as? String })
        #expect(causes.isSuperset(of: ["column_now_required", "vocabulary_values_removed"]), "\(causes)")
        #expect((report["fixed"] as? [Any])?.isEmpty == true)

        try FileManager.default.createDirectory(atPath: scratch.file("mine"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: filled, toPath: scratch.file("mine/subjects.txt"))
        try scratch.write("mine/notes.md", "not a template")
        try scratch.write("mine/README.txt", "Read me first: not a template either.\n")
        try scratch.write("mine/~$subjects.xlsx", "Excel's lock file")
        let diff = try run([templatetrackBinary, "diff", "-w", "5001", "--data", scratch.file("mine"), "--db", db])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("Your files: 1 of 1 in"), "\(diff.stdout)")
        #expect(diff.stdout.contains("1 other file there is not a filled-in template"), "\(diff.stdout)")
        let diffJSON = try run([templatetrackBinary, "diff", "-w", "5001", "--data", scratch.file("mine"), "--json", "--db", db])
        let data = try #require((try JSONSerialization.jsonObject(with: Data(diffJSON.stdout.utf8)) as? [String: Any])?["data"] as? [String: Any])
        #expect(data["skipped_files"] as? [String] == [scratch.file("mine") + "/README.txt"])
        #expect(data["files"] as? Int == 1)
        let changed = try run([templatetrackBinary, "changed", "--templates", "--data", scratch.file("mine"), "--json", "--db", db])
        let series = try #require(try JSONSerialization.jsonObject(with: Data(changed.stdout.utf8)) as? [[String: Any]])
        let first = try #require(series.first { $0["workspace"] as? Int == 5001 }?["snapshots"] as? [[String: Any]])
        #expect((first.first?["affected_files"] as? [String])?.count == 1)
    }

    @Test("upgrade rewrites the file mechanically, never over another file; what is left needs a person")
    func upgrade() throws {
        let scratch = try Scratch()
        let (db, filled, _) = try demoHistory(scratch)
        let out = scratch.file("upgraded.txt")
        let result = try run([templatetrackBinary, "upgrade", filled, "-w", "5001", "--out", out, "--db", db])
        #expect(result.status == 1)  // two empty required cells and a removed vocabulary value remain
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("subjecthumans\tSchema Version 3.18\n"))
        #expect(text.contains("Age Event\tAge Event Specify\tRace"))
        let checked = try run([templatetrackBinary, "check", out, "-w", "5001", "--json", "--db", db])
        let rules = Set(((try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String })
        #expect(rules == ["required", "vocabulary"])  // only what needs a person
        let again = try run([templatetrackBinary, "upgrade", filled, "-w", "5001", "--out", out, "--db", db])
        #expect(again.status == 2)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == text)
    }
}
