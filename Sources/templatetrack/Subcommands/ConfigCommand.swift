import ArgumentParser
import Foundation
import TemplateTrackBase

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the configuration file.", subcommands: [Check.self, Path.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Validate the configuration file; name the key that is wrong.")

        @OptionGroup var output: JSONOption

        func run() throws {
            // The file was read (and would have failed) before any command ran.
            let current = Configuration.current
            guard let source = current.source else {
                throw TemplateTrackError(
                    .notFound, "no configuration file (looked for \(Configuration.defaultPath()); --config FILE names another)")
            }
            if output.json {
                struct Checked: Encodable {
                    var file: String
                    var valid: Bool
                    var templatetrackVersion: String
                    enum CodingKeys: String, CodingKey { case file, valid, templatetrackVersion = "templatetrack_version" }
                }
                return try printJSON(Checked(file: source, valid: true, templatetrackVersion: TemplateTrackVersion.current))
            }
            print("\(source): valid")
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "path", abstract: "Print where the configuration file is looked for.")

        func run() throws {
            print(Configuration.current.source ?? Configuration.defaultPath())
        }
    }
}
