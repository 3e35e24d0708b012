// MARK: - Reductions

/// Sums with eight independent accumulators, so the compiler can vectorize them (a single
/// accumulator forces strict left-to-right order). The order is fixed, so results are
/// reproducible.
enum Reductions {
    /// `Σ x[i]` for `i` in `start..<start+count`.
    @inline(__always)
    static func sum(_ x: UnsafeBufferPointer<Float>, _ start: Int, _ count: Int) -> Float {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0, a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
        var i = start
        let end8 = start &+ count / 8 &* 8
        while i < end8 {
            a0 += x[i]; a1 += x[i &+ 1]; a2 += x[i &+ 2]; a3 += x[i &+ 3]
            a4 += x[i &+ 4]; a5 += x[i &+ 5]; a6 += x[i &+ 6]; a7 += x[i &+ 7]
            i &+= 8
        }
        while i < start &+ count { a0 += x[i]; i &+= 1 }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    }

    /// `Σ (x[i] − mean)²` over the same range.
    @inline(__always)
    static func squaredDeviation(_ x: UnsafeBufferPointer<Float>, _ start: Int, _ count: Int, mean: Float) -> Float {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0, a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
        var i = start
        let end8 = start &+ count / 8 &* 8
        while i < end8 {
            let d0 = x[i] - mean, d1 = x[i &+ 1] - mean, d2 = x[i &+ 2] - mean, d3 = x[i &+ 3] - mean
            let d4 = x[i &+ 4] - mean, d5 = x[i &+ 5] - mean, d6 = x[i &+ 6] - mean, d7 = x[i &+ 7] - mean
            a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3
            a4 += d4 * d4; a5 += d5 * d5; a6 += d6 * d6; a7 += d7 * d7
            i &+= 8
        }
        while i < start &+ count { let d = x[i] - mean; a0 += d * d; i &+= 1 }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    }

    /// `Σ x[i]·y[i]` over the same range of both.
    @inline(__always)
    static func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>, _ start: Int, _ count: Int) -> Float {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0, a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
        var i = start
        let end8 = start &+ count / 8 &* 8
        while i < end8 {
            a0 += x[i] * y[i]; a1 += x[i &+ 1] * y[i &+ 1]; a2 += x[i &+ 2] * y[i &+ 2]; a3 += x[i &+ 3] * y[i &+ 3]
            a4 += x[i &+ 4] * y[i &+ 4]; a5 += x[i &+ 5] * y[i &+ 5]; a6 += x[i &+ 6] * y[i &+ 6]; a7 += x[i &+ 7] * y[i &+ 7]
            i &+= 8
        }
        while i < start &+ count { a0 += x[i] * y[i]; i &+= 1 }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    }
}
