import Foundation

/// The Python the interop tests run: `SPARSESIM_PYTHON` when set, else the project's `.venv`
/// (made by `scripts/python-env`, which `make test` runs), else `python3` on PATH.
public enum Python {
    /// The repository root, from this file's path (Tests/TestSupport/Python.swift).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The interpreter's path, or `python3` to be found on PATH.
    public static let executable: String = {
        if let given = ProcessInfo.processInfo.environment["SPARSESIM_PYTHON"], !given.isEmpty { return given }
        let venv = repositoryRoot + "/.venv/bin/python3"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }()

    /// What one run printed and how it ended.
    public struct Output: Sendable {
        /// The exit status.
        public var status: Int32
        /// Standard output, raw.
        public var stdout: Data
        /// Standard error as text.
        public var stderr: String
        /// Standard output as text.
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs the interpreter with `arguments`, optionally in `directory`, and waits.
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [executable] + arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Standard error is read on another thread while this one reads standard output, so a
        // child that fills one pipe never blocks on it.
        final class Box: @unchecked Sendable { var data = Data() }
        let errors = Box()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: data, stderr: String(decoding: errors.data, as: UTF8.self))
    }

    /// Whether the interpreter imports every module in `modules` (comma-separated, as Python's
    /// `import` takes them).
    public static func imports(_ modules: String) -> Bool {
        (try? run(["-c", "import \(modules)"]).status) == 0
    }

    /// Whether numpy imports (the trace interop tests).
    public static let hasNumpy = imports("numpy")
    /// Whether PyYAML imports (the Timeloop export check).
    public static let hasYAML = imports("yaml")
    /// Whether onnx and onnxruntime import (tools/onnx_trace.py).
    public static let hasONNX = imports("numpy, onnx, onnxruntime")
    /// Whether torch imports (the real-library exporter tests; `make test-interop`).
    public static let hasTorch = imports("numpy, torch, torch.nn.utils.prune")
    /// Whether torchvision imports beside torch.
    public static let hasTorchvision = hasTorch && imports("torchvision")
}
