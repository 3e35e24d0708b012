import Foundation
import SparseSimCore
import Trace

// MARK: - ScaleSimTopology

/// Reads SCALE-Sim's topology CSV: `name, IFMAP H, IFMAP W, R, S, C, K, stride,` with an optional
/// `N:M` column, a header line, and SCALE-Sim's unpadded output rule (`LayerShape.scaleSim`) — or
/// its GEMM topology, `Layer name, M, N, K,` (A = M×K, the activations; B = N×K, the weights),
/// each GEMM a 1×1 convolution of M pixels, K channels and N filters (`LayerShape.gemm`), whose
/// systolic compute cycles equal SCALE-Sim's GEMM mode.
public enum ScaleSimTopology {
    /// Parses the topology file at `path` into a workload at batch `batch`.
    /// - Throws: `SparseSimError` naming the file and line of the first bad row.
    public static func load(path: String, batch: Int = 1) throws -> Workload {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseSimError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")
        }
        return try parse(bytes: [UInt8](data), file: path, batch: batch)
    }

    /// The largest topology file read (16 MiB, about 300,000 layers).
    public static let maxBytes = 16 << 20

    /// Parses topology bytes (UTF-8 text); `file` names it in errors.
    /// - Throws: `SparseSimError` for text that is not UTF-8, a file over `maxBytes`, or a bad row.
    public static func parse(bytes: [UInt8], file: String, batch: Int = 1) throws -> Workload {
        guard bytes.count <= maxBytes else {
            throw SparseSimError(file: file, message: "\(bytes.count) bytes is over the \(maxBytes >> 20) MiB limit for a topology file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SparseSimError(file: file, message: "not UTF-8 text")
        }
        return try parse(text, file: file, batch: batch)
    }

    /// Parses topology text; `file` names it in errors.
    public static func parse(_ text: String, file: String, batch: Int = 1) throws -> Workload {
        var layers: [Workload.Layer] = []
        var names = Set<String>()
        var gemm: Bool?  // decided by the header or the first row's width
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var cells = rawLine.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            while cells.last == "" { cells.removeLast() }
            if cells.isEmpty || cells[0].hasPrefix("#") { continue }
            func fail(_ message: String) -> SparseSimError { SparseSimError(file: file, location: "\(line)", message: message) }
            if layers.isEmpty && cells.count > 1 && Int(cells[1]) == nil {  // header
                gemm = cells.count >= 4 && cells[1...3].map { $0.uppercased() } == ["M", "N", "K"]
                continue
            }
            if gemm == nil { gemm = cells.count == 4 || cells.count == 5 }
            if gemm == true {
                guard cells.count == 4 || cells.count == 5 else {
                    throw fail("expected 4 columns (name, M, N, K) and an optional N:M, found \(cells.count)")
                }
                var v: [Int] = []
                for (i, column) in ["M (rows of A)", "N (rows of B, the outputs)", "K (the reduction)"].enumerated() {
                    guard let x = Int(cells[i + 1]), x > 0 else { throw fail("\(column) must be a positive integer, got '\(cells[i + 1])'") }
                    v.append(x)
                }
                let name = cells[0].replacingOccurrences(of: " ", with: "_")
                guard names.insert(name).inserted else { throw fail("layer name '\(name)' repeats") }
                let shape = LayerShape.gemm(name, M: v[0], N: v[1], K: v[2], batch: batch)
                do { try shape.validate(file: file, location: "\(line)") } catch let e as SparseSimError {
                    throw SparseSimError(file: file, location: "\(line)", message: e.message)
                }
                layers.append(Workload.Layer(shape: shape, structure: try Self.structure(cells.count == 5 ? cells[4] : nil, fail)))
                continue
            }
            guard cells.count == 8 || cells.count == 9 else {
                throw fail("expected 8 columns (name, IFMAP H, IFMAP W, filter H, filter W, channels, filters, stride) and an optional N:M, found \(cells.count)")
            }
            var v: [Int] = []
            for (i, column) in ["IFMAP height", "IFMAP width", "filter height", "filter width", "channels", "filters", "stride"].enumerated() {
                guard let x = Int(cells[i + 1]), x > 0 else { throw fail("\(column) must be a positive integer, got '\(cells[i + 1])'") }
                v.append(x)
            }
            guard v[2] <= v[0], v[3] <= v[1] else { throw fail("filter \(v[2])x\(v[3]) is larger than the IFMAP \(v[0])x\(v[1])") }
            let name = cells[0].replacingOccurrences(of: " ", with: "_")
            guard names.insert(name).inserted else { throw fail("layer name '\(name)' repeats") }
            let shape = LayerShape.scaleSim(name, H: v[0], W: v[1], R: v[2], S: v[3], C: v[4], K: v[5], stride: v[6], N: batch)
            do { try shape.validate(file: file, location: "\(line)") } catch let e as SparseSimError {
                throw SparseSimError(file: file, location: "\(line)", message: e.message)
            }
            layers.append(Workload.Layer(shape: shape, structure: try Self.structure(cells.count == 9 ? cells[8] : nil, fail)))
        }
        guard !layers.isEmpty else { throw SparseSimError(file: file, message: "no layers") }
        let base = (file.split(separator: "/").last.map(String.init) ?? file)
        return Workload(source: "topology \(file)", name: base.hasSuffix(".csv") ? String(base.dropLast(4)) : base, layers: layers)
    }

    /// The optional N:M column: `N:M`, empty or `dense`.
    static func structure(_ cell: String?, _ fail: (String) -> SparseSimError) throws -> NMPattern? {
        guard let cell, !cell.isEmpty, cell.lowercased() != "dense" else { return nil }
        let parts = cell.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), n > 0, n <= m else {
            throw fail("sparsity must be N:M with 0 < N <= M (e.g. 2:4), got '\(cell)'")
        }
        return NMPattern(n: n, m: m)
    }
}
