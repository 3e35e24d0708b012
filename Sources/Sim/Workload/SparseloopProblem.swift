import Foundation
import SparseSimCore
import Yams

// MARK: - SparseloopProblem

/// One Timeloop / Sparseloop v0.3 problem file (`sparsesim trace import sparseloop`): a
/// convolution shape — Timeloop's `CNN-Layer` (`R S P Q C M N`) or the Sparseloop artifact's
/// `grouped-CONV` (`R S E F C M N G`) — its strides and dilations, and per data space a density:
/// `real-data` with a mask file, or a statistical density.
///
/// Dimensions are named as Timeloop names them: the input's width is the rank that the
/// `Wstride` coefficient multiplies (Timeloop's `R`/`P`, the artifact's `R`/`E`), its height the
/// `Hstride` rank (`S`/`Q`, `S`/`F`); `M` is our `K`; in `grouped-CONV` `C` and `M` are per group.
/// The mask files' layout (`DataSpace.ranks`) follows the data space's projection, first rank
/// fastest (Docs/validation.md).
public struct SparseloopProblem: Sendable {
    /// The problem file.
    public var file: String
    /// The layer (named after the file; padding 0: Timeloop's input is the padded one).
    public var shape: LayerShape
    /// Weights and inputs, as the problem describes them.
    public var weights: DataSpace, inputs: DataSpace

    /// What a data space's zeros are.
    public enum Density: Equatable, Sendable {
        /// No density given: every value is non-zero.
        case dense
        /// `real-data`: the mask file's bits.
        case realData(path: String)
        /// A statistical model (`uniform`, `hypergeometric`) at this density; the trace gets one
        /// seeded draw with exactly that share of non-zeros.
        case statistical(distribution: String, density: Double)
    }

    /// One data space: its density and the ranks of its mask files.
    public struct DataSpace: Sendable {
        /// Its density.
        public var density: Density
        /// The YAML line of the density (or of the instance), for errors.
        public var line: Int
        /// The ranks of the data space in projection order (the first varies fastest in a mask
        /// file): which axis of SparseSim's tensor each is, and its extent.
        public var ranks: [Rank]

        /// Values in the data space.
        public var count: Int { ranks.reduce(1) { $0 * $1.extent } }
    }

    /// One rank of a data space, as SparseSim's tensor axis.
    public struct Rank: Equatable, Sendable {
        /// The axis.
        public var axis: Axis
        /// Its extent.
        public var extent: Int
    }

    /// SparseSim's tensor axes (weights `K × C/G × R × S`, inputs `N × C × H × W`).
    public enum Axis: String, Sendable {
        case batch = "N", group = "G", channel = "C", filter = "M"
        case filterHeight = "filter height", filterWidth = "filter width"
        case inputHeight = "input height", inputWidth = "input width"
    }

    /// The largest problem file read (1 MiB).
    public static let maxBytes = 1 << 20

    /// Reads the problem file at `path`.
    /// - Throws: `SparseSimError` naming the file and YAML line of the first problem.
    public static func load(path: String) throws -> SparseloopProblem {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseSimError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")
        }
        guard data.count <= maxBytes else {
            throw SparseSimError(file: path, message: "\(data.count) bytes is over the 1 MiB limit for a problem file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw SparseSimError(file: path, message: "not UTF-8 text") }
        return try parse(text, file: path)
    }

    /// Parses problem YAML; `file` names it in errors and the layer.
    /// - Throws: `SparseSimError` for YAML that does not parse, an unknown key or dimension, a
    ///   missing or non-positive extent, an unsupported shape or density.
    public static func parse(_ text: String, file: String) throws -> SparseloopProblem {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw SparseSimError(file: file, message: "empty document") }
            root = node
        } catch let e as SparseSimError {
            throw e
        } catch let e as YamlError {
            throw SparseSimError(file: file, location: Self.location(of: e), message: "not valid YAML: \(Self.describe(e))")
        } catch {
            throw SparseSimError(file: file, message: "not valid YAML: \(error)")
        }
        var reader = Reader(file: file)
        return try reader.problem(root)
    }

    static func location(of error: YamlError) -> String {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): "line \(mark.line)"
        default: ""
        }
    }

    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}

// MARK: - Reader

extension SparseloopProblem {
    /// Walks the composed YAML, naming lines in errors.
    struct Reader {
        let file: String

        func fail(_ node: Node?, _ message: String) -> SparseSimError {
            SparseSimError(file: file, location: node?.mark.map { "line \($0.line)" } ?? "", message: message)
        }

        /// The pairs of a mapping, its keys checked against `allowed`.
        func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws -> [(key: String, keyNode: Node, value: Node)] {
            guard case .mapping(let m) = node else { throw fail(node, "\(what) must be a mapping") }
            var out: [(String, Node, Node)] = []
            var seen = Set<String>()
            for (k, v) in m {
                guard let key = k.string else { throw fail(k, "\(what): keys must be strings") }
                guard allowed.contains(key) else {
                    throw fail(k, "unknown key '\(key)' in \(what) (expected \(allowed.sorted().joined(separator: ", ")))")
                }
                guard seen.insert(key).inserted else { throw fail(k, "key '\(key)' repeats in \(what)") }
                out.append((key, k, v))
            }
            return out
        }

        func sequence(_ node: Node, _ what: String) throws -> [Node] {
            guard case .sequence(let s) = node else { throw fail(node, "\(what) must be a list") }
            return Array(s)
        }

        func scalar(_ node: Node, _ what: String) throws -> String {
            guard case .scalar(let s) = node else { throw fail(node, "\(what) must be a value") }
            return s.string
        }

        func positiveInt(_ node: Node, _ what: String) throws -> Int {
            let s = try scalar(node, what)
            guard let v = Int(s), v > 0 else { throw fail(node, "\(what) must be a positive integer, got '\(s)'") }
            guard v <= 1 << 31 else { throw fail(node, "\(what) is \(v), over the limit of 2^31") }
            return v
        }

        /// A projection term: a dimension and, optionally, the coefficient multiplying it.
        struct Term { var dimension: String, coefficient: String?, node: Node }

        mutating func problem(_ root: Node) throws -> SparseloopProblem {
            let top = try mapping(root, "the document", allowed: ["problem"])
            guard let problemNode = top.first?.value else { throw fail(root, "no 'problem' key") }
            let problem = try mapping(problemNode, "problem", allowed: ["shape", "instance"])
            guard let shapeNode = problem.first(where: { $0.key == "shape" })?.value else { throw fail(problemNode, "problem has no 'shape'") }
            guard let instanceNode = problem.first(where: { $0.key == "instance" })?.value else { throw fail(problemNode, "problem has no 'instance'") }

            // Shape: dimensions, coefficients and projections.
            var dimensions: [String] = []
            var coefficients: [String: Int] = [:]
            var projections: [(name: String, node: Node, ranks: [[Term]])] = []
            for (key, _, value) in try mapping(shapeNode, "problem.shape", allowed: ["name", "dimensions", "coefficients", "data-spaces"]) {
                switch key {
                case "dimensions":
                    for d in try sequence(value, "problem.shape.dimensions") {
                        let name = try scalar(d, "a dimension")
                        guard !dimensions.contains(name) else { throw fail(d, "dimension '\(name)' repeats") }
                        dimensions.append(name)
                    }
                case "coefficients":
                    for c in try sequence(value, "problem.shape.coefficients") {
                        let fields = try mapping(c, "a coefficient", allowed: ["name", "default"])
                        guard let n = fields.first(where: { $0.key == "name" }) else { throw fail(c, "a coefficient has no name") }
                        let d = try fields.first(where: { $0.key == "default" }).map { try positiveInt($0.value, "coefficient default") } ?? 1
                        coefficients[try scalar(n.value, "coefficient name")] = d
                    }
                case "data-spaces":
                    for s in try sequence(value, "problem.shape.data-spaces") {
                        let fields = try mapping(s, "a data space", allowed: ["name", "projection", "read-write"])
                        guard let n = fields.first(where: { $0.key == "name" }) else { throw fail(s, "a data space has no name") }
                        let name = try scalar(n.value, "data space name")
                        guard ["Weights", "Inputs", "Outputs"].contains(name) else {
                            throw fail(n.value, "unknown data space '\(name)' (expected Weights, Inputs, Outputs)")
                        }
                        guard let p = fields.first(where: { $0.key == "projection" }) else { throw fail(s, "data space \(name) has no projection") }
                        var ranks: [[Term]] = []
                        for rank in try sequence(p.value, "\(name) projection") {
                            var terms: [Term] = []
                            for term in try sequence(rank, "a rank of \(name)") {
                                let parts = try sequence(term, "a term of \(name)").map { ($0, try scalar($0, "a projection term")) }
                                guard parts.count == 1 || parts.count == 2 else { throw fail(term, "a projection term is [dimension] or [dimension, coefficient]") }
                                terms.append(Term(dimension: parts[0].1, coefficient: parts.count == 2 ? parts[1].1 : nil, node: parts[0].0))
                            }
                            ranks.append(terms)
                        }
                        guard !projections.contains(where: { $0.name == name }) else { throw fail(n.value, "data space \(name) repeats") }
                        projections.append((name, s, ranks))
                    }
                default: break  // name: free text
                }
            }
            guard !dimensions.isEmpty else { throw fail(shapeNode, "problem.shape has no dimensions") }
            for (space, _, ranks) in projections {
                for rank in ranks {
                    for t in rank {
                        guard dimensions.contains(t.dimension) else {
                            throw fail(t.node, "unknown dimension '\(t.dimension)' in the projection of \(space) (dimensions: \(dimensions.joined(separator: " ")))")
                        }
                        if let c = t.coefficient, coefficients[c] == nil {
                            throw fail(t.node, "unknown coefficient '\(c)' in the projection of \(space)")
                        }
                    }
                }
            }

            // Instance: extents, coefficients, densities.
            var extents: [String: Int] = [:]
            var densityNodes: [String: Node] = [:]
            let allowed = Set(dimensions).union(coefficients.keys).union(["densities"])
            for (key, _, value) in try mapping(instanceNode, "problem.instance", allowed: allowed) {
                if key == "densities" {
                    for (space, _, v) in try mapping(value, "problem.instance.densities", allowed: ["Weights", "Inputs", "Outputs"]) {
                        densityNodes[space] = v
                    }
                } else if dimensions.contains(key) {
                    // The artifact's mappings write 0 for "the rest"; an instance extent must be positive.
                    extents[key] = try positiveInt(value, "dimension \(key)")
                } else {
                    coefficients[key] = try positiveInt(value, "coefficient \(key)")
                }
            }
            for d in dimensions where extents[d] == nil { extents[d] = 1 }  // Timeloop's default

            guard let weightProjection = projections.first(where: { $0.name == "Weights" }),
                  let inputProjection = projections.first(where: { $0.name == "Inputs" }) else {
                throw fail(shapeNode, "the shape needs Weights and Inputs data spaces")
            }
            // Input ranks: one dimension (batch, channel, group) or a spatial sum with strides.
            var width: [Term]?, height: [Term]?, widthRank: Int?, heightRank: Int?
            for (index, rank) in inputProjection.ranks.enumerated() where rank.count > 1 || rank.first?.coefficient != nil {
                let coefficientNames = Set(rank.compactMap(\.coefficient))
                if coefficientNames.contains("Wstride") || coefficientNames.contains("Wdilation") {
                    (width, widthRank) = (rank, index)
                } else if coefficientNames.contains("Hstride") || coefficientNames.contains("Hdilation") {
                    (height, heightRank) = (rank, index)
                } else {
                    throw fail(rank.first?.node, "a spatial rank of Inputs must use Wstride/Wdilation or Hstride/Hdilation")
                }
            }
            func split(_ rank: [Term]?, _ stride: String, _ dilation: String) throws -> (kernel: String?, output: String?) {
                guard let rank else { return (nil, nil) }
                var kernel: String?, output: String?
                for t in rank {
                    if t.coefficient == stride { output = t.dimension } else if t.coefficient == dilation || t.coefficient == nil { kernel = t.dimension } else {
                        throw fail(t.node, "coefficient '\(t.coefficient!)' in an Inputs rank: expected \(stride) or \(dilation)")
                    }
                }
                return (kernel, output)
            }
            let (filterWidth, outputWidth) = try split(width, "Wstride", "Wdilation")
            let (filterHeight, outputHeight) = try split(height, "Hstride", "Hdilation")
            let spatial = Set([filterWidth, outputWidth, filterHeight, outputHeight].compactMap { $0 })
            var roles: [String: Axis] = [:]
            for d in dimensions where !spatial.contains(d) {
                switch d {
                case "N": roles[d] = .batch
                case "C": roles[d] = .channel
                case "M", "K": roles[d] = .filter
                case "G": roles[d] = .group
                default:
                    throw fail(shapeNode, "dimension '\(d)' is neither spatial (paired with a stride or dilation in Inputs) nor one of N, C, M, G")
                }
            }
            func extent(_ d: String?) -> Int { d.flatMap { extents[$0] } ?? 1 }
            let wStride = coefficients["Wstride"] ?? 1, hStride = coefficients["Hstride"] ?? 1
            let wDilation = coefficients["Wdilation"] ?? 1, hDilation = coefficients["Hdilation"] ?? 1
            guard wDilation == 1, hDilation == 1 else {
                throw fail(instanceNode, "dilation \(hDilation)x\(wDilation): SparseSim's layers have no dilation (use 1)")
            }
            guard wStride == hStride else {
                throw fail(instanceNode, "strides \(hStride) (Hstride) and \(wStride) (Wstride) differ: SparseSim's layers have one stride")
            }
            let dimension: (Axis) -> String? = { axis in roles.first { $0.value == axis }?.key }
            let G = extent(dimension(.group)), C = extent(dimension(.channel)), M = extent(dimension(.filter)), N = extent(dimension(.batch))
            let R = extent(filterHeight), S = extent(filterWidth), P = extent(outputHeight), Q = extent(outputWidth)
            let H = (P - 1) * hStride + R, W = (Q - 1) * wStride + S
            var base = (file.split(separator: "/").last.map(String.init) ?? file)
            for ext in [".yaml", ".yml"] where base.hasSuffix(ext) { base.removeLast(ext.count) }
            let name = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" }).trimmingPrefix(".")
            let shape = LayerShape(name: name.isEmpty ? "layer" : String(name), kind: G > 1 && M == 1 ? .depthwise : .conv,
                                   N: N, K: G * M, C: G * C, R: R, S: S, H: H, W: W, P: P, Q: Q,
                                   stride: wStride, padding: 0, groups: G)
            try shape.validate(file: file, location: instanceNode.mark.map { "line \($0.line)" } ?? "")

            // Ranks of the two data spaces as SparseSim axes.
            func axis(of term: Term, space: String) throws -> Rank {
                if let role = roles[term.dimension] { return Rank(axis: role, extent: extent(term.dimension)) }
                switch term.dimension {
                case filterWidth: return Rank(axis: .filterWidth, extent: S)
                case filterHeight: return Rank(axis: .filterHeight, extent: R)
                default: throw fail(term.node, "\(space) cannot be indexed by the output dimension '\(term.dimension)'")
                }
            }
            var weightRanks: [Rank] = []
            for rank in weightProjection.ranks {
                guard rank.count == 1, let term = rank.first, term.coefficient == nil else {
                    throw fail(rank.first?.node ?? weightProjection.node, "a rank of Weights must be one dimension")
                }
                weightRanks.append(try axis(of: term, space: "Weights"))
            }
            var inputRanks: [Rank] = []
            for (index, rank) in inputProjection.ranks.enumerated() {
                if index == widthRank {
                    inputRanks.append(Rank(axis: .inputWidth, extent: W))
                } else if index == heightRank {
                    inputRanks.append(Rank(axis: .inputHeight, extent: H))
                } else {
                    guard let term = rank.first, let role = roles[term.dimension], role != .filter else {
                        throw fail(rank.first?.node ?? inputProjection.node, "a rank of Inputs must be N, C, G or a spatial sum")
                    }
                    inputRanks.append(Rank(axis: role, extent: extent(term.dimension)))
                }
            }
            try check(weightRanks, needs: [.filter, .channel, .filterHeight, .filterWidth], space: "Weights", node: weightProjection.node)
            try check(inputRanks, needs: [.batch, .channel, .inputHeight, .inputWidth], space: "Inputs", node: inputProjection.node)

            let instanceLine = instanceNode.mark?.line ?? 0
            return SparseloopProblem(
                file: file, shape: shape,
                weights: try dataSpace(densityNodes["Weights"], "Weights", ranks: weightRanks, instanceLine: instanceLine),
                inputs: try dataSpace(densityNodes["Inputs"], "Inputs", ranks: inputRanks, instanceLine: instanceLine))
        }

        /// Every axis a tensor needs appears once (a missing size-1 axis is allowed: batch and group).
        func check(_ ranks: [Rank], needs: [Axis], space: String, node: Node) throws {
            var seen = Set<String>()
            for r in ranks where !seen.insert(r.axis.rawValue).inserted {
                throw fail(node, "\(space) projection names \(r.axis.rawValue) twice")
            }
            for a in needs where !seen.contains(a.rawValue) {
                if ranks.isEmpty || [.batch, .filterHeight, .filterWidth].contains(a) { continue }
                throw fail(node, "\(space) projection has no \(a.rawValue) rank")
            }
        }

        /// A data space with its density; its line is the density's (the mask path's for real data).
        func dataSpace(_ node: Node?, _ space: String, ranks: [Rank], instanceLine: Int) throws -> DataSpace {
            let d = try density(node, space)
            var line = node?.mark?.line ?? instanceLine
            if case .realData = d, let node, case .mapping(let m) = node, let path = m["data_file_path"], let mark = path.mark {
                line = mark.line
            }
            return DataSpace(density: d, line: line, ranks: ranks)
        }

        func density(_ node: Node?, _ space: String) throws -> Density {
            guard let node else { return .dense }
            let fields = try mapping(node, "densities.\(space)", allowed: ["distribution", "density", "data_file_path", "band_width", "seed"])
            guard let d = fields.first(where: { $0.key == "distribution" }) else { throw fail(node, "densities.\(space) has no distribution") }
            let distribution = try scalar(d.value, "distribution")
            switch distribution {
            case "real-data", "actual-data":
                guard let p = fields.first(where: { $0.key == "data_file_path" }) else {
                    throw fail(node, "densities.\(space): real-data needs data_file_path")
                }
                return .realData(path: try scalar(p.value, "data_file_path"))
            case "uniform", "hypergeometric":
                guard let v = fields.first(where: { $0.key == "density" }) else { throw fail(node, "densities.\(space): \(distribution) needs a density") }
                let s = try scalar(v.value, "density")
                guard let x = Double(s), x > 0, x <= 1 else { throw fail(v.value, "density must be in (0, 1], got '\(s)'") }
                return .statistical(distribution: distribution, density: x)
            default:
                throw fail(d.value, "distribution '\(distribution)' is not supported (real-data, uniform, hypergeometric)")
            }
        }
    }
}
