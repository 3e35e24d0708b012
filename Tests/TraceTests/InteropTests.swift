import Foundation
import Testing

@testable import Trace

/// numpy reads what Swift writes: `tools/sstrace.py --check --json` recomputes every layer's
/// statistics with numpy, and they must equal Swift's.
@Suite struct InteropTests {
    /// Whether `python3` on PATH can import numpy.
    static let numpyAvailable: Bool = (try? run(["-c", "import numpy"]).status) == 0

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, data, errText)
    }

    struct Stats: Decodable {
        var step: Int
        var layers: [String: Layer]
        struct Layer: Decodable {
            var weight_shape: [Int]
            var weight_sum: Double
            var weight_abs_sum: Double
            var weight_first: Double
            var weight_last: Double
            var mask_popcount: Int
            var mask_density: Double
            var masked_weight_sum: Double
            var input_shape: [Int]?
            var activation_sum: Double?
            var activation_nonzero: Int?
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not available: interop test skipped"))
    func numpyReadsWhatSwiftWrote() throws {
        let path = try makeTemporaryDirectory() + "/swift.sstrace"
        _ = try SampleTrace.write(to: path)
        let result = try Self.run([repositoryRoot + "/tools/sstrace.py", "--check", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try JSONDecoder().decode([Stats].self, from: result.stdout)
        #expect(stats.map(\.step) == [0, 100, 200])
        for (si, (step, density)) in [(0, 1.0), (100, 0.5), (200, 0.1)].enumerated() {
            for t in SampleTrace.tensors(step: step, density: density) {
                let s = try #require(stats[si].layers[t.name])
                let shape = SampleTrace.model.layer(named: t.name)!
                #expect(s.weight_shape == shape.weightShape)
                #expect(s.input_shape == shape.inputShape)
                #expect(Self.close(s.weight_sum, t.weights.reduce(0.0) { $0 + Double($1) }))
                #expect(Self.close(s.weight_abs_sum, t.weights.reduce(0.0) { $0 + abs(Double($1)) }))
                #expect(s.weight_first == Double(t.weights.first!) && s.weight_last == Double(t.weights.last!))
                #expect(s.mask_popcount == t.mask.popcount)
                #expect(s.mask_density == t.mask.density)
                let masked = t.mask.setBitIndices.reduce(0.0) { $0 + Double(t.weights[$1]) }
                #expect(Self.close(s.masked_weight_sum, masked))
                #expect(Self.close(s.activation_sum!, t.inputActivations!.reduce(0.0) { $0 + Double($1) }))
                #expect(s.activation_nonzero == t.inputActivations!.filter { $0 != 0 }.count)
            }
        }
    }

    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not available: interop test skipped"))
    func numpyCheckerRejectsAnEscapingPath() throws {
        let path = try makeTemporaryDirectory() + "/swift.sstrace"
        _ = try SampleTrace.write(to: path, steps: [(0, 1.0)])
        var text = try String(contentsOfFile: path + "/manifest.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "snapshots/step-00000000/fc.weights.npy", with: "../../etc/passwd")
        try text.write(toFile: path + "/manifest.json", atomically: true, encoding: .utf8)
        let result = try Self.run([repositoryRoot + "/tools/sstrace.py", "--check", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a plain relative path"))
        // And Swift refuses it too.
        #expect(expectSparseSimError { _ = try TraceReader(path: path) }?.message.contains("leaves the trace directory") == true)
    }
}
