// swift-tools-version:6.0
// berth: a Docker-compatible container engine. See ARCHITECTURE.md for the
// targets and the rule that dependencies point down that table.
import PackageDescription

// Members resolve only through modules a file imports itself: swift-crypto
// imports Foundation, and without this its String and CharacterSet
// extensions (ICU's Foundation) would be picked over FoundationEssentials'.
let essentials: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

// The C libraries from Debian's -dev packages: shared in debug builds (the
// tests), static archives in release, so the berth binary needs only libc,
// libm, libstdc++ and libgcc_s on a device, and every start (each `berth
// runtime` call, each monitor) loads four shared libraries instead of
// twenty. Release links with --gc-sections (SwiftPM's dead stripping), so
// only the parts berth calls come in: libarchive's tar reader and pax
// writer without its other formats, and so without libxml2 and ICU.
func cLibraries(_ names: String...) -> [LinkerSetting] {
    names.map { LinkerSetting.linkedLibrary($0, .when(configuration: .debug)) }
        + [.unsafeFlags(["-Xlinker", "-Bstatic"] + names.flatMap { ["-Xlinker", "-l\($0)"] } + ["-Xlinker", "-Bdynamic"],
                        .when(configuration: .release))]
}

let package = Package(
    name: "berth",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        // Already in the graph through async-http-client; BerthRegistry builds
        // per-registry TLS configurations (certs.d CAs and client certs) with it.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages, wrapped as system modules.
        .systemLibrary(name: "CSeccomp", path: "Sources/CSeccomp"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive"),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),

        // The fork→exec child path and fixed-arity syscall wrappers.
        .target(name: "CBerth"),
        .target(name: "BerthSystem", dependencies: ["CBerth"], swiftSettings: essentials),
        .target(name: "BerthOCI", dependencies: ["BerthSystem"], swiftSettings: essentials),
        .target(name: "BerthRuntime", dependencies: ["CBerth", "CSeccomp", "BerthSystem", "BerthOCI"], swiftSettings: essentials,
                linkerSettings: cLibraries("seccomp")),
        .target(name: "BerthStore", dependencies: [
            "CSQLite", "CArchive", "CZlib", "CZstd", "BerthSystem", "BerthOCI",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: essentials, linkerSettings: cLibraries("archive", "sqlite3", "zstd", "z")),
        .target(name: "BerthRegistry", dependencies: [
            "BerthSystem", "BerthOCI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: essentials),
        .target(name: "BerthImages", dependencies: [
            "BerthSystem", "BerthOCI", "BerthStore", "BerthRegistry",
        ], swiftSettings: essentials),
        .target(name: "BerthNetwork", dependencies: ["CBerth", "BerthSystem"], swiftSettings: essentials),
        .target(name: "BerthBuild", dependencies: [
            "BerthSystem", "BerthOCI",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: essentials),
        .target(name: "BerthCompose", dependencies: [
            "CYAML", "BerthSystem",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: essentials, linkerSettings: cLibraries("yaml")),
        // The Docker Engine API's types (generated from the v1.50 spec), shared
        // by the daemon (BerthEngine, BerthAPI) and the client (BerthClient).
        .target(name: "BerthAPIModel", dependencies: ["BerthSystem"], swiftSettings: essentials),
        .target(name: "BerthEngine", dependencies: [
            "BerthAPIModel", "BerthSystem", "BerthOCI", "BerthRuntime", "BerthStore", "BerthRegistry", "BerthImages", "BerthNetwork",
            "BerthBuild", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: essentials,
        // The per-container monitor (Sources/berth-monitor) is a small static
        // C executable of its own, ~60 KB resident per container; the plugin
        // builds it and BerthEngine carries it (MonitorImage.swift).
        plugins: ["MonitorImage"]),
        .plugin(name: "MonitorImage", capability: .buildTool()),
        .target(name: "BerthAPI", dependencies: [
            "BerthEngine", "BerthSystem",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: essentials,
        // The static stdlib links executables with --export-dynamic: 44k
        // symbols in .dynsym (3.8 MB) that ld.so hashes at start-up and that
        // dladdr (the backtracer's init) scans one by one. Nothing looks
        // berth's own symbols up at run time.
        linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]),

        // The Engine API client the CLI (and `berth compose`) speak through:
        // blocking HTTP/1.1 on a Unix or TCP socket, no NIO.
        .target(name: "BerthClient", dependencies: ["BerthAPIModel", "BerthSystem"], swiftSettings: essentials),
        // Carries out BerthCompose's plans through the Engine API (BerthClient),
        // so `berth compose` works against berth's daemon and dockerd alike.
        .target(name: "BerthComposeRunner", dependencies: ["BerthCompose", "BerthClient", "BerthAPIModel", "BerthSystem"],
                swiftSettings: essentials),

        .executableTarget(name: "berth", dependencies: [
            "BerthSystem", "BerthOCI", "BerthRuntime", "BerthStore", "BerthRegistry", "BerthImages",
            "BerthEngine", "BerthAPI", "BerthClient", "BerthBuild", "BerthCompose", "BerthComposeRunner",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: essentials,
        // The static stdlib links executables with --export-dynamic: 44k
        // symbols in .dynsym (3.8 MB) that ld.so hashes at start-up and that
        // dladdr (the backtracer's init) scans one by one. Nothing looks
        // berth's own symbols up at run time.
        linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]),

        .testTarget(name: "BerthSystemTests", dependencies: ["BerthSystem"]),
        .testTarget(name: "BerthOCITests", dependencies: ["BerthOCI"]),
        .testTarget(name: "MonitorTests", dependencies: ["BerthSystem"]),
        .testTarget(name: "BerthStoreTests", dependencies: ["BerthStore", "BerthSystem", "BerthOCI", "CArchive"]),
        .testTarget(name: "BerthBuildTests", dependencies: ["BerthBuild"], exclude: ["Cases"]),
        .testTarget(name: "BerthComposeTests", dependencies: ["BerthCompose", "BerthComposeRunner", "BerthAPIModel"]),
        .testTarget(name: "BerthRuntimeTests", dependencies: ["BerthRuntime", "BerthOCI", "BerthSystem"]),
        .testTarget(name: "BerthCgroupTests", dependencies: ["BerthRuntime", "BerthOCI", "BerthSystem"]),
        .testTarget(name: "BerthNetworkTests", dependencies: ["BerthNetwork", "BerthSystem"]),
        .testTarget(name: "BerthClientTests", dependencies: ["BerthClient", "BerthAPIModel", "BerthSystem"]),
        .testTarget(name: "BerthAPITests", dependencies: [
            "BerthAPI", "BerthEngine", "BerthSystem",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Test fixtures shared by test targets (a real registry, test images);
        // never linked into the berth executable.
        .target(name: "BerthTestSupport", dependencies: ["BerthSystem", "BerthOCI"]),
        // Drives a real `berth daemon` with the docker CLI and docker-py.
        .testTarget(name: "BerthEngineTests", dependencies: ["BerthEngine", "BerthSystem", "BerthTestSupport"]),
        .testTarget(name: "BerthRegistryTests", dependencies: ["BerthRegistry", "BerthOCI", "BerthSystem", "BerthTestSupport"]),
        .testTarget(name: "BerthImagesTests", dependencies: [
            "BerthImages", "BerthStore", "BerthRegistry", "BerthOCI", "BerthSystem", "BerthTestSupport",
        ]),
    ]
)
