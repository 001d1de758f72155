import Foundation
public import TemplateTrackHistory

/// Which snapshots `prune` keeps.
public struct RetentionPolicy: Sendable, Equatable {
    /// Keep the last snapshot of each of the last N days that have snapshots (UTC days).
    public var keepDaily: Int
    /// Keep the last snapshot of each of the last N months that have snapshots.
    public var keepMonthly: Int

    public init(keepDaily: Int = 0, keepMonthly: Int = 0) {
        self.keepDaily = keepDaily
        self.keepMonthly = keepMonthly
    }
}

/// What a prune keeps and forgets, and why.
public struct PrunePlan: Sendable, Encodable {
    /// Snapshots to forget, oldest first.
    public var forget: [Int]
    /// How many are kept, by the first reason that keeps each.
    public var kept: [String: Int]
}

/// Forgetting snapshots: by name, or by a policy that never loses a change.
public enum Retention {
    /// The plan for `policy` over every series: a series' latest snapshot, every snapshot that
    /// changed the contents (a series' first included) and the one just before each change (the
    /// last time the old contents were seen) are always kept, so that the history of changes,
    /// and every `diff` and `changed` answer, stay exactly the same. Only repeated fetches of
    /// unchanged contents can go, outside the daily and monthly windows.
    public static func plan(_ policy: RetentionPolicy, snapshots: [Snapshot]) -> PrunePlan {
        var forget: [Int] = []
        var kept: [String: Int] = [:]
        let bySeries = Dictionary(grouping: snapshots, by: \.series)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        for (_, series) in bySeries {
            let ordered = series.sorted { ($0.fetchedAt, $0.id) < ($1.fetchedAt, $1.id) }
            func lastOfPeriods(_ component: Set<Calendar.Component>, count: Int) -> Set<Int> {
                guard count > 0 else { return [] }
                var chosen: Set<Int> = []
                var periods: [DateComponents] = []
                for snapshot in ordered.reversed() {
                    let period = calendar.dateComponents(component, from: snapshot.fetchedAt)
                    if periods.last == period { continue }
                    guard periods.count < count else { break }
                    periods.append(period)
                    chosen.insert(snapshot.id)
                }
                return chosen
            }
            let daily = lastOfPeriods([.year, .month, .day], count: policy.keepDaily)
            let monthly = lastOfPeriods([.year, .month], count: policy.keepMonthly)
            for (index, snapshot) in ordered.enumerated() {
                let beforeChange = index + 1 < ordered.count && ordered[index + 1].changed
                let reason: String? =
                    if snapshot.changed { "change" } else if index == ordered.count - 1 { "latest" } else if beforeChange {
                        "before_change"
                    } else if daily.contains(snapshot.id) { "daily" } else if monthly.contains(snapshot.id) { "monthly" } else { nil }
                if let reason { kept[reason, default: 0] += 1 } else { forget.append(snapshot.id) }
            }
        }
        return PrunePlan(forget: forget.sorted(), kept: kept)
    }
}
