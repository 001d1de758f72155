import Foundation
import Testing

@testable import TemplateTrack
@testable import TemplateTrackTemplates

/// Builds a zip holding `version`'s definitions, lookups and `.txt` templates, and imports it.
private func importImmPort(_ version: String, into history: HistoryDatabase, scratch: Scratch, at time: String) throws -> Snapshot {
    let folder = scratch.url.appending(path: "immport-\(version)")
    try ImmPortReference.writeTree(version: version, into: folder)
    try run(["zip", "-qr", "../immport-\(version).zip", "."], in: folder.path)
    return try Pipeline.importZip(
        at: scratch.file("immport-\(version).zip"), workspace: 1, fetchedAt: Timestamp.parse(time)!, into: history)
}

@Suite("Templates read as schemas")
struct TemplateTests {
    @Test(
        "ImmPort 3.15 → 3.18: every version moved, the 14 renames, exactly the 5 column changes, nothing else",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func immport315to318() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let old = try importImmPort("3.15", into: history, scratch: scratch, at: "2017-06-01T00:00:00Z")
        let new = try importImmPort("3.18", into: history, scratch: scratch, at: "2018-06-01T00:00:00Z")
        let inventory = try history.templates(of: old)
        #expect(inventory.definitions.count == 63)
        #expect(inventory.textTemplates.count == 63)
        #expect(inventory.inconsistencies.isEmpty)
        #expect(inventory.lookups.count == 43)

        let diff = try SnapshotDiff.compute(in: history, workspace: 1, from: .id(old.id), to: .id(new.id)).diff
        let templates = diff.templates
        #expect(templates.count == 63)
        #expect(templates.allSatisfy { $0.fromVersion == "3.15" && $0.toVersion == "3.18" })
        #expect(templates.allSatisfy { $0.fromFile == $0.toFile && $0.changes.isEmpty })

        // Independently: the renames are the templates whose name differs for the same file.
        let before = try definitionsByFile("3.15")
        let after = try definitionsByFile("3.18")
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
        #expect(diff.warnings.allSatisfy { $0.message.hasPrefix("Schema Version moved") })

        let text = DiffRenderer(history: history, style: Style(colour: false)).summary(diff)
        #expect(text.contains("Templates: schema 3.15 → 3.18 in 63 templates; 14 renamed (array → array_reagents, cytof → cytof_reagents, elisa → elisa_reagents, elispot → elispot_reagents, …); 5 changed columns (cytof_derived_data, fcm_derived_data, rna_seq_results, subjecthumans_immuneexposure, …)"))
        #expect(text.contains("! subjectshuman: column 'Ancestry Population(s)' removed"))
        #expect(text.contains("! lk_base_pop_name: table removed"))
        let breaking = text.range(of: "Breaking changes")!.lowerBound
        #expect(breaking < text.range(of: "Templates:")!.lowerBound)
    }

    @Test(
        "known edits to ImmPort's 3.18 definitions are reported exactly, and nothing else",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func knownEditsToRealDefinitions() throws {
        let data = try Data(contentsOf: ImmPortReference.folder.appending(path: "templates-3.18.json"))
        let original = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var edited = original.map { template -> [String: Any] in
            var copy = template
            copy["schemaVersion"] = "3.20"
            return copy
        }
        let singles = edited.indices.filter { edited[$0]["columns"] != nil }
        let (renamed, reordered, ruled, removed) = (singles[0], singles[1], singles[2], singles[3])
        // 1. A new name and a new file, same columns.
        edited[renamed]["name"] = "renamed_template"
        edited[renamed]["fileName"] = "Renamed_Template.txt"
        // 2. The first two columns swap places.
        var columns = edited[reordered]["columns"] as! [[String: Any]]
        columns.swapAt(0, 1)
        edited[reordered]["columns"] = columns
        // 3. A column's rule flips.
        columns = edited[ruled]["columns"] as! [[String: Any]]
        let ruledColumn = columns[2]["templateColumn"] as! String
        let wasRequired = columns[2]["required"] as! Bool
        columns[2]["required"] = !wasRequired
        edited[ruled]["columns"] = columns
        // 4. One template goes; 5. one arrives.
        let removedName = edited[removed]["name"] as! String
        edited.remove(at: removed)
        edited.append(Self.definition("brand_new", file: "Brand_New.txt", version: "3.20", columns: ["User Defined ID"]))
        // 6. A compound block stops being required.
        let compound = try #require(edited.firstIndex { $0["templates"] != nil })
        var blocks = edited[compound]["templates"] as! [[String: Any]]
        let blockName = blocks[1]["name"] as! String
        let blockWas = blocks[1]["templateRequired"] as! String  // ImmPort writes "yes"/"no"
        let blockNow = blockWas == "yes" ? "no" : "yes"
        blocks[1]["templateRequired"] = blockNow
        edited[compound]["templates"] = blocks

        let comparison = try Self.compare(original, edited)
        let byName = Dictionary(comparison.templates.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(comparison.templates.count == 64)  // 62 kept (all moved to 3.20), one removed, one added
        #expect(comparison.templates.filter { $0.status == .renamed }.map(\.name) == ["renamed_template"])
        #expect(byName["renamed_template"]?.fromName == original[renamed]["name"] as? String)
        #expect(byName["renamed_template"]?.columnsOrRulesChanged == false)
        #expect(comparison.templates.filter { $0.status == .removed }.map(\.name) == [removedName])
        #expect(comparison.templates.filter { $0.status == .added }.map(\.name) == ["brand_new"])
        let reorderedName = original[reordered]["name"] as! String
        let ruledName = original[ruled]["name"] as! String
        let compoundName = original[compound]["name"] as! String
        let withColumnChanges = comparison.templates.filter { $0.status != .added && $0.status != .removed && $0.columnsOrRulesChanged }
        #expect(Set(withColumnChanges.map(\.name)) == [reorderedName, ruledName])
        #expect(byName[reorderedName]?.columnsMoved.count == 1)
        #expect(byName[reorderedName]?.columnsAdded.isEmpty == true && byName[reorderedName]?.columnsRemoved.isEmpty == true)
        #expect(byName[ruledName]?.columnsChanged == [
            ColumnChange(column: ruledColumn, changes: ["required": ValueChange(from: .bool(wasRequired), to: .bool(!wasRequired))]),
        ])
        let otherChanges = comparison.templates.filter { !$0.changes.isEmpty }
        #expect(otherChanges.map(\.name).sorted() == [compoundName, "renamed_template"].sorted())
        #expect(byName[compoundName]?.changes == ["\(blockName).templateRequired": ValueChange(from: .string(blockWas), to: .string(blockNow))])
        #expect(comparison.templates.filter { $0.status == .modified || $0.status == .renamed }.allSatisfy {
            $0.fromVersion == "3.18" && $0.toVersion == "3.20"
        })
    }

    private func definitionsByFile(_ version: String) throws -> [String: (name: String, version: String)] {
        let data = try Data(contentsOf: ImmPortReference.folder.appending(path: "templates-\(version).json"))
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: array.map {
            ($0["fileName"] as! String, ($0["name"] as! String, $0["schemaVersion"] as! String))
        })
    }

    static func definition(_ name: String, file: String, version: String = "1.0", columns: [String], required: Set<String> = []) -> [String: Any] {
        [
            "name": name, "fileName": file, "schemaVersion": version, "templateType": "single", "description": "",
            "columns": columns.map { ["templateColumn": $0, "jsonAttribute": $0.lowercased(), "required": required.contains($0)] as [String: Any] },
        ]
    }

    static func compare(_ old: [[String: Any]], _ new: [[String: Any]]) throws -> TemplateComparison {
        func parse(_ definitions: [[String: Any]]) throws -> [Template] {
            let bytes = Array(try JSONSerialization.data(withJSONObject: definitions))
            guard case .definitions(let templates) = TemplateRecognizer.recognize(bytes) else {
                Issue.record("not recognized as definitions")
                return []
            }
            return templates
        }
        return TemplateComparer.compare(old: try parse(old), new: try parse(new))
    }

    @Test("a template that changes both name and file but keeps its columns is one rename")
    func renameByColumns() throws {
        let columns = ["User Defined ID", "Subject ID", "Result", "Unit", "Comments"]
        let comparison = try Self.compare(
            [Self.definition("labtests", file: "labTests.txt", columns: columns), Self.definition("other", file: "other.txt", columns: ["A"])],
            [Self.definition("lab_tests", file: "lab_tests_v2.txt", columns: columns + ["Panel"]), Self.definition("other", file: "other.txt", columns: ["A"])])
        #expect(comparison.templates.count == 1)
        let change = try #require(comparison.templates.first)
        #expect((change.status, change.fromName, change.name) == (.renamed, "labtests", "lab_tests"))
        #expect(change.columnsAdded == ["Panel"])
        #expect(change.changes["fileName"] == ValueChange(from: .string("labTests.txt"), to: .string("lab_tests_v2.txt")))
    }

    @Test("a reused name does not pair two different templates; the columns decide")
    func reusedName() throws {
        let columns = ["User Defined ID", "Subject ID", "Result", "Unit", "Comments"]
        let comparison = try Self.compare(
            [Self.definition("results", file: "results.txt", columns: columns)],
            [Self.definition("results", file: "results_v2.txt", columns: ["Panel", "Analyte"]),
             Self.definition("lab_results", file: "lab_results.txt", columns: columns)])
        let byName = Dictionary(uniqueKeysWithValues: comparison.templates.map { ($0.name, $0) })
        #expect(byName["lab_results"]?.status == .renamed)
        #expect(byName["lab_results"]?.fromName == "results")
        #expect(byName["results"]?.status == .added)
    }

    @Test("templates sharing a name never collapse into one")
    func duplicateNames() throws {
        let comparison = try Self.compare(
            [Self.definition("elisa", file: "experimentSamples.ELISA.txt", columns: ["Expsample ID", "Value"]),
             Self.definition("elisa", file: "reagents.ELISA.txt", columns: ["Reagent ID", "Name"])],
            [Self.definition("elisa", file: "experimentSamples.ELISA.txt", columns: ["Expsample ID", "Value"]),
             Self.definition("elisa_reagents", file: "reagents.ELISA.txt", columns: ["Reagent ID", "Name", "Lot"])])
        #expect(comparison.templates.count == 1)
        #expect(comparison.templates.first?.fromName == "elisa")
        #expect(comparison.templates.first?.name == "elisa_reagents")
        #expect(comparison.templates.first?.columnsAdded == ["Lot"])
    }

    @Test("added, removed and reordered columns, a new required column, and the warnings")
    func columnsAndWarnings() throws {
        let comparison = try Self.compare(
            [Self.definition("a", file: "a.txt", version: "3.15", columns: ["One", "Two", "Three", "Four"]),
             Self.definition("b", file: "b.txt", version: "3.15", columns: ["X"]),
             Self.definition("gone", file: "gone.txt", columns: ["G"])],
            [Self.definition("a", file: "a.txt", version: "3.15", columns: ["One", "Three", "Two", "Five"], required: ["Five"]),
             Self.definition("b", file: "b.txt", version: "3.18", columns: ["X"]),
             Self.definition("new", file: "new.txt", columns: ["N"], required: ["N"])])
        let a = try #require(comparison.templates.first { $0.name == "a" })
        #expect(a.columnsAdded == ["Five"])
        #expect(a.columnsRemoved == ["Four"])
        #expect(a.columnsMoved == ["Two"] || a.columnsMoved == ["Three"])
        #expect(comparison.templates.first { $0.name == "gone" }?.status == .removed)
        #expect(comparison.templates.first { $0.name == "new" }?.status == .added)
        #expect(comparison.warnings == [
            TemplateWarning(template: "a", message: "columns or rules changed but Schema Version stayed 3.15"),
            TemplateWarning(template: "b", message: "Schema Version moved 3.15 → 3.18 with no change to columns or rules"),
        ])
        let breaking = comparison.breakingChanges
        #expect(breaking.contains("a: new required column 'Five'"))
        #expect(breaking.contains("a: column 'Four' removed"))
        #expect(breaking.contains("gone: template removed"))
        #expect(!breaking.contains { $0.hasPrefix("new:") })
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
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        var snapshots: [Snapshot] = []
        for (index, definition) in [compound(required: false, personnel: ["Last Name"]), compound(required: true, personnel: ["Last Name", "Email"])].enumerated() {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: [definition]), as: UTF8.self)
            try makeZip(at: scratch.file("\(index).zip"), [("templates.json", json)])
            snapshots.append(try Pipeline.importZip(at: scratch.file("\(index).zip"), workspace: 4, into: history))
        }
        let diff = try SnapshotDiff.compute(in: history, workspace: 4).diff
        let change = try #require(diff.templates.first)
        #expect(diff.templates.count == 1)
        #expect(change.columnsAdded == ["study_personnel: Email"])
        #expect(change.changes == ["study_personnel.templateRequired": ValueChange(from: .bool(false), to: .bool(true))])
        #expect(diff.warnings.map(\.template) == ["basic_study_design"])
        let listing = try history.templateListings(of: snapshots[1]).templates
        #expect(listing.first?.columns.map { $0["block"] } == [.string("study"), .string("study_personnel"), .string("study_personnel")])
    }

    @Test("recognition reads content, not names: text templates with CRLF, compound blocks, lookups")
    func recognition() throws {
        let text = "subjecthumans\tSchema Version 3.18\r\nPlease do not delete or edit this column\r\nColumn Name\tUser Defined ID\tGender\t\r\n\tS1\tFemale\r\n"
        guard case .textTemplate(let template) = TemplateRecognizer.recognize(Array(text.utf8)) else {
            Issue.record("not recognized")
            return
        }
        #expect(template.name == "subjecthumans")
        #expect(template.schemaVersion == "3.18")
        #expect(template.qualifiedColumnNames == ["User Defined ID", "Gender"])

        let compound = "basic_study_design\tSchema Version 3.15\nValidation Level\tStandard\n\nstudy\nUser Defined ID\tS1\nBrief Title\tA study\n\narm_or_cohort\nColumn Name\tUser Defined ID\tName\n"
        guard case .textTemplate(let study) = TemplateRecognizer.recognize(Array(compound.utf8)) else {
            Issue.record("compound not recognized")
            return
        }
        #expect(study.qualifiedColumnNames == ["study: User Defined ID", "study: Brief Title", "arm_or_cohort: User Defined ID", "arm_or_cohort: Name"])

        let lookups = #"[{"name": "lk_gender", "rows": [{"name": "Female", "description": "", "link": ""}]}]"#
        #expect(TemplateRecognizer.recognize(Array(lookups.utf8)) == .lookups([
            LookupTable(name: "lk_gender", values: [.init(name: "Female", description: "", link: "")]),
        ]))
        #expect(TemplateRecognizer.recognize(Array(#"[{"name": "x"}]"#.utf8)) == nil)
        let single = try JSONSerialization.data(withJSONObject: Self.definition("protocols", file: "protocols.txt", columns: ["User Defined ID"]))
        guard case .definitions(let one) = TemplateRecognizer.recognize(Array(single)) else {
            Issue.record("a single definition object not recognized")
            return
        }
        #expect(one.map(\.name) == ["protocols"])
        #expect(TemplateRecognizer.recognize(Array("just\ttext\n".utf8)) == nil)
    }

    @Test("a template defined both in the array and in its own JSON file counts once")
    func definedTwice() throws {
        let scratch = try Scratch()
        let a = Self.definition("subjecthumans", file: "subjectHumans.txt", columns: ["User Defined ID"])
        let b = Self.definition("protocols", file: "protocols.txt", columns: ["File Name"])
        try makeZip(at: scratch.file("a.zip"), [
            ("templates.json", String(decoding: try JSONSerialization.data(withJSONObject: [a, b]), as: UTF8.self)),
            ("json/subjectHumans.json", String(decoding: try JSONSerialization.data(withJSONObject: a), as: UTF8.self)),
        ])
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let snapshot = try Pipeline.importZip(at: scratch.file("a.zip"), workspace: 2, into: history)
        let inventory = try history.templates(of: snapshot)
        #expect(inventory.definitions.count == 3)
        #expect(inventory.templates.map(\.template.name).sorted() == ["protocols", "subjecthumans"])
    }

    @Test("a .txt template that disagrees with its definition is recorded and reported")
    func inconsistency() throws {
        let scratch = try Scratch()
        let definitions = try JSONSerialization.data(withJSONObject: [Self.definition("subjecthumans", file: "subjectHumans.txt", version: "3.18", columns: ["User Defined ID", "Gender", "Race"])])
        try makeZip(at: scratch.file("a.zip"), [
            ("defs/templates.json", String(decoding: definitions, as: UTF8.self)),
            ("deep/folder/subjectHumans.txt", "subjecthumans\tSchema Version 3.15\nPlease do not delete or edit this column\nColumn Name\tUser Defined ID\tGender\n"),
        ])
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let snapshot = try Pipeline.importZip(at: scratch.file("a.zip"), workspace: 2, into: history)
        let (listings, problems) = try history.templateListings(of: snapshot)
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
        let fixture = try await SimulatorFixture.start()
        defer { Task { await fixture.server.stop() } }
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        _ = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        let midway = Date()
        fixture.server.simulator.advance()
        _ = try await Pipeline.sync(endpoints: fixture.endpoints, credentials: fixture.credentials, into: history)
        // A README-only change in workspace 5003: files changed, templates did not.
        try makeZip(at: scratch.file("readme.zip"), try history.files(of: try history.resolve(.latest(back: 0), workspace: 5003)).map {
            ($0.path, String(decoding: try history.content(sha256: $0.sha256), as: UTF8.self))
        } + [("NOTES.txt", "local notes")])
        try Pipeline.importZip(at: scratch.file("readme.zip"), workspace: 5003, into: history)

        #expect(try history.changedWorkspaces(since: midway).map(\.workspace) == [5001, 5002, 5003])
        let templateChanges = try history.templateChanges(since: midway)
        #expect(templateChanges.map(\.workspace) == [5001, 5002])
        #expect(templateChanges[0].snapshots[0].schemaVersions == ["3.15 → 3.18": 2])
        #expect(templateChanges[1].snapshots[0].templatesRenamed == 1)
    }
}
