/// Names that come from outside (zip entries, file names, lookup values) made safe to print:
/// control characters, bidi and other format characters become visible escapes, so a name can
/// never move the cursor, recolour the terminal or reorder the text around it.
public enum DisplayName {
    /// `name` with every unsafe scalar written as `\u{…}` (and `\` itself as `\\`).
    public static func escaped(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if isUnsafe(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Raw bytes (for example an entry name that is not valid UTF-8) made printable: valid UTF-8
    /// is escaped as above, other bytes as `\xNN`.
    public static func escaped(bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: Array(bytes), as: UTF8.self) { return escaped(text) }
        var out = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return out
    }

    /// C0 and C1 controls, DEL, line and paragraph separators, and Unicode format characters
    /// (bidi overrides and isolates, zero-width characters, the BOM).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || value == 0x7f || (0x80...0x9f).contains(value) { return true }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator:
            return true
        default:
            return false
        }
    }
}
