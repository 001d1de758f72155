import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackTemplates

struct LookupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookups",
        abstract: "List the lookup tables of a snapshot, one table's values, or what changed in them.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions

    @Argument(help: "A lookup table, e.g. lk_sample_type (default: every table, with its number of values).")
    var table: String?

    @Option(help: "Compare with this older snapshot: the values each table gained and lost.")
    var from: String?

    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try database.open()
        let snapshot = try target.resolve(in: history)
        let lookups = try history.templates(of: snapshot.tree).lookups
        if let from {
            let older = try history.resolve(try SnapshotReference(parsing: from), in: target.series)
            var changes = TemplateComparer.compare(old: [], new: [], oldLookups: try history.templates(of: older.tree).lookups, newLookups: lookups).lookups
            if let table {
                changes = changes.filter { $0.name == table }
                let olderLookups = try history.templates(of: older.tree).lookups
                if changes.isEmpty, !lookups.contains(where: { $0.name == table }), !olderLookups.contains(where: { $0.name == table }) {
                    throw TemplateTrackError(
                        .notFound, "neither snapshot \(older.id) nor \(snapshot.id) has lookup table '\(DisplayName.escaped(table))'",
                        at: [.workspace(target.workspace)])
                }
            }
            if output.json { return try printJSON(changes) }
            guard !changes.isEmpty else { return print("no lookup changed between snapshots \(older.id) and \(snapshot.id)") }
            let style = Style.forStandardOutput()
            for change in changes {
                print(style.bold("\(change.name)") + " (\(change.status.rawValue))")
                for value in change.valuesRemoved { print(style.red("  - \(DisplayName.escaped(value))")) }
                for value in change.valuesAdded { print(style.green("  + \(DisplayName.escaped(value))")) }
            }
            return
        }
        if let table {
            guard let found = lookups.first(where: { $0.name == table }) else {
                throw TemplateTrackError(
                    .notFound, "snapshot \(snapshot.id) has no lookup table '\(DisplayName.escaped(table))'",
                    at: [.workspace(target.workspace)])
            }
            if output.json { return try printJSON(found.values.map(LookupValueJSON.init)) }
            var text = TextTable(["VALUE", "DESCRIPTION"])
            for value in found.values {
                text.add([DisplayName.escaped(value.name), DisplayName.escaped(value.description ?? "")])
            }
            print("\(table) in \(target.series), snapshot \(snapshot.id): \(found.values.count) values")
            return print(text.render(style: .forStandardOutput()))
        }
        if output.json { return try printJSON(lookups.map { LookupTableJSON(name: $0.name, values: $0.values.count) }) }
        var text = TextTable(["TABLE", "VALUES"], rightAligned: [1])
        for lookup in lookups { text.add([lookup.name, "\(lookup.values.count)"]) }
        print("\(target.series), snapshot \(snapshot.id): \(lookups.count) lookup tables")
        print(text.render(style: .forStandardOutput()))
    }
}

struct LookupTableJSON: Encodable {
    var name: String
    var values: Int
}

struct LookupValueJSON: Encodable {
    var name: String
    var description: String?
    var link: String?

    init(_ value: LookupTable.Value) {
        name = value.name
        description = value.description
        link = value.link
    }

    enum CodingKeys: String, CodingKey { case name, description, link }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(link, forKey: .link)
    }
}
