import Foundation
import Testing

import TestSupport
@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// `sparsesim trace import sparseloop`: Timeloop v0.3 problems read with their shapes and
/// real-data masks in the documented layout (projection order, first rank fastest), statistical
/// densities drawn, exports read back, and bad input refused with the file and YAML line or mask
/// index — with nothing written.
@Suite struct SparseloopProblemTests {
    static let artifact = SpecLoaderTests.fixtures + "/sparseloop/eyeriss-v2-pe"

    /// A CNN-Layer problem in Timeloop's own names (R, P along the width).
    static func cnnLayer(C: Int, M: Int, R: Int, S: Int, P: Int, Q: Int, N: Int = 1, stride: Int = 1, densities: String = "") -> String {
        """
        problem:
          shape:
            name: CNN-Layer
            dimensions: [ C, M, R, S, N, P, Q ]
            coefficients:
              - name: Wstride
                default: 1
              - name: Hstride
                default: 1
              - name: Wdilation
                default: 1
              - name: Hdilation
                default: 1
            data-spaces:
              - name: Weights
                projection:
                  - [ [C] ]
                  - [ [M] ]
                  - [ [R] ]
                  - [ [S] ]
              - name: Inputs
                projection:
                  - [ [N] ]
                  - [ [C] ]
                  - [ [R, Wdilation], [P, Wstride] ]
                  - [ [S, Hdilation], [Q, Hstride] ]
              - name: Outputs
                projection:
                  - [ [N] ]
                  - [ [M] ]
                  - [ [Q] ]
                  - [ [P] ]
                read-write: True
          instance:
            C: \(C)
            M: \(M)
            R: \(R)
            S: \(S)
            N: \(N)
            P: \(P)
            Q: \(Q)
            Wstride: \(stride)
            Hstride: \(stride)
        \(densities)
        """
    }

    @Test func artifactProblemsReadAsTheirLayers() throws {
        let p = try SparseloopProblem.load(path: Self.artifact + "/L07.yaml")
        #expect(p.shape.name == "L07")
        #expect([p.shape.K, p.shape.C, p.shape.R, p.shape.S, p.shape.P, p.shape.Q, p.shape.N, p.shape.groups] as [Int] == [64, 64, 1, 1, 32, 32, 1, 1])
        #expect(p.weights.ranks.map(\.axis) == [.channel, .filter, .group, .filterWidth, .filterHeight])
        #expect(p.inputs.ranks.map(\.axis) == [.batch, .channel, .group, .inputWidth, .inputHeight])
        guard case .realData(let path) = p.weights.density else { Issue.record("weights not real-data"); return }
        #expect(path.hasSuffix("L07_weights.txt"))
        #expect(p.weights.count == 4096 && p.inputs.count == 65536)
    }

    /// The layout, by hand: a 2-channel, 3-filter 2×2 (height × width) kernel over a 3×4 input
    /// (height × width); every weight and input bit set alone lands where Timeloop's projection
    /// order (first rank fastest: C, M, R = width, S = height; N, C, width, height) puts it.
    @Test func maskLayoutFollowsTheProjectionFirstRankFastest() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Ours: R = 2 (height), S = 2 (width), P = 2, Q = 3, H = 3, W = 4.
        let yaml = Self.cnnLayer(C: 2, M: 3, R: 2, S: 2, P: 3, Q: 2, densities: """
                densities:
                  Weights:
                    distribution: real-data
                    data_file_path: /nowhere/w.txt
                  Inputs:
                    distribution: real-data
                    data_file_path: x.txt
            """)
        try yaml.write(toFile: dir + "/layer.yaml", atomically: true, encoding: .utf8)
        let p = try SparseloopProblem.load(path: dir + "/layer.yaml")
        #expect([p.shape.R, p.shape.S, p.shape.H, p.shape.W, p.shape.P, p.shape.Q] as [Int] == [2, 2, 3, 4, 2, 3])
        for c in 0..<2 { for m in 0..<3 { for sw in 0..<2 { for rh in 0..<2 {
            let theirs = c + 2 * (m + 3 * (sw + 2 * rh))
            var bits = [Character](repeating: "0", count: 24)
            bits[theirs] = "1"
            try String(bits).write(toFile: dir + "/w.txt", atomically: true, encoding: .utf8)
            try String(repeating: "1", count: 24).write(toFile: dir + "/x.txt", atomically: true, encoding: .utf8)
            let masks = try p.masks(dataDirectory: dir, seed: 0)
            let ours = ((m * 2 + c) * 2 + rh) * 2 + sw
            #expect(masks.weights.popcount == 1 && masks.weights[ours], "c \(c) m \(m) width \(sw) height \(rh)")
        } } } }
        for c in 0..<2 { for x in 0..<4 { for y in 0..<3 {
            let theirs = c + 2 * (x + 4 * y)
            var bits = [Character](repeating: "0", count: 24)
            bits[theirs] = "1"
            try String(bits).write(toFile: dir + "/x.txt", atomically: true, encoding: .utf8)
            let masks = try p.masks(dataDirectory: dir, seed: 0)
            let ours = (c * 3 + y) * 4 + x
            #expect(masks.inputs.count == 1 && masks.inputs[0].popcount == 1 && masks.inputs[0][ours], "c \(c) x \(x) y \(y)")
        } } }
    }

    /// `trace export --timeloop` then import: shapes (but padding, which Timeloop does not carry)
    /// and densities come back.
    @Test func exportedProblemsReadBack() throws {
        let (workload, _, _) = try Workload.fromTrace(at: ComparisonTests.fixture)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (file, layer) in zip(TimeloopExport.problems(workload, nm: nil, header: ["test"]), workload.layers) {
            try file.text.write(toFile: dir + "/" + file.name, atomically: true, encoding: .utf8)
            let p = try SparseloopProblem.load(path: dir + "/" + file.name)
            let a = p.shape, b = layer.shape
            #expect([a.N, a.K, a.C, a.R, a.S, a.P, a.Q, a.stride] as [Int] == [b.N, b.K, b.C, b.R, b.S, b.P, b.Q, b.stride], "\(file.name)")
            #expect(a.macs == b.macs)
            let masks = try p.masks(dataDirectory: nil, seed: 3)
            #expect(masks.weights.density == layer.masks!.weightDensity, "\(file.name)")
            let recorded = layer.masks!.inputDensity
            let drawn = masks.inputs.reduce(0) { $0 + $1.density } / Double(masks.inputs.count)
            #expect(abs(drawn - recorded) <= 1.0 / Double(a.C * a.H * a.W) + 1e-12, "\(file.name): \(drawn) vs \(recorded)")
        }
    }

    /// The Sparseloop artifact's three MobileNet-0.5 pointwise layers on `eyeriss-v2-pe.xml`:
    /// with their real masks the PE's cycles are the ground truth exactly; with
    /// `--density-model uniform` within 2 % of Sparseloop's own uniform (hypergeometric) figures
    /// (`reference.yaml`, copied from shared/validation/sparseloop/eyeriss-v2-pe).
    @Test func eyerissV2PEMatchesTheGroundTruth() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let problems = try ["L07", "L09", "L13"].map { try SparseloopProblem.load(path: Self.artifact + "/\($0).yaml") }
        try SparseloopImport.write(problems, dataDirectory: Self.artifact + "/masks", seed: 0, to: dir + "/pw.sstrace", provenance: .current())
        let (workload, _, _) = try Workload.fromTrace(at: dir + "/pw.sstrace")
        let sim = try Simulator(spec: try SimulatorTests.spec("eyeriss-v2-pe"))
        let actual = try sim.run(workload)
        let uniform = try sim.run(workload.applying(.uniform, seed: 0), densityModel: .uniform)
        let groundTruth = ["L07": 1_702_140, "L09": 1_499_682, "L13": 1_144_158]
        let sparseloopUniform = ["L07": 1_592_245.0, "L09": 1_479_114.0, "L13": 1_114_139.0]
        for (a, u) in zip(actual.layers, uniform.layers) {
            #expect(a.cycles == groundTruth[a.name], "\(a.name): \(a.cycles)")
            #expect(a.effectualMacs == groundTruth[a.name])
            let error = Double(u.cycles) / sparseloopUniform[u.name]! - 1
            #expect(abs(error) < 0.02, "\(u.name): uniform \(u.cycles), \(error * 100) %")
        }
    }

    /// Bad problems and masks: one error naming the file and the YAML line or mask index; the
    /// trace is not written.
    @Test func badInputIsRefusedWithItsLocation() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func problem(_ yaml: String) throws -> SparseloopProblem { try SparseloopProblem.parse(yaml, file: "p.yaml") }
        let good = Self.cnnLayer(C: 2, M: 3, R: 1, S: 1, P: 2, Q: 2)

        var e = expectSparseSimError { _ = try problem(good.replacingOccurrences(of: "    Q: 2\n", with: "    Q: 2\n    X: 4\n")) }
        #expect(e?.file == "p.yaml" && e?.location == "line 42" && e?.message.contains("unknown key 'X'") == true, "\(String(describing: e))")
        e = expectSparseSimError { _ = try problem(good.replacingOccurrences(of: "- [ [M] ]\n          - [ [R] ]", with: "- [ [Z] ]\n          - [ [R] ]")) }
        #expect(e?.location == "line 18" && e?.message.contains("unknown dimension 'Z'") == true, "\(String(describing: e))")
        e = expectSparseSimError { _ = try problem(good.replacingOccurrences(of: "  shape:", with: "  shapes:")) }
        #expect(e?.location == "line 2" && e?.message.contains("unknown key 'shapes'") == true, "\(String(describing: e))")
        e = expectSparseSimError { _ = try problem(good.replacingOccurrences(of: "    M: 3", with: "    M: 0")) }
        #expect(e?.location == "line 36" && e?.message.contains("positive integer") == true, "\(String(describing: e))")
        e = expectSparseSimError { _ = try problem(good + "\n  - broken: [") }
        #expect(e?.message.contains("not valid YAML") == true, "\(String(describing: e))")
        e = expectSparseSimError { _ = try problem(Self.cnnLayer(C: 2, M: 3, R: 1, S: 1, P: 2, Q: 2, densities: """
                densities:
                  Weights:
                    distribution: hypergeometric
                    density: 1.5
            """)) }
        #expect(e?.location == "line 47" && e?.message.contains("(0, 1]") == true, "\(String(describing: e))")

        // Masks: wrong length, a bad character, a missing file.
        let withMasks = Self.cnnLayer(C: 2, M: 3, R: 1, S: 1, P: 2, Q: 2, densities: """
                densities:
                  Weights:
                    distribution: real-data
                    data_file_path: w.txt
                  Inputs:
                    distribution: real-data
                    data_file_path: x.txt
            """)
        try withMasks.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let p = try SparseloopProblem.load(path: dir + "/p.yaml")
        let out = dir + "/out.sstrace"
        func importing() throws { try SparseloopImport.write([p], dataDirectory: nil, seed: 0, to: out, provenance: .current()) }
        try "1111".write(toFile: dir + "/x.txt", atomically: true, encoding: .utf8)
        e = expectSparseSimError(importing)
        #expect(e?.file == dir + "/p.yaml" && e?.location == "line 47" && e?.message.contains("'w.txt' not found") == true, "\(String(describing: e))")
        try "101010".write(toFile: dir + "/w.txt", atomically: true, encoding: .utf8)
        e = expectSparseSimError(importing)
        #expect(e?.file == dir + "/x.txt" && e?.location == "index 4" && e?.message.contains("4 mask values, Inputs of layer p has 8") == true, "\(String(describing: e))")
        try "1101x101".write(toFile: dir + "/x.txt", atomically: true, encoding: .utf8)
        e = expectSparseSimError(importing)
        #expect(e?.location == "index 4" && e?.message.contains("'x' is not 0 or 1") == true, "\(String(describing: e))")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["p.yaml", "w.txt", "x.txt"])

        // And a good import writes the trace, which an import over it refuses.
        try "11 01\n0101\n".write(toFile: dir + "/x.txt", atomically: true, encoding: .utf8)
        try importing()
        let (workload, _, manifest) = try Workload.fromTrace(at: out)
        #expect(manifest.method.name == "sparseloop-import")
        #expect(workload.layers[0].masks?.weights?.popcount == 3)
        #expect(workload.layers[0].masks?.inputs.first?.popcount == 5)
        e = expectSparseSimError(importing)
        #expect(e?.message.contains("exists") == true)
    }
}
