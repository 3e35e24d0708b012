import SparseSimCore

// MARK: - FlagNames

/// The command line's names for the settings the libraries name in their errors.
///
/// A library names a setting by its configuration field (`learningRate`, `sparsity`) and
/// quotes other fields in messages between backticks; here they become the flags a user typed
/// (`--lr`, `--sparsity`). A field's flag is `--` and the field in kebab case unless listed.
enum FlagNames {
    /// Fields whose flag is not their kebab-case name.
    static let exceptions: [String: String] = [
        "learningRate": "--lr", "dataDirectory": "--data-dir", "initialMask": "--init-mask", "initialWeights": "--init-weights",
        "decomposition": "--decompose", "quantization": "--quantize", "coefficientSparsity": "--coef-sparsity",
        "coefficientFormat": "--coef-format", "bases": "-M", "axes": "--vary", "directory": "--out", "overrides": "--set",
        "sequenceLength": "--seq-len",
    ]

    /// The flag of `field`: `batchSize` → `--batch-size`.
    static func flag(for field: String) -> String {
        if let flag = exceptions[field] { return flag }
        var kebab = "--"
        for c in field {
            if c.isUppercase { kebab += "-" + c.lowercased() } else { kebab.append(c) }
        }
        return kebab
    }

    /// `message` with every backtick-quoted field (`` `learningRate` ``) replaced by its flag.
    static func render(_ message: String) -> String {
        guard message.contains("`") else { return message }
        var out = "", field = "", quoted = false
        for c in message {
            if c == "`" {
                if quoted { out += field.allSatisfy({ $0.isLetter || $0.isNumber }) && !field.isEmpty ? flag(for: field) : "`\(field)`" }
                field = ""
                quoted.toggle()
            } else if quoted {
                field.append(c)
            } else {
                out.append(c)
            }
        }
        return quoted ? out + "`" + field : out
    }

    /// `error` as the command line shows it: a setting as `<command line>:--flag`, fields in
    /// the message as flags.
    static func render(_ error: SparseSimError) -> SparseSimError {
        var shown = error.with(message: render(error.message))
        if let field = error.field {
            shown.file = "<command line>"
            shown.location = flag(for: field) + error.location.dropFirst(field.count)
        }
        return shown
    }
}
