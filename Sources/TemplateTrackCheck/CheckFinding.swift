/// The rule a finding breaks. Raw values are the names scripts and JSON output use.
public enum CheckRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// The file's `Schema Version` tag differs from the catalog's version of its template.
    case schemaVersion = "schema_version"
    /// The file names a template the catalog does not have, or one whose columns are another template's.
    case unknownTemplate = "unknown_template"
    /// A column (or a required block of a compound template) of the template is absent from the file.
    case missingColumn = "missing_column"
    /// A header the template does not have, a header repeated, or a value with no header above it.
    case unknownColumn = "unknown_column"
    /// A required cell is empty.
    case required
    /// A value is not in the column's controlled vocabulary (`cvTableName`).
    case vocabulary
    /// A value is not in the column's preferred values (`pvTableName`); a warning only.
    case preferredValue = "preferred_value"
    /// A value does not have the column's data type: `number` is a decimal number (`12`,
    /// `-0.5`, `1e-3`; no separators, no NaN), `positive` a whole number above zero, `date`
    /// `dd-MMM-yyyy`, `dd-MMM-yy` or `yyyy-MM-dd` naming a real day. `enum` values are checked
    /// under `vocabulary` and `preferred_value` instead; `string` and `array` (items split on
    /// `;`, each checked on its own) have no type check.
    case type
    /// A value is longer than the column's `varchar(N)`.
    case length
    /// A `User Defined ID` repeats one used on an earlier row of the same block.
    case duplicateID = "duplicate_id"
}

/// How serious a finding is: errors make ImmPort reject the file, warnings do not.
public enum CheckSeverity: String, Sendable, Hashable, Codable, Comparable {
    /// ImmPort's validator would reject the file.
    case error
    /// Worth a look, but accepted.
    case warning

    /// Errors sort before warnings.
    public static func < (lhs: CheckSeverity, rhs: CheckSeverity) -> Bool { lhs == .error && rhs == .warning }
}

/// One problem found in a filled-in template.
///
/// `template` is the name the file itself gives in its first cell, so the same file checked
/// against two catalogs yields comparable findings even when the template was renamed.
/// `row` is the 1-based line (or spreadsheet row) a person sees; nil for findings about the
/// file as a whole (a missing block).
public struct CheckFinding: Sendable, Hashable, Codable {
    /// The path of the checked file, as given.
    public var file: String
    /// The template name written in the file's first cell.
    public var template: String
    /// The block of a compound template (`study`, `arm_or_cohort`); nil otherwise.
    public var block: String?
    /// The 1-based line or spreadsheet row.
    public var row: Int?
    /// The column header concerned, when there is one.
    public var column: String?
    /// The rule broken.
    public var rule: CheckRule
    /// The offending value as written (trimmed of surrounding spaces).
    public var value: String?
    /// What would be accepted (`a number`, `3.18`, `row 4`), when that can be said briefly.
    public var expected: String?
    /// Error or warning.
    public var severity: CheckSeverity
    /// One plain English sentence for people.
    public var message: String

    /// Creates a finding; `message` is written from the other fields when not given.
    public init(
        file: String, template: String, block: String? = nil, row: Int? = nil, column: String? = nil,
        rule: CheckRule, value: String? = nil, expected: String? = nil, severity: CheckSeverity,
        message: String? = nil
    ) {
        self.file = file
        self.template = template
        self.block = block
        self.row = row
        self.column = column
        self.rule = rule
        self.value = value
        self.expected = expected
        self.severity = severity
        self.message = ""
        self.message = message ?? FindingWording.sentence(for: self)
    }

    enum CodingKeys: String, CodingKey {
        case file, template, block, row, column, rule, value, expected, severity, message
    }

    /// Encodes every key, absent values as `null`, so the JSON shape never changes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(template, forKey: .template)
        try container.encode(block, forKey: .block)
        try container.encode(row, forKey: .row)
        try container.encode(column, forKey: .column)
        try container.encode(rule, forKey: .rule)
        try container.encode(value, forKey: .value)
        try container.encode(expected, forKey: .expected)
        try container.encode(severity, forKey: .severity)
        try container.encode(message, forKey: .message)
    }

    /// The key findings are matched on across two catalogs: file, template, block, row, column, rule.
    var matchKey: MatchKey { MatchKey(file: file, template: template, block: block, row: row, column: column, rule: rule) }

    struct MatchKey: Hashable {
        var file: String
        var template: String
        var block: String?
        var row: Int?
        var column: String?
        var rule: CheckRule
    }
}
