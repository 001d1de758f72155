/// Text renderings shared by several commands.
public enum Report {
    public static func syncOutcomes(_ outcomes: [WorkspaceOutcome], style: Style) -> String {
        var table = TextTable(["WORKSPACE", "NAME", "FILES", "SNAPSHOT", "RESULT"], rightAligned: [2, 3])
        for outcome in outcomes {
            let id = "\(outcome.workspace.workspaceId)"
            let name = outcome.workspace.name ?? ""
            if let snapshot = outcome.snapshot {
                let result: String
                if snapshot.previous == nil {
                    result = style.green("recorded (first snapshot)")
                } else if snapshot.changed {
                    result = style.yellow("changed since snapshot \(snapshot.previous!)")
                } else {
                    result = "unchanged (same contents as snapshot \(snapshot.previous!))"
                }
                table.add([id, name, "\(snapshot.fileCount)", "\(snapshot.id)", result])
            } else {
                table.add([id, name, "", "", style.red("failed: \(outcome.error.map(\.message) ?? "")")])
            }
        }
        return table.render(style: style).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    public static func fileChange(_ change: FileChange, style: Style) -> String {
        switch change.status {
        case .added: style.green("added    ") + " " + change.path
        case .removed: style.red("removed  ") + " " + change.path
        case .modified: style.yellow("modified ") + " " + change.path
        case .renamed: style.yellow("renamed  ") + " " + (change.fromPath ?? "?") + " → " + change.path
        }
    }
}
