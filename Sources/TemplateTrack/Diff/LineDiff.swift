/// Line-by-line differences between two texts, as edit operations.
///
/// Patience-style: lines unique to both sides anchor the match, common runs are trimmed,
/// and what remains between anchors is matched exactly when small (LCS) or replaced whole
/// when large, so a 900 KB definitions file diffs in well under a second.
public enum LineDiff {
    public enum Operation: Equatable, Sendable {
        case equal(old: Int, new: Int)
        case delete(old: Int)
        case insert(new: Int)
    }

    /// Splits after each `\n`, keeping the terminator (and any `\r` before it) in the line, so
    /// a last line without a newline differs from the same text with one.
    public static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            result.append(bytes[start...index])
            start = index + 1
        }
        if start < bytes.count { result.append(bytes[start...]) }
        return result
    }

    public static func operations<Line: Hashable>(_ old: [Line], _ new: [Line]) -> [Operation] {
        // Intern lines so the algorithm compares integers.
        var ids: [Line: Int] = [:]
        let a = old.map { line in ids[line] ?? { ids[line] = ids.count; return ids.count - 1 }() }
        let b = new.map { line in ids[line] ?? { ids[line] = ids.count; return ids.count - 1 }() }
        var output: [Operation] = []
        output.reserveCapacity(max(a.count, b.count))
        diff(a, 0..<a.count, b, 0..<b.count, into: &output)
        return output
    }

    /// Above this many cells an unanchored region is replaced whole instead of matched.
    static let exactLimit = 4_000_000

    private static func diff(_ a: [Int], _ ra: Range<Int>, _ b: [Int], _ rb: Range<Int>, into output: inout [Operation]) {
        var (aLow, aHigh, bLow, bHigh) = (ra.lowerBound, ra.upperBound, rb.lowerBound, rb.upperBound)
        while aLow < aHigh, bLow < bHigh, a[aLow] == b[bLow] {
            output.append(.equal(old: aLow, new: bLow))
            aLow += 1
            bLow += 1
        }
        var suffix = 0
        while aHigh - suffix > aLow, bHigh - suffix > bLow, a[aHigh - suffix - 1] == b[bHigh - suffix - 1] { suffix += 1 }
        aHigh -= suffix
        bHigh -= suffix
        defer { for k in 0..<suffix { output.append(.equal(old: aHigh + k, new: bHigh + k)) } }

        if aLow == aHigh || bLow == bHigh {
            for i in aLow..<aHigh { output.append(.delete(old: i)) }
            for j in bLow..<bHigh { output.append(.insert(new: j)) }
            return
        }
        let anchors = uniqueAnchors(a, aLow..<aHigh, b, bLow..<bHigh)
        if !anchors.isEmpty {
            var (i, j) = (aLow, bLow)
            for (ai, bj) in anchors {
                diff(a, i..<ai, b, j..<bj, into: &output)
                output.append(.equal(old: ai, new: bj))
                (i, j) = (ai + 1, bj + 1)
            }
            diff(a, i..<aHigh, b, j..<bHigh, into: &output)
        } else if (aHigh - aLow) * (bHigh - bLow) <= exactLimit {
            longestCommonSubsequence(a, aLow..<aHigh, b, bLow..<bHigh, into: &output)
        } else {
            for i in aLow..<aHigh { output.append(.delete(old: i)) }
            for j in bLow..<bHigh { output.append(.insert(new: j)) }
        }
    }

    /// Lines occurring exactly once on each side, kept in an order increasing on both sides
    /// (longest increasing subsequence, by patience sorting).
    private static func uniqueAnchors(_ a: [Int], _ ra: Range<Int>, _ b: [Int], _ rb: Range<Int>) -> [(Int, Int)] {
        var counts: [Int: (a: Int, b: Int, aIndex: Int, bIndex: Int)] = [:]
        for i in ra { counts[a[i], default: (0, 0, 0, 0)].a += 1; counts[a[i]]!.aIndex = i }
        for j in rb where counts[b[j]] != nil { counts[b[j]]!.b += 1; counts[b[j]]!.bIndex = j }
        let pairs = counts.values.filter { $0.a == 1 && $0.b == 1 }.map { ($0.aIndex, $0.bIndex) }.sorted { $0.0 < $1.0 }
        guard !pairs.isEmpty else { return [] }
        var tails: [Int] = []  // index into pairs of the smallest tail of each pile
        var previous = Array(repeating: -1, count: pairs.count)
        for (index, pair) in pairs.enumerated() {
            var low = 0
            var high = tails.count
            while low < high {
                let mid = (low + high) / 2
                if pairs[tails[mid]].1 < pair.1 { low = mid + 1 } else { high = mid }
            }
            if low > 0 { previous[index] = tails[low - 1] }
            if low == tails.count { tails.append(index) } else { tails[low] = index }
        }
        var chain: [(Int, Int)] = []
        var cursor = tails.last!
        while cursor >= 0 {
            chain.append(pairs[cursor])
            cursor = previous[cursor]
        }
        return chain.reversed()
    }

    private static func longestCommonSubsequence(
        _ a: [Int], _ ra: Range<Int>, _ b: [Int], _ rb: Range<Int>, into output: inout [Operation]
    ) {
        let (n, m) = (ra.count, rb.count)
        var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i * (m + 1) + j] =
                    a[ra.lowerBound + i] == b[rb.lowerBound + j]
                    ? table[(i + 1) * (m + 1) + j + 1] + 1
                    : max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1])
            }
        }
        var (i, j) = (0, 0)
        while i < n, j < m {
            if a[ra.lowerBound + i] == b[rb.lowerBound + j] {
                output.append(.equal(old: ra.lowerBound + i, new: rb.lowerBound + j))
                i += 1
                j += 1
            } else if table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1] {
                output.append(.delete(old: ra.lowerBound + i))
                i += 1
            } else {
                output.append(.insert(new: rb.lowerBound + j))
                j += 1
            }
        }
        while i < n { output.append(.delete(old: ra.lowerBound + i)); i += 1 }
        while j < m { output.append(.insert(new: rb.lowerBound + j)); j += 1 }
    }
}
