// MARK: - Iteration over set bits

extension Bitmask {
    /// The indices of the set bits, in increasing order.
    public var setBitIndices: SetBitIndices { SetBitIndices(words: words) }

    /// Calls `body` with the index of every set bit, in increasing order. Inlinable: the
    /// storage formats' costs call it once per kept value, so `body` is inlined into their loops.
    /// - Complexity: O(n/64 + popcount).
    @inlinable
    public func forEachSetBit(_ body: (Int) throws -> Void) rethrows {
        try words.withUnsafeBufferPointer { w in
            for wi in 0..<w.count {
                var word = w[wi]
                let base = wi &<< 6
                while word != 0 {
                    try body(base &+ word.trailingZeroBitCount)
                    word &= word &- 1
                }
            }
        }
    }

    /// A sequence of the indices of the set bits of a mask, 64 bits at a time.
    public struct SetBitIndices: Sequence, Sendable {
        let words: [UInt64]

        /// Iterates the set bits.
        public func makeIterator() -> Iterator { Iterator(words: words) }

        /// The number of set bits is not known without a pass; at least 0.
        public var underestimatedCount: Int { 0 }

        /// Walks the words, clearing the lowest set bit each step.
        public struct Iterator: IteratorProtocol {
            let words: [UInt64]
            var wordIndex = 0
            var current: UInt64

            init(words: [UInt64]) {
                self.words = words
                self.current = words.first ?? 0
            }

            /// The next set bit's index, or nil.
            public mutating func next() -> Int? {
                while current == 0 {
                    wordIndex &+= 1
                    guard wordIndex < words.count else { return nil }
                    current = words[wordIndex]
                }
                let bit = current.trailingZeroBitCount
                current &= current &- 1
                return (wordIndex &<< 6) &+ bit
            }
        }
    }
}
