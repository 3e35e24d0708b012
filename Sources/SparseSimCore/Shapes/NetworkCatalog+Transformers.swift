// MARK: - Transformers

extension NetworkCatalog {
    /// The vision transformer of the training engine (`vit-tiny`): its sizes.
    ///
    /// 7×7 patches of the 28×28 image make 16 tokens; a token-wise linear layer embeds each
    /// patch's 49 pixels in 64 features, learned position embeddings are added, four pre-LN
    /// encoder blocks (4 heads of 16 features, a GELU MLP of 256 units) follow, then a final
    /// LayerNorm, the mean of the tokens and the classifier.
    public enum ViTTiny {
        /// The patch side.
        public static let patch = 7
        /// Token features.
        public static let width = 64
        /// Encoder blocks.
        public static let depth = 4
        /// Attention heads.
        public static let heads = 4
        /// Units of each block's MLP.
        public static let hidden = 256
    }

    /// A transformer's dimensions: what its layer shapes follow from.
    public struct TransformerDimensions: Sendable, Equatable {
        /// Blocks, token features, attention heads, key/value heads (grouped-query attention:
        /// fewer than `heads`), and MLP units.
        public var layers: Int, width: Int, heads: Int, keyValueHeads: Int, hidden: Int
        /// Whether the MLP is gated (SwiGLU: `gate` and `up`, then `down`) instead of two layers
        /// with GELU; a gated model also normalizes with RMSNorm and rotates queries and keys
        /// (Llama).
        public var gatedMLP: Bool
        /// Whether each block normalizes its input (pre-LN: GPT-2, ViT, Llama) instead of its
        /// residual sums (post-LN: BERT).
        public var preNorm = true
        /// The sequence length used when none is given, and the longest the model takes
        /// (its position embeddings or context); a fixed-length model has both equal.
        public var defaultLength: Int, maximumLength: Int
        /// The shortest sequence the model takes.
        public var minimumLength: Int { fixedLength ? maximumLength : 1 }
        /// Whether the sequence length follows from the input image (vision transformers).
        public var fixedLength: Bool
    }

    /// The catalog's transformers and their dimensions (published configurations).
    ///
    /// - `bert-base`: BERT-Base (Devlin et al. 2019), 12 blocks of 768 features, 12 heads, MLP
    ///   3072, 512 positions; 128 tokens by default (a common fine-tuning length).
    /// - `vit-b16`: ViT-B/16 (Dosovitskiy et al. 2021) at 224×224: 196 patches and the class
    ///   token, 197 tokens; BERT-Base's blocks.
    /// - `gpt2-small`: GPT-2 124M (Radford et al. 2019), BERT-Base's blocks, a 1024-token
    ///   context (the default) and the 50257-word output layer.
    /// - `llama-d2048-l16`: a 1B Llama named by its dimensions — Llama 3.2 1B's: 16 blocks of
    ///   2048 features, 32 heads of 64 with 8 key/value heads, a SwiGLU MLP of 8192, a 128256-word
    ///   output layer; 2048 tokens by default, 131072 at most.
    /// - `vit-tiny`: the training engine's (`ViTTiny`), 16 tokens.
    public static let transformers: [String: TransformerDimensions] = [
        "bert-base": TransformerDimensions(layers: 12, width: 768, heads: 12, keyValueHeads: 12, hidden: 3072, gatedMLP: false,
                                           preNorm: false, defaultLength: 128, maximumLength: 512, fixedLength: false),
        "vit-b16": TransformerDimensions(layers: 12, width: 768, heads: 12, keyValueHeads: 12, hidden: 3072, gatedMLP: false,
                                         defaultLength: 197, maximumLength: 197, fixedLength: true),
        "gpt2-small": TransformerDimensions(layers: 12, width: 768, heads: 12, keyValueHeads: 12, hidden: 3072, gatedMLP: false,
                                            defaultLength: 1024, maximumLength: 1024, fixedLength: false),
        "llama-d2048-l16": TransformerDimensions(layers: 16, width: 2048, heads: 32, keyValueHeads: 8, hidden: 8192, gatedMLP: true,
                                                 defaultLength: 2048, maximumLength: 131_072, fixedLength: false),
        "vit-tiny": TransformerDimensions(layers: ViTTiny.depth, width: ViTTiny.width, heads: ViTTiny.heads, keyValueHeads: ViTTiny.heads,
                                          hidden: ViTTiny.hidden, gatedMLP: false, defaultLength: 16, maximumLength: 16, fixedLength: true),
    ]

    /// The catalog model `name` at `batch`, with transformers at `sequenceLength` tokens
    /// (their default when nil).
    /// - Precondition: `batch >= 1`.
    /// - Throws: `SparseSimError` (setting `sequenceLength`) for a length the model cannot take,
    ///   or any length for a model without a sequence.
    public static func model(_ name: String, batch: Int = 1, sequenceLength: Int?) throws -> NetworkShape? {
        guard let length = sequenceLength else { return model(name, batch: batch) }
        guard let d = transformers[name] else {
            if model(name) == nil { return nil }
            throw SparseSimError.setting("sequenceLength", "\(name) takes images, not sequences (transformers: \(transformers.keys.sorted().joined(separator: ", ")))")
        }
        guard length >= d.minimumLength && length <= d.maximumLength else {
            let takes = d.fixedLength ? "exactly \(d.maximumLength) tokens (its image's patches)" : "1 to \(d.maximumLength) tokens"
            throw SparseSimError.setting("sequenceLength", "\(name) takes \(takes), got \(length)")
        }
        return transformer(name, batch: batch, tokens: length)
    }

    /// A transformer of `transformers` at `tokens` tokens, or nil for another name.
    static func transformer(_ name: String, batch n: Int, tokens t: Int) -> NetworkShape? {
        guard let d = transformers[name] else { return nil }
        let rows = n * t
        var layers: [LayerShape] = []
        switch name {
        case "vit-tiny":
            layers.append(.linear("patch_embed", N: rows, K: d.width, C: ViTTiny.patch * ViTTiny.patch))
        case "vit-b16":
            layers.append(.conv("patch_embed", N: n, K: d.width, C: 3, R: 16, H: 224, stride: 16))
        default:
            break  // token embeddings are looked up, not multiplied
        }
        if !layers.isEmpty { layers[0] = layers[0].adding(.after(.residualAdd)) }  // position embeddings
        for b in 1...d.layers { layers += encoderBlock("block\(b)", batch: n, tokens: t, dimensions: d) }
        if d.preNorm {
            // The final norm over the last block's residual sums.
            layers[layers.count - 1] = layers[layers.count - 1].adding(.after(d.gatedMLP ? .rmsNorm : .layerNorm))
        }
        switch name {
        case "vit-tiny": layers.append(.linear("head", N: n, K: 10, C: d.width))
        case "vit-b16": layers.append(.linear("head", N: n, K: 1000, C: d.width))
        case "bert-base": layers.append(.linear("pooler", N: n, K: d.width, C: d.width))
        case "gpt2-small": layers.append(.linear("lm_head", N: rows, K: 50_257, C: d.width))
        default: layers.append(.linear("lm_head", N: rows, K: 128_256, C: d.width))
        }
        let input = name == "vit-b16" ? [3, 224, 224] : name == "vit-tiny" ? [1, 28, 28] : [t]
        return NetworkShape(name: name, inputShape: input, layers: layers)
    }

    /// One encoder or decoder block over `batch` sequences of `tokens` tokens:
    /// the attention's `q`, `k`, `v` projections (`k` and `v` to `keyValueHeads` heads), its two
    /// products per head (`qk`: `Q_h·K_hᵀ`, `pv`: `P_h·V_h`, matmul layers), `proj`, then the
    /// MLP — `fc1`, `fc2`, or gated `gate`, `up`, `down`. Each linear layer is a GEMM with one
    /// row per token of every sequence. A causal model's products are full `T×T` here; the
    /// masked half is zeros a trace or a density model describes. The vector work rides on the
    /// layers around it (`VectorOp`): norms, softmax after `qk`, the MLP's activation, residual
    /// adds after `proj` and the MLP's last layer, rotary embeddings after Llama's `q` and `k`.
    static func encoderBlock(_ name: String, batch: Int, tokens: Int, dimensions d: TransformerDimensions) -> [LayerShape] {
        let rows = batch * tokens, head = d.width / d.heads, kv = d.keyValueHeads * head
        let norm: VectorFunction = d.gatedMLP ? .rmsNorm : .layerNorm
        // Pre-LN: the norm runs over the block's input (before q, once for q, k and v) and over
        // the attention's residual sum (before the MLP). Post-LN: over both residual sums.
        let inputNorm = d.preNorm ? [VectorOp.before(norm)] : []
        let sumNorm = d.preNorm ? [] : [VectorOp.after(norm)]
        let rotary = d.gatedMLP ? [VectorOp.after(.rotary)] : []
        func linear(_ suffix: String, _ k: Int, _ c: Int, _ ops: [VectorOp] = []) -> LayerShape {
            var shape = LayerShape.linear("\(name).\(suffix)", N: rows, K: k, C: c)
            shape.vectorOps = ops.isEmpty ? nil : ops
            return shape
        }
        var layers: [LayerShape] = [
            linear("attn.q", d.width, d.width, inputNorm + rotary),
            linear("attn.k", kv, d.width, rotary),
            linear("attn.v", kv, d.width),
            LayerShape.matmul("\(name).attn.qk", N: batch, heads: d.heads, rows: tokens, reduction: head, columns: tokens)
                .adding(.after(.softmax)),
            .matmul("\(name).attn.pv", N: batch, heads: d.heads, rows: tokens, reduction: tokens, columns: head),
            linear("attn.proj", d.width, d.width, [.after(.residualAdd)] + sumNorm),
        ]
        if d.gatedMLP {
            layers += [linear("mlp.gate", d.hidden, d.width, inputNorm), linear("mlp.up", d.hidden, d.width, [.after(.swiglu)]),
                       linear("mlp.down", d.width, d.hidden, [.after(.residualAdd)] + sumNorm)]
        } else {
            layers += [linear("fc1", d.hidden, d.width, inputNorm + [.after(.gelu)]),
                       linear("fc2", d.width, d.hidden, [.after(.residualAdd)] + sumNorm)]
        }
        return layers
    }
}
