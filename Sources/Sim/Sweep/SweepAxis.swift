import Foundation
import SparseSimCore
import Trace

// MARK: - SweepAxis

/// One dimension of a design-space sweep: a spec attribute (a `--set` path) and the values it
/// takes, e.g. `pe-array.rows=8,16,32` (`sparsesim sweep --vary`).
public struct SweepAxis: Codable, Equatable, Sendable {
    /// The attribute, as `--set` names it (`pe-array.rows`, `memory.gbuf.sizeKiB`, `dataflow`).
    public var path: String
    /// Its values, in the order given.
    public var values: [String]

    /// An axis from its parts.
    public init(path: String, values: [String]) {
        self.path = path
        self.values = values
    }

    /// Parses `path=v1,v2,...`.
    /// - Throws: `SparseSimError` against the setting `axes` for a missing `=`, an empty path
    ///   or value, or a value given twice.
    public init(parsing text: String) throws {
        func bad(_ message: String) -> SparseSimError {
            .setting("axes", message, value: text)
        }
        guard let eq = text.firstIndex(of: "=") else { throw bad("expected path=v1,v2,... (e.g. pe-array.rows=8,16,32)") }
        let path = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else { throw bad("the path before '=' is empty") }
        let values = text[text.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !values.contains(where: \.isEmpty) else { throw bad("a value is empty (values are separated by single commas)") }
        var seen = Set<String>()
        for v in values where !seen.insert(v).inserted { throw bad("the value '\(v)' is given twice") }
        self.init(path: path, values: values)
    }
}
