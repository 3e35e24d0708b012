import Testing

@testable import SparseSimCore

/// The catalog's transformers against published parameter counts and MACs, and hand counts.
@Suite struct NetworkCatalogTransformerTests {
    /// Weights of the linear and conv layers (matmul layers multiply activations: no weights).
    static func weights(_ m: NetworkShape) -> Int {
        m.layers.filter { $0.kind != .matmul }.reduce(0) { $0 + $1.weightCount }
    }

    /// Published parameter counts, which add biases, norms and position embeddings to the
    /// layers' weights (hence 1 %): GPT-2 small 124,439,808 (Hugging Face `gpt2`, the output
    /// layer tied to the token embedding), ViT-B/16 86,567,656 (timm `vit_base_patch16_224`),
    /// Llama 3.2 1B 1,235,814,400 (Meta's model card: 1.23 B, the output layer tied).
    @Test(arguments: [("gpt2-small", 124_439_808.0), ("vit-b16", 86_567_656.0), ("llama-d2048-l16", 1_235_814_400.0)])
    func publishedParameterCounts(name: String, parameters: Double) throws {
        let m = try #require(NetworkCatalog.model(name))
        for (i, layer) in m.layers.enumerated() { try layer.validate(location: "\(name).layers[\(i)]") }
        let w = Double(Self.weights(m))
        #expect(abs(w / parameters - 1) < 0.01, "\(name): \(w) weights")
    }

    /// ViT-B/16's 17.6 GMACs at 224×224 (timm's table), products between activations included.
    @Test func vitB16MACs() throws {
        let m = try #require(NetworkCatalog.model("vit-b16"))
        let macs = Double(m.layers.reduce(0) { $0 + $1.macs })
        #expect(abs(macs / 17.6e9 - 1) < 0.01, "\(macs)")
        #expect(m.layers.first?.P == 14 && m.layers.first?.kind == .conv)
    }

    /// BERT-Base by hand at `T` tokens: per block `T·(4·768² + 2·768·3072)` linear MACs and
    /// `2·12·T²·64` in the two products, twelve blocks and the pooler's 768².
    @Test(arguments: [1, 128, 512])
    func bertBaseByHand(tokens t: Int) throws {
        let m = try #require(try NetworkCatalog.model("bert-base", batch: 2, sequenceLength: t))
        let block = t * (4 * 768 * 768 + 2 * 768 * 3072) + 2 * 12 * t * t * 64
        #expect(m.layers.reduce(0) { $0 + $1.macs } == 2 * (12 * block + 768 * 768))
        #expect(m.layers.count == 12 * 8 + 1)
        let qk = try #require(m.layers.first { $0.name == "block1.attn.qk" })
        #expect(qk.kind == .matmul && qk.N == 2 && qk.groups == 12 && qk.P == t && qk.channelsPerGroup == 64 && qk.K == 12 * t)
        let pv = try #require(m.layers.first { $0.name == "block1.attn.pv" })
        #expect(pv.channelsPerGroup == t && pv.K / pv.groups == 64)
        #expect(m.layers.first { $0.name == "block1.fc1" }?.N == 2 * t)
    }

    /// Grouped-query attention: Llama's `k` and `v` project to 8 heads of 64, its 32 query heads
    /// share them; the gated MLP has three layers.
    @Test func llamaHasGroupedQueriesAndAGatedMLP() throws {
        let m = try #require(try NetworkCatalog.model("llama-d2048-l16", sequenceLength: 16))
        let names = m.layers.prefix(9).map(\.name)
        #expect(names == ["block1.attn.q", "block1.attn.k", "block1.attn.v", "block1.attn.qk", "block1.attn.pv", "block1.attn.proj",
                          "block1.mlp.gate", "block1.mlp.up", "block1.mlp.down"])
        #expect(m.layers[1].K == 512 && m.layers[3].groups == 32)
        #expect(m.layers.last?.K == 128_256 && m.layers.last?.N == 16)
    }

    /// Lengths a model cannot take are refused with the field; defaults are the documented ones.
    @Test func sequenceLengths() throws {
        #expect(throws: SparseSimError.self) { try NetworkCatalog.model("bert-base", sequenceLength: 513) }
        #expect(throws: SparseSimError.self) { try NetworkCatalog.model("bert-base", sequenceLength: 0) }
        #expect(throws: SparseSimError.self) { try NetworkCatalog.model("vit-b16", sequenceLength: 196) }
        #expect(throws: SparseSimError.self) { try NetworkCatalog.model("resnet18", sequenceLength: 16) }
        do {
            _ = try NetworkCatalog.model("gpt2-small", sequenceLength: 2048)
            Issue.record("2048 tokens accepted")
        } catch let e as SparseSimError {
            #expect(e.field == "sequenceLength")
            #expect(e.message.contains("1024"))
        }
        #expect(try NetworkCatalog.model("googlenet", sequenceLength: 4) == nil)
        #expect(NetworkCatalog.model("bert-base")?.layers.first?.N == 128)
        #expect(NetworkCatalog.model("gpt2-small")?.layers.first?.N == 1024)
        #expect(NetworkCatalog.model("vit-b16")?.layers[1].N == 197)
        #expect(try NetworkCatalog.model("vit-tiny", sequenceLength: 16) == NetworkCatalog.model("vit-tiny"))
    }
}
