import Foundation

// MARK: - RandomGenerator

/// xoshiro256** (Blackman & Vigna, 2018), seeded through SplitMix64: the one generator behind
/// initialization, shuffling, dropout and augmentation. Its four words of state go into
/// checkpoints, so a resumed run draws the same numbers an uninterrupted one would.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's state.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator with a saved state.
    /// - Precondition: not all four words are zero.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "xoshiro256 state must be 4 words, not all zero")
        self.state = (state[0], state[1], state[2], state[3])
    }

    /// The state as four words.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform `Float` in `[0, 1)` (24 random bits).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A uniform `Double` in `[0, 1)` (53 random bits).
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal sample (Box–Muller, computed in Double).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextDouble(), 0x1p-60)
        let u2 = nextDouble()
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// A uniform integer in `0..<bound` (Lemire's method, unbiased).
    /// - Precondition: `bound > 0`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// Shuffles `array` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, nextInt(below: i + 1))
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.stateWords == b.stateWords }
}

@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
