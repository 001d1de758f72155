import Foundation
import TemplateTrackTesting

/// Headless Chromium, as a person's browser: the DOM it builds, screenshots, and what it asked
/// the network for. Every run has its own profile and a network that ends at this machine:
/// names other than 127.0.0.1 do not resolve, and a proxy on a closed port catches the rest.
struct Browser {
    let scratch: Scratch

    /// Chromium from Debian's package (`make test` installs it).
    static var path: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let missing = "chromium is not installed: `make test` installs it (apt-get install chromium)"

    private func run(_ arguments: [String], netLog: String? = nil) async throws -> ProcessResult {
        guard let chromium = Self.path else { throw BrowserError(message: Self.missing) }
        let profile = scratch.file("chromium-profile-\(UUID().uuidString)")
        var command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-features=Translate,OptimizationHints,MediaRouter", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=127.0.0.1:1",
        ]
        if let netLog { command += ["--log-net-log=\(netLog)", "--net-log-capture-mode=Default"] }
        return try await runDetached(command + arguments)
    }

    /// The DOM Chromium built for `url`, serialized.
    func dom(_ url: String, netLog: String? = nil) async throws -> DOM {
        let result = try await run(["--dump-dom", url], netLog: netLog)
        guard result.status == 0, !result.stdout.isEmpty else {
            throw BrowserError(message: "chromium could not open \(url): \(result.stderr.suffix(2000))")
        }
        return try DOM(html: result.stdout, scratch: scratch)
    }

    /// A PNG of `url` as a window of `width`×`height` shows it.
    func screenshot(_ url: String, to file: String, width: Int = 1280, height: Int = 1600) async throws {
        let result = try await run(["--screenshot=\(file)", "--window-size=\(width),\(height)", "--hide-scrollbars", url])
        guard FileManager.default.fileExists(atPath: file) else {
            throw BrowserError(message: "chromium took no screenshot of \(url): \(result.stderr.suffix(2000))")
        }
    }

    /// The URLs of the requests a page made (or a page's content caused), from a net log: every
    /// URL request Chromium started with an initiator. Chromium's own background requests (its
    /// clock, updates, accounts) have none ("not an origin"); they are blocked here all the same.
    static func pageRequests(netLog path: String) throws -> [String] {
        struct Log: Decodable {
            struct Constants: Decodable { var logEventTypes: [String: Int] }
            struct Event: Decodable {
                struct Params: Decodable { var url: String?; var initiator: String? }
                var type: Int
                var params: Params?
            }
            var constants: Constants
            var events: [Event]
        }
        let log = try JSONDecoder().decode(Log.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        guard let start = log.constants.logEventTypes["URL_REQUEST_START_JOB"] else { return [] }
        return log.events.filter { $0.type == start }.compactMap { event in
            guard let url = event.params?.url, let initiator = event.params?.initiator, initiator != "not an origin" else { return nil }
            return url
        }
    }
}

struct BrowserError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A page's elements as parsed by Python's html.parser (independent of TemplateTrack): each
/// element's tag, attributes, parent and text content.
struct DOM {
    struct Element: Decodable {
        var tag: String
        var attrs: [String: String]
        var parent: Int
        var text: String
    }

    var elements: [Element]

    init(html: String, scratch: Scratch) throws {
        let input = scratch.file("dom-\(UUID().uuidString).html")
        try Data(html.utf8).write(to: URL(fileURLWithPath: input))
        let script = scratch.file("parse-dom.py")
        if !FileManager.default.fileExists(atPath: script) { try Data(Self.parser.utf8).write(to: URL(fileURLWithPath: script)) }
        let result = try TemplateTrackTesting.run(["python3", script, input])
        guard result.status == 0 else { throw BrowserError(message: "python3 could not parse the page: \(result.stderr)") }
        elements = try JSONDecoder().decode([Element].self, from: Data(result.stdout.utf8))
    }

    static func file(_ path: String, scratch: Scratch) throws -> DOM {
        try DOM(html: String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self), scratch: scratch)
    }

    /// Elements with this tag (and, when given, this attribute present).
    func all(_ tag: String? = nil, having attribute: String? = nil) -> [(index: Int, element: Element)] {
        elements.enumerated().filter { item in
            (tag == nil || item.element.tag == tag) && (attribute == nil || item.element.attrs[attribute!] != nil)
        }.map { ($0.offset, $0.element) }
    }

    /// Whether `index` lies inside `ancestor`.
    func isInside(_ index: Int, _ ancestor: Int) -> Bool {
        var current = elements[index].parent
        while current >= 0 {
            if current == ancestor { return true }
            current = elements[current].parent
        }
        return false
    }

    /// Descendants of `ancestor` with this tag.
    func inside(_ ancestor: Int, _ tag: String) -> [(index: Int, element: Element)] {
        all(tag).filter { isInside($0.index, ancestor) }
    }

    /// The whole text of the page.
    var text: String { elements.first { $0.tag == "html" }?.text ?? elements.map(\.text).joined() }

    /// Every link target (`href`, `src`).
    var links: [String] { elements.flatMap { [$0.attrs["href"], $0.attrs["src"]].compactMap { $0 } } }

    var ids: Set<String> { Set(elements.compactMap { $0.attrs["id"] }) }

    static let parser = #"""
        import json, sys
        from html.parser import HTMLParser

        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param"}

        class P(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.elements = []
                self.stack = []
                self.texts = []
            def handle_starttag(self, tag, attrs):
                parent = self.stack[-1] if self.stack else -1
                self.elements.append({"tag": tag, "attrs": {k: (v if v is not None else "") for k, v in attrs}, "parent": parent})
                self.texts.append([])
                if tag not in VOID:
                    self.stack.append(len(self.elements) - 1)
            def handle_startendtag(self, tag, attrs):
                parent = self.stack[-1] if self.stack else -1
                self.elements.append({"tag": tag, "attrs": {k: (v if v is not None else "") for k, v in attrs}, "parent": parent})
                self.texts.append([])
            def handle_endtag(self, tag):
                for i in range(len(self.stack) - 1, -1, -1):
                    if self.elements[self.stack[i]]["tag"] == tag:
                        del self.stack[i:]
                        return
            def handle_data(self, data):
                for i in self.stack:
                    self.texts[i].append(data)

        p = P()
        with open(sys.argv[1], encoding="utf-8") as f:
            p.feed(f.read())
        p.close()
        for e, t in zip(p.elements, p.texts):
            e["text"] = "".join(t)
        json.dump(p.elements, sys.stdout)
        """#
}
