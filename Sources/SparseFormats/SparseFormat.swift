import SparseSimCore

// MARK: - SparseFormat

/// How an operand's values and the positions of its non-zeros are stored, with the widths
/// that decide the metadata's size.
///
/// Index formats (`bitmap`, `csr`, `csc`, `coo`) record the kept positions themselves; value
/// formats (`dense`, `rle`, `nm`, `block`) store values, and a kept entry whose value is exactly
/// 0 is, to them, a zero like any pruned one (as to the hardware that reads them).
package enum SparseFormat: Equatable, Sendable {
    /// Every value.
    case dense
    /// The kept values, plus one presence bit per entry.
    case bitmap
    /// SCNN-style run-length: each kept value with the count of zeros before it in `runBits`
    /// bits (row-major over the whole matrix); a gap longer than `2^runBits − 1` costs explicit
    /// zero values, each covering `2^runBits` positions. Trailing zeros cost nothing.
    case rle(runBits: Int)
    /// Compressed sparse rows: kept values, a column index each, `rows + 1` row pointers.
    case csr(indexBits: Int, pointerBits: Int)
    /// Compressed sparse columns: kept values, a row index each, `columns + 1` column pointers.
    case csc(indexBits: Int, pointerBits: Int)
    /// Coordinates: kept values with a row and a column index each.
    case coo(rowBits: Int, columnBits: Int)
    /// N:M along each row: every group of `m` consecutive entries (the last one padded) stores
    /// exactly `n` values (zeros where fewer are kept) and `⌈log2 m⌉` bits of position each.
    case nm(NMPattern)
    /// `size × size` tiles: one presence bit per tile, and every tile holding a kept entry
    /// stored dense (edge tiles padded to full size, as fixed-size hardware blocks are).
    case block(size: Int)

    /// The format's name in specs and reports.
    package var name: String {
        switch self {
        case .dense: "dense"
        case .bitmap: "bitmap"
        case .rle: "rle"
        case .csr: "csr"
        case .csc: "csc"
        case .coo: "coo"
        case .nm: "nm"
        case .block: "block"
        }
    }

    /// Bits to hold every value in `0...maximum` (at least 1).
    package static func bits(toHold maximum: Int) -> Int {
        maximum <= 1 ? 1 : Int.bitWidth - (maximum).leadingZeroBitCount
    }

    /// `⌈log2 n⌉` (0 for n ≤ 1): the bits of a position among n.
    static func ceilLog2(_ n: Int) -> Int { n <= 1 ? 0 : bits(toHold: n - 1) }

    func failure(_ field: String, _ message: String) -> SparseSimError {
        SparseSimError(file: "<format \(name)>", location: field, message: message)
    }

    /// Checks the widths against the format itself.
    /// - Throws: `SparseSimError` for a width below 1 or above 32, `n > m`, a block below 1.
    package func validate() throws {
        func width(_ field: String, _ bits: Int) throws {
            guard bits >= 1 && bits <= 32 else { throw failure(field, "must be 1…32 bits, got \(bits)") }
        }
        switch self {
        case .dense, .bitmap: break
        case .rle(let r): try width("run_bits", r)
        case .csr(let i, let p), .csc(let i, let p):
            try width("index_bits", i)
            try width("pointer_bits", p)
        case .coo(let r, let c):
            try width("row_bits", r)
            try width("column_bits", c)
        case .nm(let p):
            guard p.m <= 256 else { throw failure("n", "N:M needs 1 ≤ N ≤ M ≤ 256, got \(p.n):\(p.m)") }
        case .block(let b):
            guard b >= 1 else { throw failure("block_size", "must be at least 1, got \(b)") }
        }
    }

    /// Checks that `matrix` fits the format: indices and pointers wide enough, N:M conformance.
    /// - Throws: `SparseSimError` naming the width or the first non-conforming group.
    func checkFits(_ matrix: SparseMatrix) throws {
        try validate()
        switch self {
        case .csr(let i, let p):
            try fits("index_bits", i, matrix.columns - 1, "a column index")
            try fits("pointer_bits", p, matrix.nonzeros, "a row pointer")
        case .csc(let i, let p):
            try fits("index_bits", i, matrix.rows - 1, "a row index")
            try fits("pointer_bits", p, matrix.nonzeros, "a column pointer")
        case .coo(let r, let c):
            try fits("row_bits", r, matrix.rows - 1, "a row index")
            try fits("column_bits", c, matrix.columns - 1, "a column index")
        case .nm(let p):
            let (n, m) = (p.n, p.m)
            if let v = p.firstViolation(matrix) {
                throw failure("n", "row \(v.row), group \(v.group) (columns \(v.group * m)..<\(min((v.group + 1) * m, matrix.columns))) keeps \(v.kept) of \(m); \(n):\(m) allows \(n)")
            }
        default: break
        }
    }

    func fits(_ field: String, _ bits: Int, _ maximum: Int, _ what: String) throws {
        guard maximum < 0 || Self.bits(toHold: maximum) <= bits else {
            throw failure(field, "\(bits) bits cannot hold \(what) up to \(maximum) (needs \(Self.bits(toHold: maximum)))")
        }
    }

    // MARK: Cost

    /// The exact storage of `matrix` with `valueBits`-bit values, from the format's formula.
    /// - Throws: `SparseSimError` when the matrix does not fit the format (`checkFits`).
    /// - Complexity: O(rows · columns / 64) for the popcount formats, O(nonzeros) for `rle`,
    ///   O(rows · columns) for `block`.
    package func cost(of matrix: SparseMatrix, valueBits: Int) throws -> StorageCost {
        try checkFits(matrix)
        let nnz = matrix.nonzeros, total = matrix.count
        switch self {
        case .dense:
            return StorageCost(dataBits: total * valueBits, metadataBits: 0)
        case .bitmap:
            return StorageCost(dataBits: nnz * valueBits, metadataBits: total)
        case .rle(let r):
            let span = 1 << r
            var entries = 0, next = 0
            matrix.mask.forEachSetBit { i in
                entries += (i - next) / span + 1
                next = i + 1
            }
            return StorageCost(dataBits: entries * valueBits, metadataBits: entries * r)
        case .csr(let i, let p):
            return StorageCost(dataBits: nnz * valueBits, metadataBits: nnz * i + (matrix.rows + 1) * p)
        case .csc(let i, let p):
            return StorageCost(dataBits: nnz * valueBits, metadataBits: nnz * i + (matrix.columns + 1) * p)
        case .coo(let r, let c):
            return StorageCost(dataBits: nnz * valueBits, metadataBits: nnz * (r + c))
        case .nm(let p):
            let (n, m) = (p.n, p.m)
            let slots = matrix.rows * ((matrix.columns + m - 1) / m) * n
            return StorageCost(dataBits: slots * valueBits, metadataBits: slots * Self.ceilLog2(m))
        case .block(let b):
            let map = BlockDensityMap(matrix, size: b)
            let kept = map.kept.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
            return StorageCost(dataBits: kept * b * b * valueBits, metadataBits: map.kept.count)
        }
    }
}

// MARK: - Parsing

extension SparseFormat {
    /// A format named on a command line — `dense`, `bitmap`, `rle:RUN_BITS`, `csr:INDEX_BITS`,
    /// `csc:INDEX_BITS` — sized for `matrix`: CSR/CSC pointers as wide as the non-zero count needs.
    /// - Throws: `SparseSimError` naming `source` for an unknown name or a bad width.
    package init(parsing text: String, for matrix: SparseMatrix, field: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ message: String) -> SparseSimError { .setting(field, message) }
        func width() throws -> Int {
            guard parts.count == 2, let w = Int(parts[1]), w >= 1, w <= 32 else {
                throw bad("'\(parts[0])' needs a width of 1…32 bits, e.g. \(parts[0]):4, got '\(text)'")
            }
            return w
        }
        switch parts[0] {
        case "dense" where parts.count == 1: self = .dense
        case "bitmap" where parts.count == 1: self = .bitmap
        case "rle": self = .rle(runBits: try width())
        case "csr": self = .csr(indexBits: try width(), pointerBits: Self.bits(toHold: matrix.nonzeros))
        case "csc": self = .csc(indexBits: try width(), pointerBits: Self.bits(toHold: matrix.nonzeros))
        default: throw bad("unknown format '\(text)' (known: dense, bitmap, rle:BITS, csr:BITS, csc:BITS)")
        }
        try validate()
    }
}
