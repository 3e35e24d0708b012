import Foundation
import Testing

@testable import Dataflow
@testable import SparseSimCore

/// SCALE-Sim 3.0.0's output for 8 layers × {32², 128²} × {os, ws, is} and one 2:4 layer
/// (copied from shared/validation/scalesim_reference.json; run by the project on 2026-11-21).
struct ScaleSimReference: Decodable {
    struct Layer: Decodable {
        var name: String
        var H: Int, W: Int, R: Int, S: Int, C: Int, K: Int, stride: Int
        var nm: String?
    }
    struct Result: Decodable {
        var compute: Int
        var overall_util: Double?
        var mapping_eff: Double?
    }
    struct Sparse: Decodable {
        var layers: [Layer]
        var results: [String: [Result]]
    }
    var layers: [Layer]
    var results: [String: [Result]]
    var sparse_2of4: Sparse

    static func load() throws -> ScaleSimReference {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        let data = try Data(contentsOf: url.appendingPathComponent("Fixtures/scalesim_reference.json"))
        return try JSONDecoder().decode(ScaleSimReference.self, from: data)
    }

    /// `r32_ws` → (32, .weightStationary).
    static func configuration(_ key: String) -> (size: Int, dataflow: SystolicDataflow) {
        let parts = key.dropFirst().split(separator: "_")
        return (Int(parts[0])!, SystolicDataflow(rawValue: String(parts[1]))!)
    }

    static func shape(_ l: Layer) -> LayerShape {
        .scaleSim(l.name, H: l.H, W: l.W, R: l.R, S: l.S, C: l.C, K: l.K, stride: l.stride)
    }
}

@Suite struct SystolicComputeTests {
    @Test func reproducesScaleSimExactly() throws {
        let reference = try ScaleSimReference.load()
        #expect(reference.results.count == 6)
        var checked = 0
        for (key, results) in reference.results.sorted(by: { $0.key < $1.key }) {
            let (size, dataflow) = ScaleSimReference.configuration(key)
            #expect(results.count == reference.layers.count)
            for (layer, expected) in zip(reference.layers, results) {
                let shape = ScaleSimReference.shape(layer)
                try shape.validate()
                let c = SystolicCompute(layer: shape, rows: size, cols: size, dataflow: dataflow)
                #expect(c.computeCycles == expected.compute, "\(key) \(layer.name)")
                #expect(abs(c.mappingEfficiency * 100 - expected.mapping_eff!) < 1e-9, "\(key) \(layer.name)")
                #expect(abs(c.utilization * 100 - expected.overall_util!) < 1e-9, "\(key) \(layer.name)")
                checked += 1
            }
        }
        #expect(checked == 48)
    }

    @Test func reproducesScaleSimTwoOfFour() throws {
        let sparse = try ScaleSimReference.load().sparse_2of4
        let layer = sparse.layers[0]
        #expect(layer.nm == "2:4")
        let expected = try #require(sparse.results["r32_ws"]?.first)
        let c = SystolicCompute(layer: ScaleSimReference.shape(layer), rows: 32, cols: 32, dataflow: .weightStationary,
                                structured: NMPattern(n: 2, m: 4))
        #expect(c.computeCycles == expected.compute)
        let dense = SystolicCompute(layer: ScaleSimReference.shape(layer), rows: 32, cols: 32, dataflow: .weightStationary)
        #expect(Double(dense.computeCycles + 1) / Double(c.computeCycles + 1) <= 2, "2:4 never beats 2x")
    }

    @Test func scaleSimShapesUseTheCeilRule() throws {
        // ResNet-18 conv1 unpadded: ceil((224 - 7 + 2) / 2) = 110 (the floor rule would give 109).
        let s = LayerShape.scaleSim("c", H: 224, W: 224, R: 7, S: 7, C: 3, K: 64, stride: 2)
        try s.validate()
        #expect(s.P == 110 && s.Q == 110 && s.H == 225)
        let exact = LayerShape.scaleSim("c", H: 56, W: 56, R: 3, S: 3, C: 64, K: 64, stride: 1)
        #expect(exact.H == 56 && exact.P == 54)
    }

    /// A cycle-by-cycle simulation of an output-stationary array: PE (i, j) receives the
    /// t-th operand pair at cycle t + i + j; a fold ends when its last PE has its last pair
    /// and the last partial result has been accumulated.
    static func bruteForceOS(e: Int, t: Int, k: Int, rows: Int, cols: Int) -> Int {
        var total = 0
        var r0 = 0
        while r0 < e {
            var c0 = 0
            while c0 < k {
                var lastBusy = 0
                for i in 0..<rows {
                    for j in 0..<cols {
                        // Every PE position is clocked through the wavefront, used or not.
                        lastBusy = max(lastBusy, (t - 1) + i + j)
                    }
                }
                total += lastBusy + 1
                c0 += cols
            }
            r0 += rows
        }
        return total
    }

    @Test(arguments: [(1, 1, 1, 1, 1), (5, 7, 3, 2, 4), (33, 9, 65, 8, 8), (100, 27, 16, 16, 4)])
    func outputStationaryMatchesCycleSimulation(e: Int, t: Int, k: Int, rows: Int, cols: Int) {
        let layer = LayerShape.linear("x", N: e, K: k, C: t)
        let c = SystolicCompute(layer: layer, rows: rows, cols: cols, dataflow: .outputStationary)
        #expect(c.computeCycles + 1 == Self.bruteForceOS(e: e, t: t, k: k, rows: rows, cols: cols))
    }

    @Test func groupedConvolutionRunsEachGroup() {
        let dw = LayerShape.conv("dw", K: 32, C: 32, R: 3, H: 16, padding: 1, groups: 32)
        let c = SystolicCompute(layer: dw, rows: 8, cols: 8, dataflow: .weightStationary)
        #expect(c.t == 9 && c.k == 1 && c.groups == 32)
        #expect(c.macs == dw.macs)
        #expect(c.computeCycles == 32 * (2 * 1) * 1 * (8 + 256 + 14) - 1)
    }

    @Test(arguments: SystolicDataflow.allCases)
    func cyclesAtLeastMACsOverPEs(dataflow: SystolicDataflow) {
        var rng = UInt64(7)
        for _ in 0..<200 {
            func next(_ n: Int) -> Int { rng = rng &* 6_364_136_223_846_793_005 &+ 1; return Int(rng >> 33) % n + 1 }
            let layer = LayerShape.conv("l", K: next(64), C: next(64), R: next(3), H: 8 + next(8))
            let rows = next(32), cols = next(32)
            let c = SystolicCompute(layer: layer, rows: rows, cols: cols, dataflow: dataflow)
            #expect(c.macs == layer.macs)
            #expect(c.computeCycles + 1 >= (layer.macs + rows * cols - 1) / (rows * cols))
            #expect(c.mappingEfficiency > 0 && c.mappingEfficiency <= 1)
        }
    }
}
