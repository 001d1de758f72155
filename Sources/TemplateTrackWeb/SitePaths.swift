import Crypto
import Foundation
public import TemplateTrackHistory

/// Where each page lives, relative to the site's root. The static report and the web view use
/// the same paths, and every link is relative, so a page works from `file://` and over HTTP.
public enum SitePaths {
    /// The overview.
    public static let overview = "index.html"
    /// The one stylesheet.
    public static let stylesheet = "style.css"

    /// `5001`, or `5001-batch-updater` for the second series.
    public static func seriesKey(_ series: Series) -> String {
        series.api == .upload ? "\(series.workspace)" : "\(series.workspace)-\(series.api.rawValue)"
    }

    /// The overview's anchor for a series.
    public static func seriesAnchor(_ series: Series) -> String { "series-" + seriesKey(series) }

    /// The page of the change from snapshot `from` to snapshot `to`.
    public static func change(_ series: Series, from: Int, to: Int) -> String {
        "changes/\(seriesKey(series))-\(from)-\(to).html"
    }

    /// Reads a change page's file name (`5001-3-6.html`) back; nil for anything else.
    public static func parseChange(_ name: String) -> (series: Series, from: Int, to: Int)? {
        guard let match = name.wholeMatch(of: /([0-9]{1,9})(-batch-updater)?-([0-9]{1,12})-([0-9]{1,12})\.html/),
            let workspace = Int(match.1), let from = Int(match.3), let to = Int(match.4)
        else { return nil }
        return (Series(workspace: workspace, api: match.2 == nil ? .upload : .batchUpdater), from, to)
    }

    /// Reads a series key (`5001`, `5001-batch-updater`) back.
    public static func parseSeries(_ key: String) -> Series? {
        guard let match = key.wholeMatch(of: /([0-9]{1,9})(-batch-updater)?/), let workspace = Int(match.1) else { return nil }
        return Series(workspace: workspace, api: match.2 == nil ? .upload : .batchUpdater)
    }

    /// The page of a template of a series. Names come from outside: the file name keeps only
    /// safe characters of the name and adds a digest of name and file, so two templates that
    /// share a name (ImmPort 3.15 has fourteen such pairs) get two pages, and no name can
    /// reach outside the folder.
    public static func template(_ series: Series, name: String, file: String?) -> String {
        "templates/\(seriesKey(series))/\(templateFile(name: name, file: file))"
    }

    /// The file name part of a template's page.
    public static func templateFile(name: String, file: String?) -> String {
        let safe = String(
            name.lowercased().unicodeScalars.prefix(60).map { scalar -> Character in
                let value = scalar.value
                let keep = (0x61...0x7a).contains(value) || (0x30...0x39).contains(value) || scalar == "_" || scalar == "-"
                return keep ? Character(scalar) : "_"
            })
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0] + Array((file ?? "").utf8))
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined().prefix(10)
        return "\(safe.isEmpty ? "template" : safe)-\(digest).html"
    }

    /// How far below the root a page is, as the prefix its links need (`""`, `"../"`, `"../../"`).
    static func root(of path: String) -> String {
        String(repeating: "../", count: path.split(separator: "/").count - 1)
    }

    /// A query value, percent-encoded for a link.
    public static func query(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
