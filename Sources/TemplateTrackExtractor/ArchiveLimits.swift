import TemplateTrackBase

/// How large an archive TemplateTrack accepts. Checked from the sizes the zip declares before
/// anything is inflated, and enforced again while streaming, since a header can lie.
///
/// The defaults suit template documentation (a few megabytes) with a wide margin: nothing
/// legitimate up to 512 MiB per entry is refused.
public struct ArchiveLimits: Sendable, Equatable {
    /// Most entries (files and folders) in one zip.
    public var maxEntries: Int
    /// Largest uncompressed size of one entry, in bytes.
    public var maxEntrySize: Int64
    /// Largest uncompressed size of all entries together, in bytes.
    public var maxTotalSize: Int64
    /// Highest uncompressed-to-compressed ratio of an entry over 1 MiB (a zip bomb's mark).
    public var maxCompressionRatio: Double

    /// Limits with the defaults: 65,536 entries, 512 MiB per entry, 2 GiB in all, 200:1.
    public init(
        maxEntries: Int = 65_536, maxEntrySize: Int64 = 512 << 20, maxTotalSize: Int64 = 2 << 30,
        maxCompressionRatio: Double = 200
    ) {
        self.maxEntries = maxEntries
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxCompressionRatio = maxCompressionRatio
    }

    /// The defaults.
    public static let standard = ArchiveLimits()

    /// Entries this small are never judged by their ratio: a short run of one byte compresses
    /// a thousandfold and harms nobody.
    public static let ratioFloor: Int64 = 1 << 20
}

