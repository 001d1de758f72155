extension String {
    /// The path's bytes, for use as a dictionary or set key. Swift's `String` equality treats
    /// Unicode-equivalent spellings (NFC `é`, NFD `e` + `◌́`) as equal, but zips and file
    /// systems hold bytes: two such paths are two files.
    public var pathKey: [UInt8] { Array(utf8) }
}
