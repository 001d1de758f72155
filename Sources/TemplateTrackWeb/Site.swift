import Foundation
import Mustache
import TemplateTrackBase
public import TemplateTrackHistory

/// The history's pages: an overview, a page per change and a page per template, rendered from
/// the typed model with Mustache templates compiled into the binary. The static report and the
/// web view render the same pages; the web view adds search, a snapshot chooser and file links.
public struct Site: Sendable {
    /// The history, opened read-only (pages never write; comparisons not stored are computed).
    public let store: any HistoryWriter
    /// Which workspaces and changes the pages show.
    public let options: SiteOptions

    /// Pages of `store`, limited by `options`.
    public init(store: any HistoryWriter, options: SiteOptions = SiteOptions()) {
        self.store = store
        self.options = options
    }

    /// The stylesheet every page links to (`style.css` at the site's root).
    public static let stylesheet = Stylesheet.css

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("page template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static func render(_ object: Any, _ template: String) -> String {
        guard let html = library.render(object, withTemplate: template) else {
            // Only a template name missing from `PageTemplates` gets here: a bug, caught in tests.
            assertionFailure("no page template named \(template)")
            return ""
        }
        return html
    }

    func builder(served: Bool) -> SiteBuilder { SiteBuilder(store: store, options: options, served: served) }

    /// The overview: every workspace and series, their timelines, the latest breaking changes first.
    public func overviewHTML(served: Bool = false) throws -> String {
        Self.render(try builder(served: served).overview(), "overview")
    }

    /// The page of the change between two snapshots of one series, or nil when either
    /// snapshot is not in `series`.
    public func changeHTML(series: Series, from: Int, to: Int, served: Bool = false) throws -> String? {
        guard let old = try store.snapshot(id: from), let new = try store.snapshot(id: to), old.series == series,
            new.series == series
        else { return nil }
        return Self.render(try builder(served: served).changePage(old: old, new: new), "change")
    }

    /// The page of a template of a series' latest snapshot, by its page's file name
    /// (`SitePaths.templateFile`), or nil when there is none.
    public func templateHTML(series: Series, pageFile: String, served: Bool = false) throws -> String? {
        guard let page = try builder(served: served).templatePage(series, file: pageFile) else { return nil }
        return Self.render(page, "template")
    }

    /// Every page of the static report, by its path under the site's root, with the stylesheet.
    public func reportPages() throws -> [(path: String, html: String)] {
        let builder = builder(served: false)
        var pages: [(String, String)] = [
            (SitePaths.stylesheet, Self.stylesheet), (SitePaths.overview, Self.render(try builder.overview(), "overview")),
        ]
        for history in try builder.histories() {
            for change in history.changes {
                pages.append(
                    (
                        SitePaths.change(history.series, from: change.old.id, to: change.new.id),
                        Self.render(try builder.changePage(old: change.old, new: change.new), "change")
                    ))
            }
            for found in try builder.latestTemplates(history) {
                let path = SitePaths.template(history.series, name: found.template.name, file: found.template.fileName)
                if pages.contains(where: { $0.0 == path }) { continue }  // the same name and file twice
                pages.append((path, Self.render(try builder.templatePage(history, found), "template")))
            }
        }
        return pages
    }
}
