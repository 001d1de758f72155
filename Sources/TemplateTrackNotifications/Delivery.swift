import AsyncHTTPClient
public import Foundation
import NIOCore
public import TemplateTrackBase
import TemplateTrackFetcher

/// Sends a notification to the webhook and the command hook, each with a timeout and retries.
/// A failure is returned, never thrown: the snapshot it reports on is already recorded.
public enum NotificationDelivery {
    public static func deliver(_ notification: ChangeNotification, to targets: NotificationTargets) async -> [TemplateTrackError] {
        let body: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(Timestamp.display(date))
            }
            body = try encoder.encode(notification)
        } catch {
            return [TemplateTrackError(.io, "cannot write the notification", cause: error)]
        }
        var failures: [TemplateTrackError] = []
        if let webhook = targets.webhook {
            if let failure = await retrying(targets, { try await post(body, to: webhook, timeout: targets.timeout) }) {
                // A webhook's path is often its secret (Slack's are): only the host is named.
                failures.append(TemplateTrackError(failure.code, "the webhook at \(webhook.host ?? "?") failed: \(failure.message)", at: failure.places.filter {
                    if case .httpStatus = $0 { true } else { false }
                }))
            }
        }
        if let command = targets.command {
            if let failure = await retrying(targets, { try await runCommand(command, input: body, timeout: targets.timeout) }) {
                failures.append(TemplateTrackError(.io, "the notification command failed: \(failure.message)"))
            }
        }
        return failures
    }

    private static func retrying(
        _ targets: NotificationTargets, _ attempt: () async throws -> Void
    ) async -> TemplateTrackError? {
        var delay = targets.firstRetryDelay
        var last: TemplateTrackError?
        for number in 1...targets.attempts {
            do {
                try await attempt()
                return nil
            } catch let error as TemplateTrackError {
                last = error
            } catch {
                last = TemplateTrackError(.transport, "failed", cause: error)
            }
            if number < targets.attempts {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
            }
        }
        return last.map { TemplateTrackError($0.code, "\($0.message) (after \(targets.attempts) attempts)", at: $0.places, cause: $0.cause) }
    }

    private static func post(_ body: Data, to url: URL, timeout: Duration) async throws {
        try Endpoints.checkSecure(url, allowingQuery: true)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await send(body, to: url, timeout: timeout, client: client)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func send(_ body: Data, to url: URL, timeout: Duration, client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "templatetrack/\(TemplateTrackVersion.current)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            _ = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw TemplateTrackError(.transport, "the webhook could not be reached", cause: error)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw TemplateTrackError(.http, "the webhook answered \(response.status.code)", at: [.httpStatus(Int(response.status.code))])
        }
    }

    private static func runCommand(_ command: String, input: Data, timeout: Duration) async throws {
        try await runBlocking { try HookProcess.run(command, input: input, timeout: timeout) }
    }
}

/// The notification command: `/bin/sh -c` in a process group of its own, so a timeout stops it
/// and everything it started. Its standard input is an unlinked temporary file (a hook that
/// never reads cannot block us), its output goes nowhere, its errors to ours, and ImmPort
/// credentials are not in its environment.
enum HookProcess {
    static func run(_ command: String, input: Data, timeout: Duration) throws {
        let stdin = try inputFile(input)
        defer { close(stdin) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Signals this process ignores or blocks (to catch them itself) are reset for the hook.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let arguments = ["/bin/sh", "-c", command]
        let environment = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("IMMPORT_") }
            .map { "\($0.key)=\($0.value)" }
        var pid = pid_t()
        let spawned = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp) }
        }
        guard spawned == 0 else {
            throw TemplateTrackError(.io, "cannot start it", cause: SystemError(code: spawned))
        }
        let seconds = timeout.components.seconds
        if let status = try wait(for: pid, upTo: .seconds(seconds)) {
            if status & 0x7f != 0 { throw TemplateTrackError(.io, "it was killed by signal \(status & 0x7f)") }
            let code = (status >> 8) & 0xff
            guard code == 0 else { throw TemplateTrackError(.io, "it exited with status \(code)") }
            return
        }
        kill(-pid, SIGTERM)
        if (try? wait(for: pid, upTo: .seconds(2))) ?? nil == nil {
            kill(-pid, SIGKILL)
            _ = try? wait(for: pid, upTo: nil)
        }
        kill(-pid, SIGKILL)  // what it left running in its group
        throw TemplateTrackError(.io, "it ran longer than \(seconds) s and was stopped")
    }

    /// The wait status, or nil when `limit` passed first. A failing waitpid is an error, never
    /// a success.
    private static func wait(for pid: pid_t, upTo limit: Duration?) throws -> Int32? {
        let deadline = limit.map { ContinuousClock.now + $0 }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, deadline == nil ? 0 : WNOHANG)
            if result == pid { return status }
            if result < 0 && errno != EINTR {
                throw TemplateTrackError.system(.io, "cannot wait for it", at: [])
            }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            if deadline != nil { usleep(20_000) }
        }
    }

    private static func inputFile(_ input: Data) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent(".tt-notify-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw TemplateTrackError(.io, "cannot make a temporary file for its input") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let written = input.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        guard written, lseek(fd, 0, SEEK_SET) == 0 else {
            close(fd)
            throw TemplateTrackError(.io, "cannot write its input to a temporary file")
        }
        return fd
    }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        var pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
