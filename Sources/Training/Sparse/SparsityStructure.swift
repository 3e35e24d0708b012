import SparseSimCore
import Trace

// MARK: - SparsityStructure

/// The pattern a weight mask follows. Weights are viewed as the `K × (C·R·S)` matrix of a
/// `[K, C, R, S]` tensor (linear layers: `K × C`).
public enum SparsityStructure: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Any weight may be pruned on its own.
    case unstructured
    /// Whole `R×S` kernel slices `(k, c)` (for a linear layer, single weights).
    case channel
    /// Whole output filters `k`.
    case filter
    /// `B×B` tiles of the `K × (C·R·S)` matrix (edge tiles are smaller).
    case block(Int)
    /// Exactly `n` non-zeros in every group of `m` consecutive weights along a row (the input
    /// dimension); a row's last, shorter group keeps `min(n, length)`.
    case nm(NMPattern)

    /// Parses `unstructured`, `channel`, `filter`, `block:BxB` (or `block:B`), `nm:N:M`.
    /// - Throws: `SparseSimError` naming `--structure` for anything else.
    public init(parsing text: String) throws {
        func bad(_ message: String) -> SparseSimError {
            SparseSimError.setting("structure", message)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "unstructured" where parts.count == 1: self = .unstructured
        case "channel" where parts.count == 1: self = .channel
        case "filter" where parts.count == 1: self = .filter
        case "block" where parts.count == 2:
            let dims = parts[1].split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard let b = dims.first ?? nil, b >= 1, dims.count <= 2, dims.allSatisfy({ $0 == b }) else {
                throw bad("'\(text)': expected block:BxB with a positive square size, e.g. block:4x4")
            }
            self = .block(b)
        case "nm" where parts.count == 3:
            guard let n = Int(parts[1]), let m = Int(parts[2]), m >= 1, n >= 1, n <= m else {
                throw bad("'\(text)': expected nm:N:M with 1 <= N <= M, e.g. nm:2:4")
            }
            self = .nm(NMPattern(n: n, m: m))
        default:
            throw bad("unknown structure '\(text)' (known: unstructured, channel, filter, block:BxB, nm:N:M)")
        }
    }

    public var description: String {
        switch self {
        case .unstructured: "unstructured"
        case .channel: "channel"
        case .filter: "filter"
        case .block(let b): "block:\(b)x\(b)"
        case .nm(let p): "nm:\(p.n):\(p.m)"
        }
    }

    /// The density an N:M pattern fixes (`n/m`), nil for the others.
    public var fixedDensity: Double? {
        if case .nm(let p) = self { return p.density }
        return nil
    }
}

// MARK: - WeightGroups

/// The groups a structure prunes together, for one weight tensor: groups are pruned whole;
/// with N:M, each bucket of `m` consecutive row elements keeps exactly `min(n, length)`.
struct WeightGroups: Sendable {
    /// Number of groups.
    let count: Int
    /// Element indices of group `g`: `members[offsets[g]..<offsets[g+1]]`.
    let members: [Int32]
    let offsets: [Int]
    /// N:M only: buckets as ranges of group indices (groups are single elements), `n`, and `m`.
    let buckets: [Range<Int>]
    let perBucket: Int, bucketSize: Int

    var isNM: Bool { !buckets.isEmpty }

    init(_ structure: SparsityStructure, k: Int, c: Int, r: Int, s: Int) {
        let rowLength = c &* r &* s
        let total = k &* rowLength
        var members: [Int32] = [], offsets = [0]
        var buckets: [Range<Int>] = [], perBucket = 0, bucketSize = 0
        func contiguous(_ size: Int) {
            members = (0..<total).map { Int32($0) }
            offsets = Array(stride(from: 0, through: total, by: size))
        }
        switch structure {
        case .unstructured:
            contiguous(1)
        case .channel:
            contiguous(r &* s)
        case .filter:
            contiguous(rowLength)
        case .block(let b):
            members.reserveCapacity(total)
            for bk in stride(from: 0, to: k, by: b) {
                for bc in stride(from: 0, to: rowLength, by: b) {
                    for row in bk..<min(k, bk &+ b) {
                        for col in bc..<min(rowLength, bc &+ b) { members.append(Int32(row &* rowLength &+ col)) }
                    }
                    offsets.append(members.count)
                }
            }
        case .nm(let p):
            let (n, m) = (p.n, p.m)
            contiguous(1)
            perBucket = n
            bucketSize = m
            for row in 0..<k {
                for start in stride(from: 0, to: rowLength, by: m) {
                    let lo = row &* rowLength &+ start
                    buckets.append(lo..<(lo &+ min(m, rowLength &- start)))
                }
            }
        }
        self.count = offsets.count - 1
        self.members = members
        self.offsets = offsets
        self.buckets = buckets
        self.perBucket = perBucket
        self.bucketSize = bucketSize
    }

    /// The sum of `values[i]` (or of `|values[i]|`) over each group's members.
    func sums(_ values: UnsafeBufferPointer<Float>, magnitude: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        members.withUnsafeBufferPointer { mem in
            for g in 0..<count {
                var acc: Float = 0
                for j in offsets[g]..<offsets[g &+ 1] {
                    let v = values[Int(mem[j])]
                    acc += magnitude ? abs(v) : v
                }
                out[g] = acc
            }
        }
        return out
    }

    /// Writes `1` into `mask` for every member of a group with `keep[g]`, `0` elsewhere.
    func expand(_ keep: [Bool], into mask: UnsafeMutableBufferPointer<Float>) {
        members.withUnsafeBufferPointer { mem in
            for g in 0..<count {
                let v: Float = keep[g] ? 1 : 0
                for j in offsets[g]..<offsets[g &+ 1] { mask[Int(mem[j])] = v }
            }
        }
    }

    /// Whether group `g` is kept in `mask` (its first member is 1).
    func isKept(_ g: Int, in mask: UnsafeBufferPointer<Float>) -> Bool {
        mask[Int(members[offsets[g]])] != 0
    }

    /// Kept groups: the `keep` highest `scores` (ties broken by lower index). With N:M, the
    /// highest `perBucket` (default: `n`) of every bucket instead (`keep` is ignored).
    /// - Complexity: O(G log G).
    func select(scores: [Float], keep: Int, perBucket bucketKeep: Int? = nil) -> [Bool] {
        var kept = [Bool](repeating: false, count: count)
        if isNM {
            for bucket in buckets {
                let order = bucket.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                for g in order.prefix(bucketKeep ?? perBucket) { kept[g] = true }
            }
            return kept
        }
        let order = (0..<count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        for g in order.prefix(max(0, min(keep, count))) { kept[g] = true }
        return kept
    }

    /// Groups to keep for an element density `density` (N:M: every bucket's `n`).
    func keptGroups(density: Double) -> Int {
        if isNM { return buckets.reduce(0) { $0 + min(perBucket, $1.count) } }
        return TopK.keptCount(density: density, of: count)
    }
}
