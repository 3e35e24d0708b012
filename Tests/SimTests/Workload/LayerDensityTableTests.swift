import Foundation
import Testing

import TestSupport
@testable import Sim
@testable import SparseSimCore

/// `--activation-density FILE`: per-layer input densities from a `layer,density` CSV, applied
/// as statistical input masks of those densities; bad rows name their line.
@Suite struct LayerDensityTableTests {
    static let layers = ["conv1", "conv2", "fc"]

    @Test func rowsGiveEachLayerItsDensity() throws {
        let t = try LayerDensityTable.parse("layer,density\n# measured\nconv1, 0.5\nfc,1\n", file: "d.csv", layers: Self.layers)
        #expect(t.densities == ["conv1": 0.5, "fc": 1])
        let shapes = [LayerShape.conv("conv1", N: 2, K: 4, C: 2, R: 3, H: 8, padding: 1),
                      LayerShape.conv("conv2", N: 2, K: 4, C: 4, R: 3, H: 8, padding: 1), LayerShape.linear("fc", N: 2, K: 3, C: 256)]
        let w = Workload(source: "test", name: "t", shapes: shapes).withActivationDensities(t, samples: 2, seed: 1)
        #expect(w.layers[0].masks?.inputs.count == 2)
        #expect(w.layers[0].masks?.inputs.allSatisfy { $0.popcount == 64 } == true)
        #expect(w.layers[0].masks?.inputSource == .statistical(0.5))
        #expect(w.layers[1].masks == nil, "a layer not listed keeps its inputs")
        // conv1's outputs are conv2's inputs: unknown here, so dense; conv2 → fc does not chain (256 ≠ 4 filters).
        #expect(w.linkingOutputDensities().layers.allSatisfy { $0.outputDensity == nil })
        let chained = Workload(source: "test", name: "t", shapes: shapes)
            .withActivationDensities(LayerDensityTable(densities: ["conv2": 0.25]), samples: 1, seed: 1).linkingOutputDensities()
        #expect(chained.layers.map(\.outputDensity) == [0.25, nil, nil])
    }

    @Test func badTablesNameTheirLine() {
        for (text, location, message) in [
            ("layer,density\nconv9,0.5\n", "line 2", "unknown layer 'conv9'"),
            ("layer,density\nconv1,0\n", "line 2", "density must be in (0, 1], got '0'"),
            ("layer,density\nconv1,1.5\n", "line 2", "(0, 1]"),
            ("layer,density\nconv1,0.5\nconv1,0.4\n", "line 3", "repeats"),
            ("name,value\nconv1,0.5\n", "line 1", "header must be 'layer,density'"),
            ("layer,density\nconv1,0.5,3\n", "line 2", "expected 2 columns"),
            ("\n", "", "empty"),
        ] {
            let e = expectSparseSimError { _ = try LayerDensityTable.parse(text, file: "d.csv", layers: Self.layers) }
            #expect(e?.file == "d.csv" && e?.location == location && e?.message.contains(message) == true, "\(String(describing: e))")
        }
    }
}
