// MARK: - LayerShape

/// The shape of one conv, depthwise or linear layer as a loop nest.
///
/// Dimension names follow the accelerator literature (Eyeriss, Timeloop, SCALE-Sim):
/// `N` batch, `K` output channels, `C` input channels, `R`×`S` kernel, `H`×`W` input,
/// `P`×`Q` output. In JSON every key is lower-case (`n`, `k`, `c`, ...).
///
/// A linear layer has `R = S = H = W = P = Q = 1`. Output sizes follow the usual
/// floor rule `P = (H + 2·padding − R) / stride + 1`.
public struct LayerShape: Codable, Equatable, Hashable, Sendable {
    /// A stable name, usable as a file name: letters, digits, `_`, `-`, `.`; not starting with `.`.
    public var name: String
    /// Conv, linear or depthwise.
    public var kind: LayerKind
    /// Batch size.
    public var N: Int
    /// Output channels (linear: output features).
    public var K: Int
    /// Input channels (linear: input features).
    public var C: Int
    /// Kernel height.
    public var R: Int
    /// Kernel width.
    public var S: Int
    /// Input height.
    public var H: Int
    /// Input width.
    public var W: Int
    /// Output height.
    public var P: Int
    /// Output width.
    public var Q: Int
    /// Stride, the same in both directions.
    public var stride: Int
    /// Zero padding on each side, the same in both directions.
    public var padding: Int
    /// Channel groups: 1 for a dense conv, `C` for a depthwise conv.
    public var groups: Int
    /// The vector work around the layer (a transformer's softmax, LayerNorm, GELU, residual
    /// adds) that a vector unit runs, not the PE array; nil: none.
    public var vectorOps: [VectorOp]?

    enum CodingKeys: String, CodingKey {
        case name, kind
        case N = "n", K = "k", C = "c", R = "r", S = "s", H = "h", W = "w", P = "p", Q = "q"
        case stride, padding, groups
        case vectorOps = "vector_ops"
    }

    /// The layer with `ops` added to its vector work.
    public func adding(_ ops: VectorOp...) -> LayerShape {
        var shape = self
        shape.vectorOps = (vectorOps ?? []) + ops
        return shape
    }

    /// The largest element or MAC count a shape may have (2^53, so counts stay exact in a `Double`).
    public static let countLimit = 1 << 53

    /// Creates a shape from every field; `validate()` checks it.
    public init(
        name: String, kind: LayerKind, N: Int, K: Int, C: Int, R: Int, S: Int,
        H: Int, W: Int, P: Int, Q: Int, stride: Int, padding: Int, groups: Int
    ) {
        self.name = name
        self.kind = kind
        self.N = N; self.K = K; self.C = C; self.R = R; self.S = S
        self.H = H; self.W = W; self.P = P; self.Q = Q
        self.stride = stride; self.padding = padding; self.groups = groups
    }

    /// A convolution; `P` and `Q` are computed with the floor rule.
    public static func conv(
        _ name: String, N: Int = 1, K: Int, C: Int, R: Int, S: Int? = nil, H: Int, W: Int? = nil,
        stride: Int = 1, padding: Int = 0, groups: Int = 1
    ) -> LayerShape {
        let s = S ?? R
        let w = W ?? H
        return LayerShape(
            name: name, kind: groups > 1 && groups == C && K % C == 0 ? .depthwise : .conv,
            N: N, K: K, C: C, R: R, S: s, H: H, W: w,
            P: outputSize(input: H, kernel: R, stride: stride, padding: padding),
            Q: outputSize(input: w, kernel: s, stride: stride, padding: padding),
            stride: stride, padding: padding, groups: groups)
    }

    /// A fully connected layer from `C` inputs to `K` outputs.
    public static func linear(_ name: String, N: Int = 1, K: Int, C: Int) -> LayerShape {
        LayerShape(
            name: name, kind: .linear, N: N, K: K, C: C, R: 1, S: 1, H: 1, W: 1, P: 1, Q: 1,
            stride: 1, padding: 0, groups: 1)
    }

    /// A product of two activations in each of `N` samples, `heads` independent GEMMs per sample:
    /// `A (rows × reduction) · B (reduction × columns)` per head — attention's `Q·Kᵀ`
    /// (`rows = reduction'…`: tokens × head features by head features × tokens) and `P·V`.
    ///
    /// Stored as `K = heads·columns`, `C = heads·reduction`, `H = P = rows`, `groups = heads`,
    /// so `macs` is `N·heads·rows·reduction·columns`. The first operand is the layer's input
    /// (`[N, heads, rows, reduction]`), the second its "weights" — an activation too, one per
    /// sample: `[N, heads, columns, reduction]` (each head's `Bᵀ`, row-major like a linear
    /// layer's weight); the output is `[N, heads, rows, columns]`.
    public static func matmul(_ name: String, N: Int = 1, heads: Int, rows: Int, reduction: Int, columns: Int) -> LayerShape {
        LayerShape(
            name: name, kind: .matmul, N: N, K: heads * columns, C: heads * reduction, R: 1, S: 1, H: rows, W: 1, P: rows, Q: 1,
            stride: 1, padding: 0, groups: heads)
    }

    /// The floor-rule output size `(input + 2·padding − kernel) / stride + 1`, or 0 when the kernel does not fit.
    public static func outputSize(input: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        guard stride > 0 else { return 0 }
        let span = input + 2 * padding - kernel
        return span < 0 ? 0 : span / stride + 1
    }

    /// The side of a feature map of side `input` resized by `ratio` (bilinear resizing, as the
    /// Evenly Cascaded Network's layers do): `max(1, ⌊input · ratio⌋)`.
    /// - Precondition: `0 < ratio ≤ 1`.
    public static func resizedSize(input: Int, ratio: Double) -> Int {
        precondition(ratio > 0 && ratio <= 1, "resize ratio must be in (0, 1]")
        return max(1, Int((Double(input) * ratio).rounded(.down)))
    }
}

// MARK: - Derived sizes

extension LayerShape {
    /// Input channels seen by one output channel: `C / groups`.
    public var channelsPerGroup: Int { C / max(groups, 1) }

    /// The weight tensor's shape: `[K, C/groups, R, S]`, `[K, C]` for a linear layer, and for a
    /// matmul the second operand of every sample, `[N, groups, K/groups, C/groups]`.
    public var weightShape: [Int] {
        switch kind {
        case .linear: [K, C]
        case .matmul: [N, groups, K / groups, channelsPerGroup]
        case .conv, .depthwise: [K, channelsPerGroup, R, S]
        }
    }

    /// The input activation tensor's shape: `[N, C, H, W]`, `[N, C]` for a linear layer, and
    /// `[N, groups, P, C/groups]` (each head's rows) for a matmul.
    public var inputShape: [Int] {
        switch kind {
        case .linear: [N, C]
        case .matmul: [N, groups, P, channelsPerGroup]
        case .conv, .depthwise: [N, C, H, W]
        }
    }

    /// The output activation tensor's shape: `[N, K, P, Q]`, `[N, K]` for a linear layer, and
    /// `[N, groups, P, K/groups]` for a matmul.
    public var outputShape: [Int] {
        switch kind {
        case .linear: [N, K]
        case .matmul: [N, groups, P, K / groups]
        case .conv, .depthwise: [N, K, P, Q]
        }
    }

    /// Number of weights: `K · C/groups · R · S` (a matmul: its second operand in every sample,
    /// `N · K · C/groups`).
    /// - Precondition: the shape is valid (`validate()` succeeded), so the product does not overflow.
    public var weightCount: Int { (kind == .matmul ? N : 1) * K * channelsPerGroup * R * S }

    /// Number of input activations: `N · C · H · W`.
    public var inputCount: Int { N * C * H * W }

    /// Number of output activations: `N · K · P · Q`.
    public var outputCount: Int { N * K * P * Q }

    /// Dense multiply-accumulates: `N · K · C/groups · R · S · P · Q`.
    /// - Precondition: the shape is valid, so the product does not overflow.
    public var macs: Int { N * K * channelsPerGroup * R * S * P * Q }

    /// The same layer with batch `n`.
    public func withBatch(_ n: Int) -> LayerShape {
        var shape = self
        shape.N = n
        return shape
    }
}

// MARK: - Validation

extension LayerShape {
    /// Whether `name` can name a layer (and its files in a trace).
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, name.first != "." else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x5F || b == 0x2D || b == 0x2E
        }
    }

    /// Checks every dimension, the output size, the grouping and that no count overflows.
    ///
    /// - Parameters:
    ///   - file: the file the shape came from, for the error.
    ///   - location: where in the file (e.g. `model.layers[3]`).
    /// - Throws: `SparseSimError` naming the first field that is wrong.
    public func validate(file: String = "<layer>", location: String = "") throws {
        func fail(_ field: String, _ message: String) -> SparseSimError {
            SparseSimError(
                file: file, location: location.isEmpty ? field : "\(location).\(field)",
                message: "layer '\(name)': \(message)")
        }
        guard Self.isValidName(name) else {
            throw fail("name", "invalid layer name (use 1-128 letters, digits, '_', '-', '.'; not starting with '.')")
        }
        for (field, value) in [("n", N), ("k", K), ("c", C), ("r", R), ("s", S), ("h", H), ("w", W),
                               ("p", P), ("q", Q), ("stride", stride), ("groups", groups)] where value <= 0 {
            throw fail(field, "\(field) must be positive, got \(value)")
        }
        guard padding >= 0 else { throw fail("padding", "padding must be non-negative, got \(padding)") }
        guard C % groups == 0 else { throw fail("groups", "c=\(C) is not divisible by groups=\(groups)") }
        guard K % groups == 0 else { throw fail("groups", "k=\(K) is not divisible by groups=\(groups)") }

        switch kind {
        case .linear:
            for (field, value) in [("r", R), ("s", S), ("h", H), ("w", W), ("p", P), ("q", Q), ("stride", stride),
                                   ("groups", groups)] where value != 1 {
                throw fail(field, "a linear layer needs \(field)=1, got \(value)")
            }
            guard padding == 0 else { throw fail("padding", "a linear layer needs padding=0, got \(padding)") }
        case .depthwise:
            guard groups == C else { throw fail("groups", "a depthwise layer needs groups=c=\(C), got \(groups)") }
        case .matmul:
            for (field, value) in [("r", R), ("s", S), ("w", W), ("q", Q), ("stride", stride)] where value != 1 {
                throw fail(field, "a matmul layer needs \(field)=1, got \(value)")
            }
            guard padding == 0 else { throw fail("padding", "a matmul layer needs padding=0, got \(padding)") }
            guard H == P else { throw fail("p", "a matmul layer needs p=h (its rows), got p=\(P), h=\(H)") }
        case .conv:
            break
        }

        // Counts first: the output-size check below must not overflow either.
        let limit = Self.countLimit
        for (field, dims) in [("n*c*h*w", [N, C, H, W]), ("k*c*r*s", [K, C / groups, R, S, kind == .matmul ? N : 1]),
                              ("n*k*p*q", [N, K, P, Q]), ("macs", [N, K, C / groups, R, S, P, Q])] {
            guard Self.checkedProduct(dims, limit: limit) != nil else {
                throw fail(field, "\(field) exceeds the supported limit of 2^53")
            }
        }
        // h, w <= 2^53 (checked above) and padding <= 2^53 keep h + 2*padding inside Int.
        guard padding <= limit, R <= H + 2 * padding, S <= W + 2 * padding else {
            throw fail("r", "kernel \(R)x\(S) does not fit input \(H)x\(W) with padding \(padding)")
        }
        let p = Self.outputSize(input: H, kernel: R, stride: stride, padding: padding)
        let q = Self.outputSize(input: W, kernel: S, stride: stride, padding: padding)
        guard P == p else { throw fail("p", "p=\(P) but (h + 2*padding - r)/stride + 1 = \(p)") }
        guard Q == q else { throw fail("q", "q=\(Q) but (w + 2*padding - s)/stride + 1 = \(q)") }
    }

    /// The product of `dims`, or nil when it overflows or exceeds `limit`.
    package static func checkedProduct(_ dims: [Int], limit: Int = Int.max) -> Int? {
        var product = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (r, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow, r <= limit else { return nil }
            product = r
        }
        return product
    }
}
