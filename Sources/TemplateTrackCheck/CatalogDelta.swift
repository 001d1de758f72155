import TemplateTrackTemplates

/// How two catalogs' templates correspond: which template became which, and which columns
/// were renamed. Shared by the impact report and the upgrader.
///
/// Templates pair, in this order, on the same file and name, the same file, the same name
/// with at least half their columns shared, then the most similar column lists (70% or
/// more). One template never pairs twice, so 3.15's shared names cannot collapse.
struct CatalogDelta {
    let from: TemplateCatalog
    let to: TemplateCatalog
    /// Index in `to.templates` for each index in `from.templates` that has a successor.
    private(set) var successorIndex: [Int: Int] = [:]
    private(set) var predecessorIndex: [Int: Int] = [:]

    init(from: TemplateCatalog, to: TemplateCatalog) {
        self.from = from
        self.to = to
        let old = from.templates
        let new = to.templates
        var freeOld = Set(old.indices)
        var freeNew = Set(new.indices)
        func pair(_ i: Int, _ j: Int) {
            successorIndex[i] = j
            predecessorIndex[j] = i
            freeOld.remove(i)
            freeNew.remove(j)
        }
        func pairUnique(_ key: (Template) -> String?, accept: (Template, Template) -> Bool = { _, _ in true }) {
            var oldByKey: [String: [Int]] = [:]
            var newByKey: [String: [Int]] = [:]
            for i in freeOld.sorted() { if let k = key(old[i]) { oldByKey[k, default: []].append(i) } }
            for j in freeNew.sorted() { if let k = key(new[j]) { newByKey[k, default: []].append(j) } }
            for (k, olds) in oldByKey.sorted(by: { $0.key < $1.key }) {
                guard olds.count == 1, let news = newByKey[k], news.count == 1, accept(old[olds[0]], new[news[0]]) else { continue }
                pair(olds[0], news[0])
            }
        }
        pairUnique { t in t.fileName.map { "\($0)\u{0}\(t.name)" } }
        pairUnique { $0.fileName }
        pairUnique({ $0.name }, accept: { Self.similarity($0, $1) >= 0.5 })
        var candidates: [(Double, Int, Int)] = []
        for i in freeOld {
            for j in freeNew {
                let score = Self.similarity(old[i], new[j])
                if score >= 0.7 { candidates.append((score, i, j)) }
            }
        }
        for (_, i, j) in candidates.sorted(by: { ($0.0, -$0.1, -$0.2) > ($1.0, -$1.1, -$1.2) })
        where freeOld.contains(i) && freeNew.contains(j) {
            pair(i, j)
        }
    }

    static func similarity(_ a: Template, _ b: Template) -> Double {
        TemplateCatalog.similarity(a.blocks.flatMap { $0.columns.map(\.name) }, b)
    }

    func successor(of template: Template) -> Template? {
        guard let i = from.templates.firstIndex(of: template), let j = successorIndex[i] else { return nil }
        return to.templates[j]
    }

    func predecessor(of template: Template) -> Template? {
        guard let j = to.templates.firstIndex(of: template), let i = predecessorIndex[j] else { return nil }
        return from.templates[i]
    }

    /// A column whose name changed: `certain` when it is the one removed and the one added
    /// column of the block, at the same position; otherwise only their positions agree.
    struct ColumnRename: Hashable {
        var from: String
        var to: String
        var certain: Bool
    }

    static func renames(_ old: TemplateBlock, _ new: TemplateBlock) -> [ColumnRename] {
        let oldNames = Set(old.columns.map(\.name))
        let newNames = Set(new.columns.map(\.name))
        let removed = old.columns.enumerated().filter { !newNames.contains($0.element.name) }
        let added = new.columns.enumerated().filter { !oldNames.contains($0.element.name) }
        if removed.count == 1, added.count == 1 {
            return [ColumnRename(from: removed[0].element.name, to: added[0].element.name, certain: removed[0].offset == added[0].offset)]
        }
        return removed.compactMap { removedColumn in
            added.first { $0.offset == removedColumn.offset }.map {
                ColumnRename(from: removedColumn.element.name, to: $0.element.name, certain: false)
            }
        }
    }

    static func block(named name: String?, in template: Template) -> TemplateBlock? {
        template.blocks.first { $0.name == name } ?? (name == nil && template.blocks.count == 1 ? template.blocks[0] : nil)
    }

    /// Values of `table` in `from` that `to`'s table no longer accepts, in `from`'s order.
    func valuesRemoved(from table: String) -> [String] {
        guard let old = from.lookup(named: table) else { return [] }
        var values = old.values
        if let first = values.first, TemplateCatalog.isMarkerRow(first.name) { values.removeFirst() }
        guard let accepted = to.accepted(in: table) else { return values.map(\.name) }
        return values.map(\.name).filter { !accepted.contains($0) }
    }
}
