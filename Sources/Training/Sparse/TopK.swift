import CSparseKernels

// MARK: - TopK

/// Magnitude thresholds: the value `τ` such that keeping `|v| ≥ τ` keeps the `k` largest
/// magnitudes (and every element tied with the `k`-th).
package enum TopK {
    /// `⌈density · n⌉` clamped to `0...n` (a density of 1 keeps everything).
    package static func keptCount(density: Double, of n: Int) -> Int {
        guard density > 0 else { return 0 }
        return min(n, Int((density * Double(n) - 1e-9).rounded(.up)))
    }

    /// The `keep`-th largest `|v|`: `+infinity` when `keep == 0`, 0 when `keep >= count`.
    /// - Complexity: O(n): radix selection on the bit patterns of `|v|` (one histogram pass
    ///   over `v`, one that lists the first bucket's keys into `scratch`, two over that list).
    package static func threshold(magnitudes v: UnsafeBufferPointer<Float>, keep: Int, scratch: inout [Float]) -> Float {
        let n = v.count
        if keep <= 0 { return .infinity }
        if keep >= n { return 0 }
        if scratch.count < n { scratch = [Float](repeating: 0, count: n) }
        return scratch.withUnsafeMutableBytes { raw in
            ss_kth_largest_magnitude(v.baseAddress, n, keep, raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
        }
    }

    /// The `keep`-th largest of `scores` (not their magnitudes), as `threshold` does.
    package static func threshold(scores: [Float], keep: Int) -> Float {
        if keep <= 0 { return .infinity }
        if keep >= scores.count { return -.infinity }
        var a = scores
        return a.withUnsafeMutableBufferPointer { select($0, count: $0.count, rank: $0.count - keep) }
    }

    /// The element of 0-based rank `rank` in ascending order (Hoare quickselect, median of
    /// three; deterministic).
    static func select(_ a: UnsafeMutableBufferPointer<Float>, count: Int, rank: Int) -> Float {
        var lo = 0, hi = count &- 1
        while hi > lo {
            let mid = lo &+ (hi &- lo) / 2
            // Median of three as the pivot.
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i &+= 1 }
                while a[j] > pivot { j &-= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i &+= 1
                    j &-= 1
                }
            }
            if rank <= j {
                hi = j
            } else if rank >= i {
                lo = i
            } else {
                return a[rank]
            }
        }
        return a[rank]
    }
}
