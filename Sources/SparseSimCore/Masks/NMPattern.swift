// MARK: - NMPattern

/// N:M structured sparsity: at most `n` kept entries in every group of `m` consecutive entries
/// along a row (the reduction dimension of a `K × C/g·R·S` weight matrix; a row's last group
/// may be shorter). What NVIDIA's 2:4 sparse tensor cores require. The one N:M type of
/// SparseSim: training structures, sparse formats, hardware specs and workloads all use it.
/// In JSON it is `{"m": M, "n": N}`.
public struct NMPattern: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Kept entries allowed per group.
    public let n: Int
    /// The group length.
    public let m: Int

    /// A pattern.
    /// - Precondition: `1 <= n <= m`.
    public init(n: Int, m: Int) {
        precondition(Self.isValid(n: n, m: m), "N:M needs 1 ≤ N ≤ M")
        self.n = n
        self.m = m
    }

    /// `N:M` (e.g. `2:4`) as a pattern; nil for anything else or `N > M`.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), Self.isValid(n: n, m: m) else { return nil }
        self.init(n: n, m: m)
    }

    /// Whether `n:m` is a pattern (`1 <= n <= m`).
    public static func isValid(n: Int, m: Int) -> Bool { n >= 1 && n <= m }

    /// `n / m`, the density the pattern allows at most.
    public var density: Double { Double(n) / Double(m) }

    /// `N:M`, e.g. `2:4`.
    public var description: String { "\(n):\(m)" }

    /// A group keeping more than `n`.
    public struct Violation: Equatable, Sendable {
        /// The row, the group's index within the row, and how many it keeps.
        public var row: Int, group: Int, kept: Int
    }

    /// The first group (row-major) of the `rows × columns` `mask` keeping more than `n`
    /// entries, or nil when the mask conforms.
    /// - Precondition: `mask.count == rows · columns`.
    /// - Complexity: O(rows · columns).
    public func firstViolation(in mask: Bitmask, rows: Int, columns: Int) -> Violation? {
        precondition(mask.count == rows * columns, "one mask bit per entry")
        let groups = (columns + m - 1) / m
        for row in 0..<rows {
            for g in 0..<groups {
                let start = row * columns + g * m
                let kept = mask.popcount(in: start..<(start + min(m, columns - g * m)))
                if kept > n { return Violation(row: row, group: g, kept: kept) }
            }
        }
        return nil
    }

    /// Whether the `rows × columns` `mask` keeps at most `n` of every `m`.
    public func conforms(_ mask: Bitmask, rows: Int, columns: Int) -> Bool {
        firstViolation(in: mask, rows: rows, columns: columns) == nil
    }

    enum CodingKeys: String, CodingKey { case n, m }

    /// Decodes `{"n": N, "m": M}`, refusing a pattern outside `1 <= n <= m`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let n = try c.decode(Int.self, forKey: .n), m = try c.decode(Int.self, forKey: .m)
        guard Self.isValid(n: n, m: m) else {
            throw DecodingError.dataCorruptedError(forKey: .n, in: c, debugDescription: "N:M needs 1 <= N <= M, got \(n):\(m)")
        }
        self.init(n: n, m: m)
    }
}
