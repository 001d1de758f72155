import Foundation

/// Reads the fields of an HTML form body, as curl `-d` (url-encoded) and R's httr
/// (`multipart/form-data`) send them to ImmPort's token endpoint.
enum FormDecoding {
    static func fields(body: Data, contentType: String?) -> [String: String] {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data"), let boundary = parameter("boundary", of: contentType ?? "") {
            return multipart(body, boundary: boundary)
        }
        return urlEncoded(String(decoding: body, as: UTF8.self))
    }

    static func urlEncoded(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func multipart(_ body: Data, boundary: String) -> [String: String] {
        var fields: [String: String] = [:]
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var cursor = body.startIndex
        var parts: [Data] = []
        while let range = body.range(of: delimiter, in: cursor..<body.endIndex) {
            if cursor != body.startIndex { parts.append(body[cursor..<range.lowerBound]) }
            cursor = range.upperBound
        }
        for part in parts {
            guard let split = part.range(of: headerEnd) else { continue }
            let headers = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
            var value = part[split.upperBound..<part.endIndex]
            if value.suffix(2) == Data("\r\n".utf8) { value = value.dropLast(2) }
            let disposition = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition:") }
            if let disposition, let name = parameter("name", of: String(disposition)) {
                fields[name] = String(decoding: value, as: UTF8.self)
            }
        }
        return fields
    }

    /// `boundary` from `multipart/form-data; boundary=xyz`, `name` from `form-data; name="u"`.
    static func parameter(_ key: String, of header: String) -> String? {
        for piece in header.split(separator: ";") {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix(key + "=") else { continue }
            return String(trimmed.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}
