// MARK: - StorageCost

/// The exact size of an encoded operand, data and metadata counted separately.
package struct StorageCost: Equatable, Sendable {
    /// Bits of stored values (padding values included).
    package var dataBits: Int
    /// Bits of everything else: presence bits, run lengths, indices, pointers.
    package var metadataBits: Int

    /// A cost.
    package init(dataBits: Int, metadataBits: Int) {
        self.dataBits = dataBits
        self.metadataBits = metadataBits
    }

    /// Data and metadata.
    package var totalBits: Int { dataBits + metadataBits }
    /// Total bytes, rounded up.
    var totalBytes: Int { (totalBits + 7) / 8 }
}
