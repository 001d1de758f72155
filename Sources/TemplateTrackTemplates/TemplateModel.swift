/// One column of a template, with every attribute its definition gives.
public struct TemplateColumn: Sendable, Hashable {
    /// The header text submitters see (`templateColumn`).
    public var name: String
    /// All other attributes (`required`, `jsonDataType`, `cvTableName`, ...), by the definition's own keys.
    public var attributes: [String: JSONValue]

    public init(name: String, attributes: [String: JSONValue]) {
        self.name = name
        self.attributes = attributes
    }

    public var isRequired: Bool { attributes["required"]?.truthy ?? false }
}

/// A block of a compound template (e.g. `study`, `arm_or_cohort` in `basic_study_design`);
/// other templates have one unnamed block.
public struct TemplateBlock: Sendable, Hashable {
    /// Nil for the single block of a non-compound template.
    public var name: String?
    public var columns: [TemplateColumn]
    /// The block's other keys in a definition (`templateRequired`, `jsonCompoundAttribute`, ...).
    public var attributes: [String: JSONValue]

    public init(name: String?, columns: [TemplateColumn], attributes: [String: JSONValue] = [:]) {
        self.name = name
        self.columns = columns
        self.attributes = attributes
    }
}

/// Where a template was found: a definitions file, or a tab-separated `.txt` template.
public enum TemplateSource: String, Sendable, Hashable, Codable {
    case definitions
    case text
}

/// A template as one file describes it.
public struct Template: Sendable, Hashable {
    public var name: String
    /// `fileName` from a definition; for a `.txt` template, nil (its path is where it was found).
    public var fileName: String?
    public var schemaVersion: String?
    public var templateType: String?
    /// Other top-level attributes (`description`, `validationLevel`, `jsonFileName`, ...).
    public var properties: [String: JSONValue]
    public var blocks: [TemplateBlock]
    public var source: TemplateSource

    public init(
        name: String, fileName: String?, schemaVersion: String?, templateType: String?,
        properties: [String: JSONValue], blocks: [TemplateBlock], source: TemplateSource
    ) {
        self.name = name
        self.fileName = fileName
        self.schemaVersion = schemaVersion
        self.templateType = templateType
        self.properties = properties
        self.blocks = blocks
        self.source = source
    }

    /// Column names, block-qualified (`study: Brief Title`) in compound templates.
    public var qualifiedColumnNames: [String] {
        blocks.flatMap { block in block.columns.map { column in (block.name.map { "\($0): " } ?? "") + column.name } }
    }
}

/// A controlled-vocabulary lookup table.
public struct LookupTable: Sendable, Hashable {
    public struct Value: Sendable, Hashable {
        public var name: String
        public var description: String?
        public var link: String?

        public init(name: String, description: String?, link: String?) {
            self.name = name
            self.description = description
            self.link = link
        }
    }

    public var name: String
    public var values: [Value]

    public init(name: String, values: [Value]) {
        self.name = name
        self.values = values
    }
}

/// A template with the path, in the zip, of the file it was found in.
public struct FoundTemplate: Sendable, Hashable {
    public var template: Template
    /// The definitions file or `.txt` template.
    public var path: String

    public init(template: Template, path: String) {
        self.template = template
        self.path = path
    }
}
