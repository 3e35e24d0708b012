import ArgumentParser
import Foundation
import SparseSimCore
import Trace

// MARK: - Output

/// Where the CLI writes: standard output for results, standard error for errors and warnings.
enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func warning(_ line: String) {
        error("sparsesim: warning: \(line)")
    }

    /// `value` as pretty-printed JSON with sorted, snake-case keys and a final newline (the
    /// `--format json` of train, prune, decompose and the benchmarks; slashes escaped).
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCoding.encoder(escapingSlashes: true).encode(value), as: UTF8.self) + "\n"
    }

    /// Writes `text` to `path` atomically, or to standard output when `path` is nil or `-`.
    static func emit(_ text: String, to path: String?) throws {
        if let path, path != "-" {
            try AtomicFile.write(text, to: path)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
