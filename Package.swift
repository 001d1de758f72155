// swift-tools-version:6.2
import PackageDescription

/// Every target: imports are internal unless a file says `public import`, so no dependency's
/// type reaches a public signature by accident.
let strict: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "TemplateTrack",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "templatetrack", targets: ["templatetrack"]),
        // The commands that talk to ImmPort or serve pages; `templatetrack` hands them over.
        .executable(name: "templatetrack-network", targets: ["templatetrack-network"]),
        // One product per stage, as the pipeline reads: bytes → entries → store → model.
        .library(name: "TemplateTrackBase", targets: ["TemplateTrackBase"]),
        .library(name: "TemplateTrackFetcher", targets: ["TemplateTrackFetcher"]),
        .library(name: "TemplateTrackExtractor", targets: ["TemplateTrackExtractor"]),
        .library(name: "TemplateTrackTemplates", targets: ["TemplateTrackTemplates"]),
        .library(name: "TemplateTrackHistory", targets: ["TemplateTrackHistory"]),
        .library(name: "TemplateTrackSQLite", targets: ["TemplateTrackSQLite"]),
        .library(name: "TemplateTrackSimulator", targets: ["TemplateTrackSimulator"]),
        .library(name: "TemplateTrack", targets: ["TemplateTrack"]),
        .library(name: "TemplateTrackSync", targets: ["TemplateTrackSync"]),
        .library(name: "TemplateTrackNotifications", targets: ["TemplateTrackNotifications"]),
        .library(name: "TemplateTrackCheck", targets: ["TemplateTrackCheck"]),
        .library(name: "TemplateTrackTesting", targets: ["TemplateTrackTesting"]),
        .library(name: "TemplateTrackWeb", targets: ["TemplateTrackWeb"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        // libzip 1.7.3 from Debian's libzip-dev.
        .systemLibrary(
            name: "CLibzip",
            pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]
        ),
        // libdeflate 1.14 from Debian's libdeflate-dev: inflates a whole entry about twice as
        // fast as zlib, which libzip streams through.
        .systemLibrary(
            name: "CLibdeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        // renameat2(RENAME_NOREPLACE), which Swift cannot call directly.
        .target(name: "CSystemCalls"),
        // Errors, hashing, time formats and the few values every stage shares.
        .target(
            name: "TemplateTrackBase",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Stage 1: talks to ImmPort (or the simulator) and downloads zips.
        .target(
            name: "TemplateTrackFetcher",
            dependencies: [
                "TemplateTrackBase", "CSystemCalls",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Stage 2: reads zips with libzip, safely, in one pass over the cores.
        .target(
            name: "TemplateTrackExtractor",
            dependencies: [
                "TemplateTrackBase", "CLibzip", "CLibdeflate",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Reads ImmPort's template formats and compares templates as schemas.
        .target(name: "TemplateTrackTemplates", dependencies: ["TemplateTrackBase"], swiftSettings: strict),
        // Stage 3, the interface: the history's model and the storage protocols (no SQL here).
        .target(
            name: "TemplateTrackHistory",
            dependencies: ["TemplateTrackBase", "TemplateTrackTemplates"],
            swiftSettings: strict
        ),
        // Stage 3, in SQLite (GRDB, WAL); schema from top-level migrations/.
        .target(
            name: "TemplateTrackSQLite",
            dependencies: [
                "TemplateTrackBase", "CSystemCalls",
                "TemplateTrackTemplates",
                "TemplateTrackHistory",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict,
            plugins: ["EmbedResources"]
        ),
        // A local ImmPort API that serves the zips built from samples/.
        .target(
            name: "TemplateTrackSimulator",
            dependencies: [
                "TemplateTrackBase",
                "TemplateTrackExtractor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            plugins: ["EmbedResources"]
        ),
        // The pipeline's local half (extractor → store) and the answers computed from the store.
        .target(
            name: "TemplateTrack",
            dependencies: [
                "TemplateTrackBase",
                "TemplateTrackExtractor",
                "TemplateTrackTemplates",
                "TemplateTrackHistory",
                "CSystemCalls",
            ],
            swiftSettings: strict
        ),
        // The pipeline's network half: fetcher → the local pipeline, several downloads at once.
        .target(
            name: "TemplateTrackSync",
            dependencies: ["TemplateTrack", "TemplateTrackBase", "TemplateTrackFetcher", "TemplateTrackHistory"],
            swiftSettings: strict
        ),
        // Telling people: a webhook and a command hook, with timeouts and retries.
        .target(
            name: "TemplateTrackNotifications",
            dependencies: [
                "TemplateTrack", "TemplateTrackSync", "TemplateTrackBase", "TemplateTrackFetcher", "TemplateTrackHistory",
                "TemplateTrackTemplates",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The history as pages: a static HTML report and a read-only web view (Mustache, Hummingbird).
        .target(
            name: "TemplateTrackWeb",
            dependencies: [
                "TemplateTrack", "TemplateTrackBase", "TemplateTrackExtractor", "TemplateTrackHistory",
                "TemplateTrackTemplates",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Fixtures for tests of TemplateTrack and of code built on it.
        .target(
            name: "TemplateTrackTesting",
            dependencies: [
                "TemplateTrack", "TemplateTrackBase", "TemplateTrackExtractor", "TemplateTrackFetcher",
                "TemplateTrackSQLite", "TemplateTrackSimulator",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The command line: parses arguments and renders the model, nothing else. Every
        // command is defined here; those that need the network stack (sync, watch, workspaces,
        // serve, report, simulator, demo) run in templatetrack-network, so that the queries'
        // binary links no SwiftNIO, AsyncHTTPClient or Hummingbird: a sixth less start-up per query.
        .target(
            name: "TemplateTrackCommandLine",
            dependencies: [
                "TemplateTrack", "TemplateTrackBase", "TemplateTrackExtractor", "TemplateTrackHistory",
                "TemplateTrackSQLite", "TemplateTrackTemplates", "TemplateTrackCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // What the network commands do, for templatetrack-network.
        .target(
            name: "TemplateTrackNetworkCommands",
            dependencies: [
                "TemplateTrackCommandLine", "TemplateTrack", "TemplateTrackSync", "TemplateTrackBase", "TemplateTrackFetcher",
                "TemplateTrackHistory", "TemplateTrackSQLite", "TemplateTrackSimulator", "TemplateTrackTemplates",
                "TemplateTrackNotifications", "TemplateTrackCheck", "TemplateTrackWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "templatetrack", dependencies: ["TemplateTrackCommandLine"], swiftSettings: strict),
        .executableTarget(
            name: "templatetrack-network", dependencies: ["TemplateTrackCommandLine", "TemplateTrackNetworkCommands"],
            swiftSettings: strict),
        // A client that needs only the extractor: proof that it builds without the other stages.
        .executableTarget(name: "extractor-example", dependencies: ["TemplateTrackExtractor"], swiftSettings: strict),
        // `make benchmark`: TemplateTrack beside unzip, sha256sum, curl and diff -r.
        .executableTarget(
            name: "TemplateTrackBenchmark",
            dependencies: [
                "TemplateTrack", "TemplateTrackBase", "TemplateTrackExtractor", "TemplateTrackFetcher",
                "TemplateTrackHistory", "TemplateTrackSQLite", "TemplateTrackSimulator",
            ],
            swiftSettings: strict
        ),
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
            dependencies: [
                "TemplateTrackBase", "TemplateTrackTemplates", "TemplateTrackExtractor",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Checks one file in a process of its own and prints its peak memory (for the tests).
        .executableTarget(
            name: "TemplateTrackCheckProbe",
            dependencies: ["TemplateTrackCheck"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TemplateTrackCheckTests",
            dependencies: ["TemplateTrackCheck", "TemplateTrackBase", "TemplateTrackTemplates", "TemplateTrackExtractor"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TemplateTrackExtractorTests",
            dependencies: ["TemplateTrackExtractor", "TemplateTrackBase", "TemplateTrackTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TemplateTrackTemplatesTests",
            dependencies: ["TemplateTrackTemplates", "TemplateTrackBase", "TemplateTrackTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TemplateTrackFetcherTests",
            dependencies: [
                "TemplateTrackBase", "TemplateTrackFetcher", "TemplateTrackSimulator", "TemplateTrackTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TemplateTrackTests",
            dependencies: [
                "TemplateTrack", "TemplateTrackSync", "TemplateTrackBase", "TemplateTrackExtractor", "TemplateTrackFetcher",
                "TemplateTrackHistory", "TemplateTrackSQLite", "TemplateTrackSimulator", "TemplateTrackTemplates",
                "TemplateTrackTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TemplateTrackCLITests",
            dependencies: ["TemplateTrackBase", "TemplateTrackTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // The report and the web view, opened in headless Chromium as a person would see them.
        .testTarget(
            name: "TemplateTrackWebTests",
            dependencies: [
                "TemplateTrackWeb", "TemplateTrack", "TemplateTrackBase", "TemplateTrackHistory", "TemplateTrackSQLite",
                "TemplateTrackTemplates", "TemplateTrackTesting",
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
