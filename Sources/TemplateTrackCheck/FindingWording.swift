/// The English wording of findings, derived from their fields alone so that a finding read
/// back from JSON, and a group of findings, say the same thing.
enum FindingWording {
    /// What is wrong, without the row or the value: shared by every finding of a group.
    static func fault(
        rule: CheckRule, template: String, block: String?, column: String?, value: String?, expected: String?,
        severity: CheckSeverity
    ) -> String {
        let name = quoted(column ?? "")
        switch rule {
        case .schemaVersion:
            return "Schema Version is \(oneLine(value ?? "missing")) but the template is at \(expected ?? "another version")"
        case .unknownTemplate:
            if let expected { return "template \(quoted(template)) has the columns of \(quoted(expected))" }
            return "template \(quoted(template)) is not in the catalog"
        case .missingColumn:
            guard column != nil else { return "required block \(quoted(block ?? "")) is missing" }
            return severity == .error ? "required column \(name) is missing" : "column \(name) is missing"
        case .unknownColumn:
            if column == nil {
                return value == nil
                    ? "block \(quoted(block ?? "")) is not part of template \(quoted(template))"
                    : "a value has no column header above it"
            }
            if expected != nil { return "column \(name) appears more than once" }
            return "column \(name) is not part of template \(quoted(template))"
        case .required:
            return "\(name) is empty but required"
        case .vocabulary, .preferredValue, .type:
            return "\(name) is not \(expected ?? "an accepted value")"
        case .length:
            return "\(name) is longer than allowed (\(expected ?? "shorter"))"
        case .duplicateID:
            return "\(name) repeats an ID used on an earlier row"
        }
    }

    /// A one-line sentence: where, what, and the value when it helps.
    static func sentence(for finding: CheckFinding) -> String {
        let fault = fault(
            rule: finding.rule, template: finding.template, block: finding.block, column: finding.column,
            value: finding.value, expected: finding.expected, severity: finding.severity)
        var text: String
        switch (finding.row, finding.block) {
        case (let row?, let block?): text = "Row \(row) (block \(quoted(block))): \(fault)"
        case (let row?, nil): text = "Row \(row): \(fault)"
        case (nil, _): text = capitalizedFirst(fault)
        }
        switch finding.rule {
        case .vocabulary, .preferredValue, .type, .length:
            if let value = finding.value { text += " (\(quoted(value)))" }
        case .duplicateID:
            if let value = finding.value, let first = finding.expected { text += " (\(quoted(value)), first on \(first))" }
        case .unknownColumn where finding.column == nil && finding.value != nil:
            text += " (\(quoted(finding.value ?? "")))"
        default:
            break
        }
        return text + "."
    }

    /// `'text'`, kept on one line and short enough to read.
    static func quoted(_ text: String) -> String { "'\(oneLine(text))'" }

    /// Control characters (a spreadsheet cell can hold line breaks) become spaces; long text is cut.
    static func oneLine(_ text: String, limit: Int = 80) -> String {
        var result = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
        }))
        if result.count > limit { result = String(result.prefix(limit - 1)) + "…" }
        return result
    }

    static func capitalizedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
