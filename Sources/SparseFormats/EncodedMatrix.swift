import SparseSimCore

// MARK: - EncodedMatrix

/// An operand stored in a `SparseFormat`: the values in storage order and the metadata fields,
/// each a list of unsigned integers of a fixed width. Its cost is counted from what it holds,
/// independently of `SparseFormat.cost(of:valueBits:)`'s formula, and `decode()` gives the
/// matrix back.
struct EncodedMatrix: Equatable, Sendable {
    /// One metadata field: its name, width in bits, and entries.
    struct Field: Equatable, Sendable {
        /// `presence`, `runs`, `column_indices`, `row_pointers`, `positions`, ….
        package var name: String
        /// Bits per entry.
        package var bits: Int
        /// The entries.
        package var entries: [Int]
    }

    /// The format, and the matrix's size.
    package let format: SparseFormat, rows: Int, columns: Int
    /// Stored values in storage order, padding values included.
    package let values: [Float]
    /// The metadata.
    package let fields: [Field]

    /// Bits of what is stored, with `valueBits`-bit values.
    package func cost(valueBits: Int) -> StorageCost {
        StorageCost(dataBits: values.count * valueBits, metadataBits: fields.reduce(0) { $0 + $1.bits * $1.entries.count })
    }

    /// Whether every metadata entry fits its field's width.
    var fieldsFit: Bool {
        fields.allSatisfy { f in f.entries.allSatisfy { $0 >= 0 && (f.bits >= 63 || $0 < (1 << f.bits)) } }
    }

    func field(_ name: String) -> [Int] { fields.first { $0.name == name }?.entries ?? [] }

    // MARK: Decoding

    /// The matrix back: exactly the input for the index formats; for the value formats
    /// (`dense`, `rle`, `nm`, `block`) the kept entries are the non-zero values.
    package func decode() -> SparseMatrix {
        let n = rows * columns
        var out = [Float](repeating: 0, count: n)
        var kept = [Bool](repeating: false, count: n)
        func put(_ i: Int, _ v: Float, index: Bool) {
            out[i] = v
            kept[i] = index || v != 0
        }
        /// CSR/CSC: entry `j` of major line `l` sits at `flat(l, indices[j])`.
        func expand(pointers: [Int], indices: [Int], flat: (Int, Int) -> Int) {
            for l in 0..<(pointers.count - 1) {
                for j in pointers[l]..<pointers[l + 1] { put(flat(l, indices[j]), values[j], index: true) }
            }
        }
        switch format {
        case .dense:
            for i in 0..<n { put(i, values[i], index: false) }
        case .bitmap:
            var next = 0
            for (i, bit) in field("presence").enumerated() where bit == 1 {
                put(i, values[next], index: true)
                next += 1
            }
        case .rle:
            var position = 0
            for (run, v) in zip(field("runs"), values) {
                position += run
                put(position, v, index: false)
                position += 1
            }
        case .csr:
            expand(pointers: field("row_pointers"), indices: field("column_indices")) { $0 * columns + $1 }
        case .csc:
            expand(pointers: field("column_pointers"), indices: field("row_indices")) { $1 * columns + $0 }
        case .coo:
            for (j, (r, c)) in zip(field("row_indices"), field("column_indices")).enumerated() {
                put(r * columns + c, values[j], index: true)
            }
        case .nm(let p):
            let (keep, m) = (p.n, p.m)
            let groups = (columns + m - 1) / m
            let positions = field("positions")
            for slot in 0..<values.count {
                let row = slot / (groups * keep), group = slot / keep % groups
                let column = group * m + (positions.isEmpty ? 0 : positions[slot])
                if column < columns && values[slot] != 0 { put(row * columns + column, values[slot], index: false) }
            }
        case .block(let b):
            let tileColumns = (columns + b - 1) / b
            var next = 0
            for (t, bit) in field("presence").enumerated() where bit == 1 {
                let (tr, tc) = (t / tileColumns, t % tileColumns)
                for dr in 0..<b {
                    for dc in 0..<b {
                        let (r, c) = (tr * b + dr, tc * b + dc)
                        if r < rows && c < columns { put(r * columns + c, values[next + dr * b + dc], index: false) }
                    }
                }
                next += b * b
            }
        }
        return SparseMatrix(rows: rows, columns: columns, mask: Bitmask(kept), values: out)
    }
}

// MARK: - Encoding

extension SparseFormat {
    /// Stores `matrix` in this format.
    /// - Throws: `SparseSimError` when the matrix does not fit (`checkFits`).
    /// - Precondition: the matrix has values (not `isPatternOnly`).
    /// - Complexity: O(rows · columns).
    func encode(_ matrix: SparseMatrix) throws -> EncodedMatrix {
        precondition(!matrix.isPatternOnly, "a pattern-only matrix has no values to encode")
        try checkFits(matrix)
        let (rows, columns) = (matrix.rows, matrix.columns)
        let mask = matrix.mask, v = matrix.values
        var values: [Float] = [], fields: [EncodedMatrix.Field] = []
        switch self {
        case .dense:
            values = v
        case .bitmap:
            fields = [.init(name: "presence", bits: 1, entries: (0..<matrix.count).map { mask[$0] ? 1 : 0 })]
            mask.forEachSetBit { values.append(v[$0]) }
        case .rle(let r):
            let maxRun = (1 << r) - 1
            var runs: [Int] = [], next = 0
            mask.forEachSetBit { i in
                var gap = i - next
                while gap > maxRun {
                    runs.append(maxRun)
                    values.append(0)
                    gap -= maxRun + 1
                }
                runs.append(gap)
                values.append(v[i])
                next = i + 1
            }
            fields = [.init(name: "runs", bits: r, entries: runs)]
        case .csr(let i, let p):
            let (pointers, indices) = Self.compress(matrix, majorCount: rows, minorCount: columns) { $0 * columns + $1 }
            values = indices.values
            fields = [.init(name: "column_indices", bits: i, entries: indices.positions), .init(name: "row_pointers", bits: p, entries: pointers)]
        case .csc(let i, let p):
            let (pointers, indices) = Self.compress(matrix, majorCount: columns, minorCount: rows) { $1 * columns + $0 }
            values = indices.values
            fields = [.init(name: "row_indices", bits: i, entries: indices.positions), .init(name: "column_pointers", bits: p, entries: pointers)]
        case .coo(let rb, let cb):
            var rowIndices: [Int] = [], columnIndices: [Int] = []
            mask.forEachSetBit { i in
                rowIndices.append(i / columns)
                columnIndices.append(i % columns)
                values.append(v[i])
            }
            fields = [.init(name: "row_indices", bits: rb, entries: rowIndices),
                      .init(name: "column_indices", bits: cb, entries: columnIndices)]
        case .nm(let p):
            let (n, m) = (p.n, p.m)
            var positions: [Int] = []
            for row in 0..<rows {
                for start in stride(from: 0, to: columns, by: m) {
                    let used = (0..<min(m, columns - start)).filter { mask[row * columns + start + $0] }
                    for p in used {
                        positions.append(p)
                        values.append(v[row * columns + start + p])
                    }
                    // Padding slots: zero values at the lowest positions not kept.
                    for p in (0..<m).filter({ !used.contains($0) }).prefix(n - used.count) {
                        positions.append(p)
                        values.append(0)
                    }
                }
            }
            fields = [.init(name: "positions", bits: Self.ceilLog2(m), entries: Self.ceilLog2(m) == 0 ? [] : positions)]
        case .block(let b):
            let map = BlockDensityMap(matrix, size: b)
            fields = [.init(name: "presence", bits: 1, entries: map.kept.map { $0 > 0 ? 1 : 0 })]
            for (t, k) in map.kept.enumerated() where k > 0 {
                let (tr, tc) = (t / map.tileColumns, t % map.tileColumns)
                for dr in 0..<b {
                    for dc in 0..<b {
                        let (r, c) = (tr * b + dr, tc * b + dc)
                        values.append(r < rows && c < columns ? v[r * columns + c] : 0)
                    }
                }
            }
        }
        return EncodedMatrix(format: self, rows: rows, columns: columns, values: values, fields: fields)
    }

    /// CSR (rows major) or CSC (columns major): pointers into the kept entries per major line,
    /// and each kept entry's minor index and value, where `flat(major, minor)` is the entry's
    /// row-major index.
    static func compress(_ matrix: SparseMatrix, majorCount: Int, minorCount: Int, flat: (Int, Int) -> Int)
        -> (pointers: [Int], indices: (positions: [Int], values: [Float])) {
        var positions: [Int] = [], values: [Float] = [], pointers = [0]
        for major in 0..<majorCount {
            for minor in 0..<minorCount where matrix.mask[flat(major, minor)] {
                positions.append(minor)
                values.append(matrix.values[flat(major, minor)])
            }
            pointers.append(positions.count)
        }
        return (pointers, (positions, values))
    }
}
