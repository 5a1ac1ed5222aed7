// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    products: [
        .executable(name: "sniff", targets: ["sniff"]),
        .executable(name: "trafficgen", targets: ["trafficgen"]),
        .executable(name: "flowify", targets: ["flowify"]),
        .executable(name: "window5s", targets: ["window5s"]),
        .executable(name: "cascade", targets: ["cascade"]),
        .executable(name: "featurize", targets: ["featurize"]),
        .executable(name: "alert", targets: ["alert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // Core: no C dependencies. Record model, NDJSON codec, time and
        // window math, mergeable sketches, diagnostics, exit codes, signals.
        .target(
            name: "SluiceCore",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]
        ),

        // Option parsing shared by the executables: maps parse errors to
        // exit status 2 and sends --help and --version to stdout.
        .target(
            name: "SluiceCLI",
            dependencies: [
                "SluiceCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // C wrappers: a module map and a one-line shim header each.
        .systemLibrary(
            name: "CPcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // Stage libraries: pure logic over records, tested in-process.
        // Capture is the only code that calls pcap_*.
        .target(name: "Capture", dependencies: ["SluiceCore", "CPcap"]),
        .target(name: "TrafficGen", dependencies: ["SluiceCore"]),
        // Windows: event-time windows per key (the window5s stage).
        .target(name: "Windows", dependencies: ["SluiceCore"]),
        // Store: cascade's PostgreSQL tables; the only code that calls PQ*.
        .target(name: "Store", dependencies: ["Windows", "SluiceCore", "CLibPQ"]),
        // Cascade: coarse levels built from fine windows (the cascade stage).
        .target(name: "Cascade", dependencies: ["Store", "Windows", "SluiceCore"]),
        // Features: per-host feature vectors over sliding horizons (featurize).
        .target(name: "Features", dependencies: ["SluiceCore"]),
        // Alerts: rules (YAML) over feature vectors, suppression, EVE records (alert).
        .target(name: "Alerts", dependencies: ["Features", "SluiceCore", .product(name: "Yams", package: "Yams")]),
        // Flows: the flowify stage (flow table, TCP state, reports, Community ID).
        .target(
            name: "Flows",
            dependencies: ["SluiceCore", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Thin executables: parse options, wire input -> stage -> output.
        .executableTarget(name: "sniff", dependencies: ["Capture", "SluiceCLI"]),
        .executableTarget(name: "trafficgen", dependencies: ["TrafficGen", "SluiceCLI"]),
        .executableTarget(name: "flowify", dependencies: ["Flows", "SluiceCLI"]),
        // jemalloc for the stages that allocate and free a window state per
        // host and window. cascade's and featurize's reading threads
        // allocate what their second thread frees; glibc's malloc makes each
        // such free contend for the reading thread's arena lock (cascade: a
        // fifth less CPU, 10-15 % less time, about 35 MB more peak RSS;
        // bench, session 17). window5s: 12 % less time (glibc spent 8 % of
        // it in malloc, free and consolidation), featurize 4 %, each a few
        // MB more RSS (session 19). sniff, flowify and alert gained nothing.
        .executableTarget(name: "window5s", dependencies: ["Windows", "SluiceCLI"], linkerSettings: jemalloc),
        .executableTarget(name: "cascade", dependencies: ["Cascade", "SluiceCLI"], linkerSettings: jemalloc),
        .executableTarget(name: "featurize", dependencies: ["Features", "SluiceCLI"], linkerSettings: jemalloc),
        .executableTarget(name: "alert", dependencies: ["Alerts", "Store", "SluiceCLI"]),
        // Codec micro-benchmarks, run by `make bench`.
        .executableTarget(name: "codec-bench", dependencies: ["SluiceCore"]),

        // Tests: unit tests per library, end-to-end tests over the built tools.
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "SluiceCore"]),
        .testTarget(name: "TrafficGenTests", dependencies: ["TrafficGen", "Capture"]),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "SluiceCore"]),
        .testTarget(name: "WindowsTests", dependencies: ["Windows", "SluiceCore"]),
        .testTarget(name: "CascadeTests", dependencies: ["Cascade", "Store", "Windows", "SluiceCore"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "SluiceCore"]),
        .testTarget(name: "AlertsTests", dependencies: ["Alerts", "Features", "SluiceCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["SluiceCore"]),
    ]
)

/// Links jemalloc (Linux; bin/install-deps installs libjemalloc-dev).
var jemalloc: [LinkerSetting] { [.linkedLibrary("jemalloc", .when(platforms: [.linux]))] }

// Release builds leave out Swift's run-time exclusivity checks (debug
// builds, which the tests run, keep them). A class's stored `var` read or
// written from another module was checked on every access even when marked
// @exclusivity(unchecked): swift_beginAccess and a thread-local access set,
// 1-3 % of sniff, flowify and window5s (perf, session 19).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
}
