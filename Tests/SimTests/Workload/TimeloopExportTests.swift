import Foundation
import Testing

@testable import Sim
@testable import SparseFormats
@testable import SparseSimCore
@testable import Trace

/// `sparsesim trace export --timeloop`: each layer's problem carries the layer's shape in
/// Timeloop's names and the densities numpy recorded in the manifest; N:M masks are
/// `fixed-structured`, others `hypergeometric`; grouped layers say so.
@Suite struct TimeloopExportTests {
    /// `key: value` lines of a problem's instance (and densities), by key path.
    static func instance(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var section = ""
        var inInstance = false
        for line in text.split(separator: "\n") {
            if line == "  instance:" { inInstance = true; continue }
            guard inInstance else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let indent = line.prefix { $0 == " " }.count
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon]), value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if indent == 6 { section = key }
            if value.isEmpty { continue }
            out[indent == 8 ? "\(section).\(key)" : key] = value
        }
        return out
    }

    @Test func fixtureProblemsMatchTheManifest() throws {
        let (workload, _, manifest) = try Workload.fromTrace(at: ComparisonTests.fixture)
        let files = TimeloopExport.problems(workload, nm: nil, header: ["test"])
        #expect(files.map(\.name) == ["00-conv1.yaml", "01-conv2.yaml", "02-fc.yaml"])
        let snapshot = manifest.snapshots.last!
        for (file, (shape, recorded)) in zip(files, zip(manifest.model.layers, snapshot.layers)) {
            #expect(file.text.hasPrefix("# test\n"))
            let v = Self.instance(file.text)
            // Timeloop's R/P run along the width (ours S/Q), S/Q along the height (ours R/P).
            #expect(v["C"] == "\(shape.C)" && v["M"] == "\(shape.K)" && v["N"] == "\(shape.N)")
            #expect(v["R"] == "\(shape.S)" && v["S"] == "\(shape.R)" && v["P"] == "\(shape.Q)" && v["Q"] == "\(shape.P)")
            #expect(v["Wstride"] == "\(shape.stride)" && v["Hstride"] == "\(shape.stride)")
            // The input extent Timeloop derives fits the padded input.
            let width = (shape.Q - 1) * shape.stride + shape.S
            #expect(width <= shape.W + 2 * shape.padding && width > shape.W + 2 * shape.padding - shape.stride)
            #expect(Double(v["Weights.density"]!) == recorded.weightDensity, "\(file.name)")
            #expect(v["Weights.distribution"] == "hypergeometric")
            #expect(Double(v["Inputs.density"]!) == recorded.activationDensity, "\(file.name)")
        }
    }

    @Test func nmMasksAreFixedStructuredAndGroupsAreNoted() throws {
        let shape = LayerShape(name: "c", kind: .conv, N: 1, K: 4, C: 8, R: 1, S: 1, H: 2, W: 2, P: 2, Q: 2, stride: 1, padding: 0, groups: 1)
        // 2:4: each row keeps the first two of every four. Random: the same count, placed off-pattern.
        let twoFour = Bitmask((0..<32).map { $0 % 4 < 2 })
        let offPattern = Bitmask((0..<32).map { $0 % 8 < 4 })
        for (mask, expected) in [(twoFour, "fixed-structured"), (offPattern, "hypergeometric")] {
            let layer = Workload.Layer(shape: shape, masks: LayerMasks(weights: mask, inputs: [], inputSource: .dense))
            let v = Self.instance(TimeloopExport.problem(layer, nm: NMPattern(n: 2, m: 4), header: []))
            #expect(v["Weights.distribution"] == expected && v["Weights.density"] == "0.5")
            #expect(v["Inputs.density"] == nil)
        }
        let noNM = Workload.Layer(shape: shape, masks: LayerMasks(weights: twoFour, inputs: [], inputSource: .dense))
        #expect(Self.instance(TimeloopExport.problem(noNM, nm: nil, header: []))["Weights.distribution"] == "hypergeometric")
        let depthwise = LayerShape(name: "dw", kind: .depthwise, N: 1, K: 32, C: 32, R: 3, S: 3, H: 8, W: 8, P: 8, Q: 8,
                                   stride: 1, padding: 1, groups: 32)
        let text = TimeloopExport.problem(Workload.Layer(shape: depthwise), nm: nil, header: [])
        let v = Self.instance(text)
        #expect(v["C"] == "1" && v["M"] == "1" && v["densities"] == nil && !text.contains("densities:"))
        #expect(text.contains("one of G=32 identical group problems"))
    }
}
