import Testing

@testable import SparseSimCore

@Suite struct NetworkCatalogTests {
    /// Published dense MACs and parameter counts (parameters include biases and BatchNorm,
    /// which the catalog's weight counts leave out, hence the 1% tolerance):
    /// ResNet-18/50 and VGG-16 from torchvision's model docs, MobileNet v1 from Howard et al. 2017.
    static let published: [(String, Double, Double)] = [
        ("resnet18", 1.814e9, 11.69e6),
        ("resnet50", 4.089e9, 25.557e6),
        ("vgg16", 15.47e9, 138.36e6),
        ("mobilenet-v1", 569e6, 4.2e6),
    ]

    @Test(arguments: published)
    func imageNetNetworksMatchPublishedCounts(name: String, macs: Double, parameters: Double) throws {
        let model = try #require(NetworkCatalog.model(name))
        for (i, layer) in model.layers.enumerated() { try layer.validate(location: "\(name).layers[\(i)]") }
        let totalMACs = Double(model.layers.reduce(0) { $0 + $1.macs })
        let weights = Double(model.layers.reduce(0) { $0 + $1.weightCount })
        #expect(abs(totalMACs / macs - 1) < 0.01, "\(name): \(totalMACs) MACs")
        #expect(abs(weights / parameters - 1) < 0.01, "\(name): \(weights) weights")
    }

    @Test func smallNetworksHaveTheirDocumentedCounts() throws {
        // Hand counts: weights only, batch 1.
        let expected: [String: (weights: Int, macs: Int, layers: Int)] = [
            "mlp": (784 * 300 + 300 * 100 + 100 * 10, 784 * 300 + 300 * 100 + 100 * 10, 3),
            "lenet5": (150 + 2400 + 48000 + 10080 + 840, 28 * 28 * 150 + 10 * 10 * 2400 + 48000 + 10080 + 840, 5),
            "vgg-small": (288 + 9216 + 18432 + 36864 + 802_816 + 2560,
                          784 * (288 + 9216) + 196 * (18432 + 36864) + 802_816 + 2560, 6),
        ]
        for (name, e) in expected {
            let model = try #require(NetworkCatalog.model(name))
            for layer in model.layers { try layer.validate() }
            #expect(model.layers.count == e.layers, "\(name)")
            #expect(model.layers.reduce(0) { $0 + $1.weightCount } == e.weights, "\(name)")
            #expect(model.layers.reduce(0) { $0 + $1.macs } == e.macs, "\(name)")
        }
        // ResNet-20: 19 convs + fc, 0.27M weights (He et al. report 0.27M parameters).
        let r20 = try #require(NetworkCatalog.model("resnet20"))
        #expect(r20.layers.count == 20)
        let w = r20.layers.reduce(0) { $0 + $1.weightCount }
        #expect(w == 144 + (6 * 2304) + (9216 / 2 + 9216 * 5) + (36864 / 2 + 36864 * 5) + 640)
        #expect(abs(Double(w) / 0.27e6 - 1) < 0.03)
        #expect(r20.layers.last!.C == 64 && r20.layers[13].P == 7)
        // ECN: cascading layer i reads 16i channels at 28, 21, 15, 11, 8, 6 (× 0.75, floored) and
        // writes 16i + 16; by hand, 29,526,880 MACs per sample.
        let ecn = try #require(NetworkCatalog.model("ecn"))
        #expect(ecn.layers.map(\.H) == [28, 28, 21, 15, 11, 8, 6, 1])
        #expect(ecn.layers.dropFirst().dropLast().map(\.K) == [32, 48, 64, 80, 96, 112])
        let byHand: [Int] = [16 * 9 * 784, 32 * 16 * 9 * 784, 48 * 32 * 9 * 441, 64 * 48 * 9 * 225, 80 * 64 * 9 * 121,
                             96 * 80 * 9 * 64, 112 * 96 * 9 * 36, 112 * 10]
        #expect(ecn.layers.map(\.macs) == byHand)
        #expect(ecn.layers.reduce(0) { $0 + $1.macs } == 29_526_880)
    }

    /// AlexNet's convolutions at batch 4 are Eyeriss's JSSC 2017 Table V GMACs (0.42, 0.90,
    /// 0.60, 0.45, 0.30), with 55, 27 and 13 output planes.
    @Test func alexnetMatchesEyerissTable() throws {
        let a = try #require(NetworkCatalog.model("alexnet", batch: 4))
        let convs = a.layers.filter { $0.kind == .conv }
        #expect(convs.map(\.name) == ["conv1", "conv2", "conv3", "conv4", "conv5"])
        #expect(convs.map { (Double($0.macs) / 1e7).rounded() / 100 } == [0.42, 0.90, 0.60, 0.45, 0.30])
        #expect(convs.map(\.P) == [55, 27, 13, 13, 13])
        #expect(convs.map(\.groups) == [1, 2, 1, 2, 2])
        #expect(a.layers.count == 8 && a.layers[5].C == 9216)
    }

    @Test func batchScalesMACsAndUnknownNamesGiveNil() throws {
        let one = try #require(NetworkCatalog.model("resnet18"))
        let eight = try #require(NetworkCatalog.model("resnet18", batch: 8))
        #expect(eight.layers.reduce(0) { $0 + $1.macs } == 8 * one.layers.reduce(0) { $0 + $1.macs })
        #expect(NetworkCatalog.model("googlenet") == nil)
        for name in NetworkCatalog.names { #expect(NetworkCatalog.model(name) != nil) }
        let names = one.layers.map(\.name)
        #expect(Set(names).count == names.count)
    }
}
