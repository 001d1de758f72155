/// The template part of `diff`'s text output: what a submitter can act on, breaking changes
/// first, then a one-line overview, warnings, and each template's column changes.
struct TemplateSummary {
    let comparison: TemplateComparison
    let inconsistencies: [Inconsistency]
    let style: Style

    var isEmpty: Bool { comparison.templates.isEmpty && comparison.lookups.isEmpty && inconsistencies.isEmpty }

    func lines() -> [String] {
        var lines: [String] = []
        let breaking = comparison.breakingChanges
        if !breaking.isEmpty {
            lines.append(style.bold(style.red("Breaking changes (\(breaking.count)):")))
            lines += breaking.map { "  ! " + $0 }
        }
        lines.append(style.bold("Templates: ") + overview())
        if let lookups = lookupOverview() { lines.append(style.bold("Lookups: ") + lookups) }

        let unchangedVersion = comparison.warnings.filter { $0.message.hasPrefix("columns") }
        let versionOnly = comparison.warnings.filter { !$0.message.hasPrefix("columns") }
        for warning in unchangedVersion { lines.append(style.yellow("warning: ") + "\(warning.template): \(warning.message)") }
        if !versionOnly.isEmpty {
            lines.append(
                style.yellow("note: ")
                    + "\(count(versionOnly.count, "template")) moved Schema Version with no change to columns or rules")
        }
        for problem in inconsistencies {
            lines.append(style.yellow("inconsistent: ") + "\(problem.path) (\(problem.template)): \(problem.problem)")
        }

        for change in comparison.templates where change.columnsOrRulesChanged || change.status == .added || change.status == .removed {
            var title = "  \(change.name)"
            if change.status == .renamed { title += " (was \(change.fromName ?? ""))" }
            if change.status == .added { title += " (new, \(change.toFile ?? ""))" }
            if change.status == .removed { title += " (removed)" }
            if change.status != .added && change.status != .removed, change.fromVersion != change.toVersion {
                title += " \(change.fromVersion ?? "?") → \(change.toVersion ?? "?")"
            }
            lines.append(style.bold(title))
            guard change.status == .modified || change.status == .renamed else { continue }
            lines += change.columnsRemoved.map { style.red("    - \($0)") }
            lines += change.columnsAdded.map { style.green("    + \($0)") }
            lines += change.columnsMoved.map { "    ↕ \($0) moved" }
            for column in change.columnsChanged {
                let details = column.changes.keys.sorted().map { "\($0) \(column.changes[$0]!.from) → \(column.changes[$0]!.to)" }
                lines.append(style.yellow("    ~ \(column.column): ") + details.joined(separator: "; "))
            }
        }
        return lines
    }

    /// e.g. "schema 3.15 → 3.18 in 63 templates; 14 renamed (elisa → elisa_reagents, ...); 5 changed columns (...)".
    func overview() -> String {
        let templates = comparison.templates
        var parts: [String] = []
        var moves: [String: Int] = [:]
        for change in templates where change.status == .modified || change.status == .renamed {
            if change.fromVersion != change.toVersion {
                moves["\(change.fromVersion ?? "unset") → \(change.toVersion ?? "unset")", default: 0] += 1
            }
        }
        for (move, number) in moves.sorted(by: { $0.value > $1.value }) { parts.append("schema \(move) in \(count(number, "template"))") }
        let renamed = templates.filter { $0.status == .renamed }
        if !renamed.isEmpty {
            parts.append("\(renamed.count) renamed (" + list(renamed.map { "\($0.fromName ?? "") → \($0.name)" }) + ")")
        }
        let columns = templates.filter { $0.status != .added && $0.status != .removed && $0.columnsOrRulesChanged }
        if !columns.isEmpty { parts.append("\(columns.count) changed columns (" + list(columns.map(\.name)) + ")") }
        let added = templates.filter { $0.status == .added }
        if !added.isEmpty { parts.append("\(count(added.count, "template")) added (" + list(added.map(\.name)) + ")") }
        let removed = templates.filter { $0.status == .removed }
        if !removed.isEmpty { parts.append("\(count(removed.count, "template")) removed (" + list(removed.map(\.name)) + ")") }
        let other = templates.filter { !$0.changes.isEmpty }
        if !other.isEmpty {
            let keys = Set(other.flatMap(\.changes.keys)).sorted().joined(separator: ", ")
            parts.append("\(count(other.count, "template")) with other attributes changed (\(keys))")
        }
        return parts.isEmpty ? "no change" : parts.joined(separator: "; ")
    }

    func lookupOverview() -> String? {
        let lookups = comparison.lookups
        guard !lookups.isEmpty else { return nil }
        var parts: [String] = []
        let added = lookups.filter { $0.status == .added }
        let removed = lookups.filter { $0.status == .removed }
        let changed = lookups.filter { $0.status == .modified }
        if !added.isEmpty { parts.append("\(count(added.count, "table")) added (" + list(added.map(\.name)) + ")") }
        if !removed.isEmpty { parts.append("\(count(removed.count, "table")) removed (" + list(removed.map(\.name)) + ")") }
        if !changed.isEmpty {
            parts.append(
                "\(count(changed.count, "table")) changed values ("
                    + list(changed.map { "\($0.name) +\($0.valuesAdded.count) −\($0.valuesRemoved.count)" }) + ")")
        }
        return parts.joined(separator: "; ")
    }

    private func list(_ items: [String], limit: Int = 4) -> String {
        items.prefix(limit).joined(separator: ", ") + (items.count > limit ? ", …" : "")
    }

    private func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
}
