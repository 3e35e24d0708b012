// MARK: - Operand

/// The three tensors of a layer that move through an accelerator.
public enum Operand: String, Codable, Sendable, CaseIterable, Comparable {
    /// Filter weights.
    case weights
    /// Input activations (ifmap).
    case inputs
    /// Output activations and partial sums (ofmap).
    case outputs

    /// Orders operands weights, inputs, outputs.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
