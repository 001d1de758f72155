import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackTemplates

struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "List the templates of a snapshot: names, files, versions, columns.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions
    @Option(help: "One template: its columns with required, data type and vocabulary.")
    var template: String?

    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try database.open()
        let found = try target.resolve(in: history)
        let (templates, inconsistencies) = try Queries.templates(of: found, in: history)
        if let template { return try printColumns(of: template, in: templates, snapshot: found) }
        if output.json { return try printJSON(templates) }
        let style = Style.forStandardOutput()
        var table = TextTable(["NAME", "VERSION", "TYPE", "COLUMNS", "FILE", "FOUND IN"], rightAligned: [3])
        for template in templates {
            table.add([
                template.name, template.schemaVersion ?? "", template.type ?? (template.source == .text ? "(.txt)" : ""),
                "\(template.columns.count)", template.file ?? "", template.path,
            ])
        }
        let fromDefinitions = templates.filter { $0.source == .definitions }.count
        print(
            "\(target.series), snapshot \(found.id): \(fromDefinitions) templates in definitions files, "
                + "\(templates.count - fromDefinitions) .txt templates")
        print(table.render(style: style))
        for problem in inconsistencies {
            print(style.yellow("inconsistent: ") + "\(problem.path) (\(problem.template)): \(problem.problem)")
        }
    }

    private func printColumns(of name: String, in templates: [TemplateListing], snapshot: Snapshot) throws {
        let named = templates.filter { $0.name == name }
        let definitions = named.filter { $0.source == .definitions }
        let matches = definitions.isEmpty ? named : definitions
        guard let chosen = matches.first else {
            throw TemplateTrackError(
                .notFound, "snapshot \(snapshot.id) has no template '\(DisplayName.escaped(name))'",
                at: [.workspace(target.workspace)])
        }
        if output.json { return try printJSON(chosen) }
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?: DisplayName.escaped(text)
            case .bool(let flag)?: flag ? "yes" : "no"
            case .number?: value!.plain
            default: ""
            }
        }
        var table = TextTable(["COLUMN", "REQUIRED", "TYPE", "VOCABULARY", "PREFERRED", "STORED AS"])
        for column in chosen.columns {
            var name = text(column["templateColumn"])
            if let block = column["block"], case .string(let blockName) = block { name = "\(blockName): \(name)" }
            table.add([
                name, text(column["required"]), text(column["jsonDataType"]), text(column["cvTableName"]),
                text(column["pvTableName"]), text(column["columnType"]),
            ])
        }
        let where_ = matches.count > 1 ? " (\(matches.count) templates share this name; showing \(chosen.path))" : ""
        print("\(chosen.name) \(chosen.schemaVersion ?? ""), \(chosen.file ?? chosen.path), snapshot \(snapshot.id)\(where_):")
        print(table.render(style: .forStandardOutput()))
    }
}
