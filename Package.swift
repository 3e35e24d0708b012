// swift-tools-version: 6.1
// SparseSim: sparse training traces replayed on cycle/energy models of sparse accelerators.
// Module graph (Docs/architecture.md): Training and Sim never import each other; they meet in Trace
// (the file format) and in Study (jobs that train and then simulate).
// Training uses Compression's kernel decomposition and quantizers (ESCALATE fine-tuning).

import PackageDescription

let package = Package(
    name: "SparseSim",
    products: [
        .executable(name: "sparsesim", targets: ["sparsesim"]),
        .library(name: "Trace", targets: ["Trace"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Sim", targets: ["Sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - System libraries (modulemap + shim header only)
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // MARK: - Libraries
        .target(
            name: "Trace",
            linkerSettings: [.linkedLibrary("m")]
        ),
        // The sparse kernels' inner loops, compiled per instruction set (AVX-512, AVX2, baseline)
        // and picked at load time: Swift code is built for baseline x86-64 only.
        .target(name: "CSparseKernels", path: "Sources/CSparseKernels"),
        .target(
            name: "Training",
            dependencies: ["Trace", "Compression", "CBLAS", "CZlib", "CSparseKernels"],
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "Compression",
            dependencies: ["Trace", "CBLAS"],
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "Dataflow",
            dependencies: ["Trace", "CSparseKernels"]
        ),
        .target(
            name: "Sim",
            dependencies: ["Dataflow", "Compression", "Trace", "CLibXML2"],
            linkerSettings: [.linkedLibrary("m")]
        ),
        // Where training and simulation meet: jobs that train networks and simulate their traces.
        .target(name: "Study", dependencies: ["Training", "Sim", "Trace"]),

        // MARK: - Command-line tool
        .executableTarget(
            name: "sparsesim",
            dependencies: [
                "Sim", "Training", "Compression", "Trace", "Study",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        .testTarget(name: "TraceTests", dependencies: ["Trace"], exclude: ["Fixtures"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "Trace"]),
        .testTarget(name: "DataflowTests", dependencies: ["Dataflow", "Trace"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Trace"]),
        .testTarget(name: "SimTests", dependencies: ["Sim", "Trace"], exclude: ["Fixtures"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Sim", "Training", "Trace"]),
        .testTarget(name: "sparsesimTests", dependencies: ["sparsesim", "Trace", "Training", "Compression"], exclude: ["Fixtures"]),
    ]
)
