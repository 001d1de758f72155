import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "List the templates of a snapshot: names, files, versions, columns.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try database.open()
        let found = try target.resolve(in: history)
        let (templates, inconsistencies) = try Queries.templates(of: found, in: history)
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
}
