public import TemplateTrackHistory

/// The line differences of one changed file, computed for patch and stat views.
public struct FilePatch: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        /// An empty folder that came or went.
        case folder
        /// Identical bytes under a new path.
        case renamed
        /// Bytes with a NUL on either side: not compared line by line (and never loaded).
        case binary
        /// Unified-diff hunks (3 lines of context).
        case text([Hunk])
    }

    public var change: FileChange
    public var content: Content
    /// Lines added and removed (0 for folders, renames and binary files).
    public var linesAdded: Int
    public var linesRemoved: Int
}

/// One hunk of a unified diff: `@@ -oldStart,oldCount +newStart,newCount @@`.
public struct Hunk: Sendable, Hashable {
    /// 1-based first line on each side (0 when the side has no line, as GNU diff prints it).
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int
    public var lines: [PatchLine]
}

/// One line of a hunk.
public struct PatchLine: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case context, removed, added
    }

    public var kind: Kind
    /// The line without its `\n`: UTF-8 where valid, else Latin-1; a `\r` is kept.
    public var text: String
    /// The file ends on this line without a newline.
    public var missingNewline: Bool
}

/// Builds hunks from two texts.
public enum Patches {
    /// Unified-diff hunks between `old` and `new`, with `context` lines around each change.
    public static func hunks(old: [UInt8], new: [UInt8], context: Int = 3) -> (hunks: [Hunk], added: Int, removed: Int) {
        let (a, b) = (LineDiff.lines(old), LineDiff.lines(new))
        let operations = LineDiff.operations(a, b)
        var added = 0
        var removed = 0
        var changed: [Int] = []
        for (index, operation) in operations.enumerated() {
            switch operation {
            case .equal: continue
            case .insert: added += 1
            case .delete: removed += 1
            }
            changed.append(index)
        }
        guard !changed.isEmpty else { return ([], 0, 0) }
        // Group changes whose contexts touch.
        var groups: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(operations.count - 1, index + context)
            if let last = groups.last, range.lowerBound <= last.upperBound + 1 {
                groups[groups.count - 1] = last.lowerBound...range.upperBound
            } else {
                groups.append(range)
            }
        }
        var hunks: [Hunk] = []
        for group in groups {
            var lines: [PatchLine] = []
            var (oldStart, newStart, oldCount, newCount) = (-1, -1, 0, 0)
            for operation in operations[group] {
                switch operation {
                case .equal(let i, let j):
                    if oldStart < 0 { (oldStart, newStart) = (i, j) }
                    oldCount += 1
                    newCount += 1
                    lines.append(line(.context, a[i]))
                case .delete(let i):
                    if oldStart < 0 { oldStart = i }
                    oldCount += 1
                    lines.append(line(.removed, a[i]))
                case .insert(let j):
                    if newStart < 0 { newStart = j }
                    newCount += 1
                    lines.append(line(.added, b[j]))
                }
            }
            if oldStart < 0 { oldStart = position(in: operations, before: group.lowerBound, old: true) }
            if newStart < 0 { newStart = position(in: operations, before: group.lowerBound, old: false) }
            hunks.append(
                Hunk(
                    oldStart: oldCount == 0 ? oldStart : oldStart + 1, oldCount: oldCount,
                    newStart: newCount == 0 ? newStart : newStart + 1, newCount: newCount, lines: lines))
        }
        return (hunks, added, removed)
    }

    /// Lines on one side before operation `index` (for a hunk with no line on that side).
    private static func position(in operations: [LineDiff.Operation], before index: Int, old: Bool) -> Int {
        var count = 0
        for operation in operations[..<index] {
            switch operation {
            case .equal: count += 1
            case .delete: if old { count += 1 }
            case .insert: if !old { count += 1 }
            }
        }
        return count
    }

    private static func line(_ kind: PatchLine.Kind, _ bytes: ArraySlice<UInt8>) -> PatchLine {
        let ends = bytes.last == UInt8(ascii: "\n")
        return PatchLine(kind: kind, text: decode(ends ? bytes.dropLast() : bytes), missingNewline: !ends)
    }

    /// UTF-8 where valid, else Latin-1 (every byte maps to a character); `\r` is kept.
    static func decode(_ line: ArraySlice<UInt8>) -> String {
        if let text = String(validating: line, as: UTF8.self) { return text }
        return String(line.map { Character(Unicode.Scalar($0)) })
    }
}
