import Foundation
import TemplateTrackBase

/// Text for people, made safe for a terminal. Names, columns, snippets and file lines come from
/// downloaded zips, so every line printed passes through here: control and format characters
/// become visible `\u{…}` escapes, so data can never move the cursor, retitle the window or
/// reorder text. Only newlines, tabs and (when colouring) this tool's own SGR colour codes stay.
package enum TerminalText {
    package static func safe(_ text: String, keepColour: Bool) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\t" || !DisplayName.isUnsafe(scalar) {
                out.append(scalar)
            } else if keepColour, let end = colourCodeEnd(scalars, from: index) {
                out.append(contentsOf: scalars[index...end])
                index = end
            } else {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            }
            index += 1
        }
        return String(out)
    }

    /// The index of the `m` ending an SGR sequence (`ESC [ digits/semicolons m`) at `start`.
    private static func colourCodeEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard scalars[start] == "\u{1B}", start + 1 < scalars.count, scalars[start + 1] == "[" else { return nil }
        var index = start + 2
        while index < scalars.count, index - start < 16 {
            let scalar = scalars[index]
            if scalar == "m" { return index }
            guard scalar == ";" || ("0"..."9").contains(scalar) else { return nil }
            index += 1
        }
        return nil
    }
}

/// Every `print` in this executable writes text for people, made safe by `TerminalText`
/// (JSON goes through `printJSON`, which prints it as encoded).
package func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    Swift.print(TerminalText.safe(text, keepColour: Style.forStandardOutput().colour), terminator: terminator)
}
