public import TemplateTrackBase

/// A value before and after.
public struct ValueChange: Sendable, Hashable, Codable {
    public var from: JSONValue
    public var to: JSONValue

    public init(from: JSONValue, to: JSONValue) {
        self.from = from
        self.to = to
    }
}

/// A column whose attributes changed.
public struct ColumnChange: Sendable, Hashable, Codable {
    /// The column's `templateColumn` (block-qualified in compound templates: `study: Brief Title`).
    public var column: String
    /// Attribute (the definition's own key) -> from/to.
    public var changes: [String: ValueChange]
}

/// How one template differs between two snapshots.
public struct TemplateChange: Sendable, Hashable, Codable {
    public typealias Status = ChangeStatus
    public var name: String
    public var status: Status
    /// The old name, for renames only.
    public var fromName: String?
    @NullWhenAbsent public var fromVersion: String?
    @NullWhenAbsent public var toVersion: String?
    @NullWhenAbsent public var fromFile: String?
    @NullWhenAbsent public var toFile: String?
    public var columnsAdded: [String] = []
    public var columnsRemoved: [String] = []
    public var columnsMoved: [String] = []
    public var columnsChanged: [ColumnChange] = []
    /// Template-level attributes other than name and version (`fileName`, `templateType`, `description`, ...).
    public var changes: [String: ValueChange] = [:]

    enum CodingKeys: String, CodingKey {
        case name, status, fromName = "from_name", fromVersion = "from_version", toVersion = "to_version"
        case fromFile = "from_file", toFile = "to_file", columnsAdded = "columns_added", columnsRemoved = "columns_removed"
        case columnsMoved = "columns_moved", columnsChanged = "columns_changed", changes
    }

    /// True when the column list or a column's rules changed (not only the version or name).
    public var columnsOrRulesChanged: Bool {
        !columnsAdded.isEmpty || !columnsRemoved.isEmpty || !columnsMoved.isEmpty || !columnsChanged.isEmpty
    }
}

/// How one lookup table differs.
public struct LookupChange: Sendable, Hashable, Codable {
    public var name: String
    /// `added`, `removed` or `modified`.
    public var status: ChangeStatus
    public var valuesAdded: [String]
    public var valuesRemoved: [String]

    enum CodingKeys: String, CodingKey { case name, status, valuesAdded = "values_added", valuesRemoved = "values_removed" }
}

/// A change that can break data a submitter already prepared.
public struct BreakingChange: Sendable, Hashable, Codable {
    /// What broke; the raw values are the `kind` of the JSON `breaking` items.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A template is gone.
        case templateRemoved = "template_removed"
        /// A template gained a column that must be filled.
        case requiredColumnAdded = "required_column_added"
        /// An optional column became required.
        case columnNowRequired = "column_now_required"
        /// A column is gone.
        case columnRemoved = "column_removed"
        /// A column's `jsonDataType` changed.
        case dataTypeChanged = "data_type_changed"
        /// A column's controlled vocabulary (`cvTableName`) changed.
        case vocabularyChanged = "vocabulary_changed"
        /// A lookup table lost values.
        case vocabularyNarrowed = "vocabulary_narrowed"
        /// A lookup table is gone, with its values.
        case lookupTableRemoved = "lookup_table_removed"
    }

    public var kind: Kind
    /// The template concerned, for template and column kinds.
    public var template: String?
    /// The column concerned (block-qualified in compound templates).
    public var column: String?
    /// The lookup table concerned, for vocabulary kinds.
    public var lookup: String?
    /// The lookup values that are gone.
    public var values: [String]
    /// The attribute's value before and after, for data type and vocabulary changes.
    public var from: JSONValue?
    public var to: JSONValue?

    public init(
        kind: Kind, template: String? = nil, column: String? = nil, lookup: String? = nil, values: [String] = [],
        from: JSONValue? = nil, to: JSONValue? = nil
    ) {
        self.kind = kind
        self.template = template
        self.column = column
        self.lookup = lookup
        self.values = values
        self.from = from
        self.to = to
    }

    /// The change in one plain line, as every renderer words it.
    public var message: String {
        let template = self.template ?? "", column = self.column ?? "", lookup = self.lookup ?? ""
        switch kind {
        case .templateRemoved: return "\(template): template removed"
        case .requiredColumnAdded: return "\(template): new required column '\(column)'"
        case .columnNowRequired: return "\(template): column '\(column)' is now required"
        case .columnRemoved: return "\(template): column '\(column)' removed"
        case .dataTypeChanged:
            return "\(template): column '\(column)' data type \(from?.plain ?? "unset") → \(to?.plain ?? "unset")"
        case .vocabularyChanged:
            return "\(template): column '\(column)' vocabulary \(from?.plain ?? "unset") → \(to?.plain ?? "unset")"
        case .vocabularyNarrowed, .lookupTableRemoved:
            // Some real value names span lines; keep each message on one.
            let shown = values.prefix(5).map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
            let more = values.count > 5 ? ", …" : ""
            let what = kind == .lookupTableRemoved ? "table removed" : "narrowed vocabulary"
            let count = values.count == 1 ? "1 value" : "\(values.count) values"
            return "\(lookup): \(what), \(count) gone (\(shown.joined(separator: ", "))\(more))"
        }
    }

    enum CodingKeys: String, CodingKey { case kind, template, column, lookup, values, from, to, message }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        template = try container.decodeIfPresent(String.self, forKey: .template)
        column = try container.decodeIfPresent(String.self, forKey: .column)
        lookup = try container.decodeIfPresent(String.self, forKey: .lookup)
        values = try container.decodeIfPresent([String].self, forKey: .values) ?? []
        from = try container.decodeIfPresent(JSONValue.self, forKey: .from)
        to = try container.decodeIfPresent(JSONValue.self, forKey: .to)
    }

    /// Every key, `null` where it does not apply, and the message.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(template, forKey: .template)
        try container.encode(column, forKey: .column)
        try container.encode(lookup, forKey: .lookup)
        try container.encode(values, forKey: .values)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(message, forKey: .message)
    }
}

/// Something a person should look at.
public struct TemplateWarning: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Columns or rules changed while the Schema Version stayed.
        case rulesChangedVersionKept = "rules_changed_version_kept"
        /// The Schema Version moved while nothing else changed.
        case versionOnly = "version_only"
    }

    public var kind: Kind
    public var template: String
    public var fromVersion: String?
    public var toVersion: String?

    public init(kind: Kind, template: String, fromVersion: String?, toVersion: String?) {
        self.kind = kind
        self.template = template
        self.fromVersion = fromVersion
        self.toVersion = toVersion
    }

    /// The warning in plain words (without the template's name).
    public var message: String {
        switch kind {
        case .rulesChangedVersionKept: "columns or rules changed but Schema Version stayed \(toVersion ?? "unset")"
        case .versionOnly:
            "Schema Version moved \(fromVersion ?? "unset") → \(toVersion ?? "unset") with no change to columns or rules"
        }
    }

    enum CodingKeys: String, CodingKey { case kind, template, fromVersion = "from_version", toVersion = "to_version", message }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        template = try container.decode(String.self, forKey: .template)
        fromVersion = try container.decodeIfPresent(String.self, forKey: .fromVersion)
        toVersion = try container.decodeIfPresent(String.self, forKey: .toVersion)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(template, forKey: .template)
        try container.encode(fromVersion, forKey: .fromVersion)
        try container.encode(toVersion, forKey: .toVersion)
        try container.encode(message, forKey: .message)
    }
}

/// A `.txt` template that disagrees with its definition in the same snapshot.
public struct Inconsistency: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case schemaVersion = "schema_version"
        case name
        case columns
    }

    public var kind: Kind
    /// The `.txt` template's path in the zip.
    public var path: String
    /// The definition's template name.
    public var template: String
    /// The definitions file it disagrees with.
    public var definitionPath: String
    /// What the `.txt` and the definition say, for version and name disagreements.
    public var textValue: String?
    public var definitionValue: String?
    /// Columns of the definition missing from the `.txt`, and columns only the `.txt` has.
    public var missingColumns: [String]
    public var extraColumns: [String]

    public init(
        kind: Kind, path: String, template: String, definitionPath: String, textValue: String? = nil,
        definitionValue: String? = nil, missingColumns: [String] = [], extraColumns: [String] = []
    ) {
        self.kind = kind
        self.path = path
        self.template = template
        self.definitionPath = definitionPath
        self.textValue = textValue
        self.definitionValue = definitionValue
        self.missingColumns = missingColumns
        self.extraColumns = extraColumns
    }

    /// The disagreement in plain words.
    public var problem: String {
        switch kind {
        case .schemaVersion:
            return "Schema Version \(textValue ?? "missing") in the .txt, \(definitionValue ?? "missing") in \(definitionPath)"
        case .name:
            return "named '\(textValue ?? "")' in the .txt, '\(definitionValue ?? "")' in \(definitionPath)"
        case .columns:
            var problem = "columns differ from \(definitionPath)"
            if !missingColumns.isEmpty { problem += "; missing from the .txt: " + missingColumns.joined(separator: ", ") }
            if !extraColumns.isEmpty { problem += "; only in the .txt: " + extraColumns.joined(separator: ", ") }
            if missingColumns.isEmpty && extraColumns.isEmpty { problem += " in order" }
            return problem
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, path, template, definitionPath = "definition_path", textValue = "text_value"
        case definitionValue = "definition_value", missingColumns = "missing_columns", extraColumns = "extra_columns"
        case problem
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        path = try container.decode(String.self, forKey: .path)
        template = try container.decode(String.self, forKey: .template)
        definitionPath = try container.decode(String.self, forKey: .definitionPath)
        textValue = try container.decodeIfPresent(String.self, forKey: .textValue)
        definitionValue = try container.decodeIfPresent(String.self, forKey: .definitionValue)
        missingColumns = try container.decodeIfPresent([String].self, forKey: .missingColumns) ?? []
        extraColumns = try container.decodeIfPresent([String].self, forKey: .extraColumns) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(path, forKey: .path)
        try container.encode(template, forKey: .template)
        try container.encode(definitionPath, forKey: .definitionPath)
        try container.encode(textValue, forKey: .textValue)
        try container.encode(definitionValue, forKey: .definitionValue)
        try container.encode(missingColumns, forKey: .missingColumns)
        try container.encode(extraColumns, forKey: .extraColumns)
        try container.encode(problem, forKey: .problem)
    }
}

/// The template-aware differences between two snapshots.
public struct TemplateComparison: Sendable, Hashable, Codable {
    public var templates: [TemplateChange]
    public var lookups: [LookupChange]
    public var warnings: [TemplateWarning]
    /// What can break prepared data, most serious first within each template, lookups last.
    public var breaking: [BreakingChange]

    public init(
        templates: [TemplateChange] = [], lookups: [LookupChange] = [], warnings: [TemplateWarning] = [],
        breaking: [BreakingChange] = []
    ) {
        self.templates = templates
        self.lookups = lookups
        self.warnings = warnings
        self.breaking = breaking
    }

    /// No template or lookup differs.
    public var isEmpty: Bool { templates.isEmpty && lookups.isEmpty }

    /// Schema Version moves of paired templates, e.g. 3.15 → 3.18 in 63 templates, most first.
    public var versionMoves: [VersionMove] {
        var counts: [VersionMove.Key: Int] = [:]
        for change in templates where change.status == .modified || change.status == .renamed {
            if change.fromVersion != change.toVersion {
                counts[VersionMove.Key(from: change.fromVersion, to: change.toVersion), default: 0] += 1
            }
        }
        return counts.map { VersionMove(from: $0.key.from, to: $0.key.to, templates: $0.value) }
            .sorted { ($0.templates, $1.from ?? "", $1.to ?? "") > ($1.templates, $0.from ?? "", $0.to ?? "") }
    }
}

/// Templates whose Schema Version moved from one value to another.
public struct VersionMove: Sendable, Hashable, Codable {
    struct Key: Hashable {
        var from: String?
        var to: String?
    }

    @NullWhenAbsent public var from: String?
    @NullWhenAbsent public var to: String?
    /// How many templates made this move.
    public var templates: Int

    public init(from: String?, to: String?, templates: Int) {
        self.from = from
        self.to = to
        self.templates = templates
    }
}
