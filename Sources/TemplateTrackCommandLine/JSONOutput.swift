import Foundation
import TemplateTrackBase

/// Pretty, key-sorted JSON on standard output; times as ISO 8601 UTC to the second.
package func printJSON(_ value: some Encodable) throws {
    printJSONText(try jsonText(value))
}

/// JSON as encoded: its strings already escape control characters, and changing their
/// contents would change the data.
package func printJSONText(_ text: String) {
    Swift.print(text)
}

package func jsonText(_ value: some Encodable, pretty: Bool = true) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(Timestamp.display(date))
    }
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
