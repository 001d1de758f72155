import Foundation

/// Byte counts as people read them: `512 MiB`, `1.5 GiB`, `900 bytes`.
public enum ByteCount {
    public static func format(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes)
        var unit = -1
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let text = value.rounded() == value || value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
        return "\(text) \(units[unit])"
    }

    /// Reads `512MiB`, `2 GiB`, `100M`, `1.5G`, `4096` (bytes); nil when unreadable.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let match = trimmed.wholeMatch(of: /(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)/.ignoresCase()),
            let number = Double(match.1)
        else { return nil }
        let exponent = ["": 0, "K": 1, "M": 2, "G": 3, "T": 4][match.2.uppercased()] ?? 0
        let value = number * pow(1024, Double(exponent))
        guard value.isFinite, value >= 0, value < Double(Int64.max) else { return nil }
        return Int64(value)
    }
}

