// MARK: - Bitmask from a tensor's non-zeros

extension Bitmask {
    /// A mask with a bit set for every non-zero value of `values` (NaN counts as non-zero), in
    /// order: what a trace's weights or activations keep.
    ///
    /// The generic `init(_:)` over a lazily mapped sequence is not specialized across modules and
    /// costs a metadata lookup per element; this one packs 64 values a word.
    /// - Complexity: O(n).
    public init(nonZerosOf values: UnsafeBufferPointer<Float>) {
        let n = values.count
        var words = [UInt64](repeating: 0, count: Bitmask.wordCount(for: n))
        words.withUnsafeMutableBufferPointer { out in
            var i = 0
            var w = 0
            while i &+ 64 <= n {
                var word: UInt64 = 0
                for b in 0..<64 where values[i &+ b] != 0 { word |= 1 &<< UInt64(b) }
                out[w] = word
                w &+= 1
                i &+= 64
            }
            if i < n {
                var word: UInt64 = 0
                for b in 0..<(n &- i) where values[i &+ b] != 0 { word |= 1 &<< UInt64(b) }
                out[w] = word
            }
        }
        self.init(words: words, count: n)
    }

    /// A mask with a bit set for every non-zero value of `values`.
    /// - Complexity: O(n).
    public init(nonZerosOf values: [Float]) {
        self = values.withUnsafeBufferPointer { Bitmask(nonZerosOf: $0) }
    }
}
