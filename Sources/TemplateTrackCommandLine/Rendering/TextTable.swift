import Foundation

/// When to colour output: `--color=auto|always|never`.
package enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never
}

/// Terminal styling: colour only on a terminal, never when `NO_COLOR` is set or `TERM=dumb`
/// (unless `--color=always`).
package struct Style: Sendable {
    package var colour: Bool

    /// The choice made once per run, by `--color` (see `Output`).
    package nonisolated(unsafe) static var choice: ColorChoice = .auto

    package static func forStandardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        forStream(STDOUT_FILENO, environment: environment)
    }

    package static func forStream(_ fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        switch choice {
        case .always: return Style(colour: true)
        case .never: return Style(colour: false)
        case .auto:
            return Style(
                colour: isatty(fd) == 1 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb")
        }
    }

    package init(colour: Bool) { self.colour = colour }

    package func bold(_ text: String) -> String { wrap(text, "1") }
    package func green(_ text: String) -> String { wrap(text, "32") }
    package func red(_ text: String) -> String { wrap(text, "31") }
    package func yellow(_ text: String) -> String { wrap(text, "33") }
    package func dim(_ text: String) -> String { wrap(text, "2") }

    private func wrap(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Columns aligned for people: each column as wide as its widest cell.
package struct TextTable {
    package var header: [String]
    package var rows: [[String]] = []
    /// Columns (by index) aligned right, for numbers.
    package var rightAligned: Set<Int> = []

    package init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    /// Cells may hold data from a zip: made terminal-safe here, so widths count what is shown.
    package mutating func add(_ row: [String]) { rows.append(row.map { TerminalText.safe($0, keepColour: true) }) }

    /// The table as lines; `style` may colour the header. ANSI codes in cells are not counted.
    package func render(style: Style = Style(colour: false)) -> String {
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

    package static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += columns(scalar)
            }
        }
        return width
    }

    /// Terminal columns a scalar takes: 0 for combining marks, 2 for East Asian wide and
    /// full-width characters and emoji, else 1.
    package static func columns(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
