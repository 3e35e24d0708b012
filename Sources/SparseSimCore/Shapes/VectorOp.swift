// MARK: - VectorFunction

/// Element-wise and row-wise work a transformer does between its GEMMs, which the PE array does
/// not run: a vector unit does (`HardwareSpec.VectorUnit`).
///
/// Each function costs a fixed number of vector operations per element, counted from its
/// definition (an `exp`, `tanh` or reciprocal square root is one operation of a unit that has
/// it; a fused multiply-add is one):
///
/// | function | per element | operations |
/// |---|---|---|
/// | `residual-add` | 1 | add |
/// | `layernorm` | 5 | mean (add), subtract, variance (multiply-add), normalize (multiply), affine (multiply-add) |
/// | `rmsnorm` | 3 | square (multiply-add), normalize (multiply), gain (multiply) |
/// | `softmax` | 6 | scale by 1/√d, running max, subtract, exp, sum, normalize (multiply) |
/// | `gelu` | 8 | tanh form: x², x³ (2 multiplies), multiply-add, scale, tanh, add, 2 multiplies |
/// | `swiglu` | 5 | SiLU (exp, add, reciprocal, multiply), gate (multiply) |
/// | `rotary` | 3 | two multiplies and an add (rotating pairs by position) |
public enum VectorFunction: String, Codable, Sendable, CaseIterable {
    /// `x + y`: a residual connection or added position embeddings.
    case residualAdd = "residual-add"
    /// LayerNorm over each row.
    case layerNorm = "layernorm"
    /// RMSNorm over each row (Llama).
    case rmsNorm = "rmsnorm"
    /// The attention's scaled softmax over each row of scores.
    case softmax
    /// GELU.
    case gelu
    /// SwiGLU's `silu(gate) · up`.
    case swiglu
    /// Rotary position embeddings on queries and keys.
    case rotary

    /// Vector operations per element (the table above).
    public var operationsPerElement: Int {
        switch self {
        case .residualAdd: 1
        case .layerNorm: 5
        case .rmsNorm: 3
        case .softmax: 6
        case .gelu: 8
        case .swiglu: 5
        case .rotary: 3
        }
    }
}

// MARK: - VectorOp

/// One vector function applied to every element of a layer's inputs (a pre-LN block's
/// LayerNorm before `q`) or outputs (softmax after `qk`, GELU after `fc1`).
public struct VectorOp: Codable, Hashable, Sendable {
    /// The function.
    public var function: VectorFunction
    /// Which of the layer's tensors it runs over: `inputs` or `outputs`.
    public var on: Operand

    /// `function` over the layer's `on` tensor.
    /// - Precondition: `on` is `.inputs` or `.outputs`.
    public init(_ function: VectorFunction, on: Operand) {
        precondition(on != .weights, "vector work runs over activations")
        self.function = function
        self.on = on
    }

    /// `function` over the layer's outputs.
    public static func after(_ function: VectorFunction) -> VectorOp { VectorOp(function, on: .outputs) }
    /// `function` over the layer's inputs.
    public static func before(_ function: VectorFunction) -> VectorOp { VectorOp(function, on: .inputs) }
}

extension LayerShape {
    /// Vector operations of the layer's vector work: each op's elements (the layer's input or
    /// output count) times its operations per element.
    /// - Complexity: O(vector ops).
    public var vectorOperations: Int {
        (vectorOps ?? []).reduce(0) { total, op in
            total + (op.on == .inputs ? inputCount : outputCount) * op.function.operationsPerElement
        }
    }
}
