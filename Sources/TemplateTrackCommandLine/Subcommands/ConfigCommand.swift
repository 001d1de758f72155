import ArgumentParser
import Foundation
import TemplateTrackBase

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the configuration file.", subcommands: [Check.self, Path.self])

    struct Check: ParsableCommand, IndependentOfConfiguration {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the configuration file and the secret files it names; name the key that is wrong.")

        @OptionGroup var output: JSONOption

        func run() throws {
            let (file, named) = Configuration.chosenFile(path: GlobalOptions.current.config)
            guard named != nil || FileManager.default.fileExists(atPath: file) else {
                throw TemplateTrackError(
                    .notFound, "no configuration file (looked for \(file); --config FILE or TEMPLATETRACK_CONFIG names another)")
            }
            var problem: TemplateTrackError?
            do {
                let configuration = try Configuration.load(path: GlobalOptions.current.config)
                if let secret = configuration.passwordFile { _ = try SecretFile.read(secret, key: "password_file") }
                if let secret = configuration.apiKeyFile { _ = try SecretFile.read(secret, key: "api_key_file") }
            } catch let error as TemplateTrackError {
                problem = error
            }
            if output.json {
                struct Checked: Encodable {
                    var file: String
                    var valid: Bool
                    var error: String?
                    var templatetrackVersion: String
                    enum CodingKeys: String, CodingKey { case file, valid, error, templatetrackVersion = "templatetrack_version" }
                    func encode(to encoder: any Encoder) throws {
                        var container = encoder.container(keyedBy: CodingKeys.self)
                        try container.encode(file, forKey: .file)
                        try container.encode(valid, forKey: .valid)
                        try container.encode(error, forKey: .error)
                        try container.encode(templatetrackVersion, forKey: .templatetrackVersion)
                    }
                }
                try printJSON(
                    Checked(
                        file: file, valid: problem == nil, error: problem.map { "\($0)" },
                        templatetrackVersion: TemplateTrackVersion.current))
                if problem != nil { throw ExitCode(64) }
                return
            }
            if let problem { throw problem }
            print("\(file): valid")
        }
    }

    struct Path: ParsableCommand, IndependentOfConfiguration {
        static let configuration = CommandConfiguration(
            commandName: "path",
            abstract: "Print where the configuration file is looked for (--config, else $TEMPLATETRACK_CONFIG, else the default).")

        func run() throws {
            print(Configuration.chosenFile(path: GlobalOptions.current.config).file)
        }
    }
}

/// Commands that run whatever the configuration file says (or however broken it is): they
/// read it themselves, or not at all.
protocol IndependentOfConfiguration {}
