// swift-tools-version: 6.1
// SparseSim: sparse training traces replayed on cycle/energy models of sparse accelerators.
// Module graph (Docs/architecture.md): Training and Sim never import each other; they meet in Trace
// (the file format) and in Study (jobs that train and then simulate).
// Training uses the Decomposition module (kernel decomposition, quantizers) for ESCALATE fine-tuning;
// the simulator needs only SparseFormats, so it links no BLAS.

import PackageDescription

let package = Package(
    name: "SparseSim",
    products: [
        .executable(name: "sparsesim", targets: ["sparsesim"]),
        .library(name: "SparseSimCore", targets: ["SparseSimCore"]),
        .library(name: "Trace", targets: ["Trace"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Sim", targets: ["Sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: - System libraries (modulemap + shim header only)
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // MARK: - Libraries
        // The vocabulary every module shares: operands, N:M patterns, basis sharing, layer shapes and
        // the network catalog, bit masks, errors, atomic files, the seeded generator, provenance,
        // text tables, JSON coding.
        .target(
            name: "SparseSimCore",
            linkerSettings: [.linkedLibrary("m")]
        ),
        // The trace format: manifest, NPY tensors, writer and reader.
        .target(name: "Trace", dependencies: ["SparseSimCore"]),
        // The sparse kernels' inner loops, compiled per instruction set (AVX-512, AVX2, baseline)
        // and picked at load time: Swift code is built for baseline x86-64 only.
        .target(name: "CSparseKernels", path: "Sources/CSparseKernels"),
        // oneDNN's convolutions, opened with dlopen when libdnnl.so.2 is installed (no link-time
        // dependency: without it the engine keeps its own im2col + OpenBLAS convolutions).
        .target(name: "COneDNN", path: "Sources/COneDNN"),
        .target(
            name: "Training",
            dependencies: ["SparseSimCore", "Trace", "SparseFormats", "Decomposition", "CBLAS", "CZlib", "CSparseKernels", "COneDNN"],
            linkerSettings: [.linkedLibrary("m")]
        ),
        // Sparse storage formats and their exact costs (bitmap, RLE, CSR/CSC, COO, N:M, blocks):
        // what the simulator stores operands in. No BLAS.
        .target(name: "SparseFormats", dependencies: ["SparseSimCore"]),
        // ESCALATE's kernel decomposition (SVD through LAPACK), coefficient pruning and quantizers,
        // and the decomposition of whole traces: what training and `sparsesim decompose` use.
        .target(
            name: "Decomposition",
            dependencies: ["SparseSimCore", "SparseFormats", "Trace", "CBLAS"],
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "Dataflow",
            dependencies: ["SparseSimCore", "CSparseKernels"]
        ),
        .target(
            name: "Sim",
            dependencies: ["SparseSimCore", "Trace", "Dataflow", "SparseFormats", "CLibXML2",
                           .product(name: "Yams", package: "Yams")],
            linkerSettings: [.linkedLibrary("m")]
        ),
        // Analyses of recorded traces (SVCCA between two runs' representations): reads traces only.
        .target(name: "Analysis", dependencies: ["SparseSimCore", "Trace"]),
        // Where training and simulation meet: jobs that train networks and simulate their traces.
        .target(name: "Study", dependencies: ["SparseSimCore", "Training", "Sim", "Trace"]),

        // MARK: - Command-line tool
        .executableTarget(
            name: "sparsesim",
            dependencies: [
                "SparseSimCore", "Trace", "SparseFormats", "Decomposition", "Sim", "Training", "Study", "Analysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        // Helpers the test targets share (a seeded generator, temporary directories, error expectations).
        .target(name: "TestSupport", dependencies: ["SparseSimCore"], path: "Tests/TestSupport"),
        .testTarget(name: "SparseSimCoreTests", dependencies: ["SparseSimCore", "TestSupport"]),
        .testTarget(name: "TraceTests", dependencies: ["SparseSimCore", "Trace", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SparseFormatsTests", dependencies: ["SparseSimCore", "SparseFormats"]),
        .testTarget(name: "DecompositionTests", dependencies: ["SparseSimCore", "SparseFormats", "Decomposition", "Trace"]),
        .testTarget(name: "DataflowTests", dependencies: ["SparseSimCore", "Dataflow"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["SparseSimCore", "Training", "Trace", "TestSupport"]),
        .testTarget(name: "SimTests", dependencies: ["SparseSimCore", "Sim", "Trace", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalysisTests", dependencies: ["SparseSimCore", "Analysis", "Trace", "Training", "TestSupport"]),
        .testTarget(name: "StudyTests", dependencies: ["SparseSimCore", "Study", "Sim", "Training", "Trace"]),
        .testTarget(name: "sparsesimTests", dependencies: ["sparsesim", "SparseSimCore", "Trace", "Training", "Decomposition", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
