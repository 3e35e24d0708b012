import Foundation
import Testing

/// One hostile input: what it is called, the exit status and error line it must give, and how to
/// build it in a fresh directory.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var status: Int32
    /// The error line's `file:where` prefix (`$D`: the case's directory); nil for usage errors
    /// that ArgumentParser reports (`Error: ...`).
    var place: String?
    /// A fragment of the message.
    var says: String
    /// Builds the input in the given directory and returns sparsesim's arguments.
    var arguments: @Sendable (String) throws -> [String]

    init(_ name: String, status: Int32, place: String?, says: String, arguments: @escaping @Sendable (String) throws -> [String]) {
        self.name = name
        self.status = status
        self.place = place
        self.says = says
        self.arguments = arguments
    }

    var testDescription: String { name }
}
