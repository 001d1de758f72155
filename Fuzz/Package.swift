// swift-tools-version:6.2
// libFuzzer targets for TemplateTrack, in a package of their own so that the main build never
// sees them: `Fuzz/run.sh SECONDS` builds them with -sanitize=fuzzer,address into .build-fuzz.
import Foundation
import PackageDescription

/// The main package, one folder up. A path dependency's identity is its folder's name, which
/// differs between clones (a worktree, CI's checkout), so it is read from the path.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let strict: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "TemplateTrackFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: root.path)],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, declared for Swift (the library comes with -sanitize=fuzzer).
        .systemLibrary(name: "CFuzzDriver"),
        // Bytes → a temporary zip → ArchiveReader + checkAll().
        .executableTarget(
            name: "FuzzArchiveReader",
            dependencies: [
                .product(name: "TemplateTrackExtractor", package: rootIdentity),
                .product(name: "TemplateTrackBase", package: rootIdentity),
                "CFuzzDriver",
            ],
            swiftSettings: strict
        ),
        // Bytes → TemplateRecognizer.mayRecognize + recognize.
        .executableTarget(
            name: "FuzzTemplateRecognizer",
            dependencies: [.product(name: "TemplateTrackTemplates", package: rootIdentity), "CFuzzDriver"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
