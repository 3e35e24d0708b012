// MARK: - Population counts

extension Bitmask {
    /// The number of set bits.
    /// - Complexity: O(n/64).
    public var popcount: Int {
        words.withUnsafeBufferPointer { w in
            var total = 0
            for word in w { total &+= word.nonzeroBitCount }
            return total
        }
    }

    /// The fraction of set bits, or 0 for an empty mask.
    public var density: Double {
        count == 0 ? 0 : Double(popcount) / Double(count)
    }

    /// The number of set bits with index in `range`.
    /// - Precondition: `range` lies within `0..<count`.
    /// - Complexity: O(range.count / 64).
    public func popcount(in range: Range<Int>) -> Int {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range \(range) out of 0..<\(count)")
        return words.withUnsafeBufferPointer { Self.popcount(words: $0, from: range.lowerBound, to: range.upperBound) }
    }

    /// Set bits in each consecutive slice of `length` bits: for a `K×C×R×S` weight mask,
    /// `length = C·R·S` gives the count per filter and `length = R·S` per kernel slice.
    /// - Precondition: `length > 0` and `count` is a multiple of `length`.
    /// - Complexity: O(n/64 + n/length).
    public func popcounts(sliceLength length: Int) -> [Int] {
        precondition(length > 0 && count % length == 0, "slice length \(length) does not divide \(count)")
        let slices = count / length
        var out = [Int](repeating: 0, count: slices)
        words.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                var start = 0
                for s in 0..<slices {
                    o[s] = Self.popcount(words: w, from: start, to: start &+ length)
                    start &+= length
                }
            }
        }
        return out
    }

    /// Set bits in bit range `[from, to)` of packed `words`.
    @inline(__always)
    package static func popcount(words w: UnsafeBufferPointer<UInt64>, from: Int, to: Int) -> Int {
        guard from < to else { return 0 }
        let firstWord = from >> 6
        let lastWord = (to &- 1) >> 6
        let lowMask: UInt64 = ~0 &<< UInt64(from & 63)
        let highBits = to & 63
        let highMask: UInt64 = highBits == 0 ? ~0 : (1 &<< UInt64(highBits)) &- 1
        if firstWord == lastWord {
            return (w[firstWord] & lowMask & highMask).nonzeroBitCount
        }
        var total = (w[firstWord] & lowMask).nonzeroBitCount
        var i = firstWord &+ 1
        while i < lastWord {
            total &+= w[i].nonzeroBitCount
            i &+= 1
        }
        return total &+ (w[lastWord] & highMask).nonzeroBitCount
    }
}
