// MARK: - FNV1a

/// The 64-bit FNV-1a hash, for checksums that name the bytes an output was made from
/// (datasets, specs, trace manifests) in provenance records. Not cryptographic.
package struct FNV1a: Sendable {
    /// The hash of the bytes mixed in so far.
    package private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// An empty hash.
    package init() {}

    /// Mixes `bytes` in.
    /// - Complexity: O(n) in the byte count.
    package mutating func mix(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        value = h
    }

    /// Mixes the bytes of `array` in.
    package mutating func mix(_ array: [UInt8]) { array.withUnsafeBytes { mix($0) } }

    /// `fnv1a64:` and 16 hex digits.
    package var text: String {
        let hex = String(value, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The checksum text of `bytes`.
    package static func text(of bytes: [UInt8]) -> String {
        var h = FNV1a()
        h.mix(bytes)
        return h.text
    }
}
