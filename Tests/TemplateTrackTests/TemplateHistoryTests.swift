import Foundation
import Testing
import TemplateTrack
import TemplateTrackSync
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackTemplates
import TemplateTrackTesting

/// Builds a zip holding `version`'s definitions, lookups and `.txt` templates, and imports it.
func importImmPort(_ version: String, workspace: Int = 1, into history: SQLiteHistory, scratch: Scratch, at time: String) throws -> Snapshot {
    let folder = scratch.url.appending(path: "immport-\(version)")
    if !FileManager.default.fileExists(atPath: folder.path) {
        try ImmPortReference.writeTree(version: version, into: folder)
        try run(["zip", "-qr", "../immport-\(version).zip", "."], in: folder.path)
    }
    return try importZip(scratch.file("immport-\(version).zip"), workspace: workspace, at: time, into: history)
}

/// Definitions as JSON objects, for editing in tests.
func definition(_ name: String, file: String, version: String = "1.0", columns: [String], required: Set<String> = []) -> [String: Any] {
    [
        "name": name, "fileName": file, "schemaVersion": version, "templateType": "single", "description": "",
        "columns": columns.map { ["templateColumn": $0, "jsonAttribute": $0.lowercased(), "required": required.contains($0)] as [String: Any] },
    ]
}

@Suite("Templates in the history")
struct TemplateHistoryTests {
    @Test(
        "ImmPort 3.15 → 3.18: every version moved, the 14 renames, exactly the 5 column changes, nothing else",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func immport315to318() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        let old = try importImmPort("3.15", into: history, scratch: scratch, at: "2017-06-01T00:00:00Z")
        let new = try importImmPort("3.18", into: history, scratch: scratch, at: "2018-06-01T00:00:00Z")
        let inventory = try history.templates(of: old.tree)
        #expect(inventory.definitions.count == 63)
        #expect(inventory.textTemplates.count == 63)
        #expect(inventory.inconsistencies.isEmpty)
        #expect(inventory.lookups.count == 43)

        let diff = try SnapshotDiff.compute(in: history, series: Series(workspace: 1), from: .id(old.id), to: .id(new.id)).diff
        let templates = diff.templates
        #expect(templates.count == 63)
        #expect(templates.allSatisfy { $0.fromVersion == "3.15" && $0.toVersion == "3.18" })
        #expect(templates.allSatisfy { $0.fromFile == $0.toFile && $0.changes.isEmpty })

        // Independently: the renames are the templates whose name differs for the same file.
        let before = try ImmPortReference.definitionsByFile("3.15")
        let after = try ImmPortReference.definitionsByFile("3.18")
        let expectedRenames = Set(before.keys.filter { before[$0]!.name != after[$0]!.name }.map { "\(before[$0]!.name) → \(after[$0]!.name)" })
        let renames = Set(templates.filter { $0.status == .renamed }.map { "\($0.fromName!) → \($0.name)" })
        #expect(renames.count == 14)
        #expect(renames == expectedRenames)
        #expect(renames.contains("elisa → elisa_reagents"))
        #expect(templates.filter { $0.status == .modified }.count == 49)

        let columnChanges = templates.filter(\.columnsOrRulesChanged)
        #expect(Set(columnChanges.map(\.name)) == [
            "cytof_derived_data", "fcm_derived_data", "rna_seq_results", "subjecthumans_immuneexposure", "subjectshuman",
        ])
        let rna = try #require(templates.first { $0.name == "rna_seq_results" })
        #expect(rna.columnsRemoved == ["Value"])
        #expect(rna.columnsAdded == ["Value Reported"])
        let cytof = try #require(templates.first { $0.name == "cytof_derived_data" })
        #expect(cytof.columnsRemoved == ["Population Name Gating Definition"])
        #expect(cytof.columnsAdded == ["Population Name Reported", "Gating Definition Reported"])
        #expect(cytof.columnsChanged.map(\.column) == ["Parent Population Reported"])
        #expect(Set(cytof.columnsChanged[0].changes.keys) == ["pvTableName", "pvPreferredTableColumn"])
        #expect(cytof.columnsChanged[0].changes["pvTableName"] == ValueChange(from: .string("lk_base_pop_name"), to: .string("lk_cell_population")))
        #expect(templates.first { $0.name == "subjectshuman" }?.columnsRemoved == ["Ancestry Population(s)"])

        #expect(diff.lookups.filter { $0.status == .removed }.map(\.name) == ["lk_base_pop_name"])
        #expect(diff.lookups.filter { $0.status == .added }.isEmpty)
        #expect(Set(diff.lookups.filter { $0.status == .modified }.map(\.name)) == [
            "lk_age_event", "lk_analyte", "lk_cell_population", "lk_exposure_process", "lk_public_repository",
            "lk_sample_type", "lk_species", "lk_subject_location", "lk_virus_strain",
        ])
        #expect(diff.inconsistencies.isEmpty)
        // The 58 templates whose only change is the version are noted; none changed silently.
        #expect(diff.warnings.count == 58)
        #expect(diff.warnings.allSatisfy { $0.kind == .versionOnly })

        // The text output says the same, breaking changes first.
        let shown = try run([templatetrackBinary, "diff", "--db", scratch.file("history.sqlite"), "-w", "1", "\(old.id)", "\(new.id)"])
        let text = shown.stdout
        #expect(text.contains("Templates: schema 3.15 → 3.18 in 63 templates; 14 renamed (array → array_reagents, cytof → cytof_reagents, elisa → elisa_reagents, elispot → elispot_reagents, …); 5 changed columns (cytof_derived_data, fcm_derived_data, rna_seq_results, subjecthumans_immuneexposure, …)"))
        #expect(text.contains("! subjectshuman: column 'Ancestry Population(s)' removed"))
        #expect(text.contains("! lk_base_pop_name: table removed"))
        let breaking = try #require(text.range(of: "Breaking changes"))
        #expect(breaking.lowerBound < text.range(of: "Templates:")!.lowerBound)
    }

    @Test("compound templates compare block by block, block attributes included, through the database")
    func compoundBlocks() throws {
        func compound(required: Bool, personnel: [String]) -> [String: Any] {
            [
                "name": "basic_study_design", "fileName": "basic_study_design.txt", "schemaVersion": "3.18",
                "templateType": "compound",
                "templates": [
                    ["name": "study", "templateRequired": true, "columns": [["templateColumn": "User Defined ID", "required": true]]],
                    ["name": "study_personnel", "templateRequired": required, "columns": personnel.map { ["templateColumn": $0] }],
                ],
            ]
        }
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        var snapshots: [Snapshot] = []
        for (index, definition) in [compound(required: false, personnel: ["Last Name"]), compound(required: true, personnel: ["Last Name", "Email"])].enumerated() {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: [definition]), as: UTF8.self)
            try makeZip(at: scratch.file("\(index).zip"), [("templates.json", json)])
            snapshots.append(try importZip(scratch.file("\(index).zip"), workspace: 4, into: history))
        }
        let diff = try SnapshotDiff.compute(in: history, series: Series(workspace: 4)).diff
        let change = try #require(diff.templates.first)
        #expect(diff.templates.count == 1)
        #expect(change.columnsAdded == ["study_personnel: Email"])
        #expect(change.changes == ["study_personnel.templateRequired": ValueChange(from: .bool(false), to: .bool(true))])
        #expect(diff.warnings.map(\.template) == ["basic_study_design"])
        let listing = try Queries.templates(of: snapshots[1], in: history).templates
        #expect(listing.first?.columns.map { $0["block"] } == [.string("study"), .string("study_personnel"), .string("study_personnel")])
    }

    @Test("a template defined both in the array and in its own JSON file counts once")
    func definedTwice() throws {
        let scratch = try Scratch()
        let a = definition("subjecthumans", file: "subjectHumans.txt", columns: ["User Defined ID"])
        let b = definition("protocols", file: "protocols.txt", columns: ["File Name"])
        try makeZip(at: scratch.file("a.zip"), [
            ("templates.json", String(decoding: try JSONSerialization.data(withJSONObject: [a, b]), as: UTF8.self)),
            ("json/subjectHumans.json", String(decoding: try JSONSerialization.data(withJSONObject: a), as: UTF8.self)),
        ])
        let history = try makeHistory(scratch)
        let snapshot = try importZip(scratch.file("a.zip"), workspace: 2, into: history)
        let inventory = try history.templates(of: snapshot.tree)
        #expect(inventory.definitions.count == 3)
        #expect(inventory.templates.map(\.template.name).sorted() == ["protocols", "subjecthumans"])
    }

    @Test("a .txt template that disagrees with its definition is recorded and reported")
    func inconsistency() throws {
        let scratch = try Scratch()
        let definitions = try JSONSerialization.data(withJSONObject: [definition("subjecthumans", file: "subjectHumans.txt", version: "3.18", columns: ["User Defined ID", "Gender", "Race"])])
        try makeZip(at: scratch.file("a.zip"), [
            ("defs/templates.json", String(decoding: definitions, as: UTF8.self)),
            ("deep/folder/subjectHumans.txt", "subjecthumans\tSchema Version 3.15\nPlease do not delete or edit this column\nColumn Name\tUser Defined ID\tGender\n"),
        ])
        let history = try makeHistory(scratch)
        let snapshot = try importZip(scratch.file("a.zip"), workspace: 2, into: history)
        let (listings, problems) = try Queries.templates(of: snapshot, in: history)
        #expect(listings.map(\.path) == ["defs/templates.json", "deep/folder/subjectHumans.txt"])
        #expect(listings[0].columns.map { $0["templateColumn"] } == [.string("User Defined ID"), .string("Gender"), .string("Race")])
        #expect(listings[0].columns[0]["required"] == .bool(false))
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.path == "deep/folder/subjectHumans.txt" && $0.template == "subjecthumans" })
        #expect(problems.contains { $0.problem.contains("Schema Version 3.15 in the .txt, 3.18 in defs/templates.json") })
        #expect(problems.contains { $0.problem.contains("missing from the .txt: Race") })
    }

    @Test("changed --templates names workspaces whose templates changed, not those with other file changes")
    func changedTemplates() async throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try await withSimulator { fixture in
            let request = SyncRequest(endpoints: fixture.endpoints, credentials: fixture.credentials)
            _ = try await Sync.run(request, into: history)
            try await Task.sleep(for: .milliseconds(5))
            let midway = Date()
            fixture.simulator.advance()
            _ = try await Sync.run(request, into: history)
            // A notes-only change in workspace 5003: files changed, templates did not.
            let latest = try history.resolve(.latest(back: 0), in: Series(workspace: 5003))
            var files: [(String, String)] = []
            for entry in try history.treeEntries(latest.tree) {
                var bytes: [UInt8] = []
                try history.loadBlob(sha256: entry.sha256!) { bytes.append(contentsOf: $0) }
                files.append((entry.path, String(decoding: bytes, as: UTF8.self)))
            }
            try makeZip(at: scratch.file("readme.zip"), files + [("NOTES.txt", "local notes")])
            try importZip(scratch.file("readme.zip"), workspace: 5003, into: history)

            #expect(try Queries.changed(since: midway, in: history).map(\.series.workspace) == [5001, 5002, 5003])
            let templateChanges = try Queries.templateChanges(since: midway, in: history)
            #expect(templateChanges.map(\.series.workspace) == [5001, 5002])
            #expect(templateChanges[0].snapshots[0].schemaVersions == [VersionMove(from: "3.15", to: "3.18", templates: 2)])
            #expect(templateChanges[1].snapshots[0].templatesRenamed == 1)
        }
    }
}
