// MARK: - ScoreSelection

/// Exact global top-k selection over `Double` scores, for pruning: keeps exactly `keep`
/// entries, the largest scores, ties at the threshold broken in favour of the lower index (so
/// the count is exact and the choice deterministic).
enum ScoreSelection {
    /// An order-preserving map of a non-NaN `Double` to `UInt64`: `a < b ⇔ key(a) < key(b)`,
    /// `a == b ⇔ key(a) == key(b)` (−0 and +0 tie).
    @inline(__always)
    static func key(_ x: Double) -> UInt64 {
        let u = (x + 0).bitPattern
        return u >> 63 == 1 ? ~u : u | (1 << 63)
    }

    /// The key of the `rank`-th largest score (1-based), and how many scores have a larger key.
    ///
    /// One histogram pass on the top 16 bits of the keys finds the bucket holding the answer;
    /// a second pass gathers that bucket's keys, and three more 16-bit radix passes over only
    /// those find the exact key.
    /// - Precondition: `1 <= rank <= scores.count`; no score is NaN.
    /// - Complexity: O(2·n + 4·2¹⁶ + 3·b), b the size of the answer's top bucket.
    static func kthLargestKey(_ scores: UnsafeBufferPointer<Double>, rank: Int) -> (key: UInt64, above: Int) {
        precondition(rank >= 1 && rank <= scores.count, "rank out of range")
        var histogram = [Int](repeating: 0, count: 1 << 16)
        return histogram.withUnsafeMutableBufferPointer { h in
            for i in 0..<scores.count { h[Int(key(scores[i]) >> 48)] &+= 1 }
            var (digit, remaining, above) = descend(h, rank: rank)
            var prefix = UInt64(digit) << 48
            var candidates: [UInt64] = []
            candidates.reserveCapacity(h[digit])
            for i in 0..<scores.count {
                let k = key(scores[i])
                if k >> 48 == UInt64(digit) { candidates.append(k) }
            }
            candidates.withUnsafeBufferPointer { c in
                for shift in stride(from: UInt64(32), through: 0, by: -16) {
                    let highMask = ~((UInt64(1) << (shift &+ 16)) &- 1)
                    for i in 0..<h.count { h[i] = 0 }
                    for k in c where k & highMask == prefix { h[Int((k >> shift) & 0xFFFF)] &+= 1 }
                    let step = descend(h, rank: remaining)
                    (digit, remaining) = (step.digit, step.remaining)
                    above &+= step.above
                    prefix |= UInt64(digit) << shift
                }
            }
            return (prefix, above)
        }
    }

    /// The bucket holding the `rank`-th largest entry counting down from the top bucket, the
    /// rank within it, and the entries in higher buckets.
    static func descend(_ h: UnsafeMutableBufferPointer<Int>, rank: Int) -> (digit: Int, remaining: Int, above: Int) {
        var digit = h.count - 1, remaining = rank, above = 0
        while h[digit] < remaining {
            remaining &-= h[digit]
            above &+= h[digit]
            digit &-= 1
        }
        return (digit, remaining, above)
    }

    /// Sets `kept[i]` for exactly `keep` entries: every score above the `keep`-th largest, and
    /// the lowest-indexed ones equal to it.
    /// - Precondition: `kept.count == scores.count`; `0 <= keep <= scores.count`; no NaN.
    /// - Complexity: O(n).
    static func keepLargest(_ scores: UnsafeBufferPointer<Double>, keep: Int, into kept: UnsafeMutableBufferPointer<Bool>) {
        precondition(kept.count == scores.count && keep >= 0 && keep <= scores.count, "bad selection")
        if keep == 0 {
            for i in 0..<kept.count { kept[i] = false }
            return
        }
        let (threshold, above) = kthLargestKey(scores, rank: keep)
        var ties = keep &- above
        for i in 0..<scores.count {
            let k = key(scores[i])
            var keepIt = k > threshold
            if k == threshold && ties > 0 {
                keepIt = true
                ties &-= 1
            }
            kept[i] = keepIt
        }
    }
}
