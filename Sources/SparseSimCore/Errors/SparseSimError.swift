// MARK: - SparseSimError

/// An error in user input or in a run, located in a file.
///
/// Every error SparseSim reports names the file it concerns, where in that file
/// (a line, a byte offset, a JSON path, a header field), and what is wrong.
/// `description` prints in the compiler style `file:where: error: message`.
public struct SparseSimError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the error concerns (as the user named it), or a pseudo-name such as `<argument>`.
    public var file: String
    /// Where in the file: `line 12`, `header`, `offset 128`, `snapshots[0].layers[1].weights`; may be empty.
    public var location: String
    /// What is wrong, in one line.
    public var message: String

    /// Creates an error for `file` at `location`.
    public init(file: String, location: String = "", message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    /// `file:location` (or just `file` when there is no location).
    public var place: String {
        location.isEmpty ? file : "\(file):\(location)"
    }

    /// `file:where: error: message`.
    public var description: String {
        "\(place): error: \(message)"
    }
}
