// MARK: - SCALE-Sim's unpadded layers

extension LayerShape {
    /// A conv layer as SCALE-Sim describes one: unpadded, with output size
    /// `P = ⌈(H − R + stride) / stride⌉`, which counts a last, partial window when
    /// `(H − R)` is not a multiple of the stride.
    ///
    /// `LayerShape` has one output rule (floor), so the partial window is expressed by the input
    /// extent it reads: `H' = (P − 1)·stride + R` (one or more extra zero rows/columns at the
    /// bottom/right). `P`, `Q`, `E`, MACs and every compute figure equal SCALE-Sim's.
    /// - Precondition: positive dimensions with `R <= H`, `S <= W`.
    public static func scaleSim(
        _ name: String, H: Int, W: Int, R: Int, S: Int, C: Int, K: Int, stride: Int, N: Int = 1
    ) -> LayerShape {
        let p = (H - R + stride + stride - 1) / stride
        let q = (W - S + stride + stride - 1) / stride
        let isLinear = H == 1 && W == 1 && R == 1 && S == 1 && stride == 1
        if isLinear { return .linear(name, N: N, K: K, C: C) }
        return LayerShape(
            name: name, kind: .conv, N: N, K: K, C: C, R: R, S: S, H: (p - 1) * stride + R, W: (q - 1) * stride + S,
            P: p, Q: q, stride: stride, padding: 0, groups: 1)
    }
}
