import Foundation
import SparseSimCore

// MARK: - Masks

extension SparseloopProblem {
    /// The layer's weight mask and per-sample input masks as SparseSim lays them out, and how
    /// each was obtained (for the trace's method parameters).
    public struct Masks: Sendable {
        /// Kept weights, `K × C/G × R × S` row-major.
        public var weights: Bitmask
        /// Non-zero inputs of each sample, `C × H × W` row-major.
        public var inputs: [Bitmask]
        /// Where the weight and input bits came from: `real-data FILE`, `hypergeometric 0.5
        /// (seeded draw)`, `dense`.
        public var weightSource: String, inputSource: String
    }

    /// Reads or draws both data spaces' masks.
    /// - Parameters:
    ///   - dataDirectory: where a `real-data` file is looked up by name when its path does not
    ///     exist (as given, or beside the problem file).
    ///   - seed: seeds the draws of statistical densities (weights and inputs draw apart).
    /// - Throws: `SparseSimError` for a missing mask file (naming the problem's YAML line), a
    ///   file of the wrong length or with a character other than 0/1 (naming the mask index).
    public func masks(dataDirectory: String?, seed: UInt64) throws -> Masks {
        let (w, wSource) = try bits(of: weights, space: "Weights", dataDirectory: dataDirectory, seed: seed)
        let (x, xSource) = try bits(of: inputs, space: "Inputs", dataDirectory: dataDirectory, seed: seed ^ 0x1_F00D)
        let l = shape
        let cg = l.channelsPerGroup, kg = l.K / l.groups
        // Theirs → ours. Weights: ((g·M + m)·C/G + c)·R + r)·S + s.
        let weightMask = Self.relayout(w, ranks: weights.ranks, count: l.weightCount) { at in
            let k = at(.group) * kg + at(.filter)
            return ((k * cg + at(.channel)) * l.R + at(.filterHeight)) * l.S + at(.filterWidth)
        }
        // Inputs: sample n, ((g·C + c)·H + y)·W + x.
        let perSample = l.C * l.H * l.W
        let all = Self.relayout(x, ranks: inputs.ranks, count: l.N * perSample) { at in
            at(.batch) * perSample + ((at(.group) * cg + at(.channel)) * l.H + at(.inputHeight)) * l.W + at(.inputWidth)
        }
        var samples: [Bitmask] = []
        for n in 0..<l.N {
            var b = [Bool](repeating: false, count: perSample)
            for i in 0..<perSample where all[n * perSample + i] { b[i] = true }
            samples.append(Bitmask(b))
        }
        return Masks(weights: Bitmask(weightMask), inputs: samples, weightSource: wSource, inputSource: xSource)
    }

    /// `bits` (in `ranks` order, the first fastest) at the indices `index` gives.
    static func relayout(_ bits: [Bool], ranks: [Rank], count: Int, index: ((Axis) -> Int) -> Int) -> [Bool] {
        var out = [Bool](repeating: false, count: count)
        var coordinate = [Int](repeating: 0, count: ranks.count)
        for set in bits {
            if set {
                let target = index { axis in ranks.firstIndex { $0.axis == axis }.map { coordinate[$0] } ?? 0 }
                out[target] = true
            }
            // Next coordinate, first rank fastest.
            for r in ranks.indices {
                coordinate[r] += 1
                if coordinate[r] < ranks[r].extent { break }
                coordinate[r] = 0
            }
        }
        return out
    }

    /// One data space's bits in its file order, and where they came from.
    func bits(of space: DataSpace, space name: String, dataDirectory: String?, seed: UInt64) throws -> ([Bool], String) {
        switch space.density {
        case .dense:
            return ([Bool](repeating: true, count: space.count), "dense")
        case .statistical(let distribution, let density):
            var rng = RandomGenerator(seed: seed)
            let ones = Int((density * Double(space.count)).rounded())
            let mask = Workload.randomMask(count: space.count, ones: ones, using: &rng)
            var b = [Bool](repeating: false, count: space.count)
            mask.forEachSetBit { b[$0] = true }
            return (b, "\(distribution) \(density) (seeded draw)")
        case .realData(let path):
            let found = try resolve(path, dataDirectory: dataDirectory, space: name, line: space.line)
            return (try Self.readMask(found, count: space.count, space: name, layer: shape.name), "real-data " + found)
        }
    }

    /// The mask file a `data_file_path` names: the path as given, beside the problem file, or
    /// by its file name inside `dataDirectory`.
    func resolve(_ path: String, dataDirectory: String?, space: String, line: Int) throws -> String {
        let fm = FileManager.default
        var candidates = [path]
        let folder = AtomicFile.directory(of: file)
        if !path.hasPrefix("/") { candidates.append(folder + "/" + path) }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let dataDirectory { candidates.append(dataDirectory + "/" + name) }
        if let hit = candidates.first(where: { var d: ObjCBool = false; return fm.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }) {
            return hit
        }
        let hint = dataDirectory.map { "nor \($0)/\(name)" } ?? "give the folder that holds it with --data-dir"
        throw SparseSimError(file: file, location: "line \(line)", message: "\(space) mask file '\(path)' not found (\(hint))")
    }

    /// The largest mask file read (256 MiB of characters).
    static let maxMaskBytes = 256 << 20

    /// A mask file: `count` characters '0'/'1', whitespace between them ignored.
    static func readMask(_ path: String, count: Int, space: String, layer: String) throws -> [Bool] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.size] as? Int ?? 0) <= maxMaskBytes else {
            throw SparseSimError(file: path, message: "cannot read the mask file or it is over 256 MiB")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw SparseSimError(file: path, message: "cannot read file") }
        var bits: [Bool] = []
        bits.reserveCapacity(count)
        for byte in data {
            switch byte {
            case UInt8(ascii: "0"): bits.append(false)
            case UInt8(ascii: "1"): bits.append(true)
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default:
                let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02X", byte)
                throw SparseSimError(file: path, location: "index \(bits.count)", message: "\(shown) is not 0 or 1")
            }
        }
        guard bits.count == count else {
            throw SparseSimError(file: path, location: "index \(min(bits.count, count))",
                                 message: "\(bits.count) mask values, \(space) of layer \(layer) has \(count)")
        }
        return bits
    }
}
