import Foundation
import TemplateTrackBase
public import TemplateTrackTemplates

/// The templates and lookup tables of one snapshot of ImmPort's documentation (one schema
/// version), indexed for checking.
///
/// Lookup tables: some begin with a marker row naming the table's columns rather than a
/// value (`severity_preferred`, `disease_preferred ;\ndisease_ontology_id`). Such a first row,
/// made only of lower-case identifiers separated by `;` with one ending in `_preferred`, is
/// not accepted as a value. When the marker names several parts, the table's values are
/// `part ; part ; ...` spellings (`Ccl11 ; Ccl11 ; ANA477`), and any one part on its own is
/// accepted as well as the whole.
public struct TemplateCatalog: Sendable {
    /// Every template, in definition order.
    public let templates: [Template]
    /// Every lookup table, in definition order.
    public let lookups: [LookupTable]
    private let templatesByName: [String: [Int]]
    private let lookupIndex: [String: Int]
    private let acceptedValues: [String: Set<String>]

    /// A catalog of `templates` and `lookups`.
    public init(templates: [Template], lookups: [LookupTable]) {
        self.templates = templates
        self.lookups = lookups
        var byName: [String: [Int]] = [:]
        for (index, template) in templates.enumerated() { byName[template.name, default: []].append(index) }
        templatesByName = byName
        var index: [String: Int] = [:]
        var accepted: [String: Set<String>] = [:]
        for (position, table) in lookups.enumerated() where index[table.name] == nil {
            index[table.name] = position
            accepted[table.name] = Self.acceptedValues(of: table)
        }
        lookupIndex = index
        acceptedValues = accepted
    }

    /// Reads a definitions JSON file and a lookups JSON file (ImmPort's `templates-*.json` and `lookups-*.json`).
    public init(definitionsAt definitionsPath: String, lookupsAt lookupsPath: String) throws {
        func read(_ path: String) throws -> RecognizedDocument {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw TemplateTrackError(.io, "cannot read", at: [.file(path)], cause: error)
            }
            guard let document = TemplateRecognizer.recognize(Array(data)) else {
                throw TemplateTrackError(.invalidFile, "not an ImmPort definitions or lookups JSON file", at: [.file(path)])
            }
            return document
        }
        guard case .definitions(let templates) = try read(definitionsPath) else {
            throw TemplateTrackError(.invalidFile, "holds no template definitions", at: [.file(definitionsPath)])
        }
        guard case .lookups(let lookups) = try read(lookupsPath) else {
            throw TemplateTrackError(.invalidFile, "holds no lookup tables", at: [.file(lookupsPath)])
        }
        self.init(templates: templates, lookups: lookups)
    }

    /// The catalog's schema version: the one most of its templates carry (ties: the highest).
    public var schemaVersion: String? {
        var counts: [String: Int] = [:]
        for case let version? in templates.map(\.schemaVersion) { counts[version, default: 0] += 1 }
        return counts.max { a, b in
            a.value != b.value ? a.value < b.value : Self.versionOrder(a.key).lexicographicallyPrecedes(Self.versionOrder(b.key))
        }?.key
    }

    /// The version in a `Schema Version 3.18` tag, or nil when `tag` is not one.
    public static func schemaVersion(inTag tag: String) -> String? {
        let trimmed = tag.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("Schema Version") else { return nil }
        return trimmed.dropFirst("Schema Version".count).trimmingCharacters(in: .whitespaces)
    }

    /// The templates called `name` (several in 3.15, where names were shared).
    public func templates(named name: String) -> [Template] {
        (templatesByName[name] ?? []).map { templates[$0] }
    }

    /// The lookup table called `name`.
    public func lookup(named name: String) -> LookupTable? {
        lookupIndex[name].map { lookups[$0] }
    }

    /// Whether `value` is accepted by lookup table `table`; nil when the catalog has no such table.
    public func lookup(_ table: String, accepts value: String) -> Bool? {
        acceptedValues[table].map { $0.contains(value) }
    }

    /// The values a table accepts (the marker row left out; parts of composite values added).
    func accepted(in table: String) -> Set<String>? { acceptedValues[table] }

    /// Which template a filled file means, given its first cell and its column headers.
    ///
    /// Names are not unique (3.15 has 11 names shared by two templates each, such as `elisa`
    /// for experiment samples and for reagents), and a template can be renamed while its file
    /// keeps the old name. So: among the templates of that name, the one whose columns best
    /// match the headers (at least half shared); failing that, any template whose columns
    /// match at least 70% (reported as a name mismatch); failing that, the best of the
    /// templates of that name; otherwise none.
    public func resolve(templateNamed name: String, headers: [String]) -> TemplateResolution {
        let named = templatesByName[name] ?? []
        let scored = named.map { ($0, Self.similarity(headers, templates[$0])) }
        if let compound = named.first(where: { templates[$0].templateType == "compound" || templates[$0].blocks.contains { $0.name != nil } }) {
            return .matched(templates[compound])
        }
        if headers.isEmpty, let first = named.first { return .matched(templates[first]) }
        let best = scored.max { ($0.1, -$0.0) < ($1.1, -$1.0) }
        if let best, best.1 >= 0.5 { return .matched(templates[best.0]) }
        // Many templates share one column list (nine reagent templates do), so among equally
        // good matches the one whose name starts most like the file's wins; a tie is no answer.
        var others: [(index: Int, score: Double, affinity: Int)] = []
        for (index, template) in templates.enumerated() where template.blocks.count == 1 && template.blocks[0].name == nil {
            let score = Self.similarity(headers, template)
            if score >= 0.7 { others.append((index, score, Self.commonPrefixLength(name, template.name))) }
        }
        if let top = others.map(\.score).max() {
            let closest = others.filter { $0.score == top }
            let affinity = closest.map(\.affinity).max() ?? 0
            let chosen = closest.filter { $0.affinity == affinity }
            if chosen.count == 1, affinity > 0 || closest.count == 1, templates[chosen[0].index].name != name {
                return .nameMismatch(templates[chosen[0].index])
            }
        }
        if let best { return .matched(templates[best.0]) }
        return .unknown
    }

    static func commonPrefixLength(_ a: String, _ b: String) -> Int {
        zip(a.unicodeScalars, b.unicodeScalars).prefix { $0 == $1 }.count
    }

    /// Shared columns over the larger of the two column lists.
    static func similarity(_ headers: [String], _ template: Template) -> Double {
        let file = Set(headers.filter { !$0.isEmpty })
        let defined = Set(template.blocks.flatMap { $0.columns.map(\.name) })
        guard !file.isEmpty || !defined.isEmpty else { return 0 }
        return Double(file.intersection(defined).count) / Double(max(file.count, defined.count))
    }

    static func versionOrder(_ version: String) -> [Int] {
        version.split(separator: ".").map { Int($0) ?? 0 }
    }

    /// Whether a lookup row is the marker naming the table's columns rather than a value.
    static func isMarkerRow(_ name: String) -> Bool {
        let parts = markerParts(name)
        guard !parts.isEmpty, parts.contains(where: { $0.hasSuffix("_preferred") }) else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
    }

    static func markerParts(_ name: String) -> [String] {
        name.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func acceptedValues(of table: LookupTable) -> Set<String> {
        var values = table.values
        var composite = false
        if let first = values.first, isMarkerRow(first.name) {
            composite = markerParts(first.name).count > 1
            values.removeFirst()
        }
        var accepted: Set<String> = []
        for value in values {
            accepted.insert(value.name)
            let trimmed = value.name.trimmingCharacters(in: .whitespacesAndNewlines)
            accepted.insert(trimmed)
            if composite {
                for part in value.name.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !part.isEmpty {
                    accepted.insert(part)
                }
            }
        }
        return accepted
    }
}

/// Which template a filled file was resolved to.
public enum TemplateResolution: Sendable, Hashable {
    /// The template the file names (the best match among several of that name).
    case matched(Template)
    /// The file's name is not this template's, but its columns are (a renamed template).
    case nameMismatch(Template)
    /// No template fits.
    case unknown

    /// The template resolved to, if any.
    public var template: Template? {
        switch self {
        case .matched(let template), .nameMismatch(let template): template
        case .unknown: nil
        }
    }
}
