import Foundation

/// Terminal styling: colour only when stdout is a terminal and `NO_COLOR` is unset.
public struct Style: Sendable {
    public var colour: Bool

    public static func forStandardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        Style(colour: isatty(STDOUT_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty)
    }

    public init(colour: Bool) { self.colour = colour }

    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func green(_ text: String) -> String { wrap(text, "32") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    public func dim(_ text: String) -> String { wrap(text, "2") }

    private func wrap(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Columns aligned for people: each column as wide as its widest cell.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []
    /// Columns (by index) aligned right, for numbers.
    public var rightAligned: Set<Int> = []

    public init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The table as lines; `style` may colour the header. ANSI codes in cells are not counted.
    public func render(style: Style = Style(colour: false)) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.visibleWidth(cell))
            }
        }
        var lines: [String] = []
        for (rowIndex, row) in all.enumerated() {
            var cells: [String] = []
            for (index, cell) in row.enumerated() where index < widths.count {
                let pad = String(repeating: " ", count: widths[index] - Self.visibleWidth(cell))
                let isLast = index == row.count - 1
                cells.append(rightAligned.contains(index) ? pad + cell : (isLast ? cell : cell + pad))
            }
            let line = cells.joined(separator: "  ")
            lines.append(rowIndex == 0 ? style.bold(line) : line)
        }
        return lines.joined(separator: "\n")
    }

    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}
