// swift-tools-version: 6.1
// SparseSim's libFuzzer targets: one executable per reader of untrusted files. Built only by
// scripts/fuzz, with `-sanitize=fuzzer,address`; the main package's build never sees them.
//
//   scripts/fuzz                 every target for 30 s
//   scripts/fuzz --time 600 spec one target for 10 minutes
//
// Each target feeds libFuzzer's bytes to one public reader and requires that it either returns
// a value or throws SparseSim's error type: a crash, a trap, an ASan report, a hang or an
// unbounded allocation is a finding.

import PackageDescription

let package = Package(
    name: "SparseSimFuzz",
    dependencies: [
        .package(name: "SparseSim", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver", .product(name: "SparseSimCore", package: "SparseSim")], path: "Sources/FuzzSupport"),
        .executableTarget(name: "fuzz-spec", dependencies: ["FuzzSupport", .product(name: "Sim", package: "SparseSim")], path: "Sources/fuzz-spec"),
        .executableTarget(name: "fuzz-manifest", dependencies: ["FuzzSupport", .product(name: "SparseSimCore", package: "SparseSim"), .product(name: "Trace", package: "SparseSim")], path: "Sources/fuzz-manifest"),
        .executableTarget(name: "fuzz-npy", dependencies: ["FuzzSupport", .product(name: "SparseSimCore", package: "SparseSim"), .product(name: "Trace", package: "SparseSim")], path: "Sources/fuzz-npy"),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["FuzzSupport", .product(name: "SparseSimCore", package: "SparseSim"), .product(name: "Training", package: "SparseSim")], path: "Sources/fuzz-safetensors"),
        .executableTarget(name: "fuzz-sparseloop", dependencies: ["FuzzSupport", .product(name: "SparseSimCore", package: "SparseSim"), .product(name: "Sim", package: "SparseSim")], path: "Sources/fuzz-sparseloop"),
        .executableTarget(name: "fuzz-topology", dependencies: ["FuzzSupport", .product(name: "SparseSimCore", package: "SparseSim"), .product(name: "Sim", package: "SparseSim")], path: "Sources/fuzz-topology"),
        .executableTarget(name: "fuzz-idx", dependencies: ["FuzzSupport", .product(name: "SparseSimCore", package: "SparseSim"), .product(name: "Training", package: "SparseSim")], path: "Sources/fuzz-idx"),
    ]
)
