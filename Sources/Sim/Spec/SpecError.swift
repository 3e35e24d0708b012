import SparseSimCore
import Trace

// MARK: - SpecError

/// One problem in a hardware spec, at a line.
public struct SpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The spec file.
    public var file: String
    /// The line (1-based; 0 when libxml2 gives none).
    public var line: Int
    /// What is wrong.
    public var message: String

    /// An error at `file:line`.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: error: message` (`file: error: message` when there is no line).
    public var description: String { line > 0 ? "\(file):\(line): error: \(message)" : "\(file): error: \(message)" }

    /// As a `SparseSimError` (location `line N`).
    public var sparseSimError: SparseSimError {
        SparseSimError(file: file, location: line > 0 ? "\(line)" : "", message: message)
    }
}

/// Every problem found in a spec, in file order; a spec is used only when there are none.
public struct SpecErrors: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problems.
    public var errors: [SpecError]

    /// A list of problems.
    public init(_ errors: [SpecError]) { self.errors = errors }

    /// One `file:line: error: message` line per problem.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
