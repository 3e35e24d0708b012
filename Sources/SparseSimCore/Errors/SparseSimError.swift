// MARK: - SparseSimError

/// An error in user input or in a run, located in a file or in a setting.
///
/// Every error SparseSim reports says what kind it is (a setting out of range, bad input, a
/// failed run), names the file it concerns and where in that file (a line, a byte offset, a
/// JSON path, a header field) — or, for a setting, the setting's field — and what is wrong.
/// `description` prints in the compiler style `file:where: error: message`.
///
/// Libraries speak of their own settings: an error about a setting names the configuration
/// field (`sparsity`, `learningRate`) as its location, with `SparseSimError.settingsFile` as
/// the file, and a message names other fields between backticks (`` `quantization` ``). Only a
/// front end knows what the user typed for them (the command line's flags) and renders them so.
public struct SparseSimError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in the terms a front end turns into an exit status.
    public enum Kind: String, Sendable, CaseIterable {
        /// A setting the caller gave is out of range, unknown or contradicts another one.
        case usage
        /// An input file is unreadable, malformed or does not fit.
        case input
        /// A run failed (a numeric failure, a directory that cannot be made).
        case run
        /// A run stopped on request (a signal) after writing its checkpoint: running it again
        /// with resuming continues where it stopped.
        case interrupted
    }

    /// The pseudo-file of errors about settings (their location is the field).
    public static let settingsFile = "<settings>"

    /// What kind of error this is.
    public var kind: Kind
    /// The file the error concerns (as the user named it), or a pseudo-name such as `<settings>`.
    public var file: String
    /// Where in the file: `line 12`, `header`, `offset 128`, `snapshots[0].layers[1].weights`;
    /// for a setting, the field (and the value it concerns, after a space); may be empty.
    public var location: String
    /// What is wrong, in one line.
    public var message: String

    /// Creates an error of `kind` for `file` at `location`.
    public init(_ kind: Kind = .input, file: String, location: String = "", message: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.message = message
    }

    /// An error about the setting `field` (a configuration's property name, e.g. `sparsity`);
    /// `value`, when given, is the part of the setting at fault (an axis of several).
    public static func setting(_ field: String, _ message: String, value: String? = nil) -> SparseSimError {
        SparseSimError(.usage, file: settingsFile, location: value.map { "\(field) \($0)" } ?? field, message: message)
    }

    /// The setting's field of an error made by `setting(_:_:value:)`, else nil.
    public var field: String? {
        guard file == Self.settingsFile else { return nil }
        return location.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// The same error with another message (e.g. with context added).
    public func with(message: String) -> SparseSimError {
        SparseSimError(kind, file: file, location: location, message: message)
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
