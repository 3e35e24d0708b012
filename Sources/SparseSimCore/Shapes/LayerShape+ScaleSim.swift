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

    /// A GEMM `A (M×K) · Bᵀ (B is N×K)` as a 1×1 convolution: the `M` rows of `A` are `M`
    /// input pixels (an `M×1` plane) of `K` channels, the `N` rows of `B` are `N` filters of
    /// `K` channels — `M·N·K` MACs per batch item. On a systolic array this is SCALE-Sim's GEMM
    /// mode exactly (it maps an `M×K` ifmap under `N` filters of `1×K`: the same `M` output
    /// pixels, `N` filters and `K`-long windows), and sparse dataflows see the reduction as
    /// channels, not as one wide filter. The weight mask is `B` row-major; a sample's input mask
    /// is `Aᵀ` (channel-major, `K × M`).
    /// - Precondition: `M, N, K, batch >= 1`.
    public static func gemm(_ name: String, M: Int, N: Int, K: Int, batch: Int = 1) -> LayerShape {
        LayerShape(name: name, kind: .conv, N: batch, K: N, C: K, R: 1, S: 1, H: M, W: 1, P: M, Q: 1,
                   stride: 1, padding: 0, groups: 1)
    }
}
