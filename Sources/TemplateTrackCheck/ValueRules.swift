/// What each `jsonDataType` of ImmPort's definitions accepts. Values arrive trimmed of
/// surrounding spaces; empty values are the `required` rule's business, not these.
///
/// - `number`: a decimal number: optional sign, digits with an optional fraction (`12`, `-0.5`,
///   `.5`, `3.`), optional exponent (`1e-3`). No thousands separators, no `NaN` or `Infinity`.
/// - `positive`: a whole number greater than zero (`1`, `+12`, `007`); the four `positive`
///   columns are `integer` columns described as "a positive whole number".
/// - `date`: `dd-MMM-yy` or `dd-MMM-yyyy` as the definitions describe (day 1 or 2 digits,
///   English month abbreviation in any case: `5-mar-17`, `05-Mar-2017`), or `yyyy-MM-dd`,
///   the form the `.xlsx` reader gives cells Excel stores as dates. The day must exist in
///   that month; a two-digit year `yy` means 20yy below 50 and 19yy otherwise.
/// - `enum`: membership in the column's lookup table, reported under `vocabulary` (a `cv`
///   table) or `preferred_value` (a `pv` table) rather than `type`, so one fault gives one finding.
/// - `array`: items separated by `;`; each item is checked on its own (lookup, length).
/// - `string`: anything.
enum ValueRules {
    static let numberExpectation = "a number"
    static let positiveExpectation = "a whole number greater than 0"
    static let dateExpectation = "a date like 05-Mar-2017, 5-Mar-17 or 2017-03-05"

    /// The `type` expectation for a data type, or nil when the type accepts any text.
    static func expectation(forType type: String?) -> String? {
        switch type {
        case "number": numberExpectation
        case "positive": positiveExpectation
        case "date": dateExpectation
        default: nil
        }
    }

    /// Whether `value` has data type `type`; types without a check accept anything.
    static func accepts(_ value: String, type: String?) -> Bool {
        switch type {
        case "number": isNumber(value)
        case "positive": isPositiveWholeNumber(value)
        case "date": isDate(value)
        default: true
        }
    }

    static func isNumber(_ value: String) -> Bool {
        var scalars = Substring(value).unicodeScalars[...]
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
        func digits() -> Int {
            let count = scalars.prefix { ("0"..."9").contains($0) }.count
            scalars = scalars.dropFirst(count)
            return count
        }
        var mantissaDigits = digits()
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if let e = scalars.first, e == "e" || e == "E" {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return scalars.isEmpty
    }

    static func isPositiveWholeNumber(_ value: String) -> Bool {
        let digits = value.hasPrefix("+") ? value.dropFirst() : Substring(value)
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return false }
        return digits.contains { $0 != "0" }
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func isDate(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ $0.unicodeScalars.allSatisfy(\.isASCII) }) else { return false }
        func number(_ text: String, lengths: Set<Int>) -> Int? {
            guard lengths.contains(text.count), text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
            return Int(text)
        }
        // yyyy-MM-dd
        if let year = number(parts[0], lengths: [4]), let month = number(parts[1], lengths: [2]),
            let day = number(parts[2], lengths: [2])
        {
            return isValidDay(day, month: month, year: year)
        }
        // dd-MMM-yy or dd-MMM-yyyy
        guard let day = number(parts[0], lengths: [1, 2]), let monthIndex = months.firstIndex(of: parts[1].lowercased())
        else { return false }
        if let year = number(parts[2], lengths: [4]) { return isValidDay(day, month: monthIndex + 1, year: year) }
        if let short = number(parts[2], lengths: [2]) {
            return isValidDay(day, month: monthIndex + 1, year: short < 50 ? 2000 + short : 1900 + short)
        }
        return false
    }

    static func isValidDay(_ day: Int, month: Int, year: Int) -> Bool {
        guard (1...12).contains(month), year >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...lengths[month - 1]).contains(day)
    }

    /// N in `varchar(N)` (any case, spaces allowed); nil for other column types.
    static func maximumLength(columnType: String?) -> Int? {
        guard let type = columnType?.lowercased().filter({ $0 != " " }), type.hasPrefix("varchar("), type.hasSuffix(")")
        else { return nil }
        return Int(type.dropFirst("varchar(".count).dropLast())
    }

    /// Length as the database counts it: Unicode code points (not bytes, not user-perceived characters).
    static func length(_ value: String) -> Int { value.unicodeScalars.count }
}
