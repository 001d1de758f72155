import Foundation

/// Timestamps as TemplateTrack stores and prints them: ISO 8601 in UTC.
public enum Timestamp {
    /// Storage form, `2026-11-29T00:48:21.123Z`: fixed width, so text order is time order.
    public static func storage(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// Display form, `2026-11-29T00:48:21Z`, used in text and `--json` output.
    public static func display(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// Display form of a stored timestamp.
    public static func display(storage text: String) -> String {
        parse(text).map(display) ?? text
    }

    /// Parses an ISO 8601 time, with or without fractional seconds or a zone (UTC if none),
    /// or a bare date `YYYY-MM-DD` (the end of that day, UTC, when `endOfDay`, else its start).
    public static func parse(_ text: String, endOfDay: Bool = false) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let attempts: [Date.ISO8601FormatStyle] = [
            .init(includingFractionalSeconds: true, timeZone: .gmt),
            .init(timeZone: .gmt),
        ]
        for style in attempts {
            if let date = try? style.parse(trimmed) { return date }
        }
        // Without a zone designator: read as UTC.
        if !trimmed.hasSuffix("Z"), !trimmed.contains("+"), trimmed.count >= 19 {
            for style in attempts {
                if let date = try? style.parse(trimmed + "Z") { return date }
            }
        }
        let dateOnly = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        if trimmed.count == 10, let day = try? dateOnly.parse(trimmed) {
            return endOfDay ? day.addingTimeInterval(86_400 - 0.001) : day
        }
        return nil
    }
}
