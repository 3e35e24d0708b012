import Foundation
import SparseSimCore

// MARK: - LayerDensityTable

/// Per-layer input densities from a CSV (`--activation-density FILE`): a `layer,density` header,
/// then one row per layer — e.g. the non-zero shares Eyeriss measured on AlexNet's input fmaps.
/// Layers not listed keep their inputs as they are (dense, or recorded).
public struct LayerDensityTable: Equatable, Sendable {
    /// Density of the non-zero inputs by layer name, in `(0, 1]`.
    public var densities: [String: Double]

    /// Reads the table at `path`, checking every name against `layers`.
    /// - Throws: `SparseSimError` naming the file and row of a bad header, an unknown or repeated
    ///   layer, or a density outside (0, 1].
    public static func load(path: String, layers: [String]) throws -> LayerDensityTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseSimError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")
        }
        guard data.count <= 16 << 20, let text = String(data: data, encoding: .utf8) else {
            throw SparseSimError(file: path, message: "not UTF-8 text of at most 16 MiB")
        }
        return try parse(text, file: path, layers: layers)
    }

    /// Parses table text; `file` names it in errors.
    public static func parse(_ text: String, file: String, layers: [String]) throws -> LayerDensityTable {
        let known = Set(layers)
        var densities: [String: Double] = [:]
        var sawHeader = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let cells = raw.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if cells.allSatisfy(\.isEmpty) || cells[0].hasPrefix("#") { continue }
            func fail(_ message: String) -> SparseSimError { SparseSimError(file: file, location: "line \(line)", message: message) }
            if !sawHeader {
                guard cells.map({ $0.lowercased() }) == ["layer", "density"] else { throw fail("the header must be 'layer,density'") }
                sawHeader = true
                continue
            }
            guard cells.count == 2 else { throw fail("expected 2 columns (layer, density), found \(cells.count)") }
            guard known.contains(cells[0]) else {
                throw fail("unknown layer '\(cells[0])' (layers: \(layers.prefix(8).joined(separator: ", "))\(layers.count > 8 ? ", ..." : ""))")
            }
            guard let d = Double(cells[1]), d > 0, d <= 1 else { throw fail("density must be in (0, 1], got '\(cells[1])'") }
            guard densities.updateValue(d, forKey: cells[0]) == nil else { throw fail("layer '\(cells[0])' repeats") }
        }
        guard sawHeader else { throw SparseSimError(file: file, message: "empty: expected a 'layer,density' header and rows") }
        return LayerDensityTable(densities: densities)
    }
}
