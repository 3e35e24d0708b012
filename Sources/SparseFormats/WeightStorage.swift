import SparseSimCore

// MARK: - WeightStorage

/// A layer's stored weights against dense 32-bit floats: bases, coefficient (or plain weight)
/// values, format metadata and quantization scales, each in bits.
package struct WeightStorage: Equatable, Codable, Sendable {
    /// The layer's weights as dense 32-bit floats: `32 · K·C/g·R·S`.
    package var denseBits: Int
    /// Basis values (0 for a layer that is not decomposed).
    package var basisBits: Int
    /// Stored coefficient values, or a plain layer's stored weight values.
    package var valueBits: Int
    /// Sparse-format metadata of the coefficients (or plain weights).
    package var metadataBits: Int
    /// Quantization scales (32 bits each).
    package var scaleBits: Int

    /// A storage record.
    package init(denseBits: Int, basisBits: Int, valueBits: Int, metadataBits: Int, scaleBits: Int) {
        self.denseBits = denseBits
        self.basisBits = basisBits
        self.valueBits = valueBits
        self.metadataBits = metadataBits
        self.scaleBits = scaleBits
    }

    /// Everything stored.
    package var storedBits: Int { basisBits + valueBits + metadataBits + scaleBits }

    /// `dense_bits ÷ stored_bits` (infinity when nothing is stored).
    package var compressionRatio: Double { storedBits > 0 ? Double(denseBits) / Double(storedBits) : .infinity }

    /// A decomposed layer from its sizes and kept coefficients (`K × C·M`, row-major).
    /// - Precondition: `coefficients.count == k·c·bases`.
    /// - Throws: `SparseSimError` when the format cannot hold the matrix.
    package static func decomposed(k: Int, c: Int, kernelSize: Int, bases: Int, groups: Int, coefficients: Bitmask,
                                  basisBits: Int, coefficientBits: Int, format: SparseFormat,
                                  scales: Int = 2) throws -> WeightStorage {
        precondition(coefficients.count == k * c * bases, "one mask bit per coefficient")
        let cost = try format.cost(of: SparseMatrix(pattern: coefficients, rows: k, columns: c * bases), valueBits: coefficientBits)
        return WeightStorage(denseBits: 32 * k * c * kernelSize, basisBits: groups * bases * kernelSize * basisBits,
                             valueBits: cost.dataBits, metadataBits: cost.metadataBits, scaleBits: 32 * scales)
    }

    /// A layer that is not decomposed: its kept weights (the `rows × columns` `mask`) in
    /// `format` at `valueBits`, and `scales` scales (0 for unquantized floats).
    /// - Throws: `SparseSimError` when the format cannot hold the matrix.
    package static func plain(mask: Bitmask, rows: Int, columns: Int, valueBits: Int, format: SparseFormat,
                             scales: Int = 1) throws -> WeightStorage {
        let cost = try format.cost(of: SparseMatrix(pattern: mask, rows: rows, columns: columns), valueBits: valueBits)
        return WeightStorage(denseBits: 32 * rows * columns, basisBits: 0, valueBits: cost.dataBits,
                             metadataBits: cost.metadataBits, scaleBits: 32 * scales)
    }

    /// Field-wise sum (a network's total).
    package static func + (a: WeightStorage, b: WeightStorage) -> WeightStorage {
        WeightStorage(denseBits: a.denseBits + b.denseBits, basisBits: a.basisBits + b.basisBits,
                      valueBits: a.valueBits + b.valueBits, metadataBits: a.metadataBits + b.metadataBits,
                      scaleBits: a.scaleBits + b.scaleBits)
    }

    /// Nothing stored (the identity of `+`).
    package static let zero = WeightStorage(denseBits: 0, basisBits: 0, valueBits: 0, metadataBits: 0, scaleBits: 0)
}
