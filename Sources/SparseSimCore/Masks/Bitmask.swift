// MARK: - Bitmask

/// A fixed-length sequence of bits packed 64 to a word, little-endian within each word
/// (bit `i` is bit `i % 64` of word `i / 64`).
///
/// Bits past `count` in the last word are always zero, so word-wise popcounts are exact.
/// A weight mask uses `true` for a kept (non-zero) weight.
public struct Bitmask: Equatable, Hashable, Sendable {
    /// The packed words; `(count + 63) / 64` of them.
    public private(set) var words: [UInt64]
    /// The number of bits.
    public let count: Int

    /// A mask of `count` bits, all `value`.
    /// - Precondition: `count >= 0`.
    public init(repeating value: Bool = false, count: Int) {
        precondition(count >= 0, "Bitmask count must be non-negative")
        self.count = count
        let wordCount = Self.wordCount(for: count)
        self.words = [UInt64](repeating: value ? ~0 : 0, count: wordCount)
        clearTail()
    }

    /// A mask with the bits of `bits`, in order.
    public init<S: Sequence>(_ bits: S) where S.Element == Bool {
        var words: [UInt64] = []
        words.reserveCapacity(bits.underestimatedCount / 64 + 1)
        var current: UInt64 = 0
        var n = 0
        for bit in bits {
            if bit { current |= 1 &<< UInt64(n & 63) }
            n &+= 1
            if n & 63 == 0 {
                words.append(current)
                current = 0
            }
        }
        if n & 63 != 0 { words.append(current) }
        self.words = words
        self.count = n
    }

    /// A mask from packed words; bits past `count` are cleared.
    /// - Precondition: `words.count == (count + 63) / 64`.
    public init(words: [UInt64], count: Int) {
        precondition(count >= 0 && words.count == Self.wordCount(for: count), "Bitmask words do not match count")
        self.words = words
        self.count = count
        clearTail()
    }

    /// The number of words needed for `count` bits.
    @inlinable
    public static func wordCount(for count: Int) -> Int { (count &+ 63) >> 6 }

    /// Bit `index`.
    /// - Precondition: `0 <= index < count`.
    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "Bitmask index \(index) out of range 0..<\(count)")
            return words[index >> 6] & (1 &<< UInt64(index & 63)) != 0
        }
        set {
            precondition(index >= 0 && index < count, "Bitmask index \(index) out of range 0..<\(count)")
            let bit: UInt64 = 1 &<< UInt64(index & 63)
            if newValue { words[index >> 6] |= bit } else { words[index >> 6] &= ~bit }
        }
    }

    /// The bits as an array of `Bool` (for tests and small masks).
    public var bools: [Bool] { (0..<count).map { self[$0] } }

    /// Zeroes the bits of the last word that lie past `count`.
    private mutating func clearTail() {
        let rem = count & 63
        if rem != 0 { words[words.count - 1] &= (1 &<< UInt64(rem)) &- 1 }
    }
}

// MARK: - Byte conversion (NumPy `|b1`)

extension Bitmask {
    /// A mask from one byte per bit (NumPy's `|b1` layout): a byte is `true` when non-zero.
    /// - Complexity: O(n), one pass over the bytes.
    public init(boolBytes bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        var words = [UInt64](repeating: 0, count: Self.wordCount(for: n))
        words.withUnsafeMutableBufferPointer { w in
            var i = 0
            while i < n {
                var word: UInt64 = 0
                let end = Swift.min(i &+ 64, n)
                var j = i
                while j < end {
                    if bytes[j] != 0 { word |= 1 &<< UInt64(j &- i) }
                    j &+= 1
                }
                w[i >> 6] = word
                i = end
            }
        }
        self.words = words
        self.count = n
    }

    /// One byte per bit, 1 for `true` and 0 for `false` (NumPy's `|b1` layout).
    /// - Complexity: O(n).
    public func boolBytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            words.withUnsafeBufferPointer { w in
                for wi in 0..<w.count {
                    var word = w[wi]
                    let base = wi &<< 6
                    while word != 0 {
                        o[base &+ word.trailingZeroBitCount] = 1
                        word &= word &- 1
                    }
                }
            }
        }
        return out
    }
}
