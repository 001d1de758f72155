// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "TemplateTrack",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "templatetrack", targets: ["templatetrack"]),
        .library(name: "TemplateTrack", targets: ["TemplateTrack"]),
        .library(name: "TemplateTrackCheck", targets: ["TemplateTrackCheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        // libzip 1.7.3 from Debian's libzip-dev.
        .systemLibrary(
            name: "CLibzip",
            pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]
        ),
        // renameat2(RENAME_EXCHANGE), which Swift cannot call directly: atomic folder swaps.
        .target(name: "CSystemCalls"),
        // Errors, hashing and time formats shared by every stage.
        .target(
            name: "TemplateTrackBase",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Stage 1: talks to ImmPort (or the simulator) and downloads zips.
        .target(
            name: "TemplateTrackFetcher",
            dependencies: [
                "TemplateTrackBase",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Stage 2: reads zips with libzip, safely.
        .target(
            name: "TemplateTrackExtractor",
            dependencies: ["TemplateTrackBase", "CLibzip"]
        ),
        // Reads ImmPort's template formats and compares templates as schemas.
        .target(name: "TemplateTrackTemplates", dependencies: ["TemplateTrackBase"]),
        // Stage 3: records snapshots in SQLite; schema from top-level migrations/.
        .target(
            name: "TemplateTrackIndexer",
            dependencies: [
                "TemplateTrackBase",
                "TemplateTrackExtractor",
                "TemplateTrackTemplates",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            plugins: ["EmbedResources"]
        ),
        // A local ImmPort API that serves the zips built from samples/.
        .target(
            name: "TemplateTrackSimulator",
            dependencies: [
                "TemplateTrackBase",
                "TemplateTrackExtractor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedResources"]
        ),
        // The pipeline: fetcher -> extractor -> indexer, and the reports on top.
        .target(
            name: "TemplateTrack",
            dependencies: [
                "TemplateTrackBase",
                "TemplateTrackFetcher",
                "TemplateTrackExtractor",
                "TemplateTrackIndexer",
                "TemplateTrackSimulator",
                "TemplateTrackTemplates",
                "CSystemCalls",
            ]
        ),
        // The command-line tool: parses arguments and prints, nothing else.
        .executableTarget(
            name: "templatetrack",
            dependencies: [
                "TemplateTrack",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make benchmark`: TemplateTrack beside unzip, sha256sum, curl and diff -r.
        .executableTarget(name: "TemplateTrackBenchmark", dependencies: ["TemplateTrack"]),
        // Compiles migrations/ and samples/ into the binary (no resource lookup at run time).
        .executableTarget(name: "EmbedResourcesTool"),
        .plugin(
            name: "EmbedResources",
            capability: .buildTool(),
            dependencies: ["EmbedResourcesTool"]
        ),
        // Checks filled-in templates against definitions, reports the impact of a template
        // change, and upgrades filled .txt files to a newer version.
        .target(
            name: "TemplateTrackCheck",
            dependencies: ["TemplateTrackBase", "TemplateTrackTemplates", "TemplateTrackExtractor"],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        // Checks one file in a process of its own and prints its peak memory (for the tests).
        .executableTarget(
            name: "TemplateTrackCheckProbe",
            dependencies: ["TemplateTrackCheck"],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        .testTarget(
            name: "TemplateTrackCheckTests",
            dependencies: ["TemplateTrackCheck", "TemplateTrackBase", "TemplateTrackTemplates", "TemplateTrackExtractor"],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        .testTarget(
            name: "TemplateTrackTests",
            dependencies: [
                "TemplateTrack",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
