import Foundation
import PackagePlugin

/// Embeds a top-level folder of the package into a target as generated Swift source,
/// so the built binary needs no resource bundle at run time.
@main
struct EmbedResources: BuildToolPlugin {
    /// Which folder each target embeds, and the name of the generated enum.
    static let embeddings: [String: (folder: String, enumName: String)] = [
        "TemplateTrackSQLite": ("migrations", "EmbeddedMigrations"),
        "TemplateTrackSimulator": ("samples", "EmbeddedSamples"),
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let embedding = Self.embeddings[target.name] else { return [] }
        let folder = context.package.directoryURL.appending(path: embedding.folder)
        let output = context.pluginWorkDirectoryURL.appending(path: "\(embedding.enumName).swift")
        let inputs = try regularFiles(under: folder)
        return [
            .buildCommand(
                displayName: "Embedding \(embedding.folder)/ into \(target.name)",
                executable: try context.tool(named: "EmbedResourcesTool").url,
                arguments: [embedding.enumName, folder.path(), output.path()],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }

    private func regularFiles(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(
            at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        var files: [URL] = []
        for case let url as URL in walker
        where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            files.append(url)
        }
        return files.sorted { $0.path() < $1.path() }
    }
}
