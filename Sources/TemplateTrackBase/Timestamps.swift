public import Foundation

/// Timestamps as TemplateTrack prints and reads them: ISO 8601, UTC.
public enum Timestamp {
    /// Display form, `2026-11-29T00:48:21Z`, used in text and JSON output.
    public static func display(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// Display form with milliseconds, `2026-11-29T00:48:21.123Z`.
    public static func precise(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// How much of a time the text gave: a whole day, a whole second, or a fraction of one.
    public enum Precision: Sendable, Equatable {
        case day, second, fraction
    }

    /// A time read from text, with the span it stands for.
    public struct Parsed: Sendable, Equatable {
        /// The first instant the text names.
        public var start: Date
        public var precision: Precision

        /// The last instant the text covers: the end of its day or second, to the millisecond
        /// (how precisely TemplateTrack stores times).
        public var end: Date {
            switch precision {
            case .day: start.addingTimeInterval(86_400 - 0.001)
            case .second: start.addingTimeInterval(0.999)
            case .fraction: start
            }
        }
    }

    /// Reads `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm[:ss[.fff]]` with `Z`, `±hh:mm` or no zone (UTC).
    /// Impossible dates and times (`2026-02-30`, `25:00`) are refused, not rolled forward.
    public static func parse(_ text: String) -> Parsed? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/
        guard let match = trimmed.wholeMatch(of: pattern) else { return nil }
        let year = Int(match.1)!, month = Int(match.2)!, day = Int(match.3)!
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        let hour = match.4.map { Int($0)! } ?? 0
        let minute = match.5.map { Int($0)! } ?? 0
        let second = match.6.map { Int($0)! } ?? 0
        guard hour < 24, minute < 60, second < 60 else { return nil }
        var offset = 0
        if let zone = match.8, zone != "Z", zone != "z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            let hours = Int(digits.prefix(2))!, minutes = Int(digits.suffix(2))!
            guard hours < 24, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (zone.hasPrefix("-") ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard var date = calendar.date(from: components) else { return nil }
        date.addTimeInterval(TimeInterval(-offset))
        if let fraction = match.7 { date.addTimeInterval(Double("0." + fraction)!) }
        let precision: Precision = match.4 == nil ? .day : match.7 == nil ? .second : .fraction
        return Parsed(start: date, precision: precision)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Milliseconds since 1970, as the history stores times.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The date of a stored time.
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
