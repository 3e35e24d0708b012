// MARK: - StorageCost

/// The exact size of an encoded operand, data and metadata counted separately.
public struct StorageCost: Equatable, Sendable {
    /// Bits of stored values (padding values included).
    public var dataBits: Int
    /// Bits of everything else: presence bits, run lengths, indices, pointers.
    public var metadataBits: Int

    /// A cost.
    public init(dataBits: Int, metadataBits: Int) {
        self.dataBits = dataBits
        self.metadataBits = metadataBits
    }

    /// Data and metadata.
    public var totalBits: Int { dataBits + metadataBits }
    /// Total bytes, rounded up.
    public var totalBytes: Int { (totalBits + 7) / 8 }
}
