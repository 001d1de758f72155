public import Foundation
public import TemplateTrackBase

/// The sample workspaces and template sets from `samples/`, compiled into the binary.
///
/// Each workspace uses one template set; each set has numbered versions, each a folder of
/// files that become the workspace's zip.
public struct SampleCatalog: Sendable {
    /// A simulated workspace: ImmPort's fields plus which template set it serves.
    public struct SampleWorkspace: Decodable, Sendable {
        public init(workspace: Workspace, templateSet: String, access: String = "granted") {
            self.workspace = workspace
            self.templateSet = templateSet
            self.access = access
        }

        public var workspace: Workspace
        public var templateSet: String
        /// `granted` for the signed-in user; `denied` answers 403, as ImmPort does for
        /// workspaces a user may not access.
        public var access: String

        enum CodingKeys: String, CodingKey { case templateSet, access }

        public init(from decoder: any Decoder) throws {
            workspace = try Workspace(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            templateSet = try container.decode(String.self, forKey: .templateSet)
            access = try container.decode(String.self, forKey: .access)
        }
    }

    /// One released version of a template set.
    public struct Release: Decodable, Sendable {
        public init(version: Int, released: String) {
            self.version = version
            self.released = released
        }

        public var version: Int
        /// Every entry of this version's zip carries this time, so zips are reproducible.
        public var released: String
    }

    public var workspaces: [SampleWorkspace]
    public var templateSets: [String: [Release]]
    /// Relative path under `samples/` -> bytes.
    let files: [String: Data]

    /// A file under `samples/` by its relative path (e.g. `filled/subjectHumans.txt`).
    public func sampleFile(_ path: String) -> Data? { files[path] }

    /// A catalog of your own: `files` maps paths as laid out under `samples/`
    /// (`template-sets/<set>/<version>/...`) to bytes.
    public init(workspaces: [SampleWorkspace], templateSets: [String: [Release]], files: [String: Data]) {
        self.workspaces = workspaces
        self.templateSets = templateSets
        self.files = files
    }

    /// The catalog embedded from `samples/`.
    public static let embedded: SampleCatalog = {
        let files = EmbeddedSamples.files.mapValues { Data(base64Encoded: $0)! }
        struct Index: Decodable {
            var workspaces: [SampleWorkspace]
            var templateSets: [String: [Release]]
        }
        let index = try! JSONDecoder().decode(Index.self, from: files["catalog.json"]!)
        return SampleCatalog(workspaces: index.workspaces, templateSets: index.templateSets, files: files)
    }()

    /// The files of `set` at `version`: path inside the zip -> bytes, sorted by path.
    public func files(of set: String, version: Int) -> [(path: String, bytes: Data)] {
        let prefix = "template-sets/\(set)/\(version)/"
        return files.filter { $0.key.hasPrefix(prefix) }
            .map { (String($0.key.dropFirst(prefix.count)), $0.value) }
            .sorted { $0.0 < $1.0 }
    }
}
