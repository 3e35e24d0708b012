import Foundation
import Testing

import TestSupport
@testable import Sim
@testable import SparseSimCore

/// SCALE-Sim's GEMM topology (`Layer name, M, N, K,`): every preset runs it, and the systolic
/// presets' compute cycles equal SCALE-Sim's GEMM mode, computed here from M, N, K alone.
@Suite struct ScaleSimTopologyTests {
    static let csv = """
        Layer name, M, N, K,
        square, 256, 256, 1024,
        odd, 64, 100, 37,
        tall, 1000, 16, 9, 2:4
        """

    /// SCALE-Sim's compute cycles of one GEMM on an `rows × cols` array: the operand pinned to
    /// the array (OS: outputs, M × N; WS: B, K × N; IS: A, K × M) is folded over it; each fold
    /// streams the third dimension, after a preload of `rows` cycles for WS and IS, and drains
    /// through `rows + cols − 2` cycles; the last cycle is not counted.
    static func scaleSimGEMM(M: Int, N: Int, K: Int, rows: Int, cols: Int, dataflow: String) -> Int {
        let (pinnedRows, pinnedCols, streamed, preload) = switch dataflow {
        case "os": (M, N, K, 0)
        case "ws": (K, N, M, rows)
        default: (K, M, N, rows)
        }
        let folds = ((pinnedRows + rows - 1) / rows) * ((pinnedCols + cols - 1) / cols)
        return folds * (preload + streamed + rows + cols - 2) - 1
    }

    @Test func gemmLayersAreMxNxK() throws {
        let w = try ScaleSimTopology.parse(Self.csv, file: "g.csv")
        #expect(w.layers.map(\.shape.macs) == [256 * 256 * 1024, 64 * 100 * 37, 1000 * 16 * 9])
        #expect(w.layers[2].structure == NMPattern(n: 2, m: 4))
        let s = w.layers[1].shape
        #expect([s.K, s.C, s.R, s.S, s.H, s.W, s.P, s.Q] as [Int] == [100, 37, 1, 1, 64, 1, 64, 1])
        // Without a header, four or five columns are a GEMM.
        #expect(try ScaleSimTopology.parse("x, 3, 4, 5\n", file: "g.csv").layers[0].shape.macs == 60)
    }

    @Test(arguments: ["os", "ws", "is"]) func systolicComputeEqualsScaleSimGEMMMode(dataflow: String) throws {
        let w = try ScaleSimTopology.parse(Self.csv, file: "g.csv")
        let dims = [(256, 256, 1024), (64, 100, 37), (1000, 16, 9)]
        for size in [32, 128] {
            let sim = try Simulator(spec: try SimulatorTests.spec("systolic-\(dataflow)", ["pe-array.rows=\(size)", "pe-array.cols=\(size)"]))
            for (layer, (M, N, K)) in zip(w.layers.prefix(2), dims) {
                let expected = Self.scaleSimGEMM(M: M, N: N, K: K, rows: size, cols: size, dataflow: dataflow)
                #expect(try sim.simulate(layer).computeCycles == expected, "\(dataflow) \(size) \(layer.shape.name)")
            }
        }
    }

    @Test func everyPresetRunsAGEMMTopologyWithStatisticalOperands() throws {
        let w = try ScaleSimTopology.parse(Self.csv, file: "g.csv").withWeightDensity(0.5, seed: 1)
            .withActivationDensity(0.4, samples: 1, seed: 1)
        #expect(w.layers[0].masks?.weights?.density == 0.5)
        #expect(w.layers[2].masks?.weights == nil, "a declared N:M layer keeps its structure")
        let names = try FileManager.default.contentsOfDirectory(atPath: SpecLoaderTests.root + "/HardwareSpecs")
            .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
        #expect(names.count >= 12)
        for name in names {
            let r = try Simulator(spec: try SimulatorTests.spec(name)).run(w)
            #expect(r.layers.count == 3, "\(name)")
            #expect(r.layers[0].notes.contains("weight zeros statistical: uniform density 0.5"), "\(name): \(r.layers[0].notes)")
        }
    }

    @Test func badGEMMRowsNameTheirLine() {
        for (bad, line, message) in [
            ("Layer name, M, N, K,\ng, 4, 0, 8,\n", "2", "N (rows of B, the outputs) must be a positive integer, got '0'"),
            ("Layer name, M, N, K,\ng, 4, 4,\n", "2", "expected 4 columns"),
            ("Layer name, M, N, K,\ng, 4, 4, 4, 3:2\n", "2", "N:M"),
            ("Layer name, M, N, K,\ng, 4, 4, 4\ng, 1, 1, 1\n", "3", "repeats"),
        ] {
            let e = expectSparseSimError { _ = try ScaleSimTopology.parse(bad, file: "g.csv") }
            #expect(e?.file == "g.csv" && e?.location == line && e?.message.contains(message) == true, "\(String(describing: e))")
        }
    }
}
