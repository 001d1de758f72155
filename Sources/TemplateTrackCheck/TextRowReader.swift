import Foundation
import TemplateTrackBase

/// One row of a filled template as written: its 1-based line (or spreadsheet row) number and
/// its cells, untrimmed. Trailing empty cells may or may not be present.
struct FilledRow {
    var number: Int
    var cells: [String]

    /// True when every cell is empty or spaces: a blank line.
    var isBlank: Bool { cells.allSatisfy { $0.utf8.allSatisfy { $0 == 0x20 || $0 == 0x0d } } }
}

/// Reads an open file in fixed-size chunks: memory stays the same whatever the file's size.
final class ChunkedFile {
    let path: String
    private let descriptor: Int32
    static let chunkSize = 1 << 16

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TemplateTrackError(errno == ENOENT ? .notFound : .io, "cannot open: \(Self.reason(errno))", at: [.file(path)])
        }
    }

    deinit { close(descriptor) }

    /// The next chunk; empty at the end.
    func next() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 {
                buffer.removeSubrange(count...)
                return buffer
            }
            if errno == EINTR { continue }
            throw TemplateTrackError(.io, "cannot read: \(Self.reason(errno))", at: [.file(path)])
        }
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Streams the lines of a tab-separated `.txt` template: LF or CRLF endings, an optional
/// UTF-8 BOM, UTF-16 with a BOM (Excel's "Unicode Text") transcoded, and text that is not
/// valid UTF-8 read as Latin-1. Only one line is held at a time.
struct TextRowReader {
    /// Longest line accepted: a corrupt file with no line breaks must not fill memory.
    static let maximumLineLength = 16 << 20

    let path: String

    /// Whether the file's first line ended in CRLF, and whether it began with a BOM: found while reading.
    private(set) var usesCRLF = false
    private(set) var hadBOM = false

    init(path: String) { self.path = path }

    /// Calls `body` with every line, in order; `body` may throw to stop.
    mutating func forEachRow(_ body: (FilledRow) throws -> Void) throws {
        let file = try ChunkedFile(path: path)
        var pending: [UInt8] = []
        var lineNumber = 0
        var started = false
        var utf16: UTF16Transcoder?

        func emit(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            var bytes = line
            if bytes.last == 0x0d {
                bytes = bytes.dropLast()
                if lineNumber == 1 { usesCRLF = true }
            }
            try body(FilledRow(number: lineNumber, cells: Self.cells(of: bytes)))
        }

        while true {
            var chunk = try file.next()
            let atEnd = chunk.isEmpty
            if !started, !atEnd || !pending.isEmpty {
                started = true
                if chunk.starts(with: [0xef, 0xbb, 0xbf]) {
                    hadBOM = true
                    chunk.removeFirst(3)
                } else if chunk.starts(with: [0xff, 0xfe]) || chunk.starts(with: [0xfe, 0xff]) {
                    hadBOM = true
                    utf16 = UTF16Transcoder(littleEndian: chunk[0] == 0xff)
                    chunk.removeFirst(2)
                }
            }
            if var transcoder = utf16 {
                chunk = transcoder.utf8(from: chunk, atEnd: atEnd)
                utf16 = transcoder
            }
            if atEnd && chunk.isEmpty {
                if !pending.isEmpty { try emit(pending[...]) }
                return
            }
            pending += chunk
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0a) {
                try emit(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
            if pending.count > Self.maximumLineLength {
                throw TemplateTrackError(
                    .invalidFile, "line \(lineNumber + 1) is longer than \(Self.maximumLineLength >> 20) MiB; not a template",
                    at: [.file(path)])
            }
        }
    }

    /// Cells split on tabs, each decoded as UTF-8 or, failing that, Latin-1.
    static func cells(of line: ArraySlice<UInt8>) -> [String] {
        line.split(separator: 0x09, omittingEmptySubsequences: false).map { cell in
            String(validating: cell, as: UTF8.self) ?? String(String.UnicodeScalarView(cell.map { Unicode.Scalar($0) }))
        }
    }
}

/// UTF-16 to UTF-8, chunk by chunk, keeping an odd byte or a lone high surrogate for the next chunk.
struct UTF16Transcoder {
    let littleEndian: Bool
    private var carry: [UInt8] = []

    init(littleEndian: Bool) { self.littleEndian = littleEndian }

    mutating func utf8(from chunk: [UInt8], atEnd: Bool) -> [UInt8] {
        let bytes = carry + chunk
        carry = []
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = 0
        while index + 1 < bytes.count {
            let (a, b) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            index += 2
        }
        if index < bytes.count { carry = [bytes[index]] }
        if !atEnd, let last = units.last, UTF16.isLeadSurrogate(last) {
            units.removeLast()
            carry = (littleEndian ? [UInt8(last & 0xff), UInt8(last >> 8)] : [UInt8(last >> 8), UInt8(last & 0xff)]) + carry
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }
}
