import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

/// `tools/onnx_trace.py` on ONNX models built with the onnx helper API
/// (Fixtures/onnx_models.py): every traced layer's shape, kept weights and input batch equal what
/// numpy's own forward pass computed; refusals and skips are one clear line.
@Suite(.enabled(if: Python.hasONNX, "onnx and onnxruntime are not importable (scripts/python-env installs them): ONNX tests skipped"))
struct ONNXTraceTests {
    struct Expected: Decodable {
        var shape: [Int]
        var kept: Int
        var input_sum: Double
        var input_abs_sum: Double
        var input_nonzero: Int
        var input_size: Int
        var kind: String?
        var weight_sum: Double?
    }

    static let order = ["features_conv1", "features_gconv", "features_dw", "classifier_fc1", "classifier_fc2"]

    /// The models and numpy's expectations, in a fresh directory.
    static func models() throws -> (dir: String, expected: [String: Expected]) {
        let dir = try makeTemporaryDirectory()
        let r = try Python.run([repositoryRoot + "/Tests/TraceTests/Fixtures/onnx_models.py", dir])
        try #require(r.status == 0, "\(r.stderr)")
        return (dir, try JSONDecoder().decode([String: Expected].self, from: r.stdout))
    }

    static func trace(_ arguments: [String], in dir: String) throws -> Python.Output {
        try Python.run([repositoryRoot + "/tools/onnx_trace.py"] + arguments, in: dir)
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-5) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    @Test func layersEqualNumpysForwardPass() throws {
        let (dir, expected) = try Self.models()
        let r = try Self.trace(["cnn.onnx", "--input", "input.npy", "--out", "cnn.sstrace"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.text == "cnn.sstrace: 5 layers from cnn.onnx (1 nodes skipped)\n")
        // The MatMul of two activations is named and skipped, on one line.
        #expect(r.stderr == "onnx_trace.py: warning: cnn.onnx: node 11 'gram' (MatMul): both operands are activations, no stored weight; skipped\n")

        let reader = try TraceReader(path: dir + "/cnn.sstrace", verifyTensors: true)
        #expect(reader.manifest.model.name == "cnn" && reader.manifest.method.name == "onnx")
        #expect(reader.manifest.model.layers.map(\.name) == Self.order)
        #expect(reader.manifest.model.inputShape == [3, 8, 8])
        for shape in reader.manifest.model.layers {
            let x = try #require(expected[shape.name])
            let fields = [shape.N, shape.K, shape.C, shape.R, shape.S, shape.H, shape.W, shape.P, shape.Q, shape.stride, shape.padding, shape.groups]
            #expect(fields == x.shape, "\(shape.name)")
            #expect(shape.kind.rawValue == (x.kind ?? (shape.R == 1 && shape.H == 1 ? "linear" : "conv")), "\(shape.name)")
            let data = try reader.load(layer: shape.name, snapshot: 0)
            #expect(data.mask.popcount == x.kept, "\(shape.name)")
            let acts = try #require(data.inputActivations)
            #expect(acts.count == x.input_size)
            #expect(acts.filter { $0 != 0 }.count == x.input_nonzero, "\(shape.name)")
            let sum = acts.reduce(0.0) { $0 + Double($1) }, absSum = acts.reduce(0.0) { $0 + abs(Double($1)) }
            #expect(Self.close(sum, x.input_sum) && Self.close(absSum, x.input_abs_sum), "\(shape.name): \(sum) vs \(x.input_sum)")
            if let w = x.weight_sum {  // Gemm's alpha scales the stored weights
                #expect(Self.close(data.weights.reduce(0.0) { $0 + Double($1) }, w), "\(shape.name)")
            }
        }
        // fc1 holds a 2:4 pattern along C: exactly 2 kept in every group of 4.
        let fc1 = try reader.load(layer: "classifier_fc1", snapshot: 0)
        for k in 0..<64 {
            for g in stride(from: 0, to: 128, by: 4) {
                #expect((g..<g + 4).filter { fc1.mask[k * 128 + $0] }.count == 2)
            }
        }
    }

    @Test func randomInputIsSeededAndLabelled() throws {
        let (dir, _) = try Self.models()
        var outputs: [Data] = []
        for name in ["a.sstrace", "b.sstrace"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.environment = ProcessInfo.processInfo.environment.merging(["SOURCE_DATE_EPOCH": "1700000000"]) { $1 }
            p.arguments = [Python.executable, repositoryRoot + "/tools/onnx_trace.py", "cnn.onnx", "--batch", "3", "--seed", "5", "--out", name]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.standardError = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let reader = try TraceReader(path: dir + "/" + name, verifyTensors: true)
            #expect(reader.manifest.model.layers.allSatisfy { $0.N == 3 })
            #expect(reader.manifest.method.parameters["input"] == .string("random"))
            #expect(reader.manifest.provenance.seed == 5)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name + "/snapshots/step-00000000/features_gconv.inputs.npy")))
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test func refusalsAndSkips() throws {
        let (dir, _) = try Self.models()
        for (model, message) in [
            ("bad_pads.onnx", "onnx_trace.py: error: bad_pads.onnx: node 0 'conv' (Conv): pads [0, 0, 1, 1] are not equal on every side; a SparseSim layer has one padding: pad explicitly with a Pad node before the Conv, or export with equal pads\n"),
            ("dilated.onnx", "onnx_trace.py: error: dilated.onnx: node 0 'conv' (Conv): dilations [2, 2]; dilated convolutions are not modelled\n"),
            ("not_a_model.onnx", "onnx_trace.py: error: not_a_model.onnx: not a valid ONNX model: "),
            ("missing.onnx", "onnx_trace.py: error: missing.onnx: no such file\n"),
        ] {
            let r = try Self.trace([model, "--out", "out.sstrace"], in: dir)
            #expect(r.status == 1, "\(model)")
            #expect(r.stderr.hasPrefix(message) && r.stderr.split(separator: "\n").count == 1, "\(model): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.sstrace"), "\(model)")
        }
        // A ConvTranspose is named and skipped; the Conv after it is traced.
        let skipped = try Self.trace(["transpose.onnx", "--out", "t.sstrace"], in: dir)
        #expect(skipped.status == 0 && skipped.stderr == "onnx_trace.py: warning: transpose.onnx: node 0 'up' (ConvTranspose): not a layer SparseSim models; skipped\n")
        let reader = try TraceReader(path: dir + "/t.sstrace", verifyTensors: true)
        #expect(reader.manifest.model.layers.map(\.name) == ["after"])
        #expect(reader.manifest.model.layers[0].H == 8 && reader.manifest.model.layers[0].C == 4)
        // An existing output is never touched.
        let again = try Self.trace(["transpose.onnx", "--out", "t.sstrace"], in: dir)
        #expect(again.status == 1 && again.stderr.contains("t.sstrace: exists; not overwriting it"))
        #expect(try TraceReader(path: dir + "/t.sstrace", verifyTensors: true).manifest.model.layers.count == 1)
        // A wrong input shape names the model's input.
        let shape = try Self.trace(["cnn.onnx", "--input", "input.npy", "--out", "u.sstrace"], in: dir)
        #expect(shape.status == 0)
        let badInput = try Self.trace(["transpose.onnx", "--input", "input.npy", "--out", "v.sstrace"], in: dir)
        #expect(badInput.status == 1 && badInput.stderr.contains("--input: shape [2, 3, 8, 8] does not fit the model's input 'x' [1, 3, 4, 4]"), "\(badInput.stderr)")
        // Nothing but the traces written on purpose is left, no temporaries.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sstrace") || $0.contains(".tmp-") }.sorted()
        #expect(left == ["t.sstrace", "u.sstrace"])
    }
}
