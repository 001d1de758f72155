public import Foundation

/// ImmPort's published definitions in `../shared/immport`, when present.
public enum ImmPortReference {
    public static let folder = repositoryRoot.deletingLastPathComponent().appending(path: "shared/immport")

    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: folder.appending(path: "templates-3.15.json").path)
    }

    public static let skipNote = "../shared/immport is absent: ImmPort's real definitions are not here, so this test is skipped"

    /// A version's definitions file.
    public static func definitions(_ version: String) throws -> Data {
        try Data(contentsOf: folder.appending(path: "templates-\(version).json"))
    }

    /// A version's lookups file.
    public static func lookups(_ version: String) throws -> Data {
        try Data(contentsOf: folder.appending(path: "lookups-\(version).json"))
    }

    /// Writes a version's files as ImmPort's zip would hold them: the definitions, the lookups,
    /// and each template's tab-separated `.txt`, built from its definition.
    public static func writeTree(version: String, into folder: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appending(path: "txt"), withIntermediateDirectories: true)
        let definitions = try definitions(version)
        try definitions.write(to: folder.appending(path: "templates.json"))
        try lookups(version).write(to: folder.appending(path: "lookups.json"))
        guard let templates = try JSONSerialization.jsonObject(with: definitions) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        for template in templates {
            guard let file = template["fileName"] as? String else { continue }
            try Data(textTemplate(template).utf8).write(to: folder.appending(path: "txt/" + file))
        }
    }

    /// Each template of a version by its file: its name and Schema Version.
    public static func definitionsByFile(_ version: String) throws -> [String: (name: String, version: String)] {
        guard let array = try JSONSerialization.jsonObject(with: try definitions(version)) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var result: [String: (name: String, version: String)] = [:]
        for template in array {
            guard let file = template["fileName"] as? String, let name = template["name"] as? String else { continue }
            result[file] = (name, template["schemaVersion"] as? String ?? "")
        }
        return result
    }

    /// A template's `.txt` header lines, built from its definition.
    public static func textTemplate(_ template: [String: Any]) -> String {
        func header(_ columns: Any?) -> String {
            let names = (columns as? [[String: Any]] ?? []).compactMap { $0["templateColumn"] as? String }
            return (["Column Name"] + names).joined(separator: "\t")
        }
        var lines = ["\(template["name"]!)\tSchema Version \(template["schemaVersion"]!)"]
        if let blocks = template["templates"] as? [[String: Any]] {
            for block in blocks { lines += ["", "\(block["name"]!)", header(block["columns"])] }
        } else {
            lines += ["Please do not delete or edit this column", header(template["columns"])]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The file changes between two zips as independent tools see them: unzip the zips, hash
/// every file with sha256sum, and compare by path and by hash.
public func independentChanges(old: String, new: String, scratch: Scratch) throws -> [String: String] {
    func hashes(_ zip: String) throws -> [String: String] {
        let folder = scratch.file("independent-\(UUID().uuidString)")
        try run(["unzip", "-q", zip, "-d", folder])
        let listing = try run(["bash", "-c", "cd \"$1\" && find . -type f -print0 | xargs -0 sha256sum", "_", folder])
        var result: [String: String] = [:]
        for line in listing.stdout.split(separator: "\n") {
            result[String(line.dropFirst(66).dropFirst(2))] = String(line.prefix(64))  // "hash  ./path"
        }
        return result
    }
    let (a, b) = (try hashes(old), try hashes(new))
    var expected: [String: String] = [:]
    var onlyOld = a.keys.filter { b[$0] == nil }.sorted()
    for path in b.keys.sorted() {
        if let before = a[path] {
            if before != b[path] { expected[path] = "modified" }
        } else if let source = onlyOld.first(where: { a[$0] == b[path] }) {
            onlyOld.removeAll { $0 == source }
            expected[path] = "renamed from " + source
        } else {
            expected[path] = "added"
        }
    }
    for path in onlyOld { expected[path] = "removed" }
    return expected
}
