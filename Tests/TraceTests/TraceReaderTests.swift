import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

@Suite struct TraceReaderTests {
    /// Writes a sample trace, lets `edit` change its manifest JSON object, opens it, and
    /// returns the error opening it raised (nil when it opened cleanly).
    func openEdited(_ edit: (inout [String: Any]) throws -> Void, verify: Bool = true) throws -> SparseSimError? {
        let path = try makeTemporaryDirectory() + "/run.sstrace"
        _ = try SampleTrace.write(to: path, steps: [(0, 1.0), (100, 0.5)])
        let manifestPath = path + "/manifest.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as! [String: Any]
        try edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: manifestPath))
        do {
            _ = try TraceReader(path: path, verifyTensors: verify)
            return nil
        } catch let error as SparseSimError {
            return error
        }
    }

    static func setLayerField(_ object: inout [String: Any], snapshot: Int, layer: Int, field: String, to value: Any) {
        var snapshots = object["snapshots"] as! [[String: Any]]
        var layers = snapshots[snapshot]["layers"] as! [[String: Any]]
        layers[layer][field] = value
        snapshots[snapshot]["layers"] = layers
        object["snapshots"] = snapshots
    }

    @Test(arguments: [
        ("../../../etc/passwd", "leaves the trace directory"),
        ("snapshots/../manifest.json", "leaves the trace directory"),
        ("/etc/passwd", "absolute path"),
        ("snapshots//x.npy", "malformed path"),
        ("snapshots/step-00000000/missing.npy", "does not exist"),
    ])
    func refusesUnsafeOrMissingPaths(path: String, message: String) throws {
        let error = try openEdited { Self.setLayerField(&$0, snapshot: 1, layer: 2, field: "weights", to: path) }
        #expect(error?.location == "snapshots[1].layers[2].weights")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
        #expect(error?.file.hasSuffix("manifest.json") == true)
    }

    @Test func refusesSymlinkThatLeadsOut() throws {
        let outside = try makeTemporaryDirectory() + "/secret.npy"
        try NPY.write(NPYArray([Float](repeating: 0, count: 108), shape: [4, 3, 3, 3]), to: outside)
        let trace = try makeTemporaryDirectory() + "/run.sstrace"
        _ = try SampleTrace.write(to: trace, steps: [(0, 1.0)])
        let link = trace + "/snapshots/step-00000000/conv1.weights.npy"
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
        let e = expectSparseSimError { _ = try TraceReader(path: trace) }
        #expect(e?.location == "snapshots[0].layers[0].weights")
        #expect(e?.message.contains("outside the trace directory") == true)
    }

    @Test func checksDensitiesDTypesAndShapes() throws {
        var e = try openEdited { Self.setLayerField(&$0, snapshot: 1, layer: 0, field: "weight_density", to: 0.123) }
        #expect(e?.location == "snapshots[1].layers[0].weight_density")
        e = try openEdited { Self.setLayerField(&$0, snapshot: 0, layer: 1, field: "activation_density", to: 0.999) }
        #expect(e?.location == "snapshots[0].layers[1].activation_density")
        // The mask file where the weights should be: wrong dtype.
        e = try openEdited { Self.setLayerField(&$0, snapshot: 0, layer: 0, field: "weights", to: "snapshots/step-00000000/conv1.mask.npy") }
        #expect(e?.location == "header.descr")
        #expect(e?.file.hasSuffix("conv1.mask.npy") == true)
        // Another layer's weights: right dtype, wrong shape.
        e = try openEdited { Self.setLayerField(&$0, snapshot: 0, layer: 0, field: "weights", to: "snapshots/step-00000000/conv2.weights.npy") }
        #expect(e?.location == "header.shape")
        #expect(e?.message.contains("[4, 3, 3, 3]") == true)
        // Without tensor verification the structural checks still run, the tensor ones do not.
        e = try openEdited({ Self.setLayerField(&$0, snapshot: 0, layer: 0, field: "weight_density", to: 0.5) }, verify: false)
        #expect(e == nil)
    }

    @Test func checksManifestStructure() throws {
        var e = try openEdited { $0["version"] = 2 }
        #expect(e?.location == "version")
        e = try openEdited { $0["format"] = "something-else" }
        #expect(e?.location == "format")
        e = try openEdited { $0["model"] = ["name": "m", "input_shape": [1], "layers": [["name": "x"]]] }
        #expect(e?.location == "model.layers[0].kind")
        #expect(e?.message.contains("missing key 'kind'") == true)
        e = try openEdited { object in
            var snapshots = object["snapshots"] as! [[String: Any]]
            snapshots[1]["step"] = 0
            object["snapshots"] = snapshots
        }
        #expect(e?.location == "snapshots[1].step")
        e = try openEdited { Self.setLayerField(&$0, snapshot: 0, layer: 0, field: "weight_density", to: "dense") }
        #expect(e?.location == "snapshots[0].layers[0].weight_density")
        #expect(e?.message.contains("expected a number") == true)
    }

    @Test func reportsMissingTraceAndManifest() throws {
        var e = expectSparseSimError { _ = try TraceReader(path: "/nonexistent.sstrace") }
        #expect(e?.description == "/nonexistent.sstrace: error: no such trace directory")
        let empty = try makeTemporaryDirectory()
        e = expectSparseSimError { _ = try TraceReader(path: empty) }
        #expect(e?.file == empty + "/manifest.json")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: empty + "/manifest.json"))
        e = expectSparseSimError { _ = try TraceReader(path: empty) }
        #expect(e?.message.hasPrefix("invalid JSON") == true)
    }

    @Test func readsTheTraceNumPyWrote() throws {
        let reader = try TraceReader(path: fixtureTrace)
        #expect(reader.manifest.provenance.tool == "sstrace.py")
        #expect(reader.manifest.model.layers.map(\.name) == ["conv1", "conv2", "fc"])
        #expect(reader.manifest.snapshots.map(\.step) == [0, 50, 100])
        let fc = try reader.load(layer: "fc", snapshot: 2)
        #expect(fc.mask.count == 1280)
        #expect(fc.mask.popcount == 320)  // 25% kept by magnitude
        // Magnitude pruning: every kept weight is at least as large as every pruned one.
        let kept = fc.mask.setBitIndices.map { abs(fc.weights[$0]) }
        let pruned = (0..<fc.weights.count).filter { !fc.mask[$0] }.map { abs(fc.weights[$0]) }
        #expect(kept.min()! >= pruned.max()!)
    }
}
