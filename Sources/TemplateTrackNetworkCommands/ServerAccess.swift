import ArgumentParser
import Foundation
import TemplateTrackBase
import TemplateTrackCommandLine
import TemplateTrackFetcher

extension ServerOptions {
    func endpoints() throws -> Endpoints {
        let configuration = Configuration.current
        let serverText = server ?? configuration.server ?? Endpoints.production.server.absoluteString
        guard let server = URL(string: serverText), server.host != nil else {
            throw ValidationError("--server '\(DisplayName.escaped(serverText))' is not a URL")
        }
        do { try Endpoints.checkSecure(server) } catch let error as TemplateTrackError { throw ValidationError("--server: \(error.message)") }
        guard let authText = authURL ?? configuration.authURL else { return Endpoints(server: server) }
        guard let auth = URL(string: authText), auth.host != nil else {
            throw ValidationError("--auth-url '\(DisplayName.escaped(authText))' is not a URL")
        }
        do { try Endpoints.checkSecure(auth) } catch let error as TemplateTrackError { throw ValidationError("--auth-url: \(error.message)") }
        return Endpoints(server: server, auth: auth)
    }

    func credentials() throws -> Credentials {
        try Configuration.current.credentials(
            username: username, passwordFromStandardInput: passwordStdin,
            environment: ProcessInfo.processInfo.environment, readPassword: { readLine(strippingNewline: true) })
    }
}

extension Configuration {
    /// Credentials, in this order: `--username` (with `--password-stdin`, else
    /// `IMMPORT_PASSWORD`); `IMMPORT_API_KEY`; `IMMPORT_USERNAME` with `IMMPORT_PASSWORD`;
    /// then the configuration file's `username` (with `IMMPORT_PASSWORD` or `password_file`)
    /// or `api_key_file`. Passwords are never taken from the command line.
    func credentials(
        username: String?, passwordFromStandardInput: Bool, environment: [String: String], readPassword: () -> String?
    ) throws -> Credentials {
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        if let username {
            let password = passwordFromStandardInput ? readPassword() : environment["IMMPORT_PASSWORD"]
            guard let password = nonEmpty(password) else {
                throw ValidationError("--username needs a password: pipe it in with --password-stdin, or set IMMPORT_PASSWORD")
            }
            return .password(username: username, password: password)
        }
        if passwordFromStandardInput { throw ValidationError("--password-stdin goes with --username") }
        if let key = nonEmpty(environment["IMMPORT_API_KEY"]) { return .apiKey(key) }
        if let user = nonEmpty(environment["IMMPORT_USERNAME"]), let password = nonEmpty(environment["IMMPORT_PASSWORD"]) {
            return .password(username: user, password: password)
        }
        if let user = self.username {
            if let password = nonEmpty(environment["IMMPORT_PASSWORD"]) { return .password(username: user, password: password) }
            if let file = passwordFile { return .password(username: user, password: try SecretFile.read(file, key: "password_file")) }
        }
        if let file = apiKeyFile { return .apiKey(try SecretFile.read(file, key: "api_key_file")) }
        throw ValidationError(
            "no credentials: set IMMPORT_API_KEY, or IMMPORT_USERNAME and IMMPORT_PASSWORD, or use --username with --password-stdin")
    }
}
