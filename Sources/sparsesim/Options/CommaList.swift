import ArgumentParser
import Foundation

// MARK: - CommaList

/// A comma-separated list given as one option value (`--threads 1,2`, `--methods rigl,set`):
/// the one list parser of the command line. Items are trimmed of spaces; `values` is nil when
/// an item is not an `Element`, so a command can refuse the text with its own message.
struct CommaList<Element: LosslessStringConvertible>: ExpressibleByArgument, Sendable where Element: Sendable {
    /// The option's text, as given.
    let text: String
    /// The items, or nil when one does not parse (an empty item included).
    let values: [Element]?

    init?(argument: String) {
        text = argument
        let items = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Element(String($0).trimmingCharacters(in: .whitespaces)) }
        values = items.contains { $0 == nil } ? nil : items.map { $0! }
    }

    /// The items that are not empty (for lists of names, where `a,,b` means `a,b`).
    var nonEmpty: [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var defaultValueDescription: String { text }
}

extension CommaList: ExpressibleByStringLiteral {
    init(stringLiteral value: String) { self.init(argument: value)! }
}

extension CommaList where Element == UInt64 {
    /// Checks a `--seeds` list: seeds that parse, each given once.
    /// - Throws: `ValidationError` quoting the text.
    func validateSeeds() throws {
        guard let values, !values.isEmpty else { throw ValidationError("--seeds \(text): expected seeds like 0,1,2") }
        guard Set(values).count == values.count else { throw ValidationError("--seeds \(text): give each seed once") }
    }
}
