import SparseFormats
import SparseSimCore
import Trace

// MARK: - TimeloopExport

/// A workload's layers as Timeloop / Sparseloop v0.3 problem files (`sparsesim trace export
/// --timeloop DIR`): one `CNN-Layer` problem per layer, with the layer's real weight and input
/// densities as Sparseloop density models, so the same network can be cross-checked there.
///
/// Dimension names map as Timeloop defines them: its `R`/`P` run along the width (ours `S`/`Q`)
/// and its `S`/`Q` along the height (ours `R`/`P`); `M` is our `K`. A linear layer is a 1×1
/// convolution. Timeloop's problem has no groups: a grouped (depthwise) layer is written as one
/// group's problem with `G` in a comment (multiply its results by `G`). A weight mask that keeps
/// exactly N of every M along the reduction is `fixed-structured`; any other mask, and recorded
/// inputs, are `hypergeometric` (random placement at the real density — Sparseloop's model). A
/// matmul layer (attention) is written as one of its `N·heads` GEMMs, the count in a comment.
public enum TimeloopExport {
    /// One problem file.
    public struct File: Equatable, Sendable {
        /// `NN-LAYER.yaml`.
        public var name: String
        /// The YAML.
        public var text: String
    }

    /// The problem files of `workload`'s layers, in order.
    /// - Parameters:
    ///   - nm: the N:M structure the run declared, checked against each mask (nil: none).
    ///   - header: comment lines at the top of every file (source and provenance).
    public static func problems(_ workload: Workload, nm: NMPattern?, header: [String]) -> [File] {
        let width = max(2, String(workload.layers.count - 1).count)
        return workload.layers.enumerated().map { i, layer in
            let number = String(i)
            let name = String(repeating: "0", count: width - number.count) + number + "-" + layer.shape.name + ".yaml"
            return File(name: name, text: problem(layer, nm: nm, header: header))
        }
    }

    /// One layer's problem.
    static func problem(_ layer: Workload.Layer, nm: NMPattern?, header: [String]) -> String {
        let l = layer.shape
        let groups = max(l.groups, 1)
        var lines = header.map { "# " + $0 }
        lines.append("# layer \(l.name) (\(l.kind.rawValue)): N=\(l.N) K=\(l.K) C=\(l.C) R=\(l.R) S=\(l.S) H=\(l.H) W=\(l.W) P=\(l.P) Q=\(l.Q) stride=\(l.stride) padding=\(l.padding) groups=\(l.groups)")
        let matmul = l.kind == .matmul
        if matmul {
            lines.append("# matmul layer (two activations): one GEMM per sample and head; this is one of N·G = \(l.N * groups) GEMM problems (N = 1, C and M per head, Weights = one sample's second operand); multiply its results by \(l.N * groups)")
        } else if groups > 1 {
            lines.append("# grouped layer: this is one of G=\(groups) identical group problems (C and M per group); multiply its results by G")
        }
        lines += [
            "problem:",
            "  shape:",
            "    name: CNN-Layer",
            "    dimensions: [ C, M, R, S, N, P, Q ]",
            "    coefficients:",
            "      - name: Wstride",
            "        default: 1",
            "      - name: Hstride",
            "        default: 1",
            "      - name: Wdilation",
            "        default: 1",
            "      - name: Hdilation",
            "        default: 1",
            "    data-spaces:",
            "      - name: Weights",
            "        projection:",
            "          - [ [C] ]",
            "          - [ [M] ]",
            "          - [ [R] ]",
            "          - [ [S] ]",
            "      - name: Inputs",
            "        projection:",
            "          - [ [N] ]",
            "          - [ [C] ]",
            "          - [ [R, Wdilation], [P, Wstride] ]",
            "          - [ [S, Hdilation], [Q, Hstride] ]",
            "      - name: Outputs",
            "        projection:",
            "          - [ [N] ]",
            "          - [ [M] ]",
            "          - [ [Q] ]",
            "          - [ [P] ]",
            "        read-write: True",
            "  instance:",
            "    C: \(l.channelsPerGroup)",
            "    M: \(l.K / groups)",
            "    R: \(l.S)",
            "    S: \(l.R)",
            "    N: \(matmul ? 1 : l.N)",
            "    P: \(l.Q)",
            "    Q: \(l.P)",
            "    Wstride: \(l.stride)",
            "    Hstride: \(l.stride)",
        ]
        var densities: [String] = []
        if let mask = layer.masks?.weights {
            let structured = !matmul && (nm?.conforms(mask, rows: l.K, columns: l.channelsPerGroup * l.R * l.S) ?? false)
            densities += ["      Weights:", "        distribution: \(structured ? "fixed-structured" : "hypergeometric")",
                          "        density: \(mask.density)"]
        }
        if let masks = layer.masks, !masks.inputs.isEmpty {
            densities += ["      Inputs:", "        distribution: hypergeometric", "        density: \(masks.inputDensity)"]
        }
        if !densities.isEmpty { lines += ["    densities:"] + densities }
        return lines.joined(separator: "\n") + "\n"
    }
}
